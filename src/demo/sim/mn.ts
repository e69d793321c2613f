// MN-side events that are not one node's story: the admin's batch commands (audit lines and
// commands.log blocks), cluster-wide faults (a failed nodeset, tftpd not starting after an xcatd
// restart), and the ordinary noise of a management node (systemd, chronyd, sshd, crond, BMC
// leases, a monitoring probe). Small enough to build in memory, then sorted.

import { AGENT } from './catalog';
import type { EmitCtx } from './ctx';
import { FACILITY, SEV, syslogFiles, type ClusterEvent, type CommandEvent, type SyslogEvent } from './events';
import { macFor, type Batch } from './plan';
import { Rng } from './prng';

const S = 1000;
const MIN = 60 * S;

export function mnEvents(ctx: EmitCtx): ClusterEvent[] {
  const out: ClusterEvent[] = [];
  const plan = ctx.plan;
  const r = Rng.of(plan.seed, 'mn');
  const noise = plan.options.noise ?? 1;

  const line = (at: number, tag: string, pid: number | null, message: string, severity: number = SEV.info, facility: number = FACILITY.daemon): SyslogEvent => {
    const files = syslogFiles('mn', tag, facility, severity);
    const ev: SyslogEvent = {
      type: 'syslog',
      at,
      origin: 'mn',
      file: files[0] ?? 'messages',
      files,
      about: null,
      host: ctx.mnName,
      tag,
      pid,
      facility,
      severity,
      message,
      wire: null,
    };
    out.push(ev);
    return ev;
  };
  const xcat = (at: number, message: string, pid: number, severity: number = SEV.info) => line(at, 'xcat', pid, message, severity, FACILITY.local4);
  const command = (startedAt: number, at: number, cmd: string, nr: string | null, args: string[], responses: string[], numberNodes: number): CommandEvent => {
    const ev: CommandEvent = {
      type: 'command',
      at,
      startedAt,
      origin: 'mn',
      file: 'xcat/commands.log',
      files: ['xcat/commands.log'],
      about: null,
      clientType: 'cli',
      command: cmd,
      noderange: nr,
      args,
      responses,
      numberNodes,
    };
    out.push(ev);
    return ev;
  };

  // ---- batch commands ---------------------------------------------------------------------
  for (const b of plan.batches) batchEvents(ctx, b, xcat, command);

  // ---- F1: nodeset for a group whose distro tree was never copied --------------------------
  const ne = plan.faults.nodesetError;
  if (ne) {
    const pid = ctx.pidAt(ne.at, r);
    xcat(ne.at, `xCAT: Allowing nodeset to ${ne.noderange} osimage=${ne.image} for root from localhost`, pid);
    const ev = command(
      ne.at,
      ne.at + r.range(1, 3) * S,
      'nodeset',
      ne.noderange,
      [`osimage=${ne.image}`],
      ne.nodes.map((n) => `${n}: Error: Install image not found in ${ne.pkgdir}`),
      ne.nodes.length,
    );
    ev.group = 'F1';
  }

  // ---- tftpd could not bind after an xcatd restart; socket-activated tftp.service answers instead
  const down = plan.faults.tftpdDown;
  if (down) {
    const affected = plan.nodes.filter((n) => n.kind === 'tftpd-down').map((n) => n.name);
    restart(ctx, down.from, line, xcat, r, true, affected);
    if (down.firstHit !== null) line(down.firstHit + r.range(0.001, 0.01) * S, 'systemd', 1, 'Started Tftp Server.');
    // The admin notices, disables the socket unit and restarts xcatd.
    const fix = down.until - r.range(20, 40) * S;
    line(fix, 'systemd', 1, 'Reloading.');
    line(fix + 0.4 * S, 'systemd', 1, 'tftp.socket: Deactivated successfully.');
    line(fix + 0.41 * S, 'systemd', 1, 'Closed Tftp Server Activation Socket.');
    if (down.firstHit !== null) {
      line(fix + 1.2 * S, 'systemd', 1, 'Stopping Tftp Server...');
      line(fix + 1.3 * S, 'systemd', 1, 'tftp.service: Deactivated successfully.');
      line(fix + 1.31 * S, 'systemd', 1, 'Stopped Tftp Server.');
    }
    restart(ctx, down.until, line, xcat, r, false, []);
  }

  // ---- ordinary MN noise ------------------------------------------------------------------
  const start = plan.start;
  const end = plan.endAt;
  const every = (meanSeconds: number, fn: (t: number) => void) => {
    let t = start + r.range(0, meanSeconds) * S;
    while (t < end) {
      fn(t);
      t += r.range(0.5, 1.5) * (meanSeconds / noise) * S;
    }
  };
  // cron: sysstat every 10 minutes, hourly run-parts.
  for (let t = Math.ceil(start / (10 * MIN)) * 10 * MIN; t < end; t += 10 * MIN) {
    const at = t + r.range(0.5, 1.5) * S;
    line(at, 'CROND', ctx.pidAt(at, r), '(root) CMD (/usr/lib64/sa/sa1 1 1)', SEV.info, FACILITY.cron);
    if (new Date(t).getUTCMinutes() === 0) {
      line(at + 0.01 * S, 'CROND', ctx.pidAt(at, r) + 1, '(root) CMD (run-parts /etc/cron.hourly)', SEV.info, FACILITY.cron);
      const mc = at + r.range(60, 600) * S;
      const pid = ctx.pidAt(mc, r);
      line(mc, 'systemd', 1, 'Starting dnf makecache...');
      line(mc + r.range(0.5, 2) * S, 'dnf', pid, 'Metadata cache refreshed recently.');
      line(mc + r.range(2.1, 3) * S, 'systemd', 1, 'dnf-makecache.service: Deactivated successfully.');
      line(mc + r.range(3.1, 3.2) * S, 'systemd', 1, 'Finished dnf makecache.');
    }
  }
  // chrony and NetworkManager on the MN's public NIC.
  line(start + r.range(200, 900) * S, 'chronyd', 812, 'Selected source 192.0.2.123 (2.rhel.pool.ntp.org)');
  line(start + r.range(1000, 2400) * S, 'chronyd', 812, 'Source 198.51.100.7 replaced with 203.0.113.41 (2.rhel.pool.ntp.org)');
  every(1800, (t) => {
    line(
      t,
      'NetworkManager',
      901,
      `<info>  [${Math.floor(t / 1000)}.${String(Math.floor(t % 1000) * 10).padStart(4, '0')}] dhcp4 (eno1): state changed new lease, address=192.168.10.5`,
    );
  });
  line(
    start + r.range(60, 3000) * S,
    'kernel',
    null,
    'perf: interrupt took too long (2506 > 2500), lowering kernel.perf_event_max_sample_rate to 79750',
    SEV.info,
    FACILITY.kern,
  );
  line(start + r.range(60, 3000) * S, 'rsyslogd', 1002, 'imjournal: journal files changed, reloading...  [v8.2310.0-4.el9 try https://www.rsyslog.com/e/0 ]');
  // The admin logs in (root over ssh from the jump host), twice.
  for (const [from, sess] of [
    [start + r.range(5, 40) * S, 41],
    [start + r.range(900, 1800) * S, 42],
  ] as Array<[number, number]>) {
    const pid = ctx.pidAt(from, r);
    line(
      from,
      'sshd',
      pid,
      `Accepted publickey for root from 10.0.0.250 port ${r.int(40000, 60000)} ssh2: ED25519 SHA256:q3v0pHhJk5mX2uVn4cB7yTzL8aWdE1fR6gN9sK0oPiU`,
      SEV.info,
      FACILITY.auth,
    );
    line(from + 0.02 * S, 'sshd', pid, 'pam_unix(sshd:session): session opened for user root(uid=0) by root(uid=0)', SEV.info, FACILITY.auth);
    line(from + 0.03 * S, 'systemd-logind', 790, `New session ${sess} of user root.`);
    line(from + 0.05 * S, 'systemd', 1, `Started Session ${sess} of User root.`);
  }
  // BMC leases on the management network renew now and then (unrelated DHCP traffic).
  const bmcs = Math.min(plan.nodes.length, 4000);
  const renewals = Math.round(bmcs * 0.28 * ((end - start) / (50 * MIN)));
  for (let i = 0; i < renewals; i++) {
    const b = r.int(0, Math.max(0, bmcs - 1));
    const at = start + r.range(0, end - start);
    const bmcIp = `172.30.${1 + Math.floor(b / 250)}.${1 + (b % 250)}`;
    const mac = macFor(plan.seed, b, 3);
    line(at, 'dhcpd', ctx.dhcpdPid, `DHCPREQUEST for ${bmcIp} from ${mac} via ens6`);
    line(at + r.range(0.002, 0.01) * S, 'dhcpd', ctx.dhcpdPid, `DHCPACK on ${bmcIp} to ${mac} via ens6`);
  }
  // A monitoring probe checks that httpd serves the postscripts (HEAD), and a scanner hits /.
  every(300, (t) => {
    out.push({
      type: 'http',
      at: t + 2,
      startedAt: t,
      origin: 'mn',
      file: 'httpd/access_log',
      files: ['httpd/access_log'],
      about: null,
      client: '10.0.0.250',
      method: 'HEAD',
      path: '/install/postscripts/syslog',
      protocol: 'HTTP/1.1',
      status: 200,
      bytes: 0,
      referer: '-',
      agent: AGENT.probe,
    });
  });
  const scan = start + r.range(300, 2400) * S;
  out.push({
    type: 'http',
    at: scan + 1,
    startedAt: scan,
    origin: 'mn',
    file: 'httpd/access_log',
    files: ['httpd/access_log'],
    about: null,
    client: '10.0.0.250',
    method: 'GET',
    path: '/',
    protocol: 'HTTP/1.1',
    status: 403,
    bytes: 199,
    referer: '-',
    agent: 'Mozilla/5.0 zgrab/0.x',
  });
  out.push({
    type: 'httperror',
    at: scan,
    origin: 'mn',
    file: 'httpd/error_log',
    files: ['httpd/error_log'],
    about: null,
    module: 'autoindex',
    level: 'error',
    pid: 2031,
    tid: 140_211,
    errno: null,
    client: '10.0.0.250',
    clientPort: r.int(40000, 60000),
    message:
      'AH01276: Cannot serve directory /var/www/html/: No matching DirectoryIndex (index.html) found, and server-generated directory index forbidden by Options directive',
  });
  // The admin looks at an osimage now and then (commands.log noise).
  every(900, (t) => {
    const pid = ctx.pidAt(t, r);
    xcat(t, 'xCAT: Allowing lsdef -t osimage -o rhels9.4-x86_64-install-compute for root from localhost', pid);
    command(
      t,
      t + r.range(0.2, 0.6) * S,
      'lsdef',
      null,
      ['-t', 'osimage', '-o', 'rhels9.4-x86_64-install-compute'],
      [
        'Object name: rhels9.4-x86_64-install-compute',
        '    imagetype=linux',
        '    osarch=x86_64',
        '    osname=Linux',
        '    osvers=rhels9.4',
        '    otherpkgdir=/install/post/otherpkgs/rhels9.4/x86_64',
        '    pkgdir=/install/rhels9.4/x86_64',
        '    pkglist=/opt/xcat/share/xcat/install/rh/compute.rhels9.x86_64.pkglist',
        '    profile=compute',
        '    provmethod=install',
        '    template=/opt/xcat/share/xcat/install/rh/compute.rhels9.tmpl',
      ],
      0,
    );
  });
  // The reference time: the last line of the whole cluster.
  line(end, 'CROND', ctx.pidAt(end, r), '(root) CMD (/usr/lib64/sa/sa1 1 1)', SEV.info, FACILITY.cron);

  out.sort((a, b) => a.at - b.at);
  return out.filter((e) => e.at <= end);
}

