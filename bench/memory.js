#!/usr/bin/env node
// xtriaged's memory after a 10,000-node cluster's install, and across reinstalls.
//
// A generated cluster (src/demo/sim) is fed into a fresh xtriaged the way an MN feeds it: the nodes'
// datagrams over UDP (renderDatagrams; node IPs are 10.x, so they go through loopback as our
// rsyslog relay forwards them, RFC 5424 with [origin ip=…], a trusted relay), and the MN's own
// lines appended to a /var/log-shaped tree the daemon tails (--logs; renderMnLines). Time is
// moved to the wall clock and compressed (XT_BENCH_MEM_SPEED simulated seconds per second), and
// the feeder pauses (moving the clock with it) whenever the daemon's backlog or the tailer falls
// behind: "as fast as the daemon keeps up". Feeding a round and settling are bounded in time;
// a round not fed completely is marked so.
//
// Part 1: the install of a 10,000-node cluster: RSS, retained heap, sessions.
// Part 2: "24 h of such traffic replayed fast": the same cluster reinstalled round after round
//   (same MACs, IPs, names; ~1–1.4 h of traffic per round) into one daemon; RSS and retained heap
//   after each round against the sessions retained. By default a 500-node cluster, so the
//   rounds fit the time bound; XT_BENCH_MEM_REINSTALL_NODES=10000 XT_BENCH_MEM_ROUNDS=17 is the
//   full 24 h at 10k nodes (hours with today's daemon).
// After each round: /proc VmRSS right after the last line settled; then the daemon gets up to
// XT_BENCH_MEM_MAX_FREEZE_WAIT_S (90) to freeze the machines that went quiet (no line for 20 s,
// their lines compressed, src/engine/frozen-machine.ts; at least 22 s, until its frozen count stays the
// same for 5 s), and VmRSS/VmHWM and process.memoryUsage() after a forced full GC inside the
// daemon (bench/gc-hook.js preloaded with --expose-gc; signalled with SIGUSR2) are taken.
//
//   node bench/memory.js
//   XT_BENCH_MEM_NODES=2000 XT_BENCH_MEM_ROUNDS=6 node bench/memory.js
//
// Environment: XT_BENCH_MEM_NODES (10000; 0 skips part 1), XT_BENCH_MEM_REINSTALL_NODES (500),
// XT_BENCH_MEM_ROUNDS (4; 0 skips part 2), XT_BENCH_MEM_SPEED (150), XT_BENCH_MEM_MAX_FEED_S
// (180 per round), XT_BENCH_MEM_MAX_SETTLE_S (30), XT_BENCH_MEM_KEEP_ORDER (0: 1 moves a node's
// line in a 1-second-resolution file after its datagram of the same second, as the demo
// replay does; that stretches each node's story by up to a second per step).
'use strict';

const dgram = require('node:dgram');
const fs = require('node:fs');
const path = require('node:path');
const L = require('./lib');

const NODES = L.envNum('XT_BENCH_MEM_NODES', 10_000);
const REINSTALL_NODES = L.envNum('XT_BENCH_MEM_REINSTALL_NODES', 500);
const ROUNDS = L.envNum('XT_BENCH_MEM_ROUNDS', 4);
const SPEED = L.envNum('XT_BENCH_MEM_SPEED', 150);
/** Bounds: feeding one round stops after this long (the rest of the round is not sent), settling after that. */
const MAX_FEED_S = L.envNum('XT_BENCH_MEM_MAX_FEED_S', 180);
const MAX_SETTLE_S = L.envNum('XT_BENCH_MEM_MAX_SETTLE_S', 30);
/** After settling: how long the daemon may take to freeze the machines that went quiet. */
const MAX_FREEZE_WAIT_S = L.envNum('XT_BENCH_MEM_MAX_FREEZE_WAIT_S', 90);
const FREEZE_WAIT_MIN_S = 22;
const KEEP_ORDER = L.envNum('XT_BENCH_MEM_KEEP_ORDER', 0) > 0;
const HIGH_BACKLOG = 150_000;
const LOW_BACKLOG = 30_000;
const HIGH_TAIL_LAG = 32 << 20;
const LOW_TAIL_LAG = 4 << 20;

