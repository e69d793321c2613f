// The plan of a generated cluster: nodes (names, MACs, IPs, images), the commands that start them,
// which node fails how, cluster-wide faults, every attempt's timing, and the ground truth.
// Everything here is cheap (a few dozen numbers per node); events are produced later, lazily.

import { image, type ImageDef, type OsFlavor } from './catalog';
import { DEFAULT_MIX, FAILURE_KINDS, KINDS, type Kind, type Outcome } from './kinds';
import { Rng, hash32 } from './prng';
import { scheduleDiskful, scheduleDiskless, type DiskfulSchedule, type Schedule } from './schedule';

const S = 1000;
const MIN = 60 * S;

// ---------------------------------------------------------------------------------------------
// Networks and profiles

export type NetId = 'ens4' | 'ens5' | 'relay';

export interface NetDef {
  id: NetId;
  /** What dhcpd prints after `via`: the MN interface, or the relay agent's address. */
  via: string;
  /** Shared-network name in `no free leases` lines. */
  shared: string;
  /** The MN's address on this network (MASTER_IP for its nodes). */
  mnIp: string;
  /** Network in xCAT's `nets` boot-script name, e.g. 10.0.0.0_16. */
  netname: string;
  prefix: string;
  dynamic: boolean;
}

export const NETS: Readonly<Record<NetId, NetDef>> = {
  ens4: { id: 'ens4', via: 'ens4', shared: 'ens4', mnIp: '10.0.0.1', netname: '10.0.0.0_16', prefix: '10.0', dynamic: true },
  ens5: { id: 'ens5', via: 'ens5', shared: 'ens5', mnIp: '10.1.0.1', netname: '10.1.0.0_16', prefix: '10.1', dynamic: false },
  relay: { id: 'relay', via: '10.20.0.254', shared: 'ens4', mnIp: '10.0.0.1', netname: '10.20.0.0_16', prefix: '10.20', dynamic: false },
};

export type Boot = 'xnba' | 'xnba-uefi' | 'grub2';

export type ProfileId = 'rhel9' | 'rhel9-grub2' | 'rhel7' | 'sles15' | 'diskless' | 'rhel9-gpu' | 'diskless-gpu' | 'rhel9-uefi' | 'relay';

export interface Profile {
  id: ProfileId;
  image: string;
  boot: Boot;
}

export const PROFILES: Readonly<Record<ProfileId, Profile>> = {
  rhel9: { id: 'rhel9', image: 'rhels9.4-x86_64-install-compute', boot: 'xnba' },
  'rhel9-grub2': { id: 'rhel9-grub2', image: 'rhels9.4-x86_64-install-compute', boot: 'grub2' },
  rhel7: { id: 'rhel7', image: 'rhels7.9-x86_64-install-compute', boot: 'xnba' },
  sles15: { id: 'sles15', image: 'sle15.5-x86_64-install-compute', boot: 'xnba' },
  diskless: { id: 'diskless', image: 'rhels9.4-x86_64-netboot-compute', boot: 'xnba' },
  'rhel9-gpu': { id: 'rhel9-gpu', image: 'rhels9.4-x86_64-install-gpu', boot: 'xnba' },
  'diskless-gpu': { id: 'diskless-gpu', image: 'rhels9.4-x86_64-netboot-gpu', boot: 'xnba' },
  'rhel9-uefi': { id: 'rhel9-uefi', image: 'rhels9.4-x86_64-install-compute', boot: 'xnba-uefi' },
  relay: { id: 'relay', image: 'rhels9.4-x86_64-install-compute', boot: 'xnba' },
};

const NORMAL_PROFILE_WEIGHTS: ReadonlyArray<readonly [ProfileId, number]> = [
  ['rhel9', 0.55],
  ['rhel9-grub2', 0.05],
  ['rhel7', 0.12],
  ['sles15', 0.1],
  ['diskless', 0.18],
];

// ---------------------------------------------------------------------------------------------
// Plan types

export interface Attempt {
  /** MAC on the wire during this attempt. */
  mac: string;
  ip: string;
  /** Behaviour of this attempt. */
  kind: Kind;
  schedule: Schedule;
  /** What started it: the batch command, an admin's re-run, or the node rebooting into the installer again. */
  trigger: 'batch' | 'admin' | 'loop';
  /** admin: when the admin's commands start. */
  adminAt?: number;
}

export interface NodePlan {
  index: number;
  name: string;
  /** MAC in xCAT's mac table (what makedhcp registered). */
  definedMac: string;
  /** Defined IP (hosts table). */
  ip: string;
  net: NetDef;
  profile: Profile;
  image: ImageDef;
  os: OsFlavor;
  kind: Kind;
  batch: number;
  attempts: Attempt[];
  postscripts: string[];
  postbootscripts: string[];
  /** Hostname the installer/dracut puts in RFC 5424 headers. */
  installerHost: 'node' | 'localhost';
  /** The installer's DHCP client sends its hostname (dhcpd prints `(cn01)`). */
  dhcpHostname: boolean;
  /** What rsyslog on the MN resolves the node's IP to (%HOSTNAME% for header-less datagrams). */
  fromhost: string;
  /** Installer clock skew (ms): node clock = MN clock - skew. */
  skewMs: number;
  /** Installed OS timezone offset from UTC, minutes (RFC 3164 timestamps are local time). */
  tzMin: number;
  console: boolean;
  /** F8: the address the dynamic range gave the unknown MAC. */
  dynamicIp: string | null;
  /** F27/F28/reinstalled/F22: the script concerned; F27 rc. */
  script: string | null;
  rc: number;
  seed: number;
}

export interface Batch {
  index: number;
  profile: Profile;
  image: ImageDef;
  /** When the admin ran the command (Allowing line). */
  at: number;
  nodes: NodePlan[];
  noderange: string;
  /** Diskless batches: nodeset first, then rpower boot at `powerAt`. */
  command: 'rinstall' | 'nodeset+rpower';
  powerCmdAt: number;
  /** When the command's block was written to commands.log. */
  doneAt: number;
  /** Node powered on → status line time; nodes absent here never powered on (F3). */
  powerOnState: Map<string, 'on reset' | 'off on'>;
  special: boolean;
  running: boolean;
}

export interface Faults {
  /** tftpd could not bind after an xcatd restart: [from, until] (ms). */
  tftpdDown: { from: number; until: number; firstHit: number | null } | null;
  /** A postscript became unreadable (mode 0600) during [from, until]. */
  postscript403: { file: string; from: number; until: number } | null;
  /** A nodeset that failed for a group nobody powered on (commands.log only). */
  nodesetError: { at: number; noderange: string; nodes: string[]; image: string; pkgdir: string } | null;
}

