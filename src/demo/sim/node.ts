// One node's story as events, in time order: every attempt, each step of it, and the failure its
// kind dictates. Lines are produced phase by phase (a few dozen at a time) so thousands of nodes
// can be merged lazily.

import { AGENT, LATER_NODE_LINES, POSTSCRIPTS_TREE, bootBacklog, indexBytes, packagePaths, type PsEntry } from './catalog';
import type { EmitCtx } from './ctx';
import { FACILITY, SEV, syslogFiles, type ClusterEvent, type HttpEvent, type LogFile, type SyslogEvent, type Wire } from './events';
import type { Kind } from './kinds';
import { flagRetries, getpostscriptRetries, type Attempt, type NodePlan } from './plan';
import { Rng } from './prng';
import type { DhcpExchange, DiskfulSchedule, DisklessSchedule, PxeTimes, Span } from './schedule';

const S = 1000;
const F_ACCESS: readonly LogFile[] = Object.freeze(['httpd/access_log']);

type NodeMode = 'installer' | 'os-logger' | 'os-rsyslog' | 'genesis';

/** Kinds whose attempt ends with status failed after the postbootscripts. */
const FAILS_AT_END: ReadonlySet<Kind> = new Set<Kind>(['F27', 'F28', 'F33', 'F35', 'F36']);

/** A node's events in time order, as sorted chunks (one per phase). */
export function* nodeChunks(ctx: EmitCtx, node: NodePlan): Generator<ClusterEvent[]> {
  yield* new NodeEmitter(ctx, node).run();
}

class NodeEmitter {
  private buf: ClusterEvent[] = [];
  private last = 0;
  private cut = false;
  private readonly rd: Rng;
  private readonly endAt: number;
  private cur: Attempt;
  private ai = 0;
  private succeeded = false;

  constructor(
    private readonly ctx: EmitCtx,
    private readonly n: NodePlan,
  ) {
    this.rd = Rng.of(n.seed, 'detail');
    this.endAt = ctx.plan.endAt;
    this.cur = n.attempts[0] as Attempt;
  }

  *run(): Generator<ClusterEvent[]> {
    for (let i = 0; i < this.n.attempts.length; i++) {
      const a = this.n.attempts[i] as Attempt;
      this.cur = a;
      this.ai = i;
      if (a.trigger === 'admin') this.admin(a);
      if (a.kind === 'F3') continue; // never powered on: only the batch command shows it
      if (a.schedule.type === 'diskless') yield* this.diskless(a, a.schedule);
      else yield* this.diskful(a, a.schedule);
      if (this.cut) return;
    }
    if (this.succeeded) yield* this.afterwards();
  }

  // -------------------------------------------------------------------------------------------
  // plumbing

  private *flush(): Generator<ClusterEvent[]> {
    const b = this.buf;
    if (b.length === 0) return;
    this.buf = [];
    b.sort((x, y) => x.at - y.at);
    let keep = b.length;
    for (let i = 0; i < b.length; i++) {
      const ev = b[i] as ClusterEvent;
      if (ev.at > this.endAt) {
        this.cut = true;
        keep = i;
        break;
      }
      if (ev.at < this.last) {
        this.ctx.stats.reordered++;
        ev.at = this.last;
      }
      this.last = ev.at;
    }
    if (keep < b.length) b.length = keep;
    if (b.length) yield b;
  }

  /** Yield buffered events up to `t`, keep later ones (e.g. console lines ahead of a long phase). */
  private *flushBefore(t: number): Generator<ClusterEvent[]> {
    const keep = this.buf.filter((e) => e.at > t);
    this.buf = this.buf.filter((e) => e.at <= t);
    yield* this.flush();
    this.buf = keep;
  }

  private get name(): string {
    return this.n.name;
  }

  private mnLine(at: number, tag: string, pid: number | null, message: string, severity: number = SEV.info, facility: number = FACILITY.daemon): SyslogEvent {
    const files = syslogFiles('mn', tag, facility, severity);
    const ev: SyslogEvent = {
      type: 'syslog',
      at,
      origin: 'mn',
      file: files[0] ?? 'messages',
      files,
      about: this.name,
      host: this.ctx.mnName,
      tag,
      pid,
      facility,
      severity,
      message,
      wire: null,
    };
    this.buf.push(ev);
    return ev;
  }

  private xcat(at: number, message: string, severity: number = SEV.info, pid?: number): SyslogEvent {
    return this.mnLine(at, 'xcat', pid ?? this.ctx.pidAt(at, this.rd), message, severity, FACILITY.local4);
  }

  private status(at: number, status: string, pid?: number): SyslogEvent {
    return this.xcat(at, `xcat.updatestatus - ${this.name}: changing status=${status}`, SEV.info, pid);
  }

  private dhcpd(at: number, message: string): SyslogEvent {
    return this.mnLine(at, 'dhcpd', this.ctx.dhcpdPid, message);
  }

  private tftp(at: number, message: string, pid: number, severity: number = SEV.notice): SyslogEvent {
    return this.mnLine(at, 'in.tftpd', pid, message, severity);
  }

  private nodeLine(
    at: number,
    tag: string,
    message: string,
    severity: number,
    mode: NodeMode,
    opts: { pid?: number | null; clockAt?: number; facility?: number } = {},
  ): SyslogEvent {
    const n = this.n;
    const ip = mode === 'genesis' ? (n.dynamicIp ?? this.cur.ip) : this.cur.ip;
    let format: Wire['format'] = 'rfc5424';
    let hostname: string | null = n.name;
    let nul = false;
    let synced = false;
    let tzMin = 0;
    let clock = at - this.rd.range(0.5, 4);
    if (mode === 'installer') {
      clock -= n.skewMs;
      if (n.os === 'rhel7') {
        format = 'rfc3164';
        hostname = null;
        nul = true;
      } else hostname = n.installerHost === 'node' ? n.name : 'localhost';
    } else if (mode === 'os-logger') {
      synced = true;
      if (n.os === 'rhel7') {
        format = 'rfc3164';
        hostname = null;
        nul = true;
        tzMin = n.tzMin;
      }
    } else if (mode === 'os-rsyslog') {
      format = 'rfc3164';
      tzMin = n.tzMin;
      if (opts.clockAt !== undefined) clock = opts.clockAt;
    } else {
      format = 'rfc3164';
      hostname = ip;
      clock -= n.skewMs;
    }
    const fromhost = mode === 'genesis' ? ip : n.fromhost;
    const wire: Wire = { ip, format, hostname, clock: Math.round(clock), tzMin, synced, nul, fromhost };
    const facility = opts.facility ?? FACILITY.local4;
    const files = syslogFiles('node', tag, facility, severity);
    const ev: SyslogEvent = {
      type: 'syslog',
      at,
      origin: 'node',
      file: files[0] ?? 'xcat/computes.log',
      files,
      about: n.name,
      host: hostname ?? fromhost,
      tag,
      pid: opts.pid ?? null,
      facility,
      severity,
      message,
      wire,
    };
    this.buf.push(ev);
    return ev;
  }

  /** A line the installer / dracut sends with msgutil_r (logger -n). */
  private inst(at: number, message: string, severity: number = SEV.info, tag = 'xcat.deployment'): SyslogEvent {
    return this.nodeLine(at, tag, message, severity, 'installer');
  }

  /** A msgutil_r line from the installed OS. */
  private osl(at: number, message: string, severity: number = SEV.info, tag = 'xcat.deployment'): SyslogEvent {
    return this.nodeLine(at, tag, message, severity, 'os-logger');
  }

