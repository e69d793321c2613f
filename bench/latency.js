#!/usr/bin/env node
// Latency from a datagram's arrival to its diagnosis in /v1/events, under background load.
//
// A fresh xtriaged; the paced sender (child processes) sends node lines at 20k msg/s from 200
// sources for the whole run. Meanwhile this process, subscribed to /v1/events over the Unix
// socket, gives each of N marker nodes (one loopback source address each) a running session
// (two installer lines: %pre, %post), then — one marker node at a time, spread over the run —
// sends the line that fails it:
//   <163>1 … localhost xcat.deployment - - - failed to download postscripts from http://10.0.0.1/install/postscripts/, check /tmp/download.log on the node,  halt ...
// and measures the time from sending that datagram (loopback: arrival within microseconds) to
// the first `event: session` whose session has that IP, outcome failed and that root cause.
//
//   node bench/latency.js
//   XT_BENCH_LAT_MARKERS=100 XT_BENCH_LAT_SECONDS=10 node bench/latency.js
//
// Environment: XT_BENCH_LAT_RATE (20000), XT_BENCH_LAT_SECONDS (20), XT_BENCH_LAT_MARKERS (300),
// XT_BENCH_LAT_SOURCES (200), XT_BENCH_LAT_DUMP (a file for per-marker latencies and health over time).
'use strict';

const dgram = require('node:dgram');
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const L = require('./lib');

const RATE = L.envNum('XT_BENCH_LAT_RATE', 20_000);
const SECONDS = L.envNum('XT_BENCH_LAT_SECONDS', 20);
const MARKERS = L.envNum('XT_BENCH_LAT_MARKERS', 300);
const SOURCES = L.envNum('XT_BENCH_LAT_SOURCES', 200);
const PATTERN = 'post.download-failed';

const iso = () => new Date().toISOString().replace('Z', '+00:00');

function subscribe(socket, onEvent) {
  let req = null;
  const ready = new Promise((resolve, reject) => {
    req = http.get({ socketPath: socket, path: '/v1/events' }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`/v1/events: ${res.statusCode}`));
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk) => {
        const t = performance.now();
        buf += chunk;
        let idx;
        while ((idx = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, idx);
          buf = buf.slice(idx + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data) onEvent(event, data, t);
        }
      });
      resolve();
    });
    req.on('error', reject);
  });
  return { ready, close: () => req?.destroy() };
}

