// Timing model of one provisioning attempt: when each step of a node's install happens.
// Only the timing stream (`rt`) is used here, in a fixed order, so the plan can compute every
// node's key times cheaply (windows, stall margins, the reference time) and the event generator
// later renders exactly the same times.

import type { ImageDef, PsEntry } from './catalog';
import { POSTSCRIPTS_TREE } from './catalog';
import type { Rng } from './prng';

export interface DhcpExchange {
  discover: number;
  offer: number;
  request: number;
  ack: number;
}

export interface Span {
  start: number;
  end: number;
}

/** PXE ROM → TFTP boot loader → xNBA DHCP → per-node boot script (HTTP). */
export interface PxeTimes {
  dhcp: DhcpExchange;
  rrq1: number;
  rrq2: number;
  xnba: DhcpExchange;
  script: Span;
}

export interface DiskfulSchedule {
  type: 'diskful';
  /** Attempt start: power request accepted (status powering-on) or the reboot that restarts a loop. */
  t0: number;
  pxe: PxeTimes;
  kernel: Span;
  initrd: Span;
  instDhcp: DhcpExchange;
  kickstart: Span;
  treeinfo: Span;
  stage2: Span;
  pre: number;
  detect: number;
  found: number;
  repo: number;
  repodata: number;
  pkgStart: number;
  pkgEnd: number;
  post: number;
  download: number;
  walkEnd: number;
  downloaded: number;
  mypost: number;
  getpost: number;
  scripts: Span[];
  finish: number;
  /** Reboot after the install: PXE again (boot state). */
  pxe2: PxeTimes;
  osDhcp: number;
  rsyslog: number;
  postbooting: number;
  mpp: number;
  bootScripts: Span[];
  booted: number;
  end: number;
}

export interface DisklessSchedule {
  type: 'diskless';
  t0: number;
  pxe: PxeTimes;
  kernel: Span;
  initrd: Span;
  dracutDhcp: DhcpExchange;
  deploy: number;
  netbooting: number;
  rootimg: Span;
  ramroot: number;
  exitRoot: number;
  postbooting: number;
  download: number;
  walkEnd: number;
  mypost: number;
  getpost: number;
  /** Postscripts then postbootscripts, all run as `postbootscript` by xcatdsklspost. */
  scripts: Span[];
  booted: number;
  end: number;
}

export type Schedule = DiskfulSchedule | DisklessSchedule;

const S = 1000;

/** Typical run time of a postscript, seconds. */
export function scriptDuration(name: string): [number, number] {
  switch (name) {
    case 'syslog':
      return [0.4, 1.5];
    case 'remoteshell':
      return [1.5, 4];
    case 'syncfiles':
      return [0.8, 2.5];
    case 'confignetwork':
      return [2, 6];
    case 'setupntp':
      return [3, 9];
    case 'otherpkgs':
      return [12, 40];
    case 'site_gpfs_join':
      return [5, 15];
    default:
      return [0.5, 3];
  }
}

export function dhcp(rt: Rng, at: number, requestDelay: [number, number]): DhcpExchange {
  const discover = at;
  const offer = discover + rt.range(0.004, 0.3) * S;
  const request = offer + rt.range(requestDelay[0], requestDelay[1]) * S;
  const ack = request + rt.range(0.002, 0.02) * S;
  return { discover, offer, request, ack };
}

export function pxe(rt: Rng, at: number): PxeTimes {
  const d = dhcp(rt, at, [1, 4]);
  const rrq1 = d.ack + rt.range(0.05, 0.4) * S;
  const rrq2 = rrq1 + rt.range(0.02, 0.15) * S;
  const xnba = dhcp(rt, rrq2 + rt.range(1.2, 2.5) * S, [1.0, 1.3]);
  const start = xnba.ack + rt.range(0.1, 0.4) * S;
  return { dhcp: d, rrq1, rrq2, xnba, script: { start, end: start + rt.range(0.005, 0.03) * S } };
}

function download(rt: Rng, at: number, bytes: number, mbps: [number, number]): Span {
  const rate = rt.range(mbps[0], mbps[1]) * 1e6;
  return { start: at, end: at + Math.max(5, (bytes / rate) * S) };
}

/** Number of GETs of a recursive postscripts download (curl walk or wget -r with sort pages). */
export function walkCount(tree: readonly PsEntry[], wget: boolean): number {
  let n = 1 + (wget ? 8 : 0);
  for (const e of tree) {
    if (e.children) n += walkCount(e.children, wget);
    else if (!(wget && (e.name === 'post.xcat.ng' || e.name === 'post.xcat.rhels10'))) n += 1;
  }
  return n;
}

export interface ScheduleOptions {
  postscripts: readonly string[];
  postbootscripts: readonly string[];
  /** true for wget-based downloads (post.xcat, xcatdsklspost). */
  wget: boolean;
}