type XcatFn = (at: number, message: string, pid: number, severity?: number) => SyslogEvent;
type LineFn = (at: number, tag: string, pid: number | null, message: string, severity?: number, facility?: number) => SyslogEvent;
type CommandFn = (startedAt: number, at: number, cmd: string, nr: string | null, args: string[], responses: string[], numberNodes: number) => CommandEvent;

function batchEvents(ctx: EmitCtx, b: Batch, xcat: XcatFn, command: CommandFn): void {
  const r = Rng.of(ctx.plan.seed, 'batch-cmd', b.index);
  const names = b.nodes.map((n) => n.name);
  const f3 = b.nodes.filter((n) => n.kind === 'F3').map((n) => n.name);
  const pid = ctx.batchPid(b.index);
  const img = b.image.name;
  if (b.command === 'rinstall') {
    xcat(b.at, `xCAT: Allowing rinstall to ${b.noderange} osimage=${img} for root from localhost`, pid);
    const responses = [`Provision node(s): ${names.join(' ')}`];
    if (f3.length) {
      for (const n of b.nodes)
        responses.push(n.kind === 'F3' ? `${n.name}: ERROR: Incorrect password provided` : `${n.name}: ${b.powerOnState.get(n.name) ?? 'on reset'}`);
      responses.push(`Error: Failed to run 'rpower' against the following nodes: ${f3.join(' ')}`);
    }
    const ev = command(b.at, b.doneAt, 'rinstall', b.noderange, [`osimage=${img}`], responses, names.length);
    if (f3.length) ev.cause = f3;
    return;
  }
  // Diskless: nodeset, then rpower boot.
  xcat(b.at, `xCAT: Allowing nodeset to ${b.noderange} osimage=${img} for root from localhost`, pid);
  const state = img.replace('-netboot-', '-');
  command(
    b.at,
    b.doneAt,
    'nodeset',
    b.noderange,
    [`osimage=${img}`],
    names.map((n) => `${n}: netboot ${state}`),
    names.length,
  );
  const ppid = pid + 2 + r.int(0, 40);
  xcat(b.powerCmdAt, `xCAT: Allowing rpower to ${b.noderange} boot for root from localhost`, ppid);
  command(
    b.powerCmdAt,
    b.powerCmdAt + (1 + 0.02 * names.length) * S + r.range(1, 3) * S,
    'rpower',
    b.noderange,
    ['boot'],
    b.nodes.map((n) => `${n.name}: ${b.powerOnState.get(n.name) ?? 'on reset'}`),
    names.length,
  );
}