export interface RootCauseTruth {
  /** A distinctive substring of the root-cause line (raw, as in the file). */
  match: string;
  /** The file it is in (node lines: computes.log; they are also in cluster.log when the tag is xcat*). */
  file: string;
}

export interface NodeTruth {
  node: string;
  mac: string;
  ip: string;
  os: OsFlavor;
  image: string;
  outcome: Outcome;
  kind: Kind;
  catalogue: string[];
  rootCause: RootCauseTruth | null;
  /** Substrings of later lines the root cause explains. */
  symptoms: string[];
  /** Earlier attempts of the same node (distractors: a reinstall after a failure). */
  previous: Array<{ mac: string; ip: string; outcome: Outcome; kind: Kind; rootCause: RootCauseTruth | null }>;
  /** MAC registered in xCAT when it differs from the one on the wire. */
  definedMac?: string;
}

export interface GroupTruth {
  kind: string;
  catalogue: string[];
  title: string;
  match: string;
  file: string;
  nodes: string[];
  /** Nodes named by the fault that never started a session (F1). */
  mentions?: string[];
}

export interface ClusterTruth {
  description: string;
  seed: number;
  start: string;
  /** The reference time: the last line of the whole cluster. */
  end: string;
  catalogue: string[];
  nodes: NodeTruth[];
  groups: GroupTruth[];
}

// ---------------------------------------------------------------------------------------------
// Options

export interface ScenarioNode {
  name: string;
  kind?: Kind;
  profile?: ProfileId;
  /** Seconds after `start` when the admin's command runs. */
  at: number;
  net?: NetId;
  mac?: string;
  /** MAC in the mac table when it differs from the booting NIC (F5/F8). */
  definedMac?: string;
  ip?: string;
  /** Nodes with the same batch label share one command. */
  batch?: string;
  installerHost?: 'node' | 'localhost';
  dhcpHostname?: boolean;
  console?: boolean;
  script?: string;
  rc?: number;
  /** F8: the address the dynamic range hands out. */
  dynamicIp?: string;
}

export interface ScenarioSpec {
  description?: string;
  nodes: ScenarioNode[];
  /** Seconds after start of the reference time (default: 2 minutes after the last planned line). */
  end?: number;
  tftpdDown?: { from: number; until: number };
  postscript403?: { file: string; from: number; until: number };
  nodesetError?: { at: number; noderange: string; nodes: string[]; image: string; pkgdir: string };
}

export interface GenerateOptions {
  nodes: number;
  seed: number;
  start: Date;
  /** Per-node failure mix: shares of nodes per kind; 'default' (DEFAULT_MIX) or 'none' (all clean). */
  failures?: Partial<Record<Kind, number>> | 'default' | 'none';
  /** Cluster-wide faults and special racks (default: on for 50+ nodes). */
  clusterFaults?: boolean;
  /** Share of nodes with a console log (default 0.2). */
  consoles?: number;
  /** Cap on package downloads per install (fixtures keep files small). */
  packages?: number;
  /** MN noise multiplier (default 1). */
  noise?: number;
  mnName?: string;
  domain?: string;
  /** Explicit nodes instead of a random mix (fixtures, demos). */
  scenario?: ScenarioSpec;
}

export interface ClusterPlan {
  options: GenerateOptions;
  seed: number;
  start: number;
  endAt: number;
  mnName: string;
  domain: string;
  nodes: NodePlan[];
  batches: Batch[];
  faults: Faults;
  truth: ClusterTruth;
}

// ---------------------------------------------------------------------------------------------
// Helpers

const OUIS = ['3c:ec:ef', 'ac:1f:6b', 'b8:59:9f', '98:03:9b', '0c:c4:7a', '52:54:00', 'e4:43:4b', '7c:c2:55'];

export function macFor(seed: number, index: number, variant: number): string {
  const oui = OUIS[(hash32(seed, 'oui', Math.floor(index / 32), variant) >>> 0) % OUIS.length] as string;
  const low = (Math.imul(index + 1 + variant * 0x5bd1e9, 0x9e3779b1) ^ (hash32(seed, 'mac', variant) & 0xffffff)) & 0xffffff;
  const b = [(low >>> 16) & 255, (low >>> 8) & 255, low & 255].map((x) => x.toString(16).padStart(2, '0'));
  return `${oui}:${b.join(':')}`;
}

function ipFor(net: NetDef, k: number): string {
  return `${net.prefix}.${1 + Math.floor(k / 200)}.${10 + (k % 200)}`;
}

/** `cn0001-cn0064` for consecutive names with one prefix, else a comma list. */
export function noderange(names: readonly string[]): string {
  if (names.length === 1) return names[0] as string;
  const parsed = names.map((n) => /^(.*?)(\d+)$/.exec(n));
  const first = parsed[0];
  if (first && parsed.every((m) => m && m[1] === first[1] && (m[2] as string).length === (first[2] as string).length)) {
    const nums = parsed.map((m) => Number((m as RegExpExecArray)[2]));
    if (nums.every((n, i) => i === 0 || n === (nums[i - 1] as number) + 1)) return `${names[0]}-${names[names.length - 1]}`;
  }
  return names.join(',');
}

function isDiskless(p: Profile): boolean {
  return image(p.image).provmethod === 'netboot';
}

function usesWget(os: OsFlavor): boolean {
  return os !== 'rhel9';
}

export function scheduleFor(node: Pick<NodePlan, 'seed' | 'image' | 'os' | 'postscripts' | 'postbootscripts'>, attempt: number, t0: number): Schedule {
  const rt = Rng.of(node.seed, 'timing', attempt);
  const opts = { postscripts: node.postscripts, postbootscripts: node.postbootscripts, wget: usesWget(node.os) };
  return node.image.provmethod === 'netboot' ? scheduleDiskless(rt, t0, node.image, opts) : scheduleDiskful(rt, t0, node.image, opts);
}

/** getpostscript.awk retries (F24 / F29): 10 tries, 10–19 s apart; returns the request times. */
export function getpostscriptRetries(node: Pick<NodePlan, 'seed'>, attempt: number, from: number): number[] {
  const r = Rng.of(node.seed, 'getpost', attempt);
  const out: number[] = [];
  let t = from;
  for (let i = 0; i < 10; i++) {
    out.push(t);
    t += r.range(10, 19) * S + r.range(0.05, 0.4) * S;
  }
  return out;
}

