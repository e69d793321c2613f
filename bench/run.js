#!/usr/bin/env node
// Runs the benchmarks (`npm run bench` builds first), each in its own process, one after the
// other, and prints their tables. `node bench/run.js offline udp` runs only those.
//
//   offline  offline analysis: lines/s, MB/s, peak RSS vs grep and cat; memory vs lines and nodes
//   udp      UDP loss at 20k–150k msg/s, xtriaged vs rsyslogd; pipeline rate, backlog, drain
//   tcp      TCP throughput into xtriaged (octet-counted, several connections)
//   latency  datagram → diagnosis in /v1/events at 20k msg/s background load
//   memory   xtriaged RSS after a 10,000-node install, and across reinstalls
//   nedb     session store save/compaction stalls (bench/nedb.js)
//   tui      TUI start-up and key latency with 10,000 sessions (bench/tui.js)
//   order    live = offline: how often the interleaving of files changes a diagnosis
//   rotation tail positions across restarts: every rotation style, SIGTERM and kill -9 (lines written, read, lost, duplicated)
//   faults   reception under fault: TCP bursts, kill -9 at several delays, SIGTERM under pause, disk full
//   watch    finding new and rotated files among 10,000 consoles: the Tailer vs chokidar 4 (watches, CPU, latency)
//
// Sizes: see each file's header (XT_BENCH_* environment variables). XT_BENCH_KEEP=1 keeps the
// temporary trees.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const ALL = ['offline', 'udp', 'tcp', 'latency', 'memory', 'nedb', 'tui', 'order', 'rotation', 'faults', 'watch'];
const FILES = {
  offline: 'offline.js',
  udp: 'udp.js',
  tcp: 'tcp.js',
  latency: 'latency.js',
  memory: 'memory.js',
  nedb: 'nedb.js',
  tui: 'tui.js',
  order: 'order.js',
  rotation: 'rotation-faults.js',
  faults: 'faults.js',
  watch: 'watch.js',
};
/** Upper bound per benchmark (a hung one is killed, the others still run). */
const LIMIT_S = { offline: 600, udp: 600, tcp: 300, latency: 180, memory: 900, nedb: 300, tui: 300, order: 300, rotation: 300, faults: 600, watch: 600 };

async function runOne(name) {
  const file = path.join(__dirname, FILES[name]);
  if (!fs.existsSync(file)) {
    process.stdout.write(`\n=== ${name}: ${FILES[name]} not present, skipped\n`);
    return { name, code: null, s: 0 };
  }
  const t0 = Date.now();
  const child = spawn(process.execPath, [file], { stdio: 'inherit', env: { ...process.env, TZ: 'UTC' } });
  const stop = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const timer = setTimeout(() => {
    process.stderr.write(`bench ${name}: over ${LIMIT_S[name]} s, stopped\n`);
    stop();
    setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 10_000).unref();
  }, LIMIT_S[name] * 1000);
  const code = await new Promise((resolve) => child.on('exit', (c, sig) => resolve(c ?? sig)));
  clearTimeout(timer);
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  return { name, code, s: (Date.now() - t0) / 1000 };
}

async function main() {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  for (const w of wanted) {
    if (!ALL.includes(w)) {
      process.stderr.write(`unknown benchmark "${w}" (known: ${ALL.join(', ')})\n`);
      process.exit(2);
    }
  }
  if (!fs.existsSync(path.join(__dirname, '..', 'dist', 'bin', 'xtriaged.js'))) {
    process.stderr.write('dist/ is missing: run `npm run build` first (npm run bench does)\n');
    process.exit(2);
  }
  const list = wanted.length ? wanted : ALL;
  const cpus = os.cpus();
  process.stdout.write(
    `xtriage benchmarks ${new Date().toISOString()} on ${cpus.length} × ${cpus[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}\n`,
  );
  const t0 = Date.now();
  const results = [];
  for (const name of list) results.push(await runOne(name));
  process.stdout.write(
    `\n=== done in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${results.map((r) => `${r.name} ${r.s.toFixed(0)} s${r.code ? ` (exit ${r.code})` : ''}`).join(', ')}\n`,
  );
  process.exit(results.some((r) => r.code !== 0 && r.code !== null) ? 1 : 0);
}

main();
