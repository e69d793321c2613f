// A paced UDP syslog sender, run as a child process (several at once: one Node process cannot
// send 150k datagrams/s). The parent forks it, sends {cmd:'setup', …}, waits for 'ready', then
// {cmd:'go', at: epochMs}; the child sends `rate` datagrams/s for `durationMs` (bounded: it stops
// at durationMs × 2 + 2 s whatever happens), round-robin over sockets bound to its source
// addresses, and reports {sent, acked, errors, ms}.
//
// Messages are RFC 5424, shaped like the lines xCAT's node scripts send:
//   <166>1 2026-11-25T15:20:00.123456+00:00 localhost xcat.deployment - - - Running postscript: syslog
'use strict';

const dgram = require('node:dgram');
const { performance } = require('node:perf_hooks');

const p2 = (n) => String(n).padStart(2, '0');
function iso(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}T${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}000+00:00`;
}

let sockets = [];
let cfg = null;

async function setup(c) {
  cfg = c;
  sockets = await Promise.all(
    c.sources.map(
      (ip) =>
        new Promise((resolve, reject) => {
          const s = dgram.createSocket({ type: 'udp4', sendBufferSize: 4 * 1024 * 1024 });
          s.once('error', reject);
          s.bind(0, ip, () => {
            // Connected: each send skips the address lookup and sendto's address (a third less CPU
            // per datagram here, CPU the receiver under test shares on a small box).
            s.connect(c.port, c.host ?? '127.0.0.1', () => {
              s.off('error', reject);
              resolve(s);
            });
          });
        }),
    ),
  );
}

function go(startAt) {
  const { rate, durationMs, tails } = cfg;
  const total = Math.round((rate * durationMs) / 1000);
  const hardStop = durationMs * 2 + 2000;
  const origin = performance.timeOrigin;
  let sent = 0;
  let acked = 0;
  let errors = 0;
  let firstAt = 0;
  let lastAt = 0;
  let stamp = '';
  let stampMs = 0;
  let maxBehind = 0;
  const cb = (err) => {
    if (err) errors++;
    else acked++;
  };
  const nb = tails.length;
  const ns = sockets.length;
  const finish = (why) => {
    const done = () =>
      process.send({ sent, acked, errors, ms: lastAt - firstAt, why, maxBehind }, () => {
        for (const s of sockets) s.close();
        setTimeout(() => process.exit(0), 50);
      });
    // Let the last callbacks arrive.
    const t0 = Date.now();
    const wait = () => (acked + errors >= sent || Date.now() - t0 > 2000 ? done() : setTimeout(wait, 10));
    wait();
  };
  const loop = () => {
    const now = origin + performance.now();
    const el = now - startAt;
    if (el < 0) {
      setImmediate(loop);
      return;
    }
    if (!firstAt) firstAt = now;
    if (el > hardStop) return finish('time limit');
    const due = Math.min(total, Math.floor((rate * el) / 1000));
    if (due - sent > maxBehind) maxBehind = due - sent;
    if (now - stampMs >= 1) {
      stampMs = now;
      stamp = iso(now);
    }
    // At most 4 ms worth at once, so a stall does not become one huge burst.
    const burstCap = Math.max(16, Math.ceil(rate / 250));
    let n = 0;
    while (sent < due && n < burstCap) {
      const i = sent;
      const msg = `<166>1 ${stamp} localhost ${tails[i % nb]}`;
      sockets[i % ns].send(msg, cb);
      sent++;
      n++;
    }
    lastAt = origin + performance.now();
    if (sent >= total) return finish('done');
    // Caught up: sleep ~1 ms instead of spinning (a spinning sender took a whole core whatever
    // its rate, CPU the receiver under test needs on a 2-core box). Behind: go on at once.
    if (sent >= due) setTimeout(loop, 1);
    else setImmediate(loop);
  };
  loop();
}

process.on('message', (m) => {
  if (m.cmd === 'setup') {
    setup(m.cfg).then(
      () => process.send({ ready: true }),
      (e) => process.send({ error: e.message }),
    );
  } else if (m.cmd === 'go') {
    go(m.at);
  }
});
process.on('disconnect', () => process.exit(0));