  /** A local syslog line the installed OS forwards (after the syslog postscript). */
  private fwd(
    at: number,
    tag: string,
    message: string,
    severity: number = SEV.info,
    pid: number | null = null,
    facility: number = FACILITY.local4,
    clockAt?: number,
  ): SyslogEvent {
    return this.nodeLine(at, tag, message, severity, 'os-rsyslog', clockAt === undefined ? { pid, facility } : { pid, facility, clockAt });
  }

  private http(
    start: number,
    end: number,
    path: string,
    status: number,
    bytes: number,
    agent: string,
    client?: string,
    method: 'GET' | 'HEAD' = 'GET',
  ): HttpEvent {
    const ev: HttpEvent = {
      type: 'http',
      at: end,
      startedAt: start,
      origin: 'mn',
      file: 'httpd/access_log',
      files: F_ACCESS,
      about: this.name,
      client: client ?? this.cur.ip,
      method,
      path,
      protocol: 'HTTP/1.1',
      status,
      bytes,
      referer: '-',
      agent,
    };
    this.buf.push(ev);
    return ev;
  }

  private console(at: number, text: string): void {
    if (!this.n.console) return;
    const file = `consoles/${this.name}` as LogFile;
    this.buf.push({ type: 'console', at, origin: 'node', file, files: [file], about: this.name, node: this.name, text });
  }

  private mark(ev: ClusterEvent): void {
    ev.cause = [this.name];
  }

  private dhcp(x: DhcpExchange, mac: string, ip: string, hostname: string | null, opts: { skipDiscover?: boolean } = {}): void {
    const h = hostname ? ` (${hostname})` : '';
    const via = this.n.net.via;
    if (!opts.skipDiscover) {
      this.dhcpd(x.discover, `DHCPDISCOVER from ${mac}${h} via ${via}`);
      this.dhcpd(x.offer, `DHCPOFFER on ${ip} to ${mac}${h} via ${via}`);
    }
    this.dhcpd(x.request, `DHCPREQUEST for ${ip} (${this.n.net.mnIp}) from ${mac}${h} via ${via}`);
    this.dhcpd(x.ack, `DHCPACK on ${ip} to ${mac}${h} via ${via}`);
  }

  private dhcpAt(at: number, req: [number, number] = [1, 4]): DhcpExchange {
    const offer = at + this.rd.range(0.004, 0.3) * S;
    const request = offer + this.rd.range(req[0], req[1]) * S;
    return { discover: at, offer, request, ack: request + this.rd.range(0.002, 0.02) * S };
  }

  private agents(): { ks: string; tree: string; pkg: string; walk: string } {
    switch (this.n.os) {
      case 'rhel7':
        return { ks: AGENT.rh7curl, tree: AGENT.rh7anaconda, pkg: AGENT.rh7yum, walk: AGENT.rh7wget };
      case 'sles15':
        return { ks: AGENT.slescurl, tree: AGENT.slesyast, pkg: AGENT.slesZypp, walk: AGENT.sleswget };
      default:
        return { ks: AGENT.rh9curl, tree: AGENT.rh9anaconda, pkg: AGENT.rh9dnf, walk: this.n.image.provmethod === 'netboot' ? AGENT.rh9wget : AGENT.rh9curl };
    }
  }

  // -------------------------------------------------------------------------------------------
  // xcatd install monitor (port 3002)

  private monitor(
    at: number,
    verb: 'installmonitor' | 'installing' | 'netbooting' | 'postbooting' | 'booted' | 'failed' | 'next' | 'syncfiles',
    kind: Kind,
  ): number {
    if (kind === 'F18') return at; // TCP 3002 blocked: nothing reaches xcatd
    const ip = this.cur.ip;
    const pid = this.ctx.imPid(at);
    let t = at;
    const step = () => (t += this.rd.range(0.001, 0.02) * S);
    this.xcat(t, `xcatd: install monitor received a connection request from ${ip}`, SEV.info, pid);
    if (kind === 'F29') {
      const ev = this.xcat(
        step(),
        `xcatd: received a connection request from unknown host with ip address ${ip}, please check whether the reverse name resolution works correctly. The connection request will be ignored`,
        SEV.err,
        pid,
      );
      if (this.firstCause === null) {
        this.firstCause = ev;
        this.mark(ev);
      }
      return t;
    }
    this.xcat(step(), `xcatd: ${ip} is matched with node ${this.name}`, SEV.info, pid);
    switch (verb) {
      case 'installmonitor':
        this.xcat(step(), 'xcatd: handle installmonitor requesting from installmonitor#012...', SEV.info, pid);
        break;
      case 'installing':
      case 'netbooting':
        this.xcat(step(), `xcat.updatestatus - ${this.name}: provisioning detected...`, SEV.info, pid);
        t += this.rd.range(0.01, 0.2) * S;
        this.status(t, verb, pid);
        break;
      case 'next':
        this.xcat(step(), `xcatd: triggering 'nodeset ${this.name} next'...`, SEV.info, pid);
        t += this.rd.range(0.2, 0.9) * S;
        this.status(t, 'booting', pid);
        break;
      case 'syncfiles':
        this.xcat(step(), `xcatd: handle syncfiles requesting from ${this.name}...`, SEV.info, pid);
        t += this.rd.range(0.1, 0.8) * S;
        break;
      default:
        t += this.rd.range(0.01, 0.2) * S;
        this.status(t, verb, pid);
    }
    this.xcat(step(), `xcatd: finish a connection request for ${this.name} from ${ip}`, SEV.info, pid);
    return t;
  }

  private firstCause: ClusterEvent | null = null;

  private cause(ev: ClusterEvent): ClusterEvent {
    if (this.firstCause === null) {
      this.firstCause = ev;
      this.mark(ev);
    }
    return ev;
  }

  // -------------------------------------------------------------------------------------------
  // boot firmware

  private consoleBios(at: number): void {
    if (!this.n.console) return;
    this.console(at + 3 * S, '\x1b[2J\x1b[01;01HVersion 2.21.1278. Copyright (C) 2021 American Megatrends, Inc.');
    this.console(at + 3.1 * S, 'BIOS Date: 10/20/2020 14:43:59 Ver: 3.4');
    this.console(at + 9 * S, 'Press <DEL> or <F2> to enter setup, <F11> to enter boot menu, <F12> to boot from network.');
  }

  private consolePxe(x: DhcpExchange, mac: string, ip: string, file: string, ok: boolean): void {
    if (!this.n.console) return;
    const m = mac.toUpperCase().split(':').join(' ');
    this.console(x.discover - 0.5 * S, '>>Start PXE over IPv4.');
    this.console(
      x.discover - 0.4 * S,
      `CLIENT MAC ADDR: ${m}  GUID: ${this.n.seed.toString(16).toUpperCase().padStart(8, '0')}-0000-1000-8000-${mac.split(':').join('').toUpperCase()}`,
    );
    if (!ok) return;
    this.console(x.ack + 0.01 * S, `CLIENT IP: ${ip}  MASK: 255.255.0.0  DHCP IP: ${this.n.net.mnIp}`);
    this.console(x.ack + 0.02 * S, `  NBP filename is ${file}`);
  }