function restart(ctx: EmitCtx, at: number, line: LineFn, xcat: XcatFn, r: Rng, bindFails: boolean, affected: string[]): void {
  const old = ctx.imPid(at - 1);
  line(at, 'systemd', 1, 'Stopping xCAT management service...');
  xcat(at + 0.3 * S, `xcatd install monitor ${old} quiescing`, old);
  line(at + r.range(1.2, 2.0) * S, 'systemd', 1, 'xcatd.service: Deactivated successfully.');
  line(at + 2.01 * S, 'systemd', 1, 'Stopped xCAT management service.');
  line(at + 2.02 * S, 'systemd', 1, 'Starting xCAT management service...');
  const rs = ctx.restarts.find((x) => Math.abs(x.at - (at + 4000)) < 1) ?? { at: at + 4000, pids: [old + 10, old + 11, old + 13] as [number, number, number] };
  const [udp, im, cmdlog] = rs.pids;
  xcat(rs.at, `xcatd: UDP listener process ${udp} start`, udp);
  xcat(rs.at + 0.01 * S, `xcatd: install monitor process ${im} start`, im);
  xcat(rs.at + 0.02 * S, `xcatd: Command log writer process ${cmdlog} start`, cmdlog);
  if (bindFails) {
    const ev = line(rs.at + r.range(0.5, 1.2) * S, 'in.tftpd', cmdlog + 20 + r.int(0, 9), 'cannot bind to local IPv4 socket: Address already in use', SEV.err);
    ev.cause = affected;
    ev.group = 'tftpd-down';
  }
  line(rs.at + 1.5 * S, 'systemd', 1, 'Started xCAT management service.');
}