const COARSE = new Set(['httpd/access_log', 'xcat/commands.log']);
const SYSLOG_FILES = new Set(['messages', 'xcat/cluster.log', 'xcat/computes.log']);
const BSD_STAMP = /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?= )/;
const p2 = (n) => String(n).padStart(2, '0');
function rfc3339(at) {
  const d = new Date(Math.floor(at));
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}T${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}000+00:00`;
}

/**
 * The cluster with every time mapped by `map` (consulted lazily, event by event), keeping each
 * node's lines in order where a coarse (1-second) file would otherwise blur it — as src/demo/replay.ts.
 */
function shifted(c, map) {
  return {
    ...c,
    events: function* () {
      const lastDatagram = new Map();
      const notBefore = new Map();
      for (const ev of c.events()) {
        let at = map(ev.at, true);
        const who = ev.about;
        if (who) {
          const floor = notBefore.get(who);
          if (floor !== undefined && at < floor) at = floor;
          if (ev.type === 'syslog' && ev.origin === 'node' && ev.wire) {
            lastDatagram.set(who, at);
            notBefore.set(who, at);
          } else {
            const dg = lastDatagram.get(who);
            if (KEEP_ORDER && COARSE.has(ev.file) && dg !== undefined && Math.floor(at / 1000) <= Math.floor(dg / 1000))
              at = (Math.floor(dg / 1000) + 1) * 1000;
            notBefore.set(who, at + 1);
          }
        }
        const e = { ...ev, at };
        if (typeof ev.startedAt === 'number') e.startedAt = Math.min(at, map(ev.startedAt) + (at - map(ev.at)));
        if (ev.type === 'syslog' && ev.wire) e.wire = { ...ev.wire, clock: map(ev.wire.clock) + (at - map(ev.at)) };
        yield e;
      }
    },
  };
}

class Feeder {
  constructor(d, logs) {
    this.d = d;
    this.logs = logs;
    this.pending = new Map();
    this.madeDirs = new Set();
    this.appendedBytes = 0;
    this.lines = 0;
    this.datagrams = 0;
    this.sendErrors = 0;
    this.pausedMs = 0;
    this.pauses = 0;
    this.health = null;
    this.maxBacklog = 0;
    this.maxRss = 0;
  }

  async open() {
    this.sock = dgram.createSocket({ type: 'udp4', sendBufferSize: 4 << 20 });
    await new Promise((r) => this.sock.bind(0, '127.0.0.1', r));
    this.sock.on('error', () => this.sendErrors++);
    this.polling = true;
    this.poller = (async () => {
      while (this.polling) {
        try {
          this.health = await this.d.health(10_000);
          if (this.health.backlog > this.maxBacklog) this.maxBacklog = this.health.backlog;
        } catch {
          /* busy */
        }
        const st = L.procStatus(this.d.pid);
        if (st?.VmRSS > this.maxRss) this.maxRss = st.VmRSS;
        await L.sleep(250);
      }
    })();
  }

  async close() {
    this.polling = false;
    await this.poller;
    this.sock.close();
  }

  tailLag() {
    const h = this.health;
    return h?.tailer ? this.appendedBytes - h.tailer.bytes : 0;
  }

  behind() {
    const h = this.health;
    return h && (h.backlog > HIGH_BACKLOG || this.tailLag() > HIGH_TAIL_LAG);
  }

  flush() {
    for (const [file, lines] of this.pending) {
      if (!lines.length) continue;
      const full = path.join(this.logs, file);
      const dir = path.dirname(full);
      if (!this.madeDirs.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        this.madeDirs.add(dir);
      }
      const text = `${lines.join('\n')}\n`;
      fs.appendFileSync(full, text);
      this.appendedBytes += Buffer.byteLength(text);
      this.lines += lines.length;
      lines.length = 0;
    }
  }

  send(from, datagram) {
    const msg = `<46>1 ${new Date().toISOString()} mn01 rsyslogd - - [origin ip="${from}"] ${datagram}`;
    this.sock.send(msg, this.d.port, '127.0.0.1', (err) => {
      if (err) this.sendErrors++;
    });
    this.datagrams++;
  }

  /** Feed one round: the cluster mapped onto the wall clock from now on. */
  async round(cluster) {
    const { renderDatagrams, renderMnLines } = require(path.join(L.DIST, 'demo', 'sim', 'cluster.js'));
    const simStart = cluster.start.getTime();
    const wallStart = Date.now() + 500;
    this.offset = 0;
    this.simAt = simStart;
    const map = (t, primary = false) => {
      if (primary && t > this.simAt) this.simAt = t;
      return wallStart + (t - simStart) / SPEED + this.offset;
    };
    const c = shifted(cluster, map);
    const dgs = renderDatagrams(c);
    const self = this;
    const mn = (function* () {
      for (const l of renderMnLines(c)) yield SYSLOG_FILES.has(l.file) ? { ...l, line: l.line.replace(BSD_STAMP, () => rfc3339(l.at)) } : l;
    })();
    let d = dgs.next();
    let m = mn.next();
    let lastFlush = Date.now();
    let lastCheck = Date.now();
    let sinceYield = 0;
    const feedStart = Date.now();
    this.fraction = 1;
    while (!d.done || !m.done) {
      const takeDatagram = !d.done && (m.done || d.value.at <= m.value.at);
      const due = takeDatagram ? d.value.at : m.value.at;
      const now = Date.now();
      if (now - feedStart > MAX_FEED_S * 1000) {
        // Out of time: the share of the round's simulated time that was fed.
        this.fraction = Math.max(0, Math.min(1, (this.simAt - simStart) / (cluster.end - cluster.start)));
        break;
      }
      if (now - lastCheck > 100) {
        lastCheck = now;
        if (this.behind()) {
          // Pause, and move the clock by the pause so the story keeps its pace.
          this.flush();
          this.pauses++;
          const p0 = Date.now();
          const limit = p0 + 120_000;
          while (Date.now() < limit) {
            await L.sleep(200);
            const h = this.health;
            if (h && h.backlog < LOW_BACKLOG && this.tailLag() < LOW_TAIL_LAG) break;
          }
          const paused = Date.now() - p0;
          this.pausedMs += paused;
          this.offset += paused;
          continue;
        }
      }
      const wait = due - now;
      if (wait > 2) {
        this.flush();
        lastFlush = Date.now();
        await L.sleep(Math.min(wait, 100));
        sinceYield = 0;
        continue;
      }
      if (takeDatagram) {
        this.flush(); // MN lines that came before it first (DHCP before the node speaks)
        this.send(d.value.from, d.value.datagram);
        d = dgs.next();
      } else {
        let list = this.pending.get(m.value.file);
        if (!list) this.pending.set(m.value.file, (list = []));
        list.push(m.value.line);
        m = mn.next();
      }
      if (Date.now() - lastFlush > 100) {
        this.flush();
        lastFlush = Date.now();
      }
      // Let socket callbacks and the health poller run.
      if (++sinceYield >= 2000) {
        sinceYield = 0;
        await new Promise((r) => setImmediate(r));
      }
    }
    this.flush();
    void self;
  }

  /** Wait until the daemon has read every appended byte and every datagram sent, and drained (bounded). */
  async settle(timeoutMs = MAX_SETTLE_S * 1000) {
    const t0 = Date.now();
    let stable = 0;
    let lastParsed = -1;
    while (Date.now() - t0 < timeoutMs) {
      await L.sleep(250);
      const h = this.health;
      if (!h) continue;
      const tailDone = !h.tailer || h.tailer.bytes >= this.appendedBytes;
      const quiet = h.backlog === 0 && h.parsed === lastParsed;
      lastParsed = h.parsed;
      if (tailDone && quiet) {
        if (++stable >= 8) return Date.now() - t0;
      } else stable = 0;
    }
    return null;
  }
}

/**
 * Wait until the daemon has frozen what it will (health `engine.frozen` unchanged for 5 s, at
 * least FREEZE_WAIT_MIN_S after the last line); at most MAX_FREEZE_WAIT_S. Returns the wait in ms.
 */
async function waitFrozen(d) {
  const t0 = Date.now();
  let last = -1;
  let since = Date.now();
  while (Date.now() - t0 < MAX_FREEZE_WAIT_S * 1000) {
    await L.sleep(1000);
    const h = await d.health();
    const n = h.engine?.frozen ?? 0;
    if (n !== last) {
      last = n;
      since = Date.now();
    } else if (Date.now() - since >= 5000 && Date.now() - t0 >= FREEZE_WAIT_MIN_S * 1000) break;
  }
  return Date.now() - t0;
}

/** Feed `rounds` rounds of an `nodes`-node cluster into one fresh daemon; figures after each round. */
async function phase(nodes, rounds) {
  const { generateCluster } = require(path.join(L.DIST, 'demo', 'sim', 'cluster.js'));
  const dir = L.tmpDir('memory');
  const logs = path.join(dir, 'log');
  fs.mkdirSync(logs, { recursive: true });
  const d = await L.startDaemon({ logs, gcHook: true });
  const base = L.procStatus(d.pid);
  const feeder = new Feeder(d, logs);
  await feeder.open();
  const figures = [];
  let simMs = 0;
  for (let r = 1; r <= rounds; r++) {
    L.note(`${nodes} nodes, round ${r}/${rounds}: generating`);
    const cluster = generateCluster({ nodes, seed: 1, start: new Date(Date.parse('2026-11-24T10:00:00Z') + (r - 1) * 2 * 3600_000) });
    const before = { lines: feeder.lines, datagrams: feeder.datagrams, pausedMs: feeder.pausedMs };
    const f0 = Date.now();
    await feeder.round(cluster);
    const feedMs = Date.now() - f0;
    simMs += (cluster.end - cluster.start) * feeder.fraction;
    L.note(
      `round ${r}: fed ${L.fmtInt(feeder.lines - before.lines)} MN lines + ${L.fmtInt(feeder.datagrams - before.datagrams)} datagrams in ${(feedMs / 1000).toFixed(0)} s; settling`,
    );
    const settleMs = await feeder.settle();
    await L.sleep(2500); // the kernel drop counter refreshes every 2 s
    // RSS right after the last line, then once the daemon froze the machines that went quiet
    // (idle 20 s, frozen-machine.ts): the figure of an MN after its install.
    const atLastLine = L.procStatus(d.pid);
    const frozeMs = await waitFrozen(d);
    const h = await d.health();
    const st = L.procStatus(d.pid);
    const gc = await d.gcMemory();
    if (process.env.XT_BENCH_MEM_SPACES) {
      L.note(
        `V8 spaces after GC (MiB committed/used): ${Object.entries(gc?.spaces ?? {})
          .map(([k, v]) => `${k} ${(v.size / 1048576).toFixed(0)}/${(v.used / 1048576).toFixed(0)}`)
          .join(', ')}`,
      );
      const rx = h.memory?.reception;
      if (rx) L.note(`reception thread heap ${L.mb(rx.totalBytes)} (used ${L.mb(rx.usedBytes)})`);
    }
    const sessions = Object.values(h.sessions ?? {}).reduce((a, b) => a + b, 0);
    const lines = feeder.lines - before.lines + feeder.datagrams - before.datagrams;
    figures.push({
      r,
      simMs,
      lines,
      spentMs: feedMs + (settleMs ?? MAX_SETTLE_S * 1000),
      pausedMs: feeder.pausedMs - before.pausedMs,
      sessions,
      outcomes: h.sessions,
      machines: h.engine?.machines ?? null,
      frozen: h.engine?.frozen ?? null,
      entries: h.engine?.entries ?? null,
      rss: st?.VmRSS ?? null,
      rssLastLine: atLastLine?.VmRSS ?? null,
      frozeMs,
      hwm: st?.VmHWM ?? null,
      heapGc: gc?.heapUsed ?? null,
      heapTotalGc: gc?.heapTotal ?? null,
      externalGc: gc?.external ?? null,
      rssGc: gc?.rss ?? null,
      drops: h.kernelDrops?.drops ?? null,
      fraction: feeder.fraction,
      settled: settleMs !== null,
      complete: feeder.fraction >= 1 && settleMs !== null,
      snapshotMs: h.snapshotMs,
    });
    L.note(`round ${r}: RSS ${L.mb(st?.VmRSS)}, heap after GC ${L.mb(gc?.heapUsed)}, ${sessions} sessions`);
  }
  const h = await d.health();
  await feeder.close();
  await d.stop();
  return { figures, base, h, feeder };
}

function printPhase(title, { figures, base, h, feeder }) {
  L.table(
    title,
    [
      'round',
      'traffic',
      'lines fed',
      'feed+settle',
      'lines/s',
      'paused',
      'sessions',
      'machines',
      'frozen',
      'entries',
      'RSS at last line',
      'waited',
      'RSS',
      'peak RSS',
      'after GC: heap used',
      'heap total',
      'external',
      'RSS',
      'heap/session',
      'kernel drops',
      '',
    ],
    figures.map((f) => [
      f.r,
      `${(f.simMs / 3600_000).toFixed(1)} h`,
      L.fmtInt(f.lines),
      `${(f.spentMs / 1000).toFixed(0)} s`,
      L.fmtInt((f.lines * 1000) / f.spentMs),
      `${(f.pausedMs / 1000).toFixed(0)} s`,
      L.fmtInt(f.sessions),
      L.fmtInt(f.machines),
      f.frozen === null ? '—' : L.fmtInt(f.frozen),
      L.fmtInt(f.entries),
      L.mb(f.rssLastLine),
      `${(f.frozeMs / 1000).toFixed(0)} s`,
      L.mb(f.rss),
      L.mb(f.hwm),
      L.mb(f.heapGc),
      L.mb(f.heapTotalGc),
      L.mb(f.externalGc),
      L.mb(f.rssGc),
      f.heapGc && f.sessions ? `${(f.heapGc / f.sessions / 1024).toFixed(1)} KiB` : '—',
      L.fmtInt(f.drops),
      [f.fraction < 1 ? `ONLY ${(100 * f.fraction).toFixed(0)} % FED in ${MAX_FEED_S} s` : '', f.settled ? '' : `NOT SETTLED in ${MAX_SETTLE_S} s`]
        .filter(Boolean)
        .join('; '),
    ]),
    [
      `traffic: simulated time fed so far; start RSS ${L.mb(base?.VmRSS)}; sessions by outcome at the end: ${JSON.stringify(h.sessions)}`,
      `lines fed = MN lines appended + datagrams sent (relayed from 127.0.0.1 with [origin ip]); paused = time the feeder waited (backlog > ${L.fmtInt(HIGH_BACKLOG)} or tailer > ${HIGH_TAIL_LAG >> 20} MiB behind)`,
      'RSS, peak RSS: /proc VmRSS, VmHWM once the round had settled; after GC: process.memoryUsage() right after a forced full GC in the daemon',
      `max backlog seen ${L.fmtInt(feeder.maxBacklog)}; feeder send errors ${feeder.sendErrors}; last snapshot ${h.snapshotMs} ms; spool ${L.mb(h.spool?.bytesWritten)} + mnlog ${L.mb(h.mnlog?.bytesWritten)} written`,
    ],
  );
}

async function main() {
  L.header(
    'memory',
    `xtriaged RSS after a ${L.fmtInt(NODES)}-node install; ${ROUNDS} install rounds of ${L.fmtInt(REINSTALL_NODES)} nodes; fed at up to ${SPEED}× real time`,
  );
  // As the shipped sysctl drop-in (systemd/99-xtriage-sysctl.conf) does; restored afterwards.
  const rm = L.raiseRmemMax(L.envNum('XT_BENCH_RMEM_MAX', 16 * 1024 * 1024));
  L.say(`    net.core.rmem_max: ${rm.before}${rm.changed ? ` raised to ${rm.during} for this run (restored afterwards)` : ' (unchanged)'}`);
  const verdicts = [];
  if (NODES > 0) {
    const p1 = await phase(NODES, 1);
    printPhase(`Part 1: xtriaged after the install of ${L.fmtInt(NODES)} nodes`, p1);
    const f1 = p1.figures[0];
    const over = f1.rss !== null && f1.rss >= 500e6;
    const v1 = over ? 'MISSED' : f1.complete ? 'MET' : 'NOT SHOWN (install not fed completely in the time bound)';
    verdicts.push(
      `  RSS after the ${L.fmtInt(NODES)}-node install < 500 MB: ${v1} (${(f1.rss / 1e6).toFixed(0)} MB once quiet machines froze, ${(f1.rssLastLine / 1e6).toFixed(0)} MB right after the last line; peak ${(f1.hwm / 1e6).toFixed(0)} MB, retained heap ${(f1.heapGc / 1e6).toFixed(0)} MB${f1.complete ? '' : `, after ${(100 * f1.fraction).toFixed(0)} % of the install`})`,
    );
  }
  if (ROUNDS > 0) {
    const p2 = await phase(REINSTALL_NODES, ROUNDS);
    printPhase(`Part 2: ${ROUNDS} rounds of the same ${L.fmtInt(REINSTALL_NODES)}-node cluster reinstalled, one daemon`, p2);
    const fs2 = p2.figures;
    if (fs2.length > 1) {
      const a = fs2[0];
      const z = fs2[fs2.length - 1];
      const per = (f) => (f.heapGc ?? 0) / Math.max(1, f.sessions);
      const growth = per(z) / Math.max(1, per(a));
      verdicts.push(
        `  no growth with time, only with retained sessions: ${growth <= 1.25 ? 'MET' : 'MISSED'} (${(z.simMs / 3600_000).toFixed(1)} h of traffic: sessions ${a.sessions} → ${z.sessions} (×${(z.sessions / a.sessions).toFixed(2)}), retained heap ${(a.heapGc / 1e6).toFixed(0)} → ${(z.heapGc / 1e6).toFixed(0)} MB (×${(z.heapGc / a.heapGc).toFixed(2)}), per session ${(per(a) / 1024).toFixed(1)} → ${(per(z) / 1024).toFixed(1)} KiB; RSS ${(a.rss / 1e6).toFixed(0)} → ${(z.rss / 1e6).toFixed(0)} MB)`,
      );
    }
  }
  L.say('');
  L.say('Targets');
  for (const v of verdicts) L.say(v);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`memory bench failed: ${e.stack ?? e}\n`);
      process.exit(1);
    },
  );
}

module.exports = { main, Feeder, shifted };