  /** PXE → TFTP boot loader → xNBA DHCP → per-node script; in `boot` state the script says `#boot` / `exit`. */
  private bootloader(p: PxeTimes, state: 'install' | 'boot' | 'netboot'): void {
    const n = this.n;
    const ip = this.cur.ip;
    const mac = this.cur.mac;
    if (n.profile.boot === 'grub2') {
      const pid1 = this.ctx.pidAt(p.rrq1, this.rd);
      this.tftp(p.rrq1, `RRQ from ${ip} filename /boot/grub2/grub2-${n.name}`, pid1);
      if (state === 'boot') return; // the symlink is removed in boot state: firmware falls back to disk
      this.tftp(p.rrq1 + 2, 'tftp: client does not accept options', pid1, SEV.warning);
      this.tftp(p.rrq2, `RRQ from ${ip} filename /boot/grub2/grub2-${n.name}`, pid1 + 1 + this.rd.int(0, 2));
      this.tftp(p.script.start, `RRQ from ${ip} filename /boot/grub2/grub.cfg-01-${mac.split(':').join('-')}`, pid1 + 4 + this.rd.int(0, 2));
      return;
    }
    const uefi = n.profile.boot === 'xnba-uefi';
    const file = uefi ? 'xcat/xnba.efi' : 'xcat/xnba.kpxe';
    const pid1 = this.ctx.pidAt(p.rrq1, this.rd);
    this.tftp(p.rrq1, `RRQ from ${ip} filename ${file}`, pid1);
    this.tftp(p.rrq1 + 1, 'tftp: client does not accept options', pid1, SEV.warning);
    this.tftp(p.rrq2, `RRQ from ${ip} filename ${file}`, pid1 + 1 + this.rd.int(0, 2));
    this.dhcp(p.xnba, mac, ip, null);
    const script = `/tftpboot/xcat/xnba/nodes/${n.name}${uefi ? '.uefi' : ''}`;
    const bytes = state === 'boot' ? 18 : 880 + ((n.seed >>> 3) % 160) + n.name.length * 4;
    this.http(p.script.start, p.script.end, script, 200, bytes, AGENT.xnba);
    if (n.console) {
      this.console(p.xnba.discover - 0.2 * S, 'iPXE 1.0.0+ -- Open Source Network Boot Firmware -- http://ipxe.org');
      this.console(p.xnba.ack + 0.01 * S, `Configuring (net0 ${mac})...... ok`);
      this.console(p.script.end + 0.01 * S, `http://${n.net.mnIp}/tftpboot/xcat/xnba/nodes/${n.name}... ok`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // admin re-runs (distractors)

  private admin(a: Attempt): void {
    const n = this.n;
    const at = a.adminAt ?? a.schedule.t0 - 10 * S;
    let t = at;
    const block = (cmd: string, nr: string | null, args: string[], responses: string[], dur: number) => {
      const pid = this.ctx.pidAt(t, this.rd);
      const argText = args.length ? ` ${args.join(' ')}` : '';
      this.xcat(t, `xCAT: Allowing ${cmd}${nr ? ` to ${nr}` : ''}${argText} for root from localhost`, SEV.info, pid);
      this.buf.push({
        type: 'command',
        at: t + dur,
        startedAt: t,
        origin: 'mn',
        file: 'xcat/commands.log',
        files: ['xcat/commands.log'],
        about: n.name,
        clientType: 'cli',
        command: cmd,
        noderange: nr,
        args,
        responses,
        numberNodes: nr ? 1 : 0,
      });
      return pid;
    };
    if (n.kind === 'nic-replaced') {
      block('chdef', null, ['-t', 'node', '-o', n.name, `mac=${a.mac}`], ['1 object definitions have been created or modified.'], this.rd.range(0.3, 0.9) * S);
      t += this.rd.range(20, 40) * S;
      block('makedhcp', n.name, [], [], this.rd.range(0.5, 2) * S);
      t = a.schedule.t0 - this.rd.range(2, 3.5) * S;
    } else {
      t = a.schedule.t0 - this.rd.range(2, 3.5) * S;
    }
    const pid = block('rinstall', n.name, [`osimage=${n.image.name}`], [`Provision node(s): ${n.name}`], this.rd.range(4, 7) * S);
    this.adminPid = pid;
  }

  private adminPid: number | null = null;

  private powerPid(a: Attempt): number {
    if (a.trigger === 'admin' && this.adminPid !== null) return this.adminPid;
    return this.ctx.batchPid(this.n.batch);
  }

  // -------------------------------------------------------------------------------------------
  // diskful install

  private *diskful(a: Attempt, s: DiskfulSchedule): Generator<ClusterEvent[]> {
    const n = this.n;
    const k = a.kind;
    const img = n.image;
    const mn = n.net.mnIp;
    const ng = n.os === 'rhel9';
    const ag = this.agents();
    const mac = a.mac;
    const ip = a.ip;
    this.firstCause = null;
    this.succeeded = false;

    // 1. Power on.
    if (a.trigger !== 'loop') this.status(s.t0, 'powering-on', this.powerPid(a));
    this.consoleBios(s.t0);
    yield* this.flush();
    if (k === 'F4' || this.cut) return;
    if (k === 'F5' || k === 'F6') {
      this.noLease(s.pxe.dhcp.discover, mac, k);
      yield* this.flush();
      return;
    }
    if (k === 'F8') {
      yield* this.genesis(s);
      return;
    }

    // 2. PXE (install state).
    this.dhcp(s.pxe.dhcp, mac, ip, null);
    const tftpDown = k === 'tftpd-down' || this.ctx.tftpDownAt(s.pxe.rrq1);
    if (k === 'F9' || tftpDown) {
      this.consolePxe(s.pxe.dhcp, mac, ip, 'xcat/xnba.kpxe', true);
      this.console(s.pxe.rrq1 + 4 * S, 'PXE-E32: TFTP open timeout');
      const again = this.dhcpAt(s.pxe.dhcp.ack + this.rd.range(18, 30) * S);
      this.dhcp(again, mac, ip, null);
      this.console(again.ack + 4 * S, 'PXE-E32: TFTP open timeout');
      this.console(again.ack + 6 * S, 'No bootable device -- insert boot disk and press any key');
      yield* this.flush();
      return;
    }
    if (k === 'F10') {
      let t = s.pxe.rrq1;
      for (let round = 0; round < 2; round++) {
        for (const d of [0, this.rd.range(3, 5), this.rd.range(8, 12)]) {
          this.tftp(t + d * S, `RRQ from ${ip} filename xcat/xnba.efi`, this.ctx.pidAt(t + d * S, this.rd));
        }
        if (round === 0) {
          const again = this.dhcpAt(t + this.rd.range(25, 40) * S);
          this.dhcp(again, mac, ip, null);
          t = again.ack + this.rd.range(0.05, 0.4) * S;
        }
      }
      this.console(
        t + 15 * S,
        '>>Start PXE over IPv4 failed. BdsDxe: failed to load Boot0003 "UEFI PXEv4 (MAC:' + mac.split(':').join('').toUpperCase() + ')": Not Found',
      );
      yield* this.flush();
      return;
    }
    this.consolePxe(s.pxe.dhcp, mac, ip, n.profile.boot === 'grub2' ? `/boot/grub2/grub2-${n.name}` : 'xcat/xnba.kpxe', true);
    this.bootloader(s.pxe, 'install');

    // 3. Kernel and initrd.
    const kpath = `/tftpboot/xcat/osimage/${img.name}/${img.kernel.path}`;
    const ipath = `/tftpboot/xcat/osimage/${img.name}/${img.initrd.path}`;
    if (n.profile.boot === 'grub2') {
      this.tftp(s.kernel.start, `RRQ from ${ip} filename xcat/osimage/${img.name}/${img.kernel.path}`, this.ctx.pidAt(s.kernel.start, this.rd));
      if (k !== 'F13-silent')
        this.tftp(s.initrd.start, `RRQ from ${ip} filename xcat/osimage/${img.name}/${img.initrd.path}`, this.ctx.pidAt(s.initrd.start, this.rd));
    } else {
      this.http(s.kernel.start, s.kernel.end, kpath, 200, img.kernel.bytes, AGENT.xnba);
      this.console(s.kernel.end, `http://${mn}/tftpboot/xcat/osimage/${img.name}/${img.kernel.path}... ok`);
    }
    if (k === 'F13-silent') {
      yield* this.flush();
      return;
    }
    if (k === 'F13') {
      this.cause(this.http(s.initrd.start, s.initrd.start + this.rd.range(3, 9), ipath, 404, 196, AGENT.xnba));
      this.console(s.initrd.start + 0.05 * S, `http://${mn}/tftpboot/xcat/osimage/${img.name}/${img.initrd.path}... No such file or directory`);
      this.console(s.initrd.start + 0.06 * S, 'Could not boot image: No such file or directory');
      yield* this.flush();
      return;
    }
    if (n.profile.boot !== 'grub2') {
      this.http(s.initrd.start, s.initrd.end, ipath, 200, img.initrd.bytes, AGENT.xnba);
      this.console(s.initrd.end, `http://${mn}/tftpboot/xcat/osimage/${img.name}/${img.initrd.path}... ok`);
    }
    this.consoleKernel(s.initrd.end + 1 * S);
    yield* this.flush();

    // 4. Installer: DHCP, kickstart, tree, stage 2.
    this.dhcp(s.instDhcp, mac, ip, n.dhcpHostname ? n.name : null);
    const ksPath = `/install/autoinst/${n.name}`;
    if (k === 'F15') {
      this.cause(this.http(s.kickstart.start, s.kickstart.end, ksPath, 404, 196, ag.ks));
      const retry = s.kickstart.end + this.rd.range(3, 6) * S;
      this.http(retry, retry + 8, ksPath, 404, 196, ag.ks);
      this.console(
        retry + 0.1 * S,
        `[   31.${this.rd.int(100000, 999999)}] dracut-initqueue[1109]: Warning: Failed to fetch kickstart from http://${mn}/install/autoinst/${n.name}`,
      );
    } else {
      this.http(s.kickstart.start, s.kickstart.end, ksPath, 200, 57_000 + ((n.seed >>> 5) % 4000), ag.ks);
    }
    const tree = n.os === 'sles15' ? `${img.pkgdir}/1/media.1/products` : `${img.pkgdir}/.treeinfo`;
    this.http(s.treeinfo.start, s.treeinfo.end, tree, 200, n.os === 'sles15' ? 41 : 1_577, ag.tree);
    if (img.stage2) this.http(s.stage2.start, s.stage2.end, img.stage2.path, 200, img.stage2.bytes, ag.ks);
    this.console(s.stage2.end + 5 * S, n.os === 'sles15' ? 'Loading Installation System (1/6) -- 100%' : 'Starting installer, one moment...');
    if (k === 'F15') {
      this.console(s.stage2.end + 30 * S, 'Starting interactive text mode installation...');
      yield* this.flush();
      return;
    }
    if (k === 'F16') {
      this.console(s.stage2.end + 35 * S, 'The following problem occurred on line 41 of the kickstart file:');
      this.console(s.stage2.end + 35.01 * S, 'Unknown command: %inlcude');
      yield* this.flush();
      return;
    }
    yield* this.flush();

    // 5. %pre.
    this.inst(s.pre, '============deployment starting============');
    this.inst(s.pre + 3, n.os === 'sles15' ? 'Running AutoYaST Pre-Installation script...' : 'Running Anaconda Pre-Installation script...');
    // foo.py (installmonitor) and baz.py (installstatus installing): the monitor serves one connection at a time.
    const im = this.monitor(s.pre + this.rd.range(0.3, 0.6) * S, 'installmonitor', k);
    this.monitor(im + this.rd.range(0.05, 0.3) * S, 'installing', k);
    this.inst(s.detect, 'Detecting install disk...');
    const disk = (n.seed & 3) === 0 ? '/dev/nvme0n1' : '/dev/sda';
    if (k === 'F19') this.cause(this.inst((s.detect + s.found) / 2, 'Disk detection failed, defaulting to /dev/sda', SEV.warning));
    this.inst(s.found, `Found ${k === 'F19' ? '/dev/sda' : disk}, generate partition file...`);
    this.inst(s.repo, 'Generate the repository for the installation');
    yield* this.flush();

    // 6. Repository metadata and packages.
    let t = s.repodata;
    for (const repo of img.repos) {
      for (const m of repo.meta) {
        const d = Math.max(5, (m.bytes / 80e6) * S);
        this.http(t, t + d, m.path, 200, m.bytes, ag.pkg);
        t += d + this.rd.range(0.05, 0.6) * S;
      }
    }
    for (const extra of img.extraRepos) {
      if (k === 'F20') {
        for (let i = 0; i < 3; i++) {
          const ev = this.http(t, t + 6, `${extra}/repodata/repomd.xml`, 404, 196, ag.pkg);
          if (i === 0) {
            this.cause(ev);
            ev.group = 'F20';
          }
          t += this.rd.range(1, 3) * S;
        }
        this.console(t + 2 * S, `Error setting up repositories: Cannot download repomd.xml: Cannot download repodata/repomd.xml: All mirrors were tried`);
        yield* this.flush();
        return;
      }
    }
    if (k === 'F19') {
      this.console(s.repodata + 20 * S, 'Partitioning failed: not enough free space on disks');
      yield* this.flush();
      return;
    }
    yield* this.packages(s, ag.pkg);

    // 7. %post: download postscripts, get mypostscript.
    this.inst(s.post, 'Executing post.xcat to prepare for firstbooting ...');
    this.inst(s.download, `trying to download postscripts from ${mn}...`);
    if (k === 'F26') {
      this.cause(this.inst(s.download + this.rd.range(0.02, 0.1) * S, 'Command curl not found, halt ...', SEV.err));
      this.monitor(s.download + this.rd.range(0.2, 0.6) * S, 'failed', k);
      yield* this.flush();
      return;
    }
    const failFile = k === 'F22' ? (n.script ?? this.ctx.plan.faults.postscript403?.file ?? 'mlnxofed_ib_install') : null;
    const failedAt = this.walk(s.download, s.walkEnd, ng ? 'curl' : 'wget', ag.walk, failFile);
    if (failedAt !== null) {
      const msg = ng
        ? `failed to download postscripts from http://${mn}/install/postscripts/, check /tmp/download.log on the node,  halt ...`
        : `failed to download postscripts from http://${mn}/install/postscripts/,check /tmp/wget.log on the node,  halt ...`;
      const at = failedAt + this.rd.range(0.05, 0.3) * S;
      this.inst(at, msg, SEV.err);
      this.monitor(at + this.rd.range(0.1, 0.5) * S, 'failed', k);
      yield* this.flush();
      return;
    }
    this.inst(s.downloaded, 'postscripts downloaded successfully');
    this.inst(s.mypost, `trying to get mypostscript from ${mn}...`);
    this.http(s.mypost + 0.02 * S, s.mypost + 0.03 * S, `/tftpboot/mypostscripts/mypostscript.${n.name}`, 404, 196, ng ? AGENT.rh9curl : ag.walk);
    let finishAt = s.finish;
    if (k === 'F24') {
      const tries = getpostscriptRetries(n, this.ai, s.getpost);
      for (const at of tries)
        this.cause(this.xcat(at, `Received getpostscript from ${n.fromhost}, which couldn't be correlated to a node (domain mismatch?)`, SEV.err));
      const at = (tries[tries.length - 1] as number) + this.rd.range(10, 19) * S;
      this.inst(at, `failed to get mypostscript from ${mn}, halt ...`, SEV.err);
      this.monitor(at + this.rd.range(0.1, 0.5) * S, 'failed', k);
      yield* this.flush();
      return;
    }
    if (k === 'F29') {
      const tries = getpostscriptRetries(n, this.ai, s.getpost);
      for (const at of tries) this.xcat(at, 'Received malformed getpostscript requesting, ignore it.', SEV.err);
      finishAt = (tries[tries.length - 1] as number) + 12 * S;
    } else {
      this.xcat(s.getpost, `getpostscript: Sending scripts data to ${n.name}...`);
    }
    yield* this.flush();

    // 8. Install-phase postscripts.
    if (k !== 'F29') {
      n.postscripts.forEach((name, i) => {
        const span = s.scripts[i] as Span;
        const missing = k === 'F28' && name === n.script;
        const rc = (k === 'F27' || k === 'reinstalled') && name === n.script ? n.rc : k === 'F35' && name === 'remoteshell' ? 1 : 0;
        this.runScript('postscript', name, span, ng ? 'ng' : 'xcat', 'installer', rc, missing, k);
      });
    }

    // 9. Ask for the boot flip (nodeset next).
    this.inst(finishAt, `finished firstboot preparation, sending request to ${mn}:3002 for changing status...`);
    if (k === 'F29') {
      for (const at of flagRetries(n, this.ai, finishAt + 0.2 * S)) this.monitor(at, 'next', k);
      yield* this.flush();
      return;
    }
    if (k === 'F18') {
      yield* this.flush();
      return;
    }
    this.monitor(finishAt + this.rd.range(0.1, 0.4) * S, 'next', k);
    this.console(s.pxe2.dhcp.discover - 30 * S, 'reboot: Restarting system');
    yield* this.flush();

    // 10. Reboot: PXE again, boot state → local disk.
    this.dhcp(s.pxe2.dhcp, mac, ip, null);
    if (!this.ctx.tftpDownAt(s.pxe2.rrq1)) this.bootloader(s.pxe2, 'boot');
    if (k === 'F31') {
      this.console(s.pxe2.script.end + 20 * S, '[    8.912345] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)');
      yield* this.flush();
      return;
    }

    // 11. First boot of the installed OS.
    // NetworkManager renews the installer's lease (INIT-REBOOT: REQUEST/ACK only), now with a hostname.
    this.dhcp({ discover: s.osDhcp, offer: s.osDhcp, request: s.osDhcp, ack: s.osDhcp + this.rd.range(0.002, 0.02) * S }, mac, ip, n.name, {
      skipDiscover: true,
    });
    this.backlog(s.rsyslog, s.pxe2.script.end + 3 * S);
    this.monitor(s.postbooting, 'postbooting', k);
    this.xcatReadyDone(s.postbooting + this.rd.range(0.05, 0.3) * S);
    this.console(s.rsyslog, `${n.name} login: `);
    if (k === 'F32') {
      this.cause(
        this.osl(s.postbooting + this.rd.range(180, 200) * S, `the network between the node and ${mn} is not ready, please check[retry=90]...`, SEV.err),
      );
      yield* this.flush();
      return;
    }
    this.osl(s.mpp, 'Running /xcatpost/mypostscript.post');
    yield* this.flush();

    // 12. Postbootscripts.
    let failedBoot = false;
    for (let i = 0; i < n.postbootscripts.length; i++) {
      const name = n.postbootscripts[i] as string;
      const span = s.bootScripts[i] as Span;
      if (k === 'F34' && name === n.script) {
        this.osl(span.start, ng ? `Running postbootscript: ${name}` : `postbootscript start..: ${name}`, SEV.info, 'xcat.deployment.postbootscript');
        yield* this.flush();
        return;
      }
      let rc = 0;
      if (k === 'F33' && name === 'otherpkgs') rc = 1;
      if (k === 'F36' && name === 'setupntp') rc = 1;
      if (rc !== 0) failedBoot = true;
      this.runScript('postbootscript', name, span, ng ? 'ng' : 'xcat', 'os', rc, false, k);
    }

    // 13. Done: booted, or failed (a script failed now or during the install).
    const failed = failedBoot || FAILS_AT_END.has(k) || k === 'F27';
    this.monitor(s.booted, failed ? 'failed' : 'booted', k);
    this.xcatReadyDone(s.booted + this.rd.range(0.05, 0.3) * S);
    const tag = n.postbootscripts.length ? 'xcat.deployment.postbootscript' : 'xcat';
    const endT = s.booted + this.rd.range(0.2, 0.5) * S;
    this.osl(endT, failed ? `provision completed with error.(${n.name})` : `provision completed.(${n.name})`, failed ? SEV.err : SEV.info, tag);
    this.osl(endT + 0.05 * S, '/xcatpost/mypostscript.post return');
    this.osl(endT + 0.07 * S, '=============deployment ending====================');
    this.succeeded = !failed;
    yield* this.flush();
  }

  private consoleKernel(at: number): void {
    if (!this.n.console) return;
    const v = this.n.image.kernelVersion;
    this.console(at, `[    0.000000] Linux version ${v}`);
    this.console(at + 0.2 * S, '[    0.000000] Command line: console=tty0 console=ttyS0,115200n8 quiet');
    this.console(at + 6 * S, '[    6.120031] dracut-pre-udev[472]: modprobe: FATAL: Module floppy not found in directory /lib/modules/' + v);
  }

  /** The journal backlog the installed OS forwards once rsyslog (configured by the syslog postscript) starts. */
  private backlog(at: number, bootAt: number): void {
    const n = this.n;
    const nic = n.os === 'rhel7' ? 'eno1' : 'ens1f0';
    const lines = bootBacklog(n.os, n.name, this.cur.ip, nic, n.image.kernelVersion, n.seed, Math.floor(bootAt / 1000));
    let t = at;
    let clock = bootAt;
    for (const l of lines) {
      t += this.rd.range(0.0005, 0.01) * S;
      clock += this.rd.range(0.02, 1.5) * S;
      this.fwd(t, l.tag, l.msg, l.severity, l.pid, l.facility, Math.min(clock, at) - this.n.skewMs * 0);
    }
  }

  private xcatReadyDone(at: number): void {
    this.fwd(at, 'xcat', 'ready');
    this.fwd(at + this.rd.range(0.01, 0.2) * S, 'xcat', 'done');
  }

  private noLease(first: number, mac: string, k: Kind): void {
    const net = this.n.net;
    let round = first;
    for (let r = 0; r < 2; r++) {
      for (const d of [0, 4, 12, 28]) {
        const at = round + (d + this.rd.range(0, 0.5)) * S;
        const msg =
          k === 'F5'
            ? `DHCPDISCOVER from ${mac} via ${net.via}: network ${net.shared}: no free leases`
            : `DHCPDISCOVER from ${mac} via ${net.via}: unknown network segment`;
        const ev = this.dhcpd(at, msg);
        if (r === 0 && d === 0) {
          this.cause(ev);
        }
      }
      round += this.rd.range(60, 90) * S;
    }
    if (this.n.console) {
      this.console(first - 0.5 * S, '>>Start PXE over IPv4.');
      this.console(
        first - 0.4 * S,
        `CLIENT MAC ADDR: ${mac.toUpperCase().split(':').join(' ')}  GUID: 00000000-0000-0000-0000-${mac.split(':').join('').toUpperCase()}`,
      );
      this.console(first + 60 * S, 'PXE-E51: No DHCP or proxyDHCP offers were received.');
      this.console(round + 60 * S, 'PXE-M0F: Exiting Intel Boot Agent.');
    }
  }

  /** The recursive postscripts download (curl walk of post.xcat.ng, or wget -r). Returns the time of a failure. */
  private walk(from: number, to: number, tool: 'curl' | 'wget', agent: string, failFile: string | null): number | null {
    const gets: Array<{ path: string; bytes: number; status: number }> = [];
    let failed = false;
    const visit = (dir: string, entries: readonly PsEntry[]): boolean => {
      gets.push({ path: dir, bytes: indexBytes(entries), status: 200 });
      if (tool === 'wget')
        for (const q of ['?C=N;O=D', '?C=M;O=A', '?C=S;O=A', '?C=D;O=A']) gets.push({ path: `${dir}${q}`, bytes: indexBytes(entries), status: 200 });
      const subdirs: Array<[string, readonly PsEntry[]]> = [];
      for (const e of entries) {
        if (e.children) {
          if (tool === 'curl') {
            if (!visit(`${dir}${e.name}`, e.children)) return false;
          } else subdirs.push([`${dir}${e.name}`, e.children]);
          continue;
        }
        if (tool === 'wget' && (e.name === 'post.xcat.ng' || e.name === 'post.xcat.rhels10')) continue;
        if (e.name === failFile) {
          gets.push({ path: `${dir}${e.name}`, bytes: 199, status: 403 });
          failed = true;
          if (tool === 'curl') return false; // curl --fail aborts the walk
          continue;
        }
        gets.push({ path: `${dir}${e.name}`, bytes: e.bytes, status: 200 });
      }
      if (tool === 'wget') {
        for (const q of ['?C=N;O=A', '?C=M;O=D', '?C=S;O=D', '?C=D;O=D']) gets.push({ path: `${dir}${q}`, bytes: indexBytes(entries), status: 200 });
        for (const [d, ch] of subdirs) visit(d, ch);
      }
      return true;
    };
    visit('/install/postscripts/', POSTSCRIPTS_TREE);
    const step = (to - from) / Math.max(1, gets.length);
    let t = from;
    let failAt: number | null = null;
    for (const g of gets) {
      const dur = Math.max(1, step * this.rd.range(0.3, 0.9));
      const ev = this.http(t, t + dur, g.path, g.status, g.bytes, agent);
      if (g.status === 403) {
        this.cause(ev);
        if (failAt === null) failAt = t + dur;
        this.buf.push({
          type: 'httperror',
          at: t + dur - 1,
          origin: 'mn',
          file: 'httpd/error_log',
          files: ['httpd/error_log'],
          about: this.name,
          module: 'core',
          level: 'error',
          pid: 2000 + (this.ctx.pidAt(t, this.rd) % 60),
          tid: 140_000 + this.rd.int(0, 9999),
          errno: '(13)Permission denied',
          client: this.cur.ip,
          clientPort: this.rd.int(32768, 60999),
          message: `AH00132: file permissions deny server access: ${g.path}`,
        });
      }
      t += step;
    }
    if (failed && tool === 'wget') return to;
    return failAt;
  }

  private *packages(s: DiskfulSchedule, agent: string): Generator<ClusterEvent[]> {
    const img = this.n.image;
    let paths = packagePaths(img);
    const cap = this.ctx.packages;
    if (cap !== undefined && cap < paths.length) paths = paths.filter((_, i) => i % Math.ceil(paths.length / cap) === 0).slice(0, cap);
    const span = s.pkgEnd - s.pkgStart;
    const repoOf = (p: string) => {
      if (img.os === 'sles15') return `${img.repos[0]?.dir ?? img.pkgdir}/`;
      if (img.os === 'rhel7') return `${img.pkgdir}/`;
      const baseos = (this.n.seed + p.length) % 3 !== 0;
      return `${img.pkgdir}/${baseos ? 'BaseOS' : 'AppStream'}/`;
    };
    if (this.n.console) {
      this.console(s.pkgStart + span / 2, `Installing kernel-core.x86_64 (${Math.floor(paths.length / 2)}/${paths.length})`);
      this.console(s.pkgEnd + 5 * S, 'Performing post-installation setup tasks');
      this.console(s.pkgEnd + 20 * S, 'Running post-installation scripts');
    }
    for (let i = 0; i < paths.length; i++) {
      const { path: p, bytes } = paths[i] as { path: string; bytes: number };
      const end = s.pkgStart + (span * (i + 1)) / paths.length - this.rd.range(0, span / paths.length / 2);
      const dur = Math.min(span / paths.length, Math.max(3, (bytes / 90e6) * S));
      this.http(end - dur, end, repoOf(p) + p, 200, bytes, agent);
      if (this.buf.length >= 64) yield* this.flushBefore(end);
    }
  }

  /** run_ps: start line, the script's own effects, end line. */
  private runScript(
    type: 'postscript' | 'postbootscript',
    name: string,
    span: Span,
    format: 'ng' | 'xcat' | 'dskls',
    phase: 'installer' | 'os',
    rc: number,
    missing: boolean,
    k: Kind,
  ): void {
    const tag = `xcat.deployment.${type}`;
    const line = (at: number, msg: string, sev: number = SEV.info) => (phase === 'installer' ? this.inst(at, msg, sev, tag) : this.osl(at, msg, sev, tag));
    if (missing) {
      this.cause(line(span.start, `${type} ${name} does NOT exist.`, SEV.err));
      return;
    }
    line(span.start, format === 'ng' ? `Running ${type}: ${name}` : `${type} start..: ${name}`);
    const mid = (f: number) => span.start + (span.end - span.start) * f;
    // The script's own `logger` lines reach the MN only once the node's rsyslog forwards (first boot, diskless after `syslog`).
    const ownTag = format === 'ng' ? 'xcat' : tag;
    const own = phase === 'os' || format === 'dskls';
    if (name === 'remoteshell') {
      const params = ['ssh_rsa_hostkey', 'ssh_ecdsa_hostkey', 'ssh_ed25519_hostkey', 'ssh_root_key', 'ssh_root_pub_key'];
      params.forEach((p, i) => {
        const at = mid(0.15 + i * 0.15);
        if (k === 'F35') this.cause(this.xcat(at, `The node (${this.name}) is not ready, ignore it.`, SEV.err));
        else this.xcat(at, `credentials: sending ${p} to ${this.name}`);
      });
    }
    if (name === 'syncfiles') this.monitor(mid(0.4), 'syncfiles', k);
    if (name === 'otherpkgs' && own) this.otherpkgs(span, ownTag, rc);
    if (name === 'setupntp' && own) {
      this.fwd(mid(0.1), ownTag, 'Syncing the clock ...');
      this.fwd(mid(0.5), ownTag, 'Install: Setup NTP - chrony');
      if (rc !== 0) this.cause(this.fwd(mid(0.9), ownTag, 'setupntp: Failed to start chrony service'));
      else this.fwd(mid(0.9), ownTag, 'NTP setup accomplished!');
    }
    if (name === 'syslog' && own) this.fwd(mid(0.8), ownTag, 'Install: rsyslog version 8 setup');
    const endMsg =
      format === 'ng'
        ? `${type} ${name} return with ${rc}`
        : format === 'xcat'
          ? `${type} end...: ${name} return with ${rc}`
          : `${type} end...:${name} return with ${rc}`;
    const ev = line(span.end, endMsg);
    if (rc !== 0 && type === 'postscript' && k !== 'F35') this.cause(ev);
  }

  private otherpkgs(span: Span, tag: string, rc: number): void {
    const n = this.n;
    const mn = n.net.mnIp;
    const at = (f: number) => span.start + (span.end - span.start) * f;
    this.fwd(at(0.02), tag, 'Running otherpkgs ');
    this.fwd(at(0.05), tag, `NFSSERVER=${mn}`);
    this.fwd(at(0.06), tag, `OTHERPKGDIR=http://${mn}:80${n.image.otherpkgdir}`);
    const agent = n.os === 'rhel7' ? AGENT.rh7yum : n.os === 'sles15' ? AGENT.slesZypp : AGENT.rh9dnf;
    const repo = n.image.otherpkgdir;
    this.http(at(0.1), at(0.1) + 8, `${repo}/repodata/repomd.xml`, 200, 3_012, agent);
    this.http(at(0.15), at(0.15) + 40, `${repo}/repodata/${(n.seed >>> 0).toString(16)}-primary.xml.gz`, 200, 41_933, agent);
    const pkgs = n.image.otherpkgs.join(' ');
    if (rc !== 0) {
      const cmd = n.os === 'sles15' ? ` zypper install -y ${pkgs} 2>&1 failed.` : ` ${n.os === 'rhel7' ? 'yum' : 'dnf'} -y install ${pkgs} failed.`;
      this.cause(this.fwd(at(0.9), tag, cmd, SEV.err));
      return;
    }
    n.image.otherpkgs.forEach((p, i) => {
      const t0 = at(0.3 + (0.5 * i) / Math.max(1, n.image.otherpkgs.length));
      this.http(
        t0,
        t0 + 120,
        `${repo}/${p}-23.02.7-1.${n.os === 'sles15' ? 'sles15' : n.os === 'rhel7' ? 'el7' : 'el9'}.x86_64.rpm`,
        200,
        150_000 + ((p.length * 7919) % 900_000),
        agent,
      );
    });
    this.fwd(at(0.95), tag, `${pkgs} installed.`);
  }

  // -------------------------------------------------------------------------------------------
  // genesis (F8): the MAC is unknown, the dynamic range boots the discovery kernel

  private *genesis(s: { pxe: PxeTimes }): Generator<ClusterEvent[]> {
    const n = this.n;
    const mac = this.cur.mac;
    const ip = n.dynamicIp ?? this.cur.ip;
    const mn = n.net.mnIp;
    const via = n.net.via;
    const x = s.pxe.dhcp;
    this.dhcpd(x.discover, `DHCPDISCOVER from ${mac} via ${via}`);
    this.dhcpd(x.offer, `DHCPOFFER on ${ip} to ${mac} via ${via}`);
    this.dhcpd(x.request, `DHCPREQUEST for ${ip} (${mn}) from ${mac} via ${via}`);
    this.dhcpd(x.ack, `DHCPACK on ${ip} to ${mac} via ${via}`);
    const pid1 = this.ctx.pidAt(s.pxe.rrq1, this.rd);
    this.tftp(s.pxe.rrq1, `RRQ from ${ip} filename xcat/xnba.kpxe`, pid1);
    this.tftp(s.pxe.rrq1 + 1, 'tftp: client does not accept options', pid1, SEV.warning);
    this.tftp(s.pxe.rrq2, `RRQ from ${ip} filename xcat/xnba.kpxe`, pid1 + 1 + this.rd.int(0, 2));
    const xn = s.pxe.xnba;
    this.dhcpd(xn.discover, `DHCPDISCOVER from ${mac} via ${via}`);
    this.dhcpd(xn.offer, `DHCPOFFER on ${ip} to ${mac} via ${via}`);
    this.dhcpd(xn.request, `DHCPREQUEST for ${ip} (${mn}) from ${mac} via ${via}`);
    this.dhcpd(xn.ack, `DHCPACK on ${ip} to ${mac} via ${via}`);
    this.http(s.pxe.script.start, s.pxe.script.end, `/tftpboot/xcat/xnba/nets/${n.net.netname}`, 200, 713, AGENT.xnba, ip);
    const k0 = s.pxe.script.end + this.rd.range(0.05, 0.3) * S;
    const k1 = k0 + this.rd.range(0.3, 1.2) * S;
    this.http(k0, k1, '/tftpboot/xcat/genesis.kernel.x86_64', 200, 9_618_432, AGENT.xnba, ip);
    const f1 = k1 + this.rd.range(1.5, 5) * S;
    this.http(k1 + 20, f1, '/tftpboot/xcat/genesis.fs.x86_64.gz', 200, 83_304_117, AGENT.xnba, ip);
    yield* this.flush();
    // Genesis boots, asks DHCP again, restarts syslog (forwarding from here on), runs doxcat.
    const g = this.dhcpAt(f1 + this.rd.range(25, 40) * S, [0.5, 1.5]);
    this.dhcpd(g.discover, `DHCPDISCOVER from ${mac} via ${via}`);
    this.dhcpd(g.offer, `DHCPOFFER on ${ip} to ${mac} via ${via}`);
    this.dhcpd(g.request, `DHCPREQUEST for ${ip} (${mn}) from ${mac} via ${via}`);
    this.dhcpd(g.ack, `DHCPACK on ${ip} to ${mac} via ${via}`);
    let t = g.ack + this.rd.range(8, 15) * S;
    const dox = (msg: string, tag = 'xcat.genesis.doxcat') => {
      t += this.rd.range(0.05, 1.2) * S;
      return this.nodeLine(t, tag, msg, SEV.info, 'genesis');
    };
    dox(`Getting initial certificate --> ${mn}:3001`);
    dox(`Running getdestiny --> ${mn}:3001`);
    dox('Received destiny=discover');
    dox('The destiny=discover, destiny parameters=');
    dox('Running dodiscovery...');
    dox('Beginning node discovery process...', 'xcat.genesis.dodiscovery');
    dox('Waiting for nics to get addresses', 'xcat.genesis.dodiscovery');
    dox('Network configuration complete, commencing transmit of discovery packets', 'xcat.genesis.dodiscovery');
    let first = true;
    let renew = g.ack + 300 * S;
    while (t < this.endAt) {
      dox(`Sending the discovery packet to xCAT (${mn}:3001)...`, 'xcat.genesis.dodiscovery');
      const pid = this.ctx.pidAt(t, this.rd);
      let m = t + this.rd.range(0.05, 0.3) * S;
      this.xcat(m, `xcatd: Processing discovery request from ${ip}`, SEV.info, pid);
      m += this.rd.range(0.05, 0.4) * S;
      this.xcat(m, `xcat.discovery.aaadiscovery: (${mac}) Got a discovery request, attempting to discover the node...`, SEV.info, pid);
      m += this.rd.range(0.05, 0.4) * S;
      const ev = this.xcat(m, `xcat.discovery.seqdiscovery: (${mac}) Warning: Could not find any nodes using sequential-based discovery`, SEV.info, pid);
      if (first) this.cause(ev);
      m += this.rd.range(0.01, 0.2) * S;
      this.xcat(m, `xcat.discovery.switch: (${mac}) Warning: Could not find any nodes using switch-based discovery`, SEV.info, pid);
      dox('Sleeping 5 seconds...', 'xcat.genesis.dodiscovery');
      first = false;
      t += this.rd.range(280, 400) * S;
      while (renew < t) {
        this.dhcpd(renew, `DHCPREQUEST for ${ip} from ${mac} via ${via}`);
        this.dhcpd(renew + 3, `DHCPACK on ${ip} to ${mac} via ${via}`);
        renew += 300 * S;
      }
      yield* this.flush();
      if (this.cut) return;
    }
    yield* this.flush();
  }

  // -------------------------------------------------------------------------------------------
  // diskless (stateless) boot

  private *diskless(a: Attempt, s: DisklessSchedule): Generator<ClusterEvent[]> {
    const n = this.n;
    const k = a.kind;
    const img = n.image;
    const mn = n.net.mnIp;
    const mac = a.mac;
    const ip = a.ip;
    this.firstCause = null;
    this.succeeded = false;
    this.status(s.t0, 'powering-on', this.powerPid(a));
    this.consoleBios(s.t0);
    yield* this.flush();
    if (k === 'F4' || this.cut) return;
    if (k === 'F5') {
      this.noLease(s.pxe.dhcp.discover, mac, k);
      yield* this.flush();
      return;
    }
    if (k === 'F8') {
      yield* this.genesis(s);
      return;
    }
    this.dhcp(s.pxe.dhcp, mac, ip, null);
    if (k === 'F9' || k === 'tftpd-down' || this.ctx.tftpDownAt(s.pxe.rrq1)) {
      const again = this.dhcpAt(s.pxe.dhcp.ack + this.rd.range(18, 30) * S);
      this.dhcp(again, mac, ip, null);
      this.console(again.ack + 4 * S, 'PXE-E32: TFTP open timeout');
      yield* this.flush();
      return;
    }
    this.consolePxe(s.pxe.dhcp, mac, ip, 'xcat/xnba.kpxe', true);
    this.bootloader(s.pxe, 'netboot');
    this.http(s.kernel.start, s.kernel.end, `/tftpboot/xcat/osimage/${img.name}/${img.kernel.path}`, 200, img.kernel.bytes, AGENT.xnba);
    if (k === 'F13-silent') {
      yield* this.flush();
      return;
    }
    if (k === 'F13') {
      this.cause(this.http(s.initrd.start, s.initrd.start + 6, `/tftpboot/xcat/osimage/${img.name}/${img.initrd.path}`, 404, 196, AGENT.xnba));
      yield* this.flush();
      return;
    }
    this.http(s.initrd.start, s.initrd.end, `/tftpboot/xcat/osimage/${img.name}/${img.initrd.path}`, 200, img.initrd.bytes, AGENT.xnba);
    this.consoleKernel(s.initrd.end + 1 * S);
    yield* this.flush();

    this.dhcp(s.dracutDhcp, mac, ip, n.dhcpHostname ? n.name : null);
    this.inst(s.deploy, '=============deployment starting====================');
    this.inst(s.deploy + 0.01 * S, 'Executing xcatroot to prepare for netbooting (dracut_33)...');
    this.inst(s.deploy + 0.02 * S, `Sending request to ${mn}:3002 for changing status to netbooting...`);
    this.monitor(s.netbooting, 'netbooting', k);
    if (k === 'F38') {
      this.cause(this.inst(s.netbooting + this.rd.range(0.3, 1) * S, 'Failed to download image, panic in 5...', SEV.err));
      this.console(s.netbooting + 6 * S, 'Failed to download image, panic in 5...4...3...2...1...0...');
      yield* this.flush();
      return;
    }
    const url = `http://${mn}:80${img.rootimg?.path ?? ''}`;
    this.inst(s.rootimg.start - 0.2 * S, `Downloading rootfs image from ${url}...`);
    if (k === 'F37') {
      let t = s.rootimg.start;
      let first = true;
      while (t < this.endAt) {
        const ev = this.http(t, t + 4, img.rootimg?.path ?? '', 404, 196, AGENT.rh9curl);
        if (first) {
          this.cause(ev);
          ev.group = 'F37';
        }
        this.inst(t + this.rd.range(0.01, 0.05) * S, `Downloading ${url} FAILED, retrying...`, SEV.err);
        this.console(t + 0.1 * S, 'Failed to get the image, waiting for next retrying...');
        first = false;
        t += 27 * S + this.rd.range(0.01, 0.3) * S;
        yield* this.flush();
        if (this.cut) return;
      }
      return;
    }
    this.http(s.rootimg.start, s.rootimg.end, img.rootimg?.path ?? '', 200, img.rootimg?.bytes ?? 0, AGENT.rh9curl);
    this.inst(s.ramroot, 'Setting up RAM-root tmpfs on downloaded rootimg.cpio.[gz/xz]...');
    this.inst(s.exitRoot, 'Exiting xcatroot...');
    if (k === 'F39') {
      this.console(
        s.exitRoot + 3 * S,
        "[   62.104512] systemd[1]: Failed to switch root: Specified switch root path '/sysroot' does not seem to be an OS tree.",
      );
      yield* this.flush();
      return;
    }
    yield* this.flush();

    // xcatpostinit1.netboot → postbooting, then xcatdsklspost (early lines stay local).
    this.monitor(s.postbooting, 'postbooting', k);
    const failFile = k === 'F22' ? (n.script ?? this.ctx.plan.faults.postscript403?.file ?? 'mlnxofed_ib_install') : null;
    const failedAt = this.walk(s.download, s.walkEnd, 'wget', AGENT.rh9wget, failFile);
    if (failedAt !== null) {
      yield* this.flush();
      return;
    }
    this.http(s.mypost, s.mypost + 8, `/tftpboot/mypostscripts/mypostscript.${n.name}`, 404, 196, AGENT.rh9wget);
    this.xcat(s.getpost, `getpostscript: Sending scripts data to ${n.name}...`);
    yield* this.flush();
    const all = [...n.postscripts, ...n.postbootscripts];
    for (let i = 0; i < all.length; i++) {
      const name = all[i] as string;
      const span = s.scripts[i] as Span;
      this.runScript('postbootscript', name, span, 'dskls', 'os', 0, false, k);
      if (name === 'syslog') this.backlog(span.end + this.rd.range(0.5, 2) * S, s.exitRoot + 2 * S);
    }
    yield* this.flush();
    this.monitor(s.booted, 'booted', k);
    this.xcatReadyDone(s.booted + this.rd.range(0.05, 0.3) * S);
    const endT = s.booted + this.rd.range(0.2, 0.5) * S;
    this.osl(endT, `provision completed.(${n.name})`, SEV.info, 'xcat.deployment.postbootscript');
    this.osl(endT + 0.05 * S, '=============deployment ending====================');
    this.console(endT + 2 * S, `${n.name} login: `);
    this.succeeded = true;
    yield* this.flush();
  }

  /** A few harmless lines a booted node forwards later. */
  private *afterwards(): Generator<ClusterEvent[]> {
    const count = this.rd.int(2, 5);
    let t = this.last;
    for (let i = 0; i < count; i++) {
      t += this.rd.range(30, 900) * S;
      const l = this.rd.pick(LATER_NODE_LINES);
      this.fwd(t, l.tag, l.msg, l.severity, l.pid, l.facility);
    }
    yield* this.flush();
  }
}
