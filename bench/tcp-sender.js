// TCP syslog sender, run as a child process: one connection, RFC 6587 octet-counted frames
// (`LEN SP MSG`), as fast as the receiver takes them (write() backpressure respected). The parent
// sends {cmd:'setup', cfg:{port, count, tails}}, waits for 'ready', then {cmd:'go'}; the child
// reports {sent, bytes, ms}.
'use strict';

const net = require('node:net');

const p2 = (n) => String(n).padStart(2, '0');
function iso(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}T${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}000+00:00`;
}

let sock = null;
let cfg = null;
/** A few pre-built batches of frames (different timestamps), written in turn. */
let batches = [];
const PER_BATCH = 4096;

function setup(c) {
  cfg = c;
  const t = Date.now();
  for (let b = 0; b < 4; b++) {
    const parts = [];
    const stamp = iso(t + b * 1000);
    for (let i = 0; i < PER_BATCH; i++) {
      const msg = Buffer.from(`<166>1 ${stamp} localhost ${c.tails[(b * PER_BATCH + i) % c.tails.length]}`);
      parts.push(Buffer.from(`${msg.length} `), msg);
    }
    batches.push(Buffer.concat(parts));
  }
  return new Promise((resolve, reject) => {
    sock = net.connect({ port: c.port, host: '127.0.0.1', ...(c.from ? { localAddress: c.from } : {}) }, resolve);
    sock.once('error', reject);
  });
}

function go() {
  const t0 = Date.now();
  const total = cfg.count;
  const hardStop = t0 + (cfg.timeLimitMs ?? 120_000);
  let sent = 0;
  let bytes = 0;
  let b = 0;
  const finish = (why) => {
    sock.end(() => process.send({ sent, bytes, ms: Date.now() - t0, why }, () => setTimeout(() => process.exit(0), 50)));
  };
  const pump = () => {
    while (sent < total) {
      if (Date.now() > hardStop) return finish('time limit');
      let buf = batches[b++ % batches.length];
      let n = PER_BATCH;
      if (total - sent < n) {
        // Cut the last batch at a frame boundary.
        n = total - sent;
        let off = 0;
        for (let i = 0; i < n; i++) {
          const sp = buf.indexOf(32, off);
          const len = Number(buf.toString('latin1', off, sp));
          off = sp + 1 + len;
        }
        buf = buf.subarray(0, off);
      }
      sent += n;
      bytes += buf.length;
      if (!sock.write(buf)) {
        sock.once('drain', pump);
        return;
      }
    }
    finish('done');
  };
  pump();
}

process.on('message', (m) => {
  if (m.cmd === 'setup')
    setup(m.cfg).then(
      () => process.send({ ready: true }),
      (e) => process.send({ error: e.message }),
    );
  else if (m.cmd === 'go') go();
});
process.on('disconnect', () => process.exit(0));
