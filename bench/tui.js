#!/usr/bin/env node
// TUI benchmark: start-up time and key-press latency with 10,000 sessions.
//
// A child process serves a synthetic /v1/sessions document (10,000 SessionDocs, a few large
// root-cause groups) through the real ApiServer on a temporary Unix socket, as xtriaged
// would. This process then runs the real TUI (dist/tui/app.js) on a virtual 160×48 terminal
// and measures, from "node has started" to the first frame that shows all 10,000 sessions,
// and for each key, from the bytes arriving on the terminal's input to the frame drawn.
// If tmux is installed, the real binary is also started in a real terminal and timed.
//
//   npm run build && node bench/tui.js [--sessions N]
'use strict';

const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { fork, execFileSync } = require('node:child_process');
const { PassThrough, Writable } = require('node:stream');

const DIST = path.join(__dirname, '..', 'dist');
const argN = process.argv.indexOf('--sessions');
const N = argN > 0 ? Number(process.argv[argN + 1]) : 10_000;

// ---------------------------------------------------------------------------------------------
// Server side (child process)

const STAGES = [
  'poweron',
  'dhcp',
  'bootloader',
  'bootscript',
  'kernel',
  'initrd',
  'kickstart',
  'installing',
  'packages',
  'postinstall',
  'postscripts',
  'booting',
  'postbooting',
  'postbootscripts',
  'booted',
];

function synthesize(n) {
  const t0 = Date.parse('2026-11-24T10:00:00Z');
  const iso = (t) => new Date(t).toISOString().replace('Z', '+00:00');
  const mac = (i) => `52:54:${[i >> 24, i >> 16, i >> 8, i].map((x) => (x & 255).toString(16).padStart(2, '0')).join(':')}`;
  const sessions = [];
  const groups = [
    {
      pattern: 'http.postscript-forbidden',
      title: 'httpd refused postscript `mlnx` (403)',
      remedy: 'chmod a+r /install/postscripts/mlnx',
      evidence: [],
      sessions: [],
      nodes: [],
      scope: 'cluster',
    },
    {
      pattern: 'dhcp.no-free-leases',
      title: 'dhcpd has no address on ens5 (MAC not registered)',
      remedy: 'makedhcp',
      evidence: [],
      sessions: [],
      nodes: [],
      scope: 'cluster',
    },
    {
      pattern: 'http.initrd-missing',
      title: 'Initrd of rhels9.4-x86_64-install-gpu missing on the MN (404)',
      remedy: 'nodeset',
      evidence: [],
      sessions: [],
      nodes: [],
      scope: 'cluster',
    },
  ];
  for (let i = 0; i < n; i++) {
    const name = `cn${String(i + 1).padStart(5, '0')}`;
    const start = t0 + (i % 600) * 1000;
    const r = i % 100;
    const outcome = r < 70 ? 'succeeded' : r < 85 ? 'running' : r < 95 ? 'failed' : r < 98 ? 'stalled' : 'looping';
    const reached = outcome === 'succeeded' ? STAGES.length : 3 + (i % 9);
    const milestones = STAGES.slice(0, reached).map((stage, k) => ({ stage, at: iso(start + k * 40_000 + (i % 7) * 1000) }));
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const ev = {
      at: iso(start + 600_000),
      source: 'httpd/access_log',
      line: `${ip} - - [24/Nov/2026:10:10:20 +0000] "GET /install/postscripts/mlnx HTTP/1.1" 403 199 "-" "curl/7.76.1"`,
    };
    const s = {
      id: `s${i.toString(16).padStart(11, '0')}`,
      mac: mac(i),
      ips: [ip],
      node: name,
      outcome,
      stage: milestones[milestones.length - 1].stage,
      startedAt: iso(start),
      endedAt: outcome === 'running' || outcome === 'stalled' ? null : iso(start + reached * 40_000),
      rootCause:
        outcome === 'failed' || outcome === 'looping'
          ? { pattern: groups[i % 3].pattern, title: groups[i % 3].title, remedy: groups[i % 3].remedy, evidence: [ev] }
          : null,
      symptoms: outcome === 'failed' ? [{ pattern: 'post.download-failed', title: 'failed to download postscripts', evidence: [ev], explained: true }] : [],
      milestones,
      attempts: outcome === 'looping' ? 3 : 1,
      unknownErrors: [],
    };
    if (outcome === 'stalled') s.stall = { last: s.stage, next: 'kernel', waitedS: 900, normalS: 60, open: null };
    if (s.rootCause) groups[i % 3].sessions.push(s.id);
    sessions.push(s);
  }
  for (const g of groups) g.evidence = [sessions.find((s) => s.id === g.sessions[0]).rootCause.evidence[0]];
  return { sessions, groups, unknownErrors: [] };
}