/** updateflag.awk retries when 3002 fails (F29/F18): 11 tries, 10 s apart. */
export function flagRetries(node: Pick<NodePlan, 'seed'>, attempt: number, from: number): number[] {
  const r = Rng.of(node.seed, 'flag', attempt);
  const out: number[] = [];
  let t = from;
  for (let i = 0; i < 11; i++) {
    out.push(t);
    t += 10 * S + r.range(0.01, 0.3) * S;
  }
  return out;
}

/** When a looping attempt's %post is done and the installer reboots (F29 / F18). */
export function loopRestart(node: Pick<NodePlan, 'seed'>, attempt: number, s: DiskfulSchedule, kind: Kind): number {
  let finish = s.finish;
  if (kind === 'F29') {
    const tries = getpostscriptRetries(node, attempt, s.getpost);
    // post.xcat.ng carries on with an empty script list after the last try.
    finish = (tries[tries.length - 1] as number) + 12 * S;
  }
  const flags = flagRetries(node, attempt, finish + 0.2 * S);
  return (flags[flags.length - 1] as number) + Rng.of(node.seed, 'reboot', attempt).range(20, 40) * S;
}

// ---------------------------------------------------------------------------------------------
// Building the plan

interface Draft {
  nodes: NodePlan[];
  batches: Batch[];
  faults: Faults;
  endAt: number | null;
}

export function buildPlan(options: GenerateOptions): ClusterPlan {
  const seed = options.seed >>> 0;
  const start = options.start.getTime();
  const draft = options.scenario ? scenarioDraft(options, seed, start) : randomDraft(options, seed, start);
  const endAt = Math.ceil(draft.endAt ?? computeEnd(draft.nodes));
  const plan: ClusterPlan = {
    options,
    seed,
    start,
    endAt,
    mnName: options.mnName ?? 'mn01',
    domain: options.domain ?? 'cluster.local',
    nodes: draft.nodes,
    batches: draft.batches,
    faults: draft.faults,
    truth: { description: '', seed, start: '', end: '', catalogue: [], nodes: [], groups: [] },
  };
  plan.truth = buildTruth(plan, options.scenario?.description);
  return plan;
}

function computeEnd(nodes: readonly NodePlan[]): number {
  let end = 0;
  for (const n of nodes) {
    for (const a of n.attempts) {
      end = Math.max(end, a.schedule.end);
      // F32 reports after 90 pings, minutes after postbooting.
      if (a.kind === 'F32' && a.schedule.type === 'diskful') end = Math.max(end, a.schedule.postbooting + 4 * MIN);
    }
  }
  return end + 2 * MIN;
}

function newNode(seed: number, index: number, name: string, profile: Profile, net: NetDef, netIndex: number, batch: number, consoleShare: number): NodePlan {
  const img = image(profile.image);
  const nodeSeed = hash32(seed, 'node', name);
  const r = Rng.of(nodeSeed, 'attrs');
  const skewKind = r.next();
  const skewMs =
    skewKind < 0.7 ? r.range(-2000, 2000) : skewKind < 0.9 ? r.range(-300_000, 300_000) : r.pick([-5, -6, 1, 8]) * 3_600_000 + r.range(-5000, 5000);
  const tz = r.next();
  return {
    index,
    name,
    definedMac: macFor(seed, index, 0),
    ip: ipFor(net, netIndex),
    net,
    profile,
    image: img,
    os: img.os,
    kind: 'clean',
    batch,
    attempts: [],
    postscripts: [...img.postscripts],
    postbootscripts: [...img.postbootscripts],
    installerHost: r.chance(0.6) ? 'node' : 'localhost',
    dhcpHostname: r.chance(0.5),
    fromhost: name,
    skewMs: Math.round(skewMs),
    tzMin: tz < 0.8 ? 0 : tz < 0.9 ? -300 : 60,
    console: r.chance(consoleShare),
    dynamicIp: null,
    script: null,
    rc: 0,
    seed: nodeSeed,
  };
}

/** Batch command timing: Allowing at `at`; nodeset takes ~50 ms/node; nodes power on after. */
function timeBatch(b: Batch, r: Rng): void {
  const n = b.nodes.length;
  if (b.command === 'rinstall') {
    b.powerCmdAt = b.at;
    const powered = b.at + (2 + 0.05 * n) * S + r.range(0.5, 2) * S;
    for (const node of b.nodes) {
      node.attempts[0] = {
        mac: node.definedMac,
        ip: node.ip,
        kind: node.kind,
        trigger: 'batch',
        schedule: scheduleFor(node, 0, powered + r.range(0, 2.5) * S),
      };
      b.powerOnState.set(node.name, r.chance(0.7) ? 'off on' : 'on reset');
    }
    b.doneAt = powered + r.range(2.5, 5) * S;
  } else {
    b.powerCmdAt = b.at + r.range(20, 60) * S;
    const powered = b.powerCmdAt + r.range(1, 3) * S;
    for (const node of b.nodes) {
      node.attempts[0] = {
        mac: node.definedMac,
        ip: node.ip,
        kind: node.kind,
        trigger: 'batch',
        schedule: scheduleFor(node, 0, powered + r.range(0, 2.5) * S),
      };
      b.powerOnState.set(node.name, r.chance(0.7) ? 'off on' : 'on reset');
    }
    b.doneAt = b.at + (1.5 + 0.04 * n) * S + r.range(0.2, 1) * S;
  }
}

