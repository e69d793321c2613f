// Shared helpers for the benchmarks: tables, machine facts, temp dirs, a private xtriaged,
// /proc readers, /usr/bin/time, child-process bookkeeping (every process we start is killed by
// its own PID on exit; nothing else is touched).
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const dgram = require('node:dgram');
const http = require('node:http');
const { spawn } = require('node:child_process');

const ROOT = path.join(__dirname, '..');
// XT_BENCH_DIST: measure another build (e.g. a scratch copy with a candidate fix).
const DIST = process.env.XT_BENCH_DIST ? path.resolve(process.env.XT_BENCH_DIST) : path.join(ROOT, 'dist');

// ---------------------------------------------------------------------------------------------
// Settings from the environment

/** A number from the environment (XT_BENCH_*), else the default. */
function envNum(name, def) {
  const v = process.env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${name}=${v}: not a number`);
  return n;
}

function envList(name, def) {
  const v = process.env[name];
  if (v === undefined || v === '') return def;
  return v
    .split(',')
    .map((x) => Number(x.trim()))
    .filter((x) => Number.isFinite(x));
}

// ---------------------------------------------------------------------------------------------
// Output

function fmtInt(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  return Math.round(n).toLocaleString('en-US');
}

function fmt(n, digits = 1) {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  return n.toFixed(digits);
}

function mb(bytes, digits = 0) {
  if (bytes === null || bytes === undefined) return '—';
  return `${(bytes / 1048576).toFixed(digits)} MiB`;
}

function pct(part, whole, digits = 2) {
  if (!whole) return '—';
  return `${((100 * part) / whole).toFixed(digits)} %`;
}

/** Print a table: headers and rows of cells (strings/numbers); numbers are right-aligned. */
function table(title, headers, rows, notes = []) {
  const cells = [headers, ...rows].map((r) => r.map((c) => (c === null || c === undefined ? '—' : String(c))));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const right = headers.map((_, i) => rows.every((r) => typeof r[i] === 'number' || /^[-\d,.\s%×<>≥~]+(?:\s*\S{0,4})?$/.test(String(r[i] ?? ''))));
  const line = (r) =>
    r
      .map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [];
  if (title) out.push('', title);
  out.push(line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) out.push(line(r));
  for (const n of notes) out.push(`  ${n}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

function say(line = '') {
  process.stdout.write(`${line}\n`);
}

/** Progress on stderr (not part of the figures). */
function note(line) {
  process.stderr.write(`  [bench] ${line}\n`);
}

function loadAvg() {
  return os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: `${cpus.length} × ${cpus[0]?.model ?? '?'}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    load: loadAvg(),
    date: new Date().toISOString(),
  };
}

function header(name, what) {
  const m = machine();
  say('');
  say(`=== ${name}: ${what}`);
  say(`    ${m.date}  ${m.cpu}  ${m.memory}  ${m.kernel}  node ${m.node}  load ${m.load}`);
}

// ---------------------------------------------------------------------------------------------
// Cleanup: temp dirs and the processes this bench started (by PID), also on SIGINT/SIGTERM.

const tempDirs = [];
const children = new Set();
const exitHooks = [];
let cleaned = false;

function tmpDir(prefix) {
  const base = process.env.XT_BENCH_TMP || os.tmpdir();
  const d = fs.mkdtempSync(path.join(base, `xtbench-${prefix}-`));
  tempDirs.push(d);
  return d;
}

function track(proc) {
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  return proc;
}

function onCleanup(fn) {
  exitHooks.push(fn);
}

function cleanupSync() {
  if (cleaned) return;
  cleaned = true;
  for (const p of children) {
    try {
      if (p.exitCode === null && p.signalCode === null) process.kill(p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const fn of exitHooks.splice(0)) {
    try {
      fn();
    } catch (e) {
      process.stderr.write(`cleanup: ${e.message}\n`);
    }
  }
  if (!process.env.XT_BENCH_KEEP) for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

process.on('exit', cleanupSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    cleanupSync();
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------------------------
// Processes

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Run a command to completion; returns {code, stdout, stderr, ms}. */
function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = track(spawn(cmd, args, { stdio: ['ignore', opts.stdout ?? 'pipe', 'pipe'], env: opts.env ?? childEnv(), cwd: opts.cwd }));
    let out = '';
    let err = '';
    p.stdout?.on('data', (c) => {
      if (out.length < 1 << 20) out += c;
    });
    p.stderr.on('data', (c) => {
      if (err.length < 1 << 20) err += c;
    });
    const timer = opts.timeoutMs ? setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs) : null;
    p.on('error', reject);
    p.on('exit', (code, sig) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal: sig, stdout: out, stderr: err, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
    });
  });
}

let patternsDir = null;
/** The environment for children: UTC, and an empty site patterns.d (so nothing local changes the figures). */
function childEnv(extra = {}) {
  if (!patternsDir) patternsDir = tmpDir('patterns.d');
  return { ...process.env, TZ: 'UTC', XTRIAGE_PATTERNS_D: patternsDir, ...extra };
}

const HAVE_TIME = fs.existsSync('/usr/bin/time');

/** The path of a command on PATH, or null (a baseline that is not installed is reported, not faked). */
function which(cmd) {
  for (const d of (process.env.PATH ?? '').split(':')) {
    const f = path.join(d || '.', cmd);
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return f;
    } catch {
      /* not here */
    }
  }
  return null;
}

/** Run under /usr/bin/time -v (when present): {ms, maxRssBytes, userS, sysS, code}. stdout goes to `stdoutFile` or /dev/null. */
async function timeV(cmd, args, opts = {}) {
  const outFd = fs.openSync(opts.stdoutFile ?? '/dev/null', 'w');
  try {
    if (HAVE_TIME) {
      const r = await run('/usr/bin/time', ['-v', cmd, ...args], { ...opts, stdout: outFd });
      const grab = (re) => {
        const m = re.exec(r.stderr);
        return m ? m[1] : null;
      };
      const rssK = grab(/Maximum resident set size \(kbytes\): (\d+)/);
      return {
        ms: r.ms,
        maxRssBytes: rssK ? Number(rssK) * 1024 : null,
        userS: Number(grab(/User time \(seconds\): ([\d.]+)/)),
        sysS: Number(grab(/System time \(seconds\): ([\d.]+)/)),
        code: Number(grab(/Exit status: (\d+)/) ?? r.code),
        stderr: r.stderr,
      };
    }
    // Fallback: sample VmHWM while it runs.
    const p = track(spawn(cmd, args, { stdio: ['ignore', outFd, 'pipe'], env: opts.env ?? childEnv() }));
    const t0 = process.hrtime.bigint();
    let hwm = 0;
    const iv = setInterval(() => {
      const s = procStatus(p.pid);
      if (s?.VmHWM) hwm = Math.max(hwm, s.VmHWM);
    }, 50);
    let err = '';
    p.stderr.on('data', (c) => (err += c));
    const code = await new Promise((r) => p.on('exit', (c) => r(c)));
    clearInterval(iv);
    return { ms: Number(process.hrtime.bigint() - t0) / 1e6, maxRssBytes: hwm || null, userS: null, sysS: null, code, stderr: err };
  } finally {
    fs.closeSync(outFd);
  }
}

/** VmRSS, VmHWM, … of /proc/PID/status in bytes (null when the process is gone). */
function procStatus(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
    const o = {};
    for (const m of text.matchAll(/^(Vm\w+|RssAnon|RssFile):\s+(\d+) kB$/gm)) o[m[1]] = Number(m[2]) * 1024;
    return o;
  } catch {
    return null;
  }
}

/** utime+stime of a process, in seconds (from /proc/PID/stat). */
function procCpuS(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    const tck = 100; // USER_HZ is 100 on Linux x86_64
    return (Number(rest[11]) + Number(rest[12])) / tck;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Network

async function freePort() {
  for (let tries = 0; tries < 50; tries++) {
    const port = await new Promise((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
    const ok = await new Promise((resolve) => {
      const u = dgram.createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free port');
}

/** The `drops` column of /proc/net/udp for a local port (all sockets bound to it), or null. */
function udpDrops(port) {
  let total = null;
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text;
    try {
      text = fs.readFileSync(file, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 13) continue;
      const local = f[1];
      if (parseInt(local.split(':')[1], 16) !== port) continue;
      total = (total ?? 0) + Number(f[f.length - 1]);
    }
  }
  return total;
}

/** Host-wide Udp RcvbufErrors (/proc/net/snmp). */
function rcvbufErrors() {
  try {
    const lines = fs
      .readFileSync('/proc/net/snmp', 'latin1')
      .split('\n')
      .filter((l) => l.startsWith('Udp:'));
    const keys = lines[0].split(/\s+/);
    const vals = lines[1].split(/\s+/);
    return Number(vals[keys.indexOf('RcvbufErrors')]);
  } catch {
    return null;
  }
}

function readSysctl(name) {
  try {
    return Number(fs.readFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, 'latin1').trim());
  } catch {
    return null;
  }
}

/**
 * Raise net.core.rmem_max for the run when we may (root, and XT_BENCH_RMEM_MAX not 0); restored
 * on exit. Returns {before, during}.
 */
function raiseRmemMax(want) {
  const before = readSysctl('net.core.rmem_max');
  if (!want || before === null || before >= want || process.getuid?.() !== 0) return { before, during: before, changed: false };
  try {
    fs.writeFileSync('/proc/sys/net/core/rmem_max', String(want));
  } catch (e) {
    note(`could not raise net.core.rmem_max: ${e.message}`);
    return { before, during: before, changed: false };
  }
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    try {
      fs.writeFileSync('/proc/sys/net/core/rmem_max', String(before));
    } catch (e) {
      process.stderr.write(`could not restore net.core.rmem_max=${before}: ${e.message}\n`);
    }
  };
  onCleanup(restore);
  return { before, during: readSysctl('net.core.rmem_max'), changed: true, restore };
}

// ---------------------------------------------------------------------------------------------
// The daemon

function getJson(socket, p, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath: socket, path: p, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${p}: timed out`)));
    req.on('error', reject);
  });
}