async function serve() {
  const { ApiServer } = require(path.join(DIST, 'api', 'server.js'));
  const socket = process.argv[3];
  const doc = synthesize(N);
  const byId = new Map(doc.sessions.map((s) => [s.id, s]));
  const timeline = (s) =>
    s.milestones.map((m) => ({
      at: m.at,
      source: 'messages',
      line: `${m.at} mn01 something: ${m.stage} for ${s.node}`,
      pattern: `x.${m.stage}`,
      severity: 'info',
      stage: m.stage,
      count: 1,
      lastAt: null,
    }));
  let received = 0;
  const api = new ApiServer(
    {
      sessions: () => doc,
      session: (id) => (byId.has(id) ? { ...byId.get(id), timeline: timeline(byId.get(id)), otherAttempts: [] } : null),
      health: () => ({ received: (received += 1234), parsed: received, kernelDrops: { drops: 0, source: 'bench' }, lagMs: 0, backlog: 0, uptimeS: 60 }),
      metrics: () => '',
    },
    { socket, mode: 0o600 },
  );
  await api.start();
  process.on('message', (m) => {
    if (m && m.type === 'update') {
      // A live change: m.count sessions move on one stage.
      const changed = doc.sessions.slice(0, m.count).map((s) => ({ ...s, stage: 'packages', outcome: 'running' }));
      for (const c of changed) byId.set(c.id, c);
      api.publish({ sessions: changed, removed: [], groups: null });
    }
    if (m && m.type === 'exit') api.close().then(() => process.exit(0));
  });
  process.send({ type: 'ready' });
}

// ---------------------------------------------------------------------------------------------
// Client side (this process)

function fakeTerminal() {
  const input = new PassThrough();
  input.isTTY = true;
  input.setRawMode = () => input;
  input.isRaw = true;
  let bytes = 0;
  const output = new Writable({
    write(chunk, _enc, cb) {
      bytes += chunk.length;
      cb();
    },
  });
  output.isTTY = true;
  output.columns = 160;
  output.rows = 48;
  return { input, output, bytes: () => bytes };
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, median: q(0.5), p95: q(0.95), max: s[s.length - 1] };
};
const ms = (x) => `${x.toFixed(1)} ms`;

