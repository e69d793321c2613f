#!/usr/bin/env node
// Rotation faults across restarts: a real xtriaged tails a real /var/log-shaped tree while the
// file is rotated every way logrotate (or an admin) does it, and the daemon is stopped with
// SIGTERM or kill -9 around the rotation. Counts, per style and stop signal, the lines written,
// the lines xtriaged read (its MN-line spool, which is what its engine saw), and of those the
// lines lost and read twice; and the notices it logged about lines it could not read.
//
//   rename             mv + create while running, a write to the new file and a late write to the
//                      old one, then the stop and a restart, then more lines
//   rename-stopped     mv + create while stopped, lines written to the old file before it
//   copytruncate       cp + truncate while stopped, the old file having grown first, then the new
//                      content grown past the old size
//   delete-read        rm + create while stopped, every line of the old file read before the stop
//   delete-unread      rm + create while stopped, lines written to the old file after the stop:
//                      cannot be read (counted as lost; a notice must say so)
//   gzip               mv + gzip + create while stopped, lines written to the old file first
//
// `node bench/rotation-faults.js` (dist/ built: `npm run build`); XT_BENCH_ROTATION_RUNS=N runs
// each cell N times (default 1). Also used by test/sources/tailer-restart.test.ts.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { spawnSync } = require('node:child_process');

const DIST = path.join(__dirname, '..', 'dist', 'bin', 'xtriaged.js');
const STYLES = ['rename', 'rename-stopped', 'copytruncate', 'delete-read', 'delete-unread', 'gzip'];
const SIGNALS = ['SIGTERM', 'SIGKILL'];
const { sleep, startDaemon } = require('./lib');

/** Every message in the MN-line spool (what the daemon read from its files), in order; a torn last line is skipped. */
function spooled(state) {
  const dir = path.join(state, 'mnlog');
  let names;
  try {
    names = fs
      .readdirSync(dir)
      .filter((n) => /\.jsonl(\.gz)?$/.test(n))
      .sort();
  } catch {
    return [];
  }
  const out = [];
  for (const n of names) {
    let text;
    try {
      const raw = fs.readFileSync(path.join(dir, n));
      text = n.endsWith('.gz') ? zlib.gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    } catch {
      continue;
    }
    for (const l of text.split('\n')) {
      if (!l) continue;
      try {
        out.push(JSON.parse(l).msg);
      } catch {
        /* torn */
      }
    }
  }
  return out;
}

async function waitSpooled(state, tag, n, ms = 15_000) {
  const end = Date.now() + ms;
  for (;;) {
    const have = spooled(state).filter((m) => m.includes(tag)).length;
    if (have >= n || Date.now() > end) return have;
    await sleep(100);
  }
}

/**
 * One run: returns { style, signal, written, read, lost, duplicated, notices } where notices are
 * the daemon's tailer lines about lines it could not read.
 */
