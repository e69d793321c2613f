#!/usr/bin/env node
// Watching a /var/log tree with 10,000 console files: today's Tailer against chokidar 4.
//
// One tree (messages, xcat/*.log, httpd/*, consoles/cn00001…cn10000 with two lines each), then,
// each in a fresh child process so that fds, watches, RSS and CPU are its own:
//
//   tailer    the real Tailer from dist/sources/tailer.js (one fs.watch per directory plus its
//             1 s stat sweep, every consoles/* file stat'ed every 10 s); latency is measured to
//             the line read from the new file (onLine), i.e. discovery *and* reading
//   fswatch   only the trigger the Tailer uses: fs.watch on the same directories, latency to
//             the event naming the file (what the Tailer reacts to, before it reads)
//   chokidar  chokidar 4 watching the same paths (the fixed files and the consoles directory,
//             depth 0, ignoreInitial), latency to its first event naming the file
//
// For each: start-up time and CPU, open fds and inotify watches (/proc/self/fd and the
// "inotify wd:" lines of /proc/self/fdinfo), RSS, CPU over an idle period (nothing written),
// then N new console files (a node defined) and N rotations (consoles/cnX renamed to cnX.1, a
// new cnX created with a line), one every XT_BENCH_WATCH_GAP_MS: latency median, p95, max.
//
// Env: XT_BENCH_WATCH_FILES (10000), XT_BENCH_WATCH_IDLE_S (60), XT_BENCH_WATCH_EVENTS (50),
// XT_BENCH_WATCH_GAP_MS (200), XT_BENCH_WATCH_MODES (tailer,fswatch,chokidar). dist/ must be built.
// chokidar is no longer a dependency (these figures are why: docs/architecture.md, "File watching");
// the chokidar mode runs when it is installed: `npm install --no-save chokidar@4.0.3`.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { performance } = require('node:perf_hooks');
const lib = require('./lib');

const FILES = lib.envNum('XT_BENCH_WATCH_FILES', 10000);
const IDLE_S = lib.envNum('XT_BENCH_WATCH_IDLE_S', 60);
const EVENTS = lib.envNum('XT_BENCH_WATCH_EVENTS', 50);
const GAP_MS = lib.envNum('XT_BENCH_WATCH_GAP_MS', 200);
/** chokidar is not a dependency (its figures are why, docs/architecture.md): `npm install --no-save chokidar@4.0.3` to measure it again. */
const HAVE_CHOKIDAR = (() => {
  try {
    require.resolve('chokidar');
    return true;
  } catch {
    return false;
  }
})();
const MODES = (process.env.XT_BENCH_WATCH_MODES || `tailer,fswatch${HAVE_CHOKIDAR ? ',chokidar' : ''}`)
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);

/** Directories the Tailer watches (its WATCH_DIRS), and the fixed files it tails (MN_FILES). */
const WATCH_DIRS = ['.', 'xcat', 'httpd', 'apache2', 'consoles', 'goconserver', 'goconserver/nodes'];
const FIXED = ['messages', 'xcat/cluster.log', 'xcat/computes.log', 'xcat/commands.log', 'httpd/access_log', 'httpd/error_log'];

function cn(i) {
  return `cn${String(i).padStart(5, '0')}`;
}

function makeTree(dir) {
  for (const d of ['xcat', 'httpd', 'consoles']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  for (const f of FIXED) fs.writeFileSync(path.join(dir, f), 'Nov 24 10:00:00 mn01 xcatd[100]: started\n');
  for (let i = 1; i <= FILES; i++) {
    fs.writeFileSync(path.join(dir, 'consoles', cn(i)), `[Nov 24 10:00:00 2026] ${cn(i)} console up\n[Nov 24 10:00:01 2026] BIOS POST\n`);
  }
}

// ---------------------------------------------------------------------------------------------
// Child: one mode

/** Open fds and inotify watches of this process. */
function fdsAndWatches() {
  let fds = 0;
  let watches = 0;
  let inotifyFds = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    fds++;
    let link = '';
    try {
      link = fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (link !== 'anon_inode:inotify') continue;
    inotifyFds++;
    try {
      watches += fs
        .readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('inotify wd:')).length;
    } catch {
      // closed meanwhile
    }
  }
  return { fds, watches, inotifyFds };
}

function rssMiB() {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : null;
}

function cpuMs(u) {
  return (u.user + u.system) / 1000;
}

