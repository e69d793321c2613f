#!/usr/bin/env node
// Live = offline, measured: how often does the order in which lines of different files (and the
// network) reach the engine change the diagnosis?
//
// Offline reads one file after another (messages before xcat/cluster.log …, captures last). Live,
// the tailer and the receiver interleave them in any way. For generated clusters, this feeds the
// engine the offline order, then random interleavings that keep each file's own order (runs of
// 1–50 lines from a file picked at random), and compares each session's essence (MAC, node,
// IPs, outcome, stage, start, milestones, root cause pattern and line, symptom patterns: what
// test/live-offline compares, src/util/session-essence.ts).
// Prints, per cluster, the share of interleavings that changed at least one session, and the
// first difference seen. The engine runs in this process from dist/ (no daemon, no sockets).
//
//   node bench/order.js
//   XT_BENCH_ORDER_SEEDS=5,6,7 XT_BENCH_ORDER_TRIALS=20 node bench/order.js
//
// Environment: XT_BENCH_ORDER_SEEDS (5,6,7,8), XT_BENCH_ORDER_NODES (40), XT_BENCH_ORDER_TRIALS (30).
'use strict';

const path = require('node:path');
const L = require('./lib');

const SEEDS = L.envList('XT_BENCH_ORDER_SEEDS', [5, 6, 7, 8]);
const NODES = L.envNum('XT_BENCH_ORDER_NODES', 40);
const TRIALS = L.envNum('XT_BENCH_ORDER_TRIALS', 30);

const dist = (m) => require(path.join(L.DIST, m));
const { generateCluster, renderDatagrams, renderMnLines } = dist('demo/sim/cluster.js');
const { Engine } = dist('engine/engine.js');
const { diagnose } = dist('diagnose/diagnose.js');
const { LineReader } = dist('records/line-reader.js');
const { classify, FILE_ORDER } = dist('sources/mn-files.js');
const { loadKb } = dist('patterns/kb.js');
const { sessionEssence } = dist('util/session-essence.js');

const kb = loadKb([], { local: false });
const START = Date.parse('2026-11-25T12:00:00Z');
const NOW = START + 6 * 3600_000;

function essence(doc) {
  return doc.sessions.map((s) => JSON.stringify(sessionEssence(s))).sort();
}

/** The session (node, MAC) and only the fields in which the two essences differ. */
function differingFields(a, b) {
  if (!a || !b) return { offline: a ?? '(no session)', live: b ?? '(no session)' };
  const x = JSON.parse(a);
  const y = JSON.parse(b);
  const keys = Object.keys(x).filter((k) => JSON.stringify(x[k]) !== JSON.stringify(y[k]));
  // Of a list (milestones, symptoms), only the items the other side lacks: the rest is noise.
  const only = (v, w) => {
    if (!Array.isArray(v) || !Array.isArray(w)) return v;
    const other = new Set(w.map((i) => JSON.stringify(i)));
    return { only: v.filter((i) => !other.has(JSON.stringify(i))) };
  };
  const pick = (o, p) => JSON.stringify(Object.fromEntries([['node', o.node], ['mac', o.mac], ...keys.map((k) => [k, only(o[k], p[k])])])).slice(0, 600);
  return { offline: pick(x, y), live: pick(y, x) };
}

/** A small seeded generator (runs are repeatable). */
function rng(seed) {
  let x = seed * 7919 + 1;
  return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
}

function clusterInputs(seed) {
  const cl = generateCluster({ nodes: NODES, seed, start: new Date(START) });
  const byFile = new Map();
  for (const l of renderMnLines(cl)) {
    let a = byFile.get(l.file);
    if (!a) byFile.set(l.file, (a = []));
    a.push(l.line);
  }
  const datagrams = [...renderDatagrams(cl)];
  const rank = (f) => FILE_ORDER.indexOf(classify(f).kind);
  const files = [...byFile.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return { byFile, datagrams, files };
}

function diagnoseInOrder({ byFile, datagrams }, order) {
  const e = new Engine(kb, diagnose);
  const readers = new Map();
  const remote = new LineReader('remote', 'remote', NOW);
  for (const [f, i] of order) {
    let r;
    if (f === null) {
      const g = datagrams[i];
      r = remote.read(g.datagram, g.at, g.from);
    } else {
      let rd = readers.get(f);
      if (!rd) {
        const c = classify(f);
        readers.set(f, (rd = new LineReader(c.kind, f, NOW, c.node)));
      }
      r = rd.read(byFile.get(f)[i]);
    }
    if (r) e.feed(r);
  }
  return essence(e.snapshot(NOW));
}

function main() {
  L.header('order', `live = offline: ${TRIALS} random interleavings of each generated cluster's files (${NODES} nodes; seeds ${SEEDS.join(', ')})`);
  const rows = [];
  const notes = [];
  let changed = 0;
  let total = 0;
  for (const seed of SEEDS) {
    const input = clusterInputs(seed);
    const { byFile, datagrams, files } = input;
    // Offline: file after file in the reading order, the capture (network lines) last.
    const offline = [];
    for (const f of files) byFile.get(f).forEach((_, i) => offline.push([f, i]));
    datagrams.forEach((_, i) => offline.push([null, i]));
    const expected = diagnoseInOrder(input, offline);
    const rand = rng(seed);
    let diffs = 0;
    let first = null;
    for (let t = 0; t < TRIALS; t++) {
      const queues = [...files.map((f) => ({ f, i: 0, n: byFile.get(f).length })), { f: null, i: 0, n: datagrams.length }];
      const order = [];
      while (queues.length) {
        const k = Math.floor(rand() * queues.length);
        const q = queues[k];
        const run = 1 + Math.floor(rand() * 50);
        for (let j = 0; j < run && q.i < q.n; j++) order.push([q.f, q.i++]);
        if (q.i >= q.n) queues.splice(k, 1);
      }
      const got = diagnoseInOrder(input, order);
      const differ = got.length !== expected.length || got.some((s, i) => s !== expected[i]);
      if (differ) {
        diffs++;
        if (!first) {
          const i = got.findIndex((s, j) => s !== expected[j]);
          first = differingFields(expected[i], got[i]);
        }
      }
    }
    changed += diffs;
    total += TRIALS;
    rows.push([seed, L.fmtInt(expected.length), L.fmtInt(offline.length), `${diffs}/${TRIALS}`, L.pct(diffs, TRIALS, 0)]);
    if (first) notes.push(`seed ${seed}: offline ${first.offline}`, `         live    ${first.live}`);
  }
  L.table('Interleavings that changed at least one session', ['seed', 'sessions', 'lines', 'changed', 'share'], rows, notes);
  L.say('');
  L.say(`  overall: ${changed}/${total} interleavings changed a diagnosis (${L.pct(changed, total, 1)}); 0 means live = offline whatever the order`);
}

if (require.main === module) main();
module.exports = { main };
