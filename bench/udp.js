#!/usr/bin/env node
// UDP loss, xtriaged side by side with rsyslogd, same machine, same paced sender.
//
// For each rate (20k, 50k, 100k, 150k msg/s by default) the same sender (bench/udp-sender.js in
// several child processes, 200 loopback source addresses, RFC 5424 node lines) sends for N
// seconds, first to a fresh xtriaged (whole pipeline behind the spool: receive → spool →
// backlog → parse/match/session → snapshots), then to rsyslogd 8 (imudp → omfile with a trivial
// template), stock and with an 8 MiB receive buffer. Received = xtriaged's /v1/health
// `received`, rsyslogd's output lines; kernel drops from /proc/net/udp for each port.
//
//   node bench/udp.js
//   XT_BENCH_UDP_RATES=20000,50000 XT_BENCH_UDP_SECONDS=5 node bench/udp.js
//
// Environment: XT_BENCH_UDP_RATES (list), XT_BENCH_UDP_SECONDS (10), XT_BENCH_UDP_SOURCES (200),
// XT_BENCH_UDP_PROCS (sender processes; default 1 per 40k msg/s, at most 4),
// XT_BENCH_RMEM_MAX (16777216: raise net.core.rmem_max for the run when root, restored after;
// 0 leaves it), XT_BENCH_RSYSLOG (stock,8m: which rsyslogd variants; "none" skips rsyslogd),
// XT_BENCH_UDP_RCVBUF (xtriaged's recvBufferBytes; unset: its default, 8 MiB; more than
// net.core.rmem_max / 2 needs XT_BENCH_RMEM_MAX raised too).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const L = require('./lib');

const RATES = L.envList('XT_BENCH_UDP_RATES', [20_000, 50_000, 100_000, 150_000]);
const SECONDS = L.envNum('XT_BENCH_UDP_SECONDS', 10);
const SOURCES = L.envNum('XT_BENCH_UDP_SOURCES', 200);
const RMEM = L.envNum('XT_BENCH_RMEM_MAX', 16 * 1024 * 1024);
const RSYSLOG = (process.env.XT_BENCH_RSYSLOG ?? 'stock,8m')
  .split(',')
  .map((s) => s.trim())
  .filter((s) => s && s !== 'none');
const procsFor = (rate) => L.envNum('XT_BENCH_UDP_PROCS', Math.min(4, Math.max(1, Math.ceil(rate / 40_000))));

function rsyslogdPath() {
  for (const p of ['/usr/sbin/rsyslogd', '/sbin/rsyslogd', '/usr/local/sbin/rsyslogd']) if (fs.existsSync(p)) return p;
  return null;
}

function rsyslogVersion(bin) {
  const r = spawnSync(bin, ['-v'], { encoding: 'utf8' });
  return /rsyslogd\s+(\S+)/.exec(r.stdout ?? '')?.[1] ?? '?';
}

/** Count newlines of a file (streaming). */
function countLines(file) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return 0;
  }
  const buf = Buffer.allocUnsafe(1 << 20);
  let n = 0;
  for (;;) {
    const k = fs.readSync(fd, buf, 0, buf.length, null);
    if (!k) break;
    let i = -1;
    while ((i = buf.indexOf(10, i + 1)) !== -1 && i < k) n++;
  }
  fs.closeSync(fd);
  return n;
}