async function client() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xt-bench-'));
  const socket = path.join(dir, 'api.sock');
  const child = fork(__filename, ['serve', socket], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((resolve) => child.on('message', (m) => m.type === 'ready' && resolve()));
  try {
    // In-process: load the TUI, connect, first frame with every session.
    const t0 = performance.now();
    const { App } = require(path.join(DIST, 'tui', 'app.js'));
    const tLoaded = performance.now();
    if (process.env.BENCH_DETAIL) {
      // Which of the App's steps are slow (over 5 ms), as they happen.
      for (const name of ['refreshView', 'draw', 'mediansNow', 'push']) {
        const orig = App.prototype[name];
        App.prototype[name] = function (...a) {
          const t = performance.now();
          const r = orig.apply(this, a);
          const d = performance.now() - t;
          if (d > 5 || name === 'mediansNow')
            console.log(`    (${name} ${d.toFixed(1)} ms, version ${this.store.version}, ${this.store.sessions.size} sessions)`);
          return r;
        };
      }
    }
    const term = fakeTerminal();
    const app = new App({ socket, input: term.input, output: term.output, env: { TERM: 'xterm-256color' } });
    let frames = 0;
    let lastFrame = 0;
    app.on('rendered', () => {
      frames++;
      lastFrame = performance.now();
    });
    const running = app.run();
    const until = (ok, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const check = () => {
          if (ok()) return resolve();
          if (Date.now() > deadline) return reject(new Error('timed out'));
          setTimeout(check, 1);
        };
        check();
      });
    await until(() => app.store.loaded && app.store.sessions.size === N && frames > 0 && lastFrame > 0 && app.stack[0].list.rows.length > N / 2);
    const tFirst = lastFrame;
    console.log(`TUI with ${N.toLocaleString('en-US')} sessions (virtual 160×48 terminal, server in another process):`);
    console.log(`  load the TUI code (blessed + screens)   ${ms(tLoaded - t0)}`);
    console.log(`  start-up to the first full frame         ${ms(tFirst - t0)}  (fetch, parse, sort, group, draw ${ms(tFirst - tLoaded)})`);

    // Key presses: bytes on the input → frame drawn.
    const press = async (seq) => {
      const before = frames;
      const t = performance.now();
      term.input.write(seq);
      await until(() => frames > before, 5000);
      return lastFrame - t;
    };
    const rounds = [
      ['j (down)', 'j', 100],
      ['k (up)', 'k', 50],
      ['PgDn', '\x1b[6~', 30],
      ['G (last row)', 'G', 5],
      ['g (first row)', 'g', 5],
      ['e (next failing)', 'e', 30],
    ];
    const all = [];
    for (const [label, seq, times] of rounds) {
      const xs = [];
      for (let i = 0; i < times; i++) xs.push(await press(seq));
      all.push(...xs);
      const s = stats(xs);
      console.log(`  key ${label.padEnd(20)} median ${ms(s.median)}  p95 ${ms(s.p95)}  max ${ms(s.max)}  (${s.n} presses)`);
    }
    // Filter as you type (each key re-filters 10,000 sessions), then clear it.
    const filt = [];
    filt.push(await press('/'));
    for (const ch of 'cn000') filt.push(await press(ch));
    filt.push(await press('\r'));
    filt.push(await press('\x1b'));
    let s = stats(filt);
    console.log(
      `  key ${'/ filter typing'.padEnd(20)} median ${ms(s.median)}  p95 ${ms(s.p95)}  max ${ms(s.max)}  (${s.n} presses, each re-filters every session)`,
    );
    all.push(...filt);
    // Expand the largest group (thousands of rows), open a node, back.
    await press('g');
    const other = [await press('\r'), await press('j'), await press('\r'), await press('\x1b'), await press('g'), await press('\r')];
    if (process.env.BENCH_DETAIL) console.log('  Enter(expand) j Enter(node) Esc g Enter(collapse):', other.map((x) => x.toFixed(1)).join(' '));
    s = stats(other);
    console.log(`  key ${'Enter/Esc (groups, node)'.padEnd(20)} median ${ms(s.median)}  max ${ms(s.max)}`);
    all.push(...other);
    s = stats(all);
    console.log(`  every key press                          median ${ms(s.median)}  p95 ${ms(s.p95)}  max ${ms(s.max)}  (${s.n})`);

    // A live change of 500 sessions: event → frame.
    const before = frames;
    const tu = performance.now();
    child.send({ type: 'update', count: 500 });
    await until(() => frames > before);
    console.log(`  live update of 500 sessions to frame     ${ms(lastFrame - tu)}  (includes the 80 ms coalescing window)`);
    app.quit(0);
    await running;
  } finally {
    child.send({ type: 'exit' });
  }

  // End to end in a real terminal, if tmux is here: process start to the frame on screen.
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
  } catch {
    console.log('  (tmux not installed: skipping the real-terminal start-up figure)');
    fs.rmSync(dir, { recursive: true, force: true });
    return;
  }
  const child2 = fork(__filename, ['serve', socket], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((resolve) => child2.on('message', (m) => m.type === 'ready' && resolve()));
  const server = `xt-bench-${process.pid}`;
  const tmux = (...a) => execFileSync('tmux', ['-L', server, ...a], { encoding: 'utf8' });
  try {
    const runs = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      tmux(
        '-f',
        '/dev/null',
        'new-session',
        '-d',
        '-s',
        'b',
        '-x',
        '160',
        '-y',
        '48',
        `'${process.execPath}' '${path.join(DIST, 'bin', 'xtriage.js')}' --socket '${socket}'`,
      );
      for (;;) {
        const screen = tmux('capture-pane', '-p', '-t', 'b');
        if (new RegExp(`${N} sessions`).test(screen) && /ROOT CAUSES/.test(screen)) break;
        if (performance.now() - t > 20_000) throw new Error(`no frame: ${screen}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      runs.push(performance.now() - t);
      tmux('kill-session', '-t', 'b');
    }
    const s = stats(runs);
    console.log(
      `Real binary in tmux 160×48, \`xtriage --socket …\` to ${N.toLocaleString('en-US')} sessions on screen: median ${ms(s.median)}, max ${ms(s.max)} (${s.n} runs, includes node start-up)`,
    );
  } finally {
    try {
      execFileSync('tmux', ['-L', server, 'kill-server'], { stdio: 'ignore' });
    } catch {
      /* gone */
    }
    child2.send({ type: 'exit' });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'serve') serve();
else
  client().catch((e) => {
    console.error(e);
    process.exit(1);
  });