function randomDraft(options: GenerateOptions, seed: number, start: number): Draft {
  const N = Math.max(1, Math.floor(options.nodes));
  const r = Rng.of(seed, 'plan');
  const faultsOn = options.clusterFaults ?? N >= 50;
  const consoleShare = options.consoles ?? 0.2;
  const width = Math.max(2, String(N).length);
  const names = Array.from({ length: N }, (_, i) => `cn${String(i + 1).padStart(width, '0')}`);

  // Batch sizes: racks of consecutive names; special racks for cluster-wide kinds.
  const normalSize = Math.max(2, Math.min(64, Math.round(N / 70)));
  const specialSize = Math.max(1, Math.min(24, Math.round(N * 0.005)));
  const runningCount = N >= 20 ? Math.max(1, Math.round(N * 0.02)) : 0;
  const specials: ProfileId[] = faultsOn ? ['rhel9-uefi', 'rhel9-gpu', 'diskless-gpu', 'relay'] : [];
  const stagger = Math.max(30 * MIN, Math.min(60 * MIN, N * 0.3 * S));

  interface Slot {
    profile: ProfileId;
    size: number;
    special: boolean;
    running: boolean;
  }
  const slots: Slot[] = [];
  let remaining = N - runningCount;
  const approxBatches = Math.max(1, Math.ceil(remaining / normalSize));
  const specialAt = new Map<number, ProfileId>();
  for (const sp of specials) {
    let pos = Math.floor(approxBatches * r.range(0.05, 0.55));
    while (specialAt.has(pos)) pos++;
    specialAt.set(pos, sp);
  }
  let k = 0;
  while (remaining > 0) {
    const sp = specialAt.get(k);
    if (sp && remaining > normalSize) {
      const size = Math.min(specialSize, remaining);
      slots.push({ profile: sp, size, special: true, running: false });
      remaining -= size;
    } else {
      const size = Math.min(remaining, Math.max(1, normalSize + r.int(-Math.floor(normalSize / 4), Math.floor(normalSize / 4))));
      slots.push({ profile: r.weighted(NORMAL_PROFILE_WEIGHTS), size, special: false, running: false });
      remaining -= size;
    }
    k++;
  }
  if (runningCount > 0) slots.push({ profile: 'rhel9', size: runningCount, special: false, running: true });

  // The rack whose start the tftpd fault hits: the admin paused before it (restarting xcatd) and after it.
  const normalSlots = slots.map((sl, i) => (!sl.special && !sl.running ? i : -1)).filter((i) => i >= 0);
  const tftpTarget = faultsOn && normalSlots.length >= 4 ? (normalSlots[Math.floor(normalSlots.length * 0.75)] as number) : -1;
  const pauseBefore = r.range(3, 5) * MIN;
  const windowLen = r.range(4, 6) * MIN;
  const pauseAfter = windowLen + r.range(1, 2) * MIN;

  // Nodes and batches.
  const netCounters: Record<NetId, number> = { ens4: 0, ens5: 0, relay: 0 };
  const nodes: NodePlan[] = [];
  const batches: Batch[] = [];
  const regular = slots.filter((s) => !s.running).length;
  let idx = 0;
  let extra = 0;
  slots.forEach((slot, bi) => {
    if (bi === tftpTarget) extra += pauseBefore;
    if (tftpTarget >= 0 && bi === tftpTarget + 1) extra += pauseAfter;
    const profile = PROFILES[slot.profile];
    const net: NetDef = slot.profile === 'relay' ? NETS.relay : !slot.special && !slot.running && r.chance(0.25) ? NETS.ens5 : NETS.ens4;
    const members: NodePlan[] = [];
    for (let j = 0; j < slot.size; j++) {
      const node = newNode(seed, idx, names[idx] as string, profile, net, netCounters[net.id]++, bi, consoleShare);
      if (slot.profile === 'rhel9-uefi') node.kind = 'F10';
      if (slot.profile === 'rhel9-gpu') node.kind = 'F20';
      if (slot.profile === 'diskless-gpu') node.kind = 'F37';
      if (slot.profile === 'relay') node.kind = 'F6';
      if (slot.running) node.kind = 'running';
      members.push(node);
      nodes.push(node);
      idx++;
    }
    const at = slot.running ? 0 : start + 90 * S + extra + (stagger * bi) / Math.max(1, regular) + r.range(0, stagger / Math.max(1, regular) / 2);
    batches.push({
      index: bi,
      profile,
      image: image(profile.image),
      at,
      nodes: members,
      noderange: noderange(members.map((m) => m.name)),
      command: isDiskless(profile) ? 'nodeset+rpower' : 'rinstall',
      powerCmdAt: at,
      doneAt: at,
      powerOnState: new Map(),
      special: slot.special,
      running: slot.running,
    });
  });
  for (const b of batches) if (!b.running) timeBatch(b, Rng.of(seed, 'batch', b.index));

  // Reference time from the clean schedules, then the still-running rack.
  const endAt = Math.ceil(computeEnd(nodes.filter((n) => n.kind !== 'running')));
  for (const b of batches) {
    if (!b.running) continue;
    b.at = endAt - Rng.of(seed, 'running').range(5, 8) * MIN;
    timeBatch(b, Rng.of(seed, 'batch', b.index));
  }

  const faults: Faults = { tftpdDown: null, postscript403: null, nodesetError: null };
  const cleanNormal = () => nodes.filter((n) => n.kind === 'clean' && !batches[n.batch]?.special);

  if (faultsOn) {
    // F1: a nodeset for a group whose distro was never copied — nobody is powered on.
    const gpuNames = Array.from({ length: Math.min(8, Math.max(2, Math.round(N / 600))) }, (_, i) => `gpu${String(i + 1).padStart(2, '0')}`);
    faults.nodesetError = {
      at: start + r.range(25, 60) * S,
      noderange: noderange(gpuNames),
      nodes: gpuNames,
      image: 'rhels9.5-x86_64-install-compute',
      pkgdir: '/install/rhels9.5/x86_64',
    };

    // tftpd down after an xcatd restart, for a few minutes around one rack's start.
    const target = tftpTarget >= 0 ? batches[tftpTarget] : undefined;
    if (target) {
      const from = target.at - r.range(40, 90) * S;
      const until = from + windowLen;
      faults.tftpdDown = { from, until, firstHit: null };
      for (const n of nodes) {
        const s0 = n.attempts[0]?.schedule;
        if (!s0 || batches[n.batch]?.special || n.kind === 'running') continue;
        if (s0.pxe.rrq1 >= from && s0.pxe.rrq1 <= until) {
          n.kind = 'tftpd-down';
          (n.attempts[0] as Attempt).kind = 'tftpd-down';
        }
      }
    }

    // One postscript unreadable (0600) for a few minutes: everyone downloading then gets 403.
    const dl = cleanNormal()
      .map((n) => ({ n, t: (n.attempts[0] as Attempt).schedule.download }))
      .sort((a, b) => a.t - b.t);
    if (dl.length >= 4) {
      const i0 = Math.floor(dl.length * 0.45);
      const kCount = Math.max(2, Math.round(dl.length * 0.03));
      const from = (dl[i0] as { t: number }).t - 0.2 * S;
      const until = (dl[Math.min(dl.length - 1, i0 + kCount - 1)] as { t: number }).t + 0.2 * S;
      faults.postscript403 = { file: 'mlnxofed_ib_install', from, until };
      for (const { n, t } of dl)
        if (t >= from && t <= until) {
          n.kind = 'F22';
          n.script = 'mlnxofed_ib_install';
          (n.attempts[0] as Attempt).kind = 'F22';
        }
    }
  }

  assignKinds(options, seed, N, nodes, batches, faults, endAt, r);

  // The first RRQ that found no tftpd (socket activation starts the wrong tftp server).
  if (faults.tftpdDown) {
    let first = Infinity;
    for (const n of nodes)
      for (const a of n.attempts) {
        const t = a.schedule.pxe.rrq1;
        if (t >= faults.tftpdDown.from && t <= faults.tftpdDown.until && a.kind !== 'F4' && a.kind !== 'F5' && a.kind !== 'F6' && a.kind !== 'F3')
          first = Math.min(first, t);
        if (a.schedule.type === 'diskful') {
          const t2 = a.schedule.pxe2.rrq1;
          if (t2 >= faults.tftpdDown.from && t2 <= faults.tftpdDown.until) first = Math.min(first, t2);
        }
      }
    faults.tftpdDown.firstHit = Number.isFinite(first) ? first : null;
  }
  return { nodes, batches, faults, endAt };
}