async function main() {
  L.header('latency', `datagram → /v1/events diagnosis: ${MARKERS} marker nodes at ${L.fmtInt(RATE)} msg/s background from ${SOURCES} sources, ${SECONDS} s`);
  // As the shipped sysctl drop-in (systemd/99-xtriage-sysctl.conf) does; restored afterwards.
  const rm = L.raiseRmemMax(L.envNum('XT_BENCH_RMEM_MAX', 16 * 1024 * 1024));
  L.say(`    net.core.rmem_max: ${rm.before}${rm.changed ? ` raised to ${rm.during} for this run (restored afterwards)` : ' (unchanged)'}`);
  const tails = L.nodeLineTails();
  const d = await L.startDaemon();
  const markers = L.loopbackSources(MARKERS, 4); // 127.4.x.y
  const sentAt = new Map(); // ip → performance.now() of the failing datagram
  const latency = new Map(); // ip → ms
  let events = 0;
  let eventBytes = 0;
  const sub = subscribe(d.socket, (event, data, t) => {
    events++;
    eventBytes += data.length;
    if (event !== 'session') return;
    // Cheap filter before parsing: only sessions of marker nodes that failed.
    if (!data.includes(PATTERN) || !data.includes('"127.4.')) return;
    const s = JSON.parse(data);
    if (s.outcome !== 'failed' || s.rootCause?.pattern !== PATTERN) return;
    for (const ip of s.ips ?? []) {
      const t0 = sentAt.get(ip);
      if (t0 !== undefined && !latency.has(ip)) latency.set(ip, t - t0);
    }
  });
  await sub.ready;

  // Marker sockets, one per marker node.
  const socks = await Promise.all(
    markers.map(
      (ip) =>
        new Promise((resolve, reject) => {
          const s = dgram.createSocket('udp4');
          s.once('error', reject);
          s.bind(0, ip, () => resolve(s));
        }),
    ),
  );
  const send = (i, pri, text) => new Promise((r) => socks[i].send(`<${pri}>1 ${iso()} localhost xcat.deployment - - - ${text}`, d.port, '127.0.0.1', r));

  const load = L.udpLoad({
    port: d.port,
    rate: RATE,
    durationMs: SECONDS * 1000,
    sources: L.loopbackSources(SOURCES),
    procs: Math.max(1, Math.ceil(RATE / 40_000)),
    tails,
  });
  await L.sleep(1500);
  // Give each marker node a running install (spread over ~1 s).
  for (let i = 0; i < MARKERS; i++) {
    await send(i, 166, 'Running Anaconda Pre-Installation script...');
    await send(i, 166, 'Executing post.xcat to prepare for firstbooting ...');
    if (i % 20 === 19) await L.sleep(60);
  }
  await L.sleep(1500);
  // XT_BENCH_LAT_DUMP=FILE: per-marker send time and latency, and the daemon's health every 250 ms.
  const dump = process.env.XT_BENCH_LAT_DUMP ? { health: [], start: performance.now() } : null;
  const poll = dump
    ? setInterval(() => {
        const at = performance.now() - dump.start;
        d.health().then(
          (h) => dump.health.push({ at: Math.round(at), backlog: h.backlog, lagMs: h.lagMs, pending: h.pendingMachines, snapshotMs: h.snapshotMs }),
          () => undefined,
        );
      }, 250)
    : null;
  // Then fail them one at a time, spread over the rest of the load (leaving 2 s at the end).
  const span = Math.max(1000, SECONDS * 1000 - 1500 - 1500 - 1000 - 2000);
  const every = span / MARKERS;
  const t0 = performance.now();
  for (let i = 0; i < MARKERS; i++) {
    const due = t0 + i * every;
    const wait = due - performance.now();
    if (wait > 0) await L.sleep(wait);
    sentAt.set(markers[i], performance.now());
    await send(i, 163, 'failed to download postscripts from http://10.0.0.1/install/postscripts/, check /tmp/download.log on the node,  halt ...');
  }
  const loadResult = await load;
  // Wait for the stragglers (bounded).
  const deadline = Date.now() + 10_000;
  while (latency.size < MARKERS && Date.now() < deadline) await L.sleep(50);
  const h = await d.health();
  if (dump) {
    clearInterval(poll);
    const markersOut = markers.map((ip) => ({
      ip,
      sent: Math.round((sentAt.get(ip) ?? 0) - dump.start),
      ms: latency.has(ip) ? Math.round(latency.get(ip)) : null,
    }));
    require('node:fs').writeFileSync(process.env.XT_BENCH_LAT_DUMP, JSON.stringify({ markers: markersOut, health: dump.health }));
  }
  sub.close();
  for (const s of socks) s.close();
  await d.stop();

  const xs = [...latency.values()].sort((a, b) => a - b);
  const p = (q) => L.percentile(xs, q);
  L.table(
    'send → diagnosis in /v1/events (ms)',
    ['markers', 'seen', 'p50', 'p90', 'p99', 'max', 'mean', 'background sent/s', 'received', 'kernel drops', 'sessions'],
    [
      [
        MARKERS,
        xs.length,
        L.fmt(p(50), 0),
        L.fmt(p(90), 0),
        L.fmt(p(99), 0),
        L.fmt(xs[xs.length - 1], 0),
        L.fmt(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length), 0),
        L.fmtInt(loadResult.achieved),
        L.fmtInt(h.received),
        L.fmtInt(h.kernelDrops?.drops),
        L.fmtInt(Object.values(h.sessions ?? {}).reduce((a, b) => a + b, 0)),
      ],
    ],
    [
      `events received: ${L.fmtInt(events)} (${L.mb(eventBytes, 1)} of JSON); last snapshot took ${h.snapshotMs} ms`,
      'a marker not seen within 10 s after the load ended counts as missing (not in the percentiles)',
    ],
  );
  L.say('');
  L.say('Targets');
  const ok = xs.length === MARKERS && p(99) < 250;
  L.say(
    `  p99 < 250 ms at ${L.fmtInt(RATE)}/s: ${ok ? 'MET' : 'MISSED'} (p99 ${L.fmt(p(99), 0)} ms${xs.length < MARKERS ? `, ${MARKERS - xs.length} markers never diagnosed` : ''})`,
  );
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`latency bench failed: ${e.stack ?? e}\n`);
      process.exit(1);
    },
  );
}

module.exports = { main };