async function runRotation(style, signal, base = os.tmpdir()) {
  if (!STYLES.includes(style)) throw new Error(`unknown style ${style}`);
  const dir = fs.mkdtempSync(path.join(base, `xt-rot-${style}-`));
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs);
  const state = path.join(dir, 'state');
  const file = path.join(logs, 'messages');
  const tag = `rot-${style}-${process.pid}-${Date.now()}`;
  let k = 0;
  const written = [];
  const write = (f, n) => {
    let text = '';
    for (let i = 0; i < n; i++, k++) {
      const msg = `Nov 24 10:00:00 mn01 rot[1]: ${tag} line ${String(k).padStart(6, '0')}`;
      written.push(msg);
      text += `${msg}\n`;
    }
    fs.appendFileSync(f, text);
  };
  const notices = [];
  const collect = (d) => {
    for (const l of d.stderr().split('\n')) if (/tailer: .*(gone|not read|could not be read|not found|unread)/.test(l)) notices.push(l);
  };
  let d = null;
  try {
    write(file, 100);
    d = await startDaemon({ dir, logs });
    await waitSpooled(state, tag, 100);
    switch (style) {
      case 'rename':
        fs.renameSync(file, `${file}.1`);
        write(file, 50);
        await waitSpooled(state, tag, 150);
        write(`${file}.1`, 10); // the writer had not reopened yet
        await waitSpooled(state, tag, 160);
        break;
      case 'delete-read':
        write(file, 20);
        await waitSpooled(state, tag, 120);
        break;
      default:
        break;
    }
    collect(d);
    await d.stop(signal);
    d = null;
    // While stopped.
    switch (style) {
      case 'rename-stopped':
        write(file, 20);
        fs.renameSync(file, `${file}-20261125`);
        write(file, 30);
        break;
      case 'copytruncate':
        write(file, 30);
        fs.copyFileSync(file, `${file}.1`);
        if (spawnSync('truncate', ['-s', '0', file]).status !== 0) fs.truncateSync(file, 0);
        write(file, 400); // past the old size
        break;
      case 'delete-read':
        fs.rmSync(file);
        write(file, 30);
        break;
      case 'delete-unread':
        write(file, 20);
        fs.rmSync(file);
        write(file, 30);
        break;
      case 'gzip':
        write(file, 20);
        fs.renameSync(file, `${file}.1`);
        if (spawnSync('gzip', [`${file}.1`]).status !== 0) {
          fs.writeFileSync(`${file}.1.gz`, zlib.gzipSync(fs.readFileSync(`${file}.1`)));
          fs.rmSync(`${file}.1`);
        }
        write(file, 30);
        break;
      default:
        break;
    }
    d = await startDaemon({ dir, logs });
    write(file, 20);
    const expect = style === 'delete-unread' ? written.length - 20 : written.length;
    await waitSpooled(state, tag, expect);
    await sleep(1500); // anything read twice shows up too
    collect(d);
    await d.stop('SIGTERM');
    d = null;
  } finally {
    if (d) await d.stop('SIGKILL');
  }
  const got = spooled(state).filter((m) => m.includes(tag));
  const counts = new Map();
  for (const m of got) counts.set(m, (counts.get(m) ?? 0) + 1);
  let lost = 0;
  for (const w of written) if (!counts.has(w)) lost++;
  let duplicated = 0;
  for (const n of counts.values()) if (n > 1) duplicated += n - 1;
  fs.rmSync(dir, { recursive: true, force: true });
  return { style, signal, written: written.length, read: got.length, lost, duplicated, notices };
}

async function main() {
  if (!fs.existsSync(DIST)) {
    process.stderr.write('rotation-faults: dist/ not built (npm run build)\n');
    process.exit(2);
  }
  const runs = Math.max(1, Number(process.env.XT_BENCH_ROTATION_RUNS ?? 1) || 1);
  process.stdout.write(`\n=== rotation: tail positions across restarts, every rotation style, SIGTERM and kill -9 (${runs} run${runs > 1 ? 's' : ''} each)\n`);
  const rows = [];
  for (const style of STYLES) {
    for (const signal of SIGNALS) {
      const sum = { written: 0, read: 0, lost: 0, duplicated: 0, notices: 0 };
      for (let i = 0; i < runs; i++) {
        const r = await runRotation(style, signal);
        sum.written += r.written;
        sum.read += r.read;
        sum.lost += r.lost;
        sum.duplicated += r.duplicated;
        sum.notices += r.notices.length;
      }
      rows.push([style, signal === 'SIGKILL' ? 'kill -9' : 'SIGTERM', sum.written, sum.read, sum.lost, sum.duplicated, sum.notices]);
    }
  }
  const head = ['style', 'stop', 'written', 'read', 'lost', 'duplicated', 'notices'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  process.stdout.write(`${line(head)}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
  process.stdout.write(
    'lost: written and never read; a loss must come with a notice (delete-unread: 20 lines written to a file deleted while stopped cannot be read).\n',
  );
}

module.exports = { runRotation, STYLES, SIGNALS, spooled };

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`rotation-faults: ${e.stack ?? e}\n`);
    process.exit(1);
  });
}