interface KindRule {
  eligible: (n: NodePlan) => boolean;
  /** Latest allowed time of the kind's decisive point, from the clean first-attempt schedule. */
  fits: (s: Schedule, endAt: number) => boolean;
}

const diskful = (n: NodePlan) => n.image.provmethod === 'install';
const xnbaDiskful = (n: NodePlan) => diskful(n) && n.profile.boot === 'xnba';
const stall = (t: number, endAt: number) => t <= endAt - 20 * MIN;
const D = (s: Schedule): DiskfulSchedule | null => (s.type === 'diskful' ? s : null);

const RULES: Partial<Record<Kind, KindRule>> = {
  F3: { eligible: diskful, fits: () => true },
  F4: { eligible: () => true, fits: (s, e) => stall(s.t0, e) },
  F5: { eligible: (n) => n.net.id === 'ens5', fits: () => true },
  F8: { eligible: (n) => n.net.id === 'ens4' && n.profile.boot === 'xnba', fits: () => true },
  F9: { eligible: (n) => n.profile.boot !== 'grub2', fits: (s, e) => stall(s.pxe.dhcp.ack, e) },
  F13: { eligible: (n) => n.profile.boot === 'xnba', fits: () => true },
  'F13-silent': { eligible: (n) => n.profile.boot === 'xnba', fits: (s, e) => stall(s.kernel.end, e) },
  F15: { eligible: diskful, fits: () => true },
  F16: { eligible: diskful, fits: (s, e) => stall(D(s)?.stage2.end ?? Infinity, e) },
  F18: { eligible: (n) => xnbaDiskful(n) && n.os === 'rhel9', fits: (s, e) => s.t0 <= e - 26 * MIN },
  F19: { eligible: diskful, fits: (s, e) => stall(D(s)?.repodata ?? Infinity, e) },
  F24: { eligible: (n) => n.os === 'rhel7' || n.os === 'sles15', fits: (s, e) => (D(s)?.getpost ?? Infinity) + 4 * MIN <= e },
  F26: { eligible: (n) => diskful(n) && n.os === 'rhel9', fits: () => true },
  F27: { eligible: diskful, fits: () => true },
  F28: { eligible: diskful, fits: () => true },
  F29: { eligible: (n) => xnbaDiskful(n) && n.os === 'rhel9', fits: (s, e) => s.t0 <= e - 30 * MIN },
  F31: { eligible: diskful, fits: (s, e) => stall(D(s)?.pxe2.script.end ?? Infinity, e) },
  F32: { eligible: diskful, fits: (s, e) => (D(s)?.postbooting ?? Infinity) + 5 * MIN <= e },
  F33: { eligible: (n) => diskful(n) && n.os === 'rhel9', fits: () => true },
  F34: { eligible: diskful, fits: (s, e) => (D(s)?.mpp ?? Infinity) <= e - 25 * MIN },
  F35: { eligible: diskful, fits: () => true },
  F36: { eligible: (n) => diskful(n) && n.os === 'rhel9', fits: () => true },
  F38: { eligible: (n) => !diskful(n), fits: () => true },
  F39: { eligible: (n) => !diskful(n), fits: (s, e) => stall(s.type === 'diskless' ? s.exitRoot : Infinity, e) },
  reinstalled: { eligible: (n) => xnbaDiskful(n) && n.os === 'rhel9', fits: (s, e) => s.t0 <= e - 36 * MIN },
  'nic-replaced': { eligible: (n) => xnbaDiskful(n) && n.os === 'rhel9', fits: (s, e) => s.t0 <= e - 32 * MIN },
};

function inWindow(t: number, w: { from: number; until: number } | null): boolean {
  return !!w && t >= w.from - 60 * S && t <= w.until + 60 * S;
}

function assignKinds(options: GenerateOptions, seed: number, N: number, nodes: NodePlan[], batches: Batch[], faults: Faults, endAt: number, r: Rng): void {
  if (options.failures === 'none') return;
  const mix = options.failures === undefined || options.failures === 'default' ? DEFAULT_MIX : options.failures;
  const counts = new Map<Kind, number>();
  for (const [kind, share] of Object.entries(mix) as Array<[Kind, number]>) {
    if (!RULES[kind]) continue;
    let c = Math.round(share * N);
    if (N >= 60 && share > 0) c = Math.max(1, c);
    if (c > 0) counts.set(kind, c);
  }
  if (N < 60) {
    const kinds = Object.keys(mix).filter((k) => RULES[k as Kind] && (mix[k as Kind] ?? 0) > 0) as Kind[];
    r.shuffle(kinds);
    for (const kind of kinds.slice(0, Math.max(1, Math.floor(N / 4)))) counts.set(kind, Math.max(1, counts.get(kind) ?? 0));
  }
  const kinds = [...counts.keys()].sort((a, b) => FAILURE_KINDS.indexOf(a as never) - FAILURE_KINDS.indexOf(b as never));
  // Demanding kinds first (they need early nodes).
  const order: Kind[] = ['reinstalled', 'F29', 'nic-replaced', 'F18', 'F34', ...kinds];
  const done = new Set<Kind>();
  for (const kind of order) {
    if (done.has(kind) || !counts.has(kind)) continue;
    done.add(kind);
    const rule = RULES[kind];
    if (!rule) continue;
    const want = counts.get(kind) ?? 0;
    const pool = r.shuffle(nodes.filter((n) => n.kind === 'clean' && !batches[n.batch]?.special && rule.eligible(n)));
    let got = 0;
    for (const n of pool) {
      if (got >= want) break;
      const s0 = (n.attempts[0] as Attempt).schedule;
      if (!rule.fits(s0, endAt)) continue;
      if (!applyKind(n, kind, seed, faults, endAt)) continue;
      got++;
    }
  }
}