/**
 * What systemd/xtriaged.service gives the daemon: KEY=VALUE pairs of its Environment= lines
 * (simple unquoted forms) and its Nice= (0 when absent).
 */
function unitSettings() {
  const unit = fs.readFileSync(path.join(ROOT, 'systemd', 'xtriaged.service'), 'utf8');
  const env = {};
  for (const m of unit.matchAll(/^Environment=(.*)$/gm)) {
    for (const kv of m[1].trim().split(/\s+/)) {
      const i = kv.indexOf('=');
      if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
    }
  }
  const nice = /^Nice=(-?\d+)\s*$/m.exec(unit);
  // node's own flags: ExecStart=/usr/bin/node FLAGS… SCRIPT …
  const exec = /^ExecStart=\S*node((?:\s+--\S+)*)\s/m.exec(unit);
  const nodeArgs = exec ? exec[1].trim().split(/\s+/).filter(Boolean) : [];
  return { env, nice: nice ? Number(nice[1]) : 0, nodeArgs };
}

/**
 * Start a private xtriaged from dist/ (own state, socket, ports; an empty config so no
 * /etc/xtriage file applies). Returns {proc, pid, port, socket, dir, health(), stop()}.
 */
async function startDaemon(opts = {}) {
  const dir = opts.dir ?? tmpDir('xtriaged');
  const port = opts.port ?? (await freePort());
  const socket = path.join(dir, 'xtriaged.sock');
  const config = path.join(dir, 'xtriaged.yaml');
  fs.writeFileSync(config, opts.config ?? '# bench: defaults\n');
  // XT_BENCH_DAEMON_NODE_ARGS: e.g. "--cpu-prof --cpu-prof-dir /tmp/prof" to profile the daemon under any benchmark.
  const extraArgs = (process.env.XT_BENCH_DAEMON_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const unit = unitSettings();
  const nodeArgs = [
    ...unit.nodeArgs,
    ...extraArgs,
    ...(opts.nodeArgs ?? []),
    ...(opts.gcHook ? ['--expose-gc', '-r', path.join(__dirname, 'gc-hook.js')] : []),
  ];
  const args = [
    ...nodeArgs,
    path.join(DIST, 'bin', 'xtriaged.js'),
    '--config',
    config,
    '--state',
    path.join(dir, 'state'),
    '--socket',
    socket,
    '--udp',
    `127.0.0.1:${port}`,
    '--tcp',
    `127.0.0.1:${port}`,
  ];
  if (opts.logs) args.push('--logs', opts.logs);
  // The environment, node flags and priority the shipped unit gives it (Environment=, ExecStart=
  // and Nice= of systemd/xtriaged.service; a negative Nice= only as root, as systemd sets it
  // before dropping privileges). `nice` execs node: the PID stays the daemon's.
  const nice = unit.nice < 0 && process.getuid?.() !== 0 ? 0 : unit.nice;
  const [cmd, argv] = nice ? ['nice', ['-n', String(nice), process.execPath, ...args]] : [process.execPath, args];
  const proc = track(spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], env: childEnv(unit.env), cwd: dir }));
  let err = '';
  let partial = '';
  const memLines = [];
  // XT_BENCH_DAEMON_STDERR=FILE: every daemon's stderr appended there too (e.g. with --trace-gc).
  const copyTo = process.env.XT_BENCH_DAEMON_STDERR;
  proc.stderr.on('data', (c) => {
    if (copyTo) fs.appendFileSync(copyTo, c);
    err += c;
    if (err.length > 1 << 20) err = err.slice(-(256 << 10));
    const text = partial + c;
    const lines = text.split('\n');
    partial = lines.pop();
    for (const l of lines) if (l.startsWith('xtbench-mem: ')) memLines.push(JSON.parse(l.slice(13)));
  });
  const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!/^xtriaged: ready: /m.test(err)) {
    if (proc.exitCode !== null) throw new Error(`xtriaged exited: ${err}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`xtriaged did not start: ${err}`);
    }
    await sleep(50);
  }
  return {
    proc,
    pid: proc.pid,
    port,
    socket,
    dir,
    stderr: () => err,
    health: (timeoutMs) => getJson(socket, '/v1/health', timeoutMs),
    /** With opts.gcHook: full GC in the daemon, then its process.memoryUsage() (null if it did not answer in 30 s). */
    gcMemory: async () => {
      const before = memLines.length;
      proc.kill('SIGUSR2');
      const t0 = Date.now();
      while (Date.now() - t0 < 30_000) {
        if (memLines.length > before) return memLines[memLines.length - 1];
        await sleep(50);
      }
      return null;
    },
    /** SIGTERM by default; a fault run may ask for SIGKILL. */
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const t = setTimeout(() => proc.exitCode === null && proc.kill('SIGKILL'), 8000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/**
 * Poll /v1/health every `everyMs` until `done(h)` or `timeoutMs`; calls `onSample(h, tMs)`.
 * Returns the last health document.
 */
async function pollHealth(d, { everyMs = 200, timeoutMs = 60_000, done = () => false, onSample = () => {} } = {}) {
  const t0 = Date.now();
  let last = null;
  for (;;) {
    try {
      last = await d.health();
      onSample(last, Date.now() - t0);
      if (done(last)) return last;
    } catch {
      /* busy: next sample */
    }
    if (Date.now() - t0 > timeoutMs) return last;
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------------
// UDP load

/**
 * Message tails (`APP - - - MSG`) of real node lines: the RFC 5424 datagrams a small generated
 * cluster's nodes send (xcat.deployment, .postscript, .postbootscript), structured data dropped.
 */
function nodeLineTails() {
  const { generateCluster, renderDatagrams } = require(path.join(DIST, 'demo', 'sim', 'cluster.js'));
  const c = generateCluster({ nodes: 40, seed: 11, start: new Date('2026-11-24T10:00:00Z') });
  const seen = new Set();
  const tails = [];
  for (const d of renderDatagrams(c)) {
    const m = /^<\d+>1 \S+ \S+ (xcat\.deployment\S*) \S+ \S+ (?:-|(?:\[[^\]]*\])+) (.*)$/.exec(d.datagram);
    if (!m) continue;
    const t = `${m[1]} - - - ${m[2]}`;
    if (!seen.has(t)) {
      seen.add(t);
      tails.push(t);
    }
  }
  return tails;
}

/** `n` loopback source addresses: 127.0.0.1 … 127.0.0.n (n ≤ 254), or 127.B.x.y beyond / with a base. */
function loopbackSources(n, base = 0) {
  const out = [];
  for (let i = 0; i < n; i++) {
    if (!base && n <= 254) out.push(`127.0.0.${i + 1}`);
    else out.push(`127.${base || 3}.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`);
  }
  return out;
}

/**
 * Send `rate` datagrams/s for `durationMs` to 127.0.0.1:port from `procs` child processes
 * (bench/udp-sender.js), each with its share of the rate and of the source addresses. Returns
 * {sent, acked, errors, sendMs, achieved (msg/s), maxBehind, startAt, endAt}.
 */
/** Nice value of the sender processes (XT_BENCH_SENDER_NICE, default 0: as any process; 10 gives the receivers the CPU first). */
const SENDER_NICE = envNum('XT_BENCH_SENDER_NICE', 0);

async function udpLoad({ port, rate, durationMs, sources, procs, tails, host = '127.0.0.1' }) {
  const { fork } = require('node:child_process');
  procs = Math.max(1, Math.min(procs, sources.length));
  const kids = [];
  for (let k = 0; k < procs; k++) {
    const child = track(fork(path.join(__dirname, 'udp-sender.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    // The senders stand for remote nodes: on a 2-core box they would otherwise take 1.5 cores
    // from whichever receiver is measured (xtriaged or rsyslogd alike).
    if (SENDER_NICE) {
      try {
        require('node:os').setPriority(child.pid, SENDER_NICE);
      } catch {
        /* not lowered */
      }
    }
    kids.push(child);
  }
  const once = (child) =>
    new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (c) => reject(new Error(`sender exited ${c}`)));
    });
  const ready = kids.map((child, k) => {
    const p = once(child);
    child.send({ cmd: 'setup', cfg: { port, host, rate: rate / procs, durationMs, sources: sources.filter((_, i) => i % procs === k), tails } });
    return p;
  });
  for (const r of await Promise.all(ready)) if (r.error) throw new Error(`sender: ${r.error}`);
  const startAt = Date.now() + 200;
  const results = kids.map((child) => once(child));
  for (const child of kids) child.send({ cmd: 'go', at: startAt });
  const rs = await Promise.all(results);
  const sum = (k) => rs.reduce((a, r) => a + r[k], 0);
  const sendMs = Math.max(...rs.map((r) => r.ms));
  const sent = sum('sent');
  return {
    sent,
    acked: sum('acked'),
    errors: sum('errors'),
    sendMs,
    achieved: sendMs > 0 ? (sent * 1000) / sendMs : 0,
    maxBehind: sum('maxBehind'),
    timedOut: rs.some((r) => r.why !== 'done'),
    startAt,
    endAt: startAt + sendMs,
  };
}

/** Every file below a directory, sorted (a generated /var/log tree). */
function walkFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

// ---------------------------------------------------------------------------------------------
// Percentiles

function percentile(sorted, p) {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

module.exports = {
  ROOT,
  DIST,
  envNum,
  envList,
  fmtInt,
  fmt,
  mb,
  pct,
  table,
  say,
  note,
  header,
  machine,
  loadAvg,
  tmpDir,
  walkFiles,
  track,
  onCleanup,
  cleanupSync,
  sleep,
  run,
  childEnv,
  timeV,
  procStatus,
  procCpuS,
  HAVE_TIME,
  which,
  freePort,
  nodeLineTails,
  loopbackSources,
  udpLoad,
  SENDER_NICE,
  udpDrops,
  rcvbufErrors,
  readSysctl,
  raiseRmemMax,
  getJson,
  startDaemon,
  pollHealth,
  percentile,
};
