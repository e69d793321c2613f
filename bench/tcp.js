#!/usr/bin/env node
// TCP throughput into xtriaged: RFC 6587 octet-counted frames over several connections, each
// from its own child process (bench/tcp-sender.js) and source address, as fast as xtriaged
// reads them. Prints messages/s received (health `received`), the senders' write rate, and the
// pipeline behind it (parsed/s, backlog, drain).
//
//   node bench/tcp.js
//   XT_BENCH_TCP_MESSAGES=500000 XT_BENCH_TCP_CONNS=2 node bench/tcp.js
//
// Environment: XT_BENCH_TCP_MESSAGES (2,000,000 in all), XT_BENCH_TCP_CONNS (3; 2–4 sensible).
'use strict';

const path = require('node:path');
const { fork } = require('node:child_process');
const L = require('./lib');

const TOTAL = L.envNum('XT_BENCH_TCP_MESSAGES', 2_000_000);
const CONNS = L.envNum('XT_BENCH_TCP_CONNS', 3);

async function main() {
  L.header('tcp', `TCP throughput into xtriaged: ${L.fmtInt(TOTAL)} octet-counted messages over ${CONNS} connections`);
  const tails = L.nodeLineTails();
  const d = await L.startDaemon();
  const kids = [];
  const once = (child) =>
    new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (c) => reject(new Error(`tcp sender exited ${c}`)));
    });
  for (let k = 0; k < CONNS; k++) {
    const child = L.track(fork(path.join(__dirname, 'tcp-sender.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const count = Math.floor(TOTAL / CONNS) + (k < TOTAL % CONNS ? 1 : 0);
    const ready = once(child);
    child.send({ cmd: 'setup', cfg: { port: d.port, count, tails, from: `127.0.2.${k + 1}`, timeLimitMs: 180_000 } });
    const r = await ready;
    if (r.error) throw new Error(`tcp sender: ${r.error}`);
    kids.push(child);
  }
  const cpu0 = L.procCpuS(d.pid);
  const samples = [];
  let maxRss = 0;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      try {
        const h = await d.health(5000);
        samples.push({ t: Date.now(), received: h.received, parsed: h.parsed, backlog: h.backlog, backlogDropped: h.backlogDropped });
      } catch {
        /* busy */
      }
      const st = L.procStatus(d.pid);
      if (st?.VmRSS > maxRss) maxRss = st.VmRSS;
      await L.sleep(100);
    }
  })();
  const t0 = Date.now();
  L.note(`sending ${L.fmtInt(TOTAL)} messages`);
  const results = kids.map(once);
  for (const c of kids) c.send({ cmd: 'go' });
  // Bounded: senders that have not finished after 150 s are stopped (their count is what they wrote).
  const senderLimit = new Promise((resolve) => setTimeout(() => resolve('limit'), 150_000).unref());
  const done = await Promise.race([Promise.all(results), senderLimit]);
  const rs = done === 'limit' ? kids.map(() => ({ sent: 0, bytes: 0, why: 'time limit' })) : done;
  if (done === 'limit') for (const c of kids) c.kill('SIGKILL');
  const sendDone = Date.now();
  L.note(`senders ${done === 'limit' ? 'STOPPED at the time limit' : 'done'}; waiting for the daemon`);
  // All received, then all parsed (bounded: gives up when nothing moves for 20 s, or after 120 s).
  let allReceivedAt = null;
  let drainedAt = null;
  const deadline = Date.now() + 120_000;
  let lastMove = Date.now();
  let lastKey = '';
  while (Date.now() < deadline && Date.now() - lastMove < 20_000) {
    const s = samples[samples.length - 1];
    if (s) {
      const key = `${s.received}/${s.parsed}`;
      if (key !== lastKey) {
        lastKey = key;
        lastMove = Date.now();
      }
    }
    if (s && allReceivedAt === null && s.received >= TOTAL) allReceivedAt = s.t;
    if (s && s.received >= TOTAL && s.backlog === 0 && s.parsed >= s.received) {
      drainedAt = s.t;
      break;
    }
    await L.sleep(50);
  }
  polling = false;
  await poller;
  const h = await d.health();
  const cpu1 = L.procCpuS(d.pid);
  await d.stop();

  const sent = done === 'limit' ? h.received : rs.reduce((a, r) => a + r.sent, 0);
  const bytes = rs.reduce((a, r) => a + r.bytes, 0);
  const recvS = ((allReceivedAt ?? Date.now()) - t0) / 1000;
  const drainS = ((drainedAt ?? Date.now()) - t0) / 1000;
  // Peak 1-second reception rate.
  let peak = 0;
  for (let i = 0, j = 0; i < samples.length; i++) {
    while (samples[i].t - samples[j].t > 1000) j++;
    if (samples[i].t - samples[j].t >= 900) peak = Math.max(peak, ((samples[i].received - samples[j].received) * 1000) / (samples[i].t - samples[j].t));
  }
  const maxBacklog = Math.max(0, ...samples.map((s) => s.backlog));
  L.table(
    'TCP into xtriaged',
    [
      'messages',
      'bytes',
      'conns',
      'senders done',
      'all received',
      'received/s',
      'peak 1 s',
      'all parsed',
      'parsed/s',
      'max backlog',
      'backlog dropped',
      'CPU',
      'peak RSS',
    ],
    [
      [
        L.fmtInt(sent),
        L.mb(bytes),
        CONNS,
        `${((sendDone - t0) / 1000).toFixed(1)} s`,
        allReceivedAt ? `${recvS.toFixed(1)} s` : 'no',
        L.fmtInt(h.received / recvS),
        L.fmtInt(peak),
        drainedAt ? `${drainS.toFixed(1)} s` : 'no',
        L.fmtInt(h.parsed / drainS),
        L.fmtInt(maxBacklog),
        L.fmtInt(h.backlogDropped),
        `${((100 * (cpu1 - cpu0)) / drainS).toFixed(0)} %`,
        L.mb(maxRss),
      ],
    ],
    [
      `received ${L.fmtInt(h.received)} (health), framing errors ${h.receiver?.framingErrors ?? '—'}, truncated ${h.receiver?.truncated ?? '—'}`,
      'received/s: messages read off the connections (framed, spooled, queued) per second from go to the last one; parsed/s: through the engine, go → backlog drained',
    ],
  );
  L.say('');
  L.say('Targets');
  L.say(`  TCP ≥ 200k messages/s received: ${h.received / recvS >= 200_000 ? 'MET' : 'MISSED'} (${L.fmtInt(h.received / recvS)}/s)`);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`tcp bench failed: ${e.stack ?? e}\n`);
      process.exit(1);
    },
  );
}

module.exports = { main };