export function scheduleDiskful(rt: Rng, t0: number, img: ImageDef, opts: ScheduleOptions): DiskfulSchedule {
  const p1 = pxe(rt, t0 + rt.range(35, 75) * S);
  const kernel = download(rt, p1.script.end + rt.range(0.05, 0.3) * S, img.kernel.bytes, [40, 110]);
  const initrd = download(rt, kernel.end + rt.range(0.02, 0.1) * S, img.initrd.bytes, [30, 110]);
  const instDhcp = dhcp(rt, initrd.end + rt.range(12, 30) * S, [0.5, 2]);
  const ksStart = instDhcp.ack + rt.range(1.5, 4) * S;
  const kickstart = { start: ksStart, end: ksStart + rt.range(0.01, 0.05) * S };
  const tiStart = kickstart.end + rt.range(0.3, 1.0) * S;
  const treeinfo = { start: tiStart, end: tiStart + rt.range(0.004, 0.02) * S };
  const stage2 = download(rt, treeinfo.end + rt.range(0.2, 0.8) * S, img.stage2?.bytes ?? 400_000_000, [30, 90]);
  const pre = stage2.end + rt.range(35, 75) * S;
  const detect = pre + rt.range(1, 2.5) * S;
  const found = detect + rt.range(0.5, 3) * S;
  const repo = found + rt.range(0.2, 1) * S;
  const repodata = repo + rt.range(15, 40) * S;
  const pkgStart = repodata + rt.range(8, 20) * S;
  rt.int(300, 420); // package count: drawn for stream stability; the emitter uses packageCount()
  const pkgEnd = pkgStart + rt.range(240, 480) * S;
  const post = pkgEnd + rt.range(30, 90) * S;
  const download_ = post + rt.range(0, 49) * S + rt.range(0.2, 0.6) * S;
  const gets = walkCount(POSTSCRIPTS_TREE, opts.wget);
  const walkEnd = download_ + gets * rt.range(0.015, 0.05) * S;
  const downloaded = walkEnd + rt.range(0.05, 0.2) * S;
  const mypost = downloaded + rt.range(0.02, 0.1) * S;
  const getpost = mypost + rt.range(0.5, 2.0) * S;
  const scripts: Span[] = [];
  let t = getpost + rt.range(0.3, 1.0) * S;
  for (const name of opts.postscripts) {
    const [lo, hi] = scriptDuration(name);
    const start = t + rt.range(0.1, 0.4) * S;
    const end = start + rt.range(lo, hi) * S;
    scripts.push({ start, end });
    t = end;
  }
  const finish = t + rt.range(0.5, 2.0) * S;
  const p2 = pxe(rt, finish + rt.range(45, 110) * S);
  const osDhcp = p2.script.end + rt.range(12, 25) * S;
  const rsyslog = osDhcp + rt.range(2, 8) * S;
  const postbooting = rsyslog + rt.range(4, 12) * S;
  const mpp = postbooting + rt.range(1, 10) * S;
  const bootScripts: Span[] = [];
  t = mpp + rt.range(0.1, 0.5) * S;
  for (const name of opts.postbootscripts) {
    const [lo, hi] = scriptDuration(name);
    const start = t + rt.range(0.1, 0.4) * S;
    const end = start + rt.range(lo, hi) * S;
    bootScripts.push({ start, end });
    t = end;
  }
  const booted = t + rt.range(0.2, 0.8) * S;
  return {
    type: 'diskful',
    t0,
    pxe: p1,
    kernel,
    initrd,
    instDhcp,
    kickstart,
    treeinfo,
    stage2,
    pre,
    detect,
    found,
    repo,
    repodata,
    pkgStart,
    pkgEnd,
    post,
    download: download_,
    walkEnd,
    downloaded,
    mypost,
    getpost,
    scripts,
    finish,
    pxe2: p2,
    osDhcp,
    rsyslog,
    postbooting,
    mpp,
    bootScripts,
    booted,
    end: booted + 1 * S,
  };
}

export function scheduleDiskless(rt: Rng, t0: number, img: ImageDef, opts: ScheduleOptions): DisklessSchedule {
  const p1 = pxe(rt, t0 + rt.range(35, 75) * S);
  const kernel = download(rt, p1.script.end + rt.range(0.05, 0.3) * S, img.kernel.bytes, [40, 110]);
  const initrd = download(rt, kernel.end + rt.range(0.02, 0.1) * S, img.initrd.bytes, [30, 110]);
  const dracutDhcp = dhcp(rt, initrd.end + rt.range(8, 20) * S, [0.5, 2]);
  const deploy = dracutDhcp.ack + rt.range(2, 6) * S;
  const netbooting = deploy + rt.range(0.1, 0.5) * S;
  const rootimg = download(rt, netbooting + rt.range(0.5, 1.5) * S, img.rootimg?.bytes ?? 600_000_000, [25, 90]);
  const ramroot = rootimg.end + rt.range(0.1, 0.4) * S;
  const exitRoot = ramroot + rt.range(15, 35) * S;
  const postbooting = exitRoot + rt.range(15, 30) * S;
  const download_ = postbooting + rt.range(1, 4) * S;
  const gets = walkCount(POSTSCRIPTS_TREE, true);
  const walkEnd = download_ + gets * rt.range(0.015, 0.05) * S;
  const mypost = walkEnd + rt.range(0.2, 1) * S;
  const getpost = mypost + rt.range(0.5, 2.0) * S;
  const scripts: Span[] = [];
  let t = getpost + rt.range(0.3, 1.0) * S;
  for (const name of [...opts.postscripts, ...opts.postbootscripts]) {
    const [lo, hi] = scriptDuration(name);
    const start = t + rt.range(0.1, 0.4) * S;
    const end = start + rt.range(lo, hi) * S;
    scripts.push({ start, end });
    t = end;
  }
  const booted = t + rt.range(0.2, 0.8) * S;
  return {
    type: 'diskless',
    t0,
    pxe: p1,
    kernel,
    initrd,
    dracutDhcp,
    deploy,
    netbooting,
    rootimg,
    ramroot,
    exitRoot,
    postbooting,
    download: download_,
    walkEnd,
    mypost,
    getpost,
    scripts,
    booted,
    end: booted + 1 * S,
  };
}