async function child(mode, dir, first) {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  /** path relative to dir → start time of the action whose effect we wait for. */
  const pending = new Map();
  const lat = { create: [], rotate: [] };
  const kinds = {};
  const seen = (rel, how) => {
    const p = pending.get(rel);
    if (!p) return;
    pending.delete(rel);
    lat[p.what].push(performance.now() - p.t0);
    kinds[`${p.what}:${how}`] = (kinds[`${p.what}:${how}`] ?? 0) + 1;
  };

  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let stop;
  if (mode === 'tailer') {
    const { Tailer } = require(path.join(lib.DIST, 'sources', 'tailer.js'));
    let lines = 0;
    const t = await Tailer.start({
      dir,
      stateFile: path.join(path.dirname(dir), `state-${process.pid}.json`),
      onLine: (l) => {
        lines++;
        if (l.line.startsWith('MARK ')) seen(l.file, 'line');
      },
    });
    stop = async () => ({ lines, stats: t.stats(), close: await t.close() });
  } else if (mode === 'fswatch') {
    const ws = [];
    for (const d of WATCH_DIRS) {
      const abs = path.join(dir, d);
      if (!fs.existsSync(abs)) continue;
      ws.push(fs.watch(abs, { persistent: false }, (ev, name) => name && seen(d === '.' ? String(name) : `${d}/${name}`, ev)));
    }
    stop = async () => ws.forEach((w) => w.close());
  } else if (mode === 'chokidar') {
    const { watch } = require('chokidar');
    const w = watch([...FIXED.map((f) => path.join(dir, f)), path.join(dir, 'consoles'), path.join(dir, 'goconserver', 'nodes')], {
      ignoreInitial: true,
      depth: 0,
    });
    await new Promise((r) => w.once('ready', r));
    for (const ev of ['add', 'change', 'unlink']) w.on(ev, (p) => seen(path.relative(dir, p), ev));
    stop = async () => w.close();
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  const startMs = performance.now() - t0;
  // chokidar says 'ready' before it has watched every file: the start-up's CPU is counted up to
  // a settle period after it (when the watches no longer grow).
  let afterStart = { ...fdsAndWatches(), rss: rssMiB() };
  for (let k = 0; k < 30; k++) {
    await sleep(1000);
    const now = { ...fdsAndWatches(), rss: rssMiB() };
    const same = now.watches === afterStart.watches && now.fds === afterStart.fds;
    afterStart = now;
    if (same && k >= 1) break;
  }
  const settledMs = performance.now() - t0;
  const startCpu = cpuMs(process.cpuUsage(c0));

  const ci = process.cpuUsage();
  await sleep(IDLE_S * 1000);
  const idleCpu = cpuMs(process.cpuUsage(ci));
  const afterIdle = { ...fdsAndWatches(), rss: rssMiB() };

  // New console files: a node defined (makeconservercf).
  const ce = process.cpuUsage();
  for (let k = 0; k < EVENTS; k++) {
    const rel = `consoles/new-${mode}-${k}`;
    pending.set(rel, { what: 'create', t0: performance.now() });
    fs.writeFileSync(path.join(dir, rel), `MARK create ${k}\n`);
    await sleep(GAP_MS);
  }
  // Rotations: cnX → cnX.1, a new cnX.
  for (let k = 0; k < EVENTS; k++) {
    const rel = `consoles/${cn(first + k)}`;
    pending.set(rel, { what: 'rotate', t0: performance.now() });
    fs.renameSync(path.join(dir, rel), path.join(dir, `${rel}.1`));
    fs.writeFileSync(path.join(dir, rel), `MARK rotate ${k}\n`);
    await sleep(GAP_MS);
  }
  await sleep(Math.max(3000, 12000 - 2 * EVENTS * GAP_MS)); // stragglers (the Tailer's safety-net sweep: 10 s)
  const eventsCpu = cpuMs(process.cpuUsage(ce));
  const afterEvents = { ...fdsAndWatches(), rss: rssMiB() };
  const extra = await stop();
  const sorted = (a) => [...a].sort((x, y) => x - y);
  const summary = (a) => {
    const s = sorted(a);
    return { n: s.length, p50: lib.percentile(s, 50), p95: lib.percentile(s, 95), max: s.length ? s[s.length - 1] : null };
  };
  return {
    mode,
    startMs,
    settledMs,
    startCpu,
    afterStart,
    idleCpu,
    afterIdle,
    eventsCpu,
    afterEvents,
    create: summary(lat.create),
    rotate: summary(lat.rotate),
    missed: pending.size,
    kinds,
    lines: extra && extra.lines,
    stats: extra && extra.stats,
  };
}

// ---------------------------------------------------------------------------------------------
// Parent

function runChild(mode, dir, first) {
  return new Promise((resolve, reject) => {
    const p = lib.track(spawn(process.execPath, [__filename, '--child', mode, dir, String(first)], { stdio: ['ignore', 'pipe', 'inherit'] }));
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${mode}: exit ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

/** Put the tree back as it was: new-* files removed, cnX.1 renamed back over cnX. */
function resetTree(dir) {
  const cdir = path.join(dir, 'consoles');
  for (const n of fs.readdirSync(cdir)) {
    if (n.startsWith('new-')) fs.rmSync(path.join(cdir, n));
    else if (n.endsWith('.1')) fs.renameSync(path.join(cdir, n), path.join(cdir, n.slice(0, -2)));
  }
}

async function main() {
  if (!fs.existsSync(path.join(lib.DIST, 'sources', 'tailer.js'))) {
    process.stderr.write('dist/ is missing: run `npm run build` first\n');
    process.exit(2);
  }
  lib.header('watch', `discovering new and rotated files among ${lib.fmtInt(FILES)} console files: Tailer vs chokidar 4`);
  if (!HAVE_CHOKIDAR && !MODES.includes('chokidar'))
    lib.say('  chokidar is not installed: measuring the Tailer only (`npm install --no-save chokidar@4.0.3` to compare)');
  const base = lib.tmpDir('watch');
  const dir = path.join(base, 'log');
  const t0 = Date.now();
  makeTree(dir);
  lib.note(`tree of ${FILES} console files in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${dir}`);
  const results = [];
  let first = 1;
  for (const mode of MODES) {
    lib.note(`${mode}: start, ${IDLE_S} s idle, ${EVENTS} creations and ${EVENTS} rotations every ${GAP_MS} ms`);
    results.push(await runChild(mode, dir, first));
    resetTree(dir);
    first += EVENTS;
  }
  const f = (n, d = 0) => (n === null || n === undefined ? '—' : lib.fmt(n, d));
  lib.table(
    'Cost (each mode in its own process)',
    [
      'mode',
      'ready s',
      'settled s',
      'start CPU s',
      'fds',
      'inotify watches',
      'RSS MiB',
      `idle CPU ms / ${IDLE_S} s`,
      'idle CPU %',
      'fds, watches after idle',
      'RSS after events',
    ],
    results.map((r) => [
      r.mode,
      f(r.startMs / 1000, 2),
      f(r.settledMs / 1000, 1),
      f(r.startCpu / 1000, 2),
      r.afterStart.fds,
      r.afterStart.watches,
      f(r.afterStart.rss),
      f(r.idleCpu),
      f((100 * r.idleCpu) / (IDLE_S * 1000), 2),
      `${r.afterIdle.fds}, ${r.afterIdle.watches}`,
      f(r.afterEvents.rss),
    ]),
  );
  lib.table(
    `Latency, ms (${EVENTS} of each, one every ${GAP_MS} ms)`,
    ['mode', 'new file p50', 'p95', 'max', 'seen', 'rotation p50', 'p95', 'max', 'seen', 'CPU ms during events'],
    results.map((r) => [
      r.mode,
      f(r.create.p50, 1),
      f(r.create.p95, 1),
      f(r.create.max, 1),
      r.create.n,
      f(r.rotate.p50, 1),
      f(r.rotate.p95, 1),
      f(r.rotate.max, 1),
      r.rotate.n,
      f(r.eventsCpu),
    ]),
    [
      'tailer: to the line read from the new file (discovery + read); fswatch and chokidar: to the first event naming the path',
      `events by kind: ${results.map((r) => `${r.mode} ${JSON.stringify(r.kinds)}`).join('; ')}`,
    ],
  );
  lib.say('  ready: Tailer.start resolved (every file read once) / chokidar "ready"; settled: fds and watches stopped growing (start CPU counted to there)');
  lib.cleanupSync();
}

if (process.argv[2] === '--child') {
  child(process.argv[3], process.argv[4], Number(process.argv[5]))
    .then((r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
    })
    .catch((err) => {
      process.stderr.write(`${err.stack}\n`);
      process.exit(1);
    });
} else {
  main().catch((err) => {
    process.stderr.write(`${err.stack}\n`);
    lib.cleanupSync();
    process.exit(1);
  });
}