/** Give a node a kind; builds its attempts; false when its later attempts would collide with a window or the end. */
function applyKind(n: NodePlan, kind: Kind, seed: number, faults: Faults, endAt: number): boolean {
  const first = n.attempts[0] as Attempt;
  const t0 = first.schedule.t0;
  const saved = { postscripts: [...n.postscripts], postbootscripts: [...n.postbootscripts] };
  const restore = () => {
    n.postscripts = saved.postscripts;
    n.postbootscripts = saved.postbootscripts;
    n.kind = 'clean';
    n.attempts = [first];
  };
  n.kind = kind;
  switch (kind) {
    case 'F27':
      n.script = 'confignetwork';
      n.rc = 1;
      break;
    case 'F28':
      n.script = 'site_lustre_mount';
      n.postscripts.push('site_lustre_mount');
      break;
    case 'F34':
      n.script = 'site_gpfs_join';
      n.postbootscripts.unshift('site_gpfs_join');
      break;
    case 'F36':
      n.script = 'setupntp';
      n.postbootscripts.unshift('setupntp');
      break;
    case 'F24':
      n.fromhost = `${n.name}.oldcluster.net`;
      break;
    case 'F29':
      n.fromhost = n.ip;
      break;
    case 'F5':
    case 'F8':
      n.attempts[0] = { ...first, mac: macFor(seed, n.index, 1) };
      break;
    case 'reinstalled':
      n.script = 'site_tuning';
      n.rc = 2;
      n.postscripts.push('site_tuning');
      break;
    default:
      break;
  }
  if (kind === 'F8') n.dynamicIp = `10.0.200.${10 + (n.index % 240)}`;
  const a0: Attempt = {
    ...(n.attempts[0] as Attempt),
    kind: kind === 'reinstalled' ? 'F27' : kind === 'nic-replaced' ? 'F13-silent' : kind,
    schedule: scheduleFor(n, 0, t0),
  };
  if (kind === 'F8' && n.dynamicIp) a0.ip = n.dynamicIp;
  n.attempts = [a0];

  if (kind === 'F29' || kind === 'F18') {
    let prev = a0;
    for (let i = 1; i < 8; i++) {
      const restart = loopRestart(n, i - 1, prev.schedule as DiskfulSchedule, kind);
      if (restart >= endAt) break;
      const next: Attempt = { mac: a0.mac, ip: a0.ip, kind, trigger: 'loop', schedule: scheduleFor(n, i, restart) };
      if (inWindow(next.schedule.pxe.rrq1, faults.tftpdDown) || inWindow(next.schedule.type === 'diskful' ? next.schedule.download : 0, faults.postscript403)) {
        restore();
        return false;
      }
      n.attempts.push(next);
      prev = next;
    }
    if (n.attempts.length < 2) {
      restore();
      return false;
    }
  }
  if (kind === 'reinstalled' || kind === 'nic-replaced') {
    const s0 = a0.schedule as DiskfulSchedule;
    const r = Rng.of(n.seed, 'admin');
    const adminAt = kind === 'reinstalled' ? s0.booted + r.range(2, 4) * MIN : s0.kernel.end + r.range(8, 12) * MIN;
    const mac = kind === 'nic-replaced' ? macFor(seed, n.index, 2) : a0.mac;
    if (kind === 'reinstalled') n.script = 'site_tuning';
    const t1 = adminAt + (kind === 'nic-replaced' ? r.range(40, 90) * S : r.range(3, 8) * S);
    const a1: Attempt = { mac, ip: n.ip, kind: 'clean', trigger: 'admin', adminAt, schedule: scheduleFor(n, 1, t1) };
    if (
      a1.schedule.end >= endAt - MIN ||
      inWindow(a1.schedule.pxe.rrq1, faults.tftpdDown) ||
      inWindow((a1.schedule as DiskfulSchedule).download, faults.postscript403) ||
      inWindow((a1.schedule as DiskfulSchedule).pxe2.rrq1, faults.tftpdDown)
    ) {
      restore();
      return false;
    }
    n.attempts.push(a1);
  }
  const s = a0.schedule;
  if (inWindow(s.type === 'diskful' ? s.download : s.download, faults.postscript403) && kind !== 'F22') {
    // The node would have downloaded postscripts inside the 403 window: keep it honest, pick another.
    const reaches = ![
      'F3',
      'F4',
      'F5',
      'F6',
      'F8',
      'F9',
      'F10',
      'F13',
      'F13-silent',
      'F15',
      'F16',
      'F19',
      'F20',
      'F26',
      'F37',
      'F38',
      'F39',
      'nic-replaced',
    ].includes(kind);
    if (reaches) {
      restore();
      return false;
    }
  }
  if (s.type === 'diskful' && inWindow(s.pxe2.rrq1, faults.tftpdDown) && kind === 'F31') {
    restore();
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Scenario mode: explicit nodes (fixtures, demos)

function scenarioDraft(options: GenerateOptions, seed: number, start: number): Draft {
  const spec = options.scenario as ScenarioSpec;
  const nodes: NodePlan[] = [];
  const batches: Batch[] = [];
  const byBatch = new Map<string, NodePlan[]>();
  const netCounters: Record<NetId, number> = { ens4: 0, ens5: 0, relay: 0 };
  const faults: Faults = {
    tftpdDown: spec.tftpdDown ? { from: start + spec.tftpdDown.from * S, until: start + spec.tftpdDown.until * S, firstHit: null } : null,
    postscript403: spec.postscript403
      ? { file: spec.postscript403.file, from: start + spec.postscript403.from * S, until: start + spec.postscript403.until * S }
      : null,
    nodesetError: spec.nodesetError ? { ...spec.nodesetError, at: start + spec.nodesetError.at * S } : null,
  };
  spec.nodes.forEach((sn, i) => {
    const profile = PROFILES[sn.profile ?? 'rhel9'];
    const net = NETS[sn.net ?? 'ens4'];
    const node = newNode(seed, i, sn.name, profile, net, netCounters[net.id]++, 0, options.consoles ?? 0);
    if (sn.ip) node.ip = sn.ip;
    if (sn.mac) node.definedMac = sn.mac;
    if (sn.definedMac) node.definedMac = sn.definedMac;
    if (sn.installerHost) node.installerHost = sn.installerHost;
    if (sn.dhcpHostname !== undefined) node.dhcpHostname = sn.dhcpHostname;
    if (sn.console !== undefined) node.console = sn.console;
    node.kind = sn.kind ?? 'clean';
    nodes.push(node);
    const label = sn.batch ?? `#${i}`;
    const list = byBatch.get(label) ?? [];
    list.push(node);
    byBatch.set(label, list);
  });
  let bi = 0;
  for (const [label, members] of byBatch) {
    const first = spec.nodes.find((sn) => (sn.batch ?? `#${spec.nodes.findIndex((x) => x === sn)}`) === label) as ScenarioNode;
    const profile = members[0]?.profile ?? PROFILES.rhel9;
    const b: Batch = {
      index: bi,
      profile,
      image: image(profile.image),
      at: start + first.at * S,
      nodes: members,
      noderange: noderange(members.map((m) => m.name)),
      command: isDiskless(profile) ? 'nodeset+rpower' : 'rinstall',
      powerCmdAt: 0,
      doneAt: 0,
      powerOnState: new Map(),
      special: false,
      running: false,
    };
    for (const m of members) m.batch = bi;
    timeBatch(b, Rng.of(seed, 'batch', bi));
    batches.push(b);
    bi++;
  }
  const endGuess = start + (spec.end ?? 0) * S;
  spec.nodes.forEach((sn, i) => {
    const n = nodes[i] as NodePlan;
    const kind = n.kind;
    n.kind = 'clean';
    if (kind === 'clean' || kind === 'running') {
      n.kind = kind;
      return;
    }
    const end = spec.end !== undefined ? endGuess : Infinity;
    if (
      !applyKind(
        n,
        kind,
        seed,
        { ...faults, postscript403: null, tftpdDown: null },
        end === Infinity ? (n.attempts[0] as Attempt).schedule.t0 + 120 * MIN : end,
      )
    ) {
      throw new Error(`scenario: cannot apply kind ${kind} to ${n.name} before the end`);
    }
    if (sn.script) n.script = sn.script;
    if (sn.rc !== undefined) n.rc = sn.rc;
    if (kind === 'F27' && sn.script && !n.postscripts.includes(sn.script)) {
      n.postscripts.push(sn.script);
      for (const a of n.attempts) a.schedule = scheduleFor(n, n.attempts.indexOf(a), a.schedule.t0);
    }
    if (kind === 'F22' && faults.postscript403) n.script = faults.postscript403.file;
    if (sn.mac && (kind === 'F5' || kind === 'F8')) (n.attempts[0] as Attempt).mac = sn.mac;
    if (kind === 'F8' && sn.dynamicIp) {
      n.dynamicIp = sn.dynamicIp;
      (n.attempts[0] as Attempt).ip = sn.dynamicIp;
    }
  });
  if (faults.tftpdDown) {
    let first = Infinity;
    for (const n of nodes)
      for (const a of n.attempts) {
        const t = a.schedule.pxe.rrq1;
        if (t >= faults.tftpdDown.from && t <= faults.tftpdDown.until) first = Math.min(first, t);
      }
    faults.tftpdDown.firstHit = Number.isFinite(first) ? first : null;
  }
  return { nodes, batches, faults, endAt: spec.end !== undefined ? endGuess : null };
}

// ---------------------------------------------------------------------------------------------
// Ground truth

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function rootCauseOf(plan: Pick<ClusterPlan, 'faults'>, n: NodePlan, a: Attempt): RootCauseTruth | null {
  const img = n.image;
  switch (a.kind) {
    case 'F3':
      return { match: `${n.name}: ERROR: Incorrect password provided`, file: 'xcat/commands.log' };
    case 'F5':
      return { match: `DHCPDISCOVER from ${a.mac} via ${n.net.via}: network ${n.net.shared}: no free leases`, file: 'messages' };
    case 'F6':
      return { match: `DHCPDISCOVER from ${a.mac} via ${n.net.via}: unknown network segment`, file: 'messages' };
    case 'F8':
      return { match: `(${a.mac}) Warning: Could not find any nodes using sequential-based discovery`, file: 'xcat/cluster.log' };
    case 'F13':
      return { match: `GET /tftpboot/xcat/osimage/${img.name}/${img.initrd.path} HTTP/1.1" 404`, file: 'httpd/access_log' };
    case 'F15':
      return { match: `GET /install/autoinst/${n.name} HTTP/1.1" 404`, file: 'httpd/access_log' };
    case 'F19':
      return { match: 'Disk detection failed, defaulting to /dev/sda', file: 'xcat/computes.log' };
    case 'F20':
      return { match: `GET ${img.extraRepos[0] ?? ''}/repodata/repomd.xml HTTP/1.1" 404`, file: 'httpd/access_log' };
    case 'F22':
      return { match: `GET /install/postscripts/${n.script ?? plan.faults.postscript403?.file ?? ''} HTTP/1.1" 403`, file: 'httpd/access_log' };
    case 'F24':
      return { match: `Received getpostscript from ${n.fromhost}, which couldn't be correlated to a node (domain mismatch?)`, file: 'xcat/cluster.log' };
    case 'F26':
      return { match: 'Command curl not found, halt ...', file: 'xcat/computes.log' };
    case 'F27':
      return {
        match: n.os === 'rhel9' ? `postscript ${n.script} return with ${n.rc}` : `postscript end...: ${n.script} return with ${n.rc}`,
        file: 'xcat/computes.log',
      };
    case 'F28':
      return { match: `postscript ${n.script} does NOT exist.`, file: 'xcat/computes.log' };
    case 'F29':
      return { match: `received a connection request from unknown host with ip address ${a.ip}`, file: 'xcat/cluster.log' };
    case 'F32':
      return { match: `the network between the node and ${n.net.mnIp} is not ready, please check[retry=90]...`, file: 'xcat/computes.log' };
    case 'F33':
      return { match: `dnf -y install ${n.image.otherpkgs.join(' ')} failed.`, file: 'xcat/computes.log' };
    case 'F35':
      return { match: `The node (${n.name}) is not ready, ignore it.`, file: 'xcat/cluster.log' };
    case 'F36':
      return { match: 'setupntp: Failed to start chrony service', file: 'xcat/computes.log' };
    case 'F37':
      return { match: `GET ${img.rootimg?.path ?? ''} HTTP/1.1" 404`, file: 'httpd/access_log' };
    case 'F38':
      return { match: 'Failed to download image, panic in 5...', file: 'xcat/computes.log' };
    case 'tftpd-down':
      return { match: 'cannot bind to local IPv4 socket: Address already in use', file: 'messages' };
    default:
      return null;
  }
}

function symptomsOf(n: NodePlan, a: Attempt): string[] {
  switch (a.kind) {
    case 'F22':
      return n.image.provmethod === 'install' ? ['failed to download postscripts', `${n.name}: changing status=failed`] : [];
    case 'F24':
      return ['failed to get mypostscript', `${n.name}: changing status=failed`];
    case 'F26':
      return [`${n.name}: changing status=failed`];
    case 'F27':
    case 'F28':
    case 'F35':
    case 'F36':
      return [`provision completed with error.(${n.name})`, `${n.name}: changing status=failed`];
    case 'F33':
      return [`postbootscript otherpkgs return with 1`, `provision completed with error.(${n.name})`];
    case 'F29':
      return ['Received malformed getpostscript requesting, ignore it.'];
    case 'F37':
      return ['FAILED, retrying...'];
    case 'F5':
    case 'F6':
      return [];
    default:
      return [];
  }
}

function buildTruth(plan: ClusterPlan, description?: string): ClusterTruth {
  const nodes: NodeTruth[] = plan.nodes.map((n) => {
    const last = n.attempts[n.attempts.length - 1] as Attempt;
    const rc = n.kind === 'reinstalled' || n.kind === 'nic-replaced' ? null : rootCauseOf(plan, n, last);
    const previous =
      n.kind === 'reinstalled' || n.kind === 'nic-replaced'
        ? [
            {
              mac: (n.attempts[0] as Attempt).mac,
              ip: (n.attempts[0] as Attempt).ip,
              outcome: KINDS[(n.attempts[0] as Attempt).kind].outcome,
              kind: (n.attempts[0] as Attempt).kind,
              rootCause: rootCauseOf(plan, n, n.attempts[0] as Attempt),
            },
          ]
        : [];
    const t: NodeTruth = {
      node: n.name,
      mac: last.mac,
      ip: last.ip,
      os: n.os,
      image: n.image.name,
      outcome: (!n.console && KINDS[n.kind].silent) || KINDS[n.kind].outcome,
      kind: n.kind,
      catalogue: KINDS[n.kind].catalogue,
      rootCause: rc,
      symptoms: n.kind === 'reinstalled' || n.kind === 'nic-replaced' ? [] : symptomsOf(n, last),
      previous,
    };
    if (last.mac !== n.definedMac) t.definedMac = n.definedMac;
    return t;
  });
  const groups: GroupTruth[] = [];
  const byKind = (k: Kind) => nodes.filter((t) => t.kind === k).map((t) => t.node);
  const f = plan.faults;
  if (f.nodesetError) {
    groups.push({
      kind: 'F1',
      catalogue: ['F1'],
      title: 'nodeset failed: distro not copied (copycds)',
      match: `Install image not found in ${f.nodesetError.pkgdir}`,
      file: 'xcat/commands.log',
      nodes: [],
      mentions: f.nodesetError.nodes,
    });
  }
  if (f.tftpdDown && byKind('tftpd-down').length) {
    groups.push({
      kind: 'tftpd-down',
      catalogue: ['F9'],
      title: 'in.tftpd failed to start after an xcatd restart',
      match: 'cannot bind to local IPv4 socket: Address already in use',
      file: 'messages',
      nodes: byKind('tftpd-down'),
    });
  }
  if (f.postscript403 && byKind('F22').length) {
    groups.push({
      kind: 'F22',
      catalogue: ['S3', 'F22'],
      title: `httpd refused /install/postscripts/${f.postscript403.file}`,
      match: `GET /install/postscripts/${f.postscript403.file} HTTP/1.1" 403`,
      file: 'httpd/access_log',
      nodes: byKind('F22'),
    });
  }
  const ens5 = nodes.filter((t) => t.kind === 'F5');
  if (ens5.length >= 2)
    groups.push({
      kind: 'F5',
      catalogue: ['S4', 'F5'],
      title: 'dhcpd has no lease for unknown MACs on ens5',
      match: 'network ens5: no free leases',
      file: 'messages',
      nodes: ens5.map((t) => t.node),
    });
  if (byKind('F6').length)
    groups.push({
      kind: 'F6',
      catalogue: ['F6'],
      title: 'relay subnet 10.20.0.0/16 not in dhcpd.conf',
      match: 'via 10.20.0.254: unknown network segment',
      file: 'messages',
      nodes: byKind('F6'),
    });
  if (byKind('F10').length >= 2)
    groups.push({
      kind: 'F10',
      catalogue: ['S5', 'F10'],
      title: 'xcat/xnba.efi missing: UEFI nodes never get the boot loader',
      match: 'filename xcat/xnba.efi',
      file: 'messages',
      nodes: byKind('F10'),
    });
  if (byKind('F20').length)
    groups.push({
      kind: 'F20',
      catalogue: ['S8', 'F20'],
      title: 'cuda repository missing for rhels9.4-x86_64-install-gpu',
      match: '/install/post/otherpkgs/rhels9.4/x86_64/cuda/repodata/repomd.xml HTTP/1.1" 404',
      file: 'httpd/access_log',
      nodes: byKind('F20'),
    });
  if (byKind('F37').length)
    groups.push({
      kind: 'F37',
      catalogue: ['S13', 'F37'],
      title: 'rootimg missing for rhels9.4-x86_64-netboot-gpu (packimage)',
      match: 'GET //install/netboot/rhels9.4/x86_64/gpu/rootimg.cpio.gz HTTP/1.1" 404',
      file: 'httpd/access_log',
      nodes: byKind('F37'),
    });

  const catalogue = new Set<string>();
  for (const t of nodes) for (const c of t.catalogue) catalogue.add(c);
  for (const g of groups) for (const c of g.catalogue) catalogue.add(c);
  return {
    description: description ?? `Generated cluster: ${plan.nodes.length} nodes, seed ${plan.seed}`,
    seed: plan.seed,
    start: iso(plan.start),
    end: iso(plan.endAt),
    catalogue: [...catalogue].sort(),
    nodes,
    groups,
  };
}