function fileSize(file) {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

// ---------------------------------------------------------------------------------------------

async function runXtriaged(rate, tails) {
  const rcvbuf = process.env.XT_BENCH_UDP_RCVBUF;
  const d = await L.startDaemon(rcvbuf ? { config: `# bench: receive buffer\nrecvBufferBytes: ${Number(rcvbuf)}\n` } : {});
  const h0 = await d.health();
  const udp = (h0.listeners ?? []).find((x) => x.transport === 'udp') ?? {};
  const cpu0 = L.procCpuS(d.pid);
  const samples = [];
  let polling = true;
  let maxRss = 0;
  const poller = (async () => {
    while (polling) {
      try {
        const h = await d.health(5000);
        samples.push({ t: Date.now(), received: h.received, parsed: h.parsed, backlog: h.backlog, snapshotMs: h.snapshotMs });
      } catch {
        /* busy */
      }
      const st = L.procStatus(d.pid);
      if (st?.VmRSS > maxRss) maxRss = st.VmRSS;
      await L.sleep(100);
    }
  })();
  const send = await L.udpLoad({ port: d.port, rate, durationMs: SECONDS * 1000, sources: L.loopbackSources(SOURCES), procs: procsFor(rate), tails });
  // Wait until everything received is processed and reception has stopped (bounded).
  const deadline = Date.now() + 120_000;
  let stableSince = 0;
  let lastRecv = -1;
  let drainedAt = null;
  while (Date.now() < deadline) {
    const s = samples[samples.length - 1];
    if (s && s.backlog === 0 && s.parsed >= s.received) {
      if (drainedAt === null) drainedAt = s.t;
      if (s.received === lastRecv) {
        if (!stableSince) stableSince = Date.now();
        if (Date.now() - stableSince > 600) break;
      } else stableSince = 0;
      lastRecv = s.received;
    } else {
      drainedAt = null;
      stableSince = 0;
    }
    await L.sleep(100);
  }
  await L.sleep(2200); // the daemon refreshes its kernel drop counter every 2 s
  polling = false;
  await poller;
  const h = await d.health();
  const cpu1 = L.procCpuS(d.pid);
  const drops = L.udpDrops(d.port);
  await d.stop();

  // Pipeline figures from the samples.
  const atEnd = samples.filter((s) => s.t <= send.endAt).pop() ?? samples[0];
  const atStart = samples.filter((s) => s.t <= send.startAt).pop() ?? samples[0];
  const maxBacklog = Math.max(0, ...samples.map((s) => s.backlog));
  const maxSnapshot = Math.max(0, ...samples.map((s) => s.snapshotMs ?? 0));
  const parsedDuringSend = atEnd && atStart ? ((atEnd.parsed - atStart.parsed) * 1000) / Math.max(1, atEnd.t - atStart.t) : null;
  // Sustained: parsed per second over the time the backlog was above 1,000 (the pipeline was the bottleneck).
  const busy = samples.filter((s) => s.backlog > 1000);
  let sustained = null;
  if (busy.length >= 2) {
    const a = busy[0];
    const b = busy[busy.length - 1];
    if (b.t > a.t) sustained = ((b.parsed - a.parsed) * 1000) / (b.t - a.t);
  }
  const drainMs = drainedAt !== null ? Math.max(0, drainedAt - send.endAt) : null;
  const wallS = ((drainedAt ?? Date.now()) - send.startAt) / 1000;
  return {
    send,
    received: h.received,
    parsed: h.parsed,
    lost: send.sent - h.received,
    kernelDrops: drops,
    healthDrops: h.kernelDrops?.drops ?? null,
    backlogDropped: h.backlogDropped ?? 0,
    maxBacklog,
    drainMs,
    parsedDuringSend,
    sustained,
    overall: h.parsed / Math.max(0.001, wallS),
    cpuPct: cpu0 !== null && cpu1 !== null ? (100 * (cpu1 - cpu0)) / Math.max(0.001, wallS) : null,
    maxRss,
    maxSnapshot,
    granted: udp.recvBufferGranted ?? null,
    requested: udp.recvBufferRequested ?? null,
    rmemMax: h.rmemMax ?? null,
  };
}

async function runRsyslog(bin, variant, rate, tails) {
  const dir = L.tmpDir('rsyslogd');
  const port = await L.freePort();
  const out = path.join(dir, 'out.log');
  fs.mkdirSync(path.join(dir, 'work'));
  const rcv = variant === 'stock' ? '' : ` rcvbufSize="${variant}"`;
  fs.writeFileSync(
    path.join(dir, 'rsyslog.conf'),
    [
      `global(workDirectory="${dir}/work" net.enableDNS="off")`,
      'module(load="imudp")',
      `input(type="imudp" address="127.0.0.1" port="${port}"${rcv})`,
      'template(name="bench" type="string" string="%fromhost-ip% %msg%\\n")',
      `if $inputname == "imudp" then action(type="omfile" file="${out}" template="bench")`,
      '',
    ].join('\n'),
  );
  const proc = L.track(spawn(bin, ['-n', '-f', path.join(dir, 'rsyslog.conf'), '-i', path.join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'ignore', 'pipe'] }));
  let err = '';
  proc.stderr.on('data', (c) => (err += c));
  // Ready when its port is bound.
  const t0 = Date.now();
  while (L.udpDrops(port) === null) {
    if (proc.exitCode !== null || Date.now() - t0 > 10_000) throw new Error(`rsyslogd did not start: ${err}`);
    await L.sleep(50);
  }
  await L.sleep(300);
  const cpu0 = L.procCpuS(proc.pid);
  const send = await L.udpLoad({ port, rate, durationMs: SECONDS * 1000, sources: L.loopbackSources(SOURCES), procs: procsFor(rate), tails });
  // Wait until the output file stops growing (bounded).
  let last = -1;
  let stable = 0;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const sz = fileSize(out);
    if (sz === last) {
      if (++stable >= 10) break;
    } else stable = 0;
    last = sz;
    await L.sleep(100);
  }
  const cpu1 = L.procCpuS(proc.pid);
  const drops = L.udpDrops(port);
  proc.kill('SIGTERM');
  await new Promise((r) => (proc.exitCode !== null ? r() : proc.on('exit', r)));
  const received = countLines(out);
  fs.rmSync(out, { force: true });
  const wallS = (Date.now() - send.startAt) / 1000;
  return { send, received, lost: send.sent - received, kernelDrops: drops, cpuPct: cpu0 !== null && cpu1 !== null ? (100 * (cpu1 - cpu0)) / wallS : null };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  L.header('udp', `UDP loss, xtriaged vs rsyslogd: ${RATES.map((r) => `${r / 1000}k`).join(', ')} msg/s × ${SECONDS} s from ${SOURCES} sources`);
  const tails = L.nodeLineTails();
  const avgBytes = tails.reduce((a, t) => a + `<166>1 2026-11-25T15:20:00.123000+00:00 localhost ${t}`.length, 0) / tails.length;
  const bin = rsyslogdPath();
  const variants = bin ? RSYSLOG : [];
  if (!bin) L.say('    rsyslogd not found: xtriaged only');
  const rm = L.raiseRmemMax(RMEM);
  L.say(
    `    net.core.rmem_max: ${rm.before}${rm.changed ? ` raised to ${rm.during} for this run (restored afterwards)` : ' (unchanged)'}; net.core.rmem_default ${L.readSysctl('net.core.rmem_default')}`,
  );
  L.say(
    `    messages: RFC 5424 node lines (${tails.length} distinct xcat.deployment texts from the generator), mean ${avgBytes.toFixed(0)} B; rsyslogd ${bin ? rsyslogVersion(bin) : '—'} variants: ${variants.join(', ') || 'none'}`,
  );

  const results = [];
  for (const rate of RATES) {
    L.note(`rate ${rate}/s: xtriaged`);
    const xt = await runXtriaged(rate, tails);
    const rs = {};
    for (const v of variants) {
      L.note(`rate ${rate}/s: rsyslogd ${v}`);
      rs[v] = await runRsyslog(bin, v, rate, tails);
    }
    results.push({ rate, xt, rs });
  }
  if (rm.restore) rm.restore();

  const senderNote = (s, rate) => {
    const short = s.achieved < rate * 0.97;
    return `${L.fmtInt(s.achieved)}${short ? ' (short)' : ''}`;
  };
  const rows = results.map(({ rate, xt, rs }) => [
    L.fmtInt(rate),
    senderNote(xt.send, rate),
    L.fmtInt(xt.send.sent),
    L.fmtInt(xt.received),
    L.fmtInt(xt.lost),
    L.pct(xt.lost, xt.send.sent, 3),
    L.fmtInt(xt.kernelDrops),
    ...variants.flatMap((v) => [senderNote(rs[v].send, rate), L.fmtInt(rs[v].lost), L.pct(rs[v].lost, rs[v].send.sent, 3)]),
  ]);
  L.table(
    'UDP loss (lost = sent − received; kernel drops from /proc/net/udp for the receiving port)',
    [
      'rate/s',
      'xt sent/s',
      'xt sent',
      'xt received',
      'xt lost',
      'xt loss',
      'xt kdrops',
      ...variants.flatMap((v) => [`rs-${v} sent/s`, `rs-${v} lost`, `rs-${v} loss`]),
    ],
    rows,
    [
      `sender: ${SOURCES} sources (127.0.0.1…), ${RATES.map((r) => `${r / 1000}k: ${procsFor(r)} proc`).join(', ')}; "(short)": the sender did not reach the rate (2 cores shared with the receiver); sender processes at nice ${L.SENDER_NICE} (XT_BENCH_SENDER_NICE), the same for every receiver`,
      `xtriaged UDP receive buffer: asked ${L.fmtInt(results[0]?.xt.requested)} B, granted ${L.fmtInt(results[0]?.xt.granted)} B (getsockopt, Linux doubles the capped request)`,
      'rs-stock: rsyslogd imudp with the kernel default buffer (net.core.rmem_default); rs-8m: imudp rcvbufSize="8m"',
    ],
  );
  L.table(
    'xtriaged pipeline behind the spool (health samples every 100 ms)',
    ['rate/s', 'parsed', 'parsed/s in send', 'sustained/s', 'overall/s', 'max backlog', 'drain after send', 'max snapshot', 'CPU', 'peak RSS'],
    results.map(({ rate, xt }) => [
      L.fmtInt(rate),
      L.fmtInt(xt.parsed),
      L.fmtInt(xt.parsedDuringSend),
      xt.sustained === null ? 'not backlogged' : L.fmtInt(xt.sustained),
      L.fmtInt(xt.overall),
      L.fmtInt(xt.maxBacklog),
      xt.drainMs === null ? 'not drained' : `${(xt.drainMs / 1000).toFixed(1)} s`,
      `${L.fmtInt(xt.maxSnapshot)} ms`,
      xt.cpuPct === null ? '—' : `${xt.cpuPct.toFixed(0)} %`,
      L.mb(xt.maxRss),
    ]),
    [
      'parsed/s in send: records through the engine per second while the sender ran; sustained/s: while the backlog was above 1,000',
      'overall/s: all parsed records over first send → drained; max snapshot: longest diagnosis recompute (it blocks the event loop)',
      'CPU: xtriaged process CPU time over the same span (100 % = one core)',
    ],
  );
  if (variants.length) {
    L.table(
      'rsyslogd',
      ['rate/s', ...variants.flatMap((v) => [`${v} received`, `${v} kdrops`, `${v} CPU`])],
      results.map(({ rate, rs }) => [
        L.fmtInt(rate),
        ...variants.flatMap((v) => [L.fmtInt(rs[v].received), L.fmtInt(rs[v].kernelDrops), rs[v].cpuPct === null ? '—' : `${rs[v].cpuPct.toFixed(0)} %`]),
      ]),
    );
  }

  // Targets (issue 4).
  const r100 = results.find((r) => r.rate === 100_000);
  const verdict = (ok) => (ok ? 'MET' : 'MISSED');
  L.say('');
  L.say('Targets');
  if (r100) L.say(`  nothing lost at 100k/s: ${verdict(r100.xt.lost <= 0)} (${L.fmtInt(r100.xt.lost)} lost, ${L.pct(r100.xt.lost, r100.xt.send.sent, 3)})`);
  for (const v of variants) {
    const worse = results.filter(({ xt, rs }) => xt.lost / xt.send.sent > rs[v].lost / rs[v].send.sent && xt.lost > 0);
    L.say(
      `  less loss than rsyslogd ${v} at every rate: ${verdict(!worse.length)}${worse.length ? ` (more at ${worse.map((w) => `${w.rate / 1000}k`).join(', ')})` : ''}`,
    );
  }
  const best = Math.max(0, ...results.map((r) => r.xt.sustained ?? r.xt.parsedDuringSend ?? 0));
  const drained = results.every((r) => r.xt.drainMs !== null && r.xt.backlogDropped === 0);
  L.say(`  ≥ 50k lines/s through the pipeline: ${verdict(best >= 50_000)} (best ${L.fmtInt(best)}/s)`);
  L.say(
    `  backlog bounded and drained: ${verdict(drained)} (max ${L.fmtInt(Math.max(...results.map((r) => r.xt.maxBacklog)))}, dropped from backlog ${L.fmtInt(results.reduce((a, r) => a + r.xt.backlogDropped, 0))})`,
  );
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`udp bench failed: ${e.stack ?? e}\n`);
      process.exit(1);
    },
  );
}

module.exports = { main };
