// Freezing idle machines (their lines compressed, frozen-machine.ts) must change nothing: an
// engine that freezes every machine it can after every few hundred lines, and thaws them as
// lines come back, ends with the same document and the same session timelines as one that never
// froze. Fed in the offline order and in random interleavings of the files (as live tailing and
// the network deliver them: repeats folding, IPs re-placed, copies of a line from two files).

import { Engine } from '../../src/engine/engine';
import { diagnose } from '../../src/diagnose/diagnose';
import { LineReader } from '../../src/records/line-reader';
import { loadKb } from '../../src/patterns/kb';
import { generateCluster, renderDatagrams, renderMnLines } from '../../src/demo/sim/cluster';
import { classify, FILE_ORDER } from '../../src/sources/mn-files';
import type { LogRecord } from '../../src/types';

const kb = loadKb([], { local: false });
const START = Date.parse('2026-11-25T12:00:00Z');
const NOW = START + 6 * 3600_000;

function rng(seed: number): () => number {
  let x = seed * 7919 + 1;
  return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** The generated cluster's records in one order: the offline one (trial 0) or a random interleaving. */
function records(seed: number, nodes: number, trial: number): LogRecord[] {
  const cl = generateCluster({ nodes, seed, start: new Date(START) });
  const byFile = new Map<string, string[]>();
  for (const l of renderMnLines(cl)) {
    let a = byFile.get(l.file);
    if (!a) byFile.set(l.file, (a = []));
    a.push(l.line);
  }
  const datagrams = [...renderDatagrams(cl)];
  const rank = (f: string): number => FILE_ORDER.indexOf(classify(f)!.kind);
  const files = [...byFile.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const order: [string | null, number][] = [];
  if (trial === 0) {
    for (const f of files) byFile.get(f)!.forEach((_, i) => order.push([f, i]));
    datagrams.forEach((_, i) => order.push([null, i]));
  } else {
    const rand = rng(seed * 100 + trial);
    const queues = [...files.map((f) => ({ f: f as string | null, i: 0, n: byFile.get(f)!.length })), { f: null as string | null, i: 0, n: datagrams.length }];
    while (queues.length) {
      const k = Math.floor(rand() * queues.length);
      const q = queues[k]!;
      const run = 1 + Math.floor(rand() * 50);
      for (let j = 0; j < run && q.i < q.n; j++) order.push([q.f, q.i++]);
      if (q.i >= q.n) queues.splice(k, 1);
    }
  }
  const readers = new Map<string, LineReader>();
  const remote = new LineReader('remote', 'remote', NOW);
  const out: LogRecord[] = [];
  for (const [f, i] of order) {
    let r: LogRecord | null;
    if (f === null) {
      const g = datagrams[i]!;
      r = remote.read(g.datagram, g.at, g.from);
    } else {
      let rd = readers.get(f);
      if (!rd) {
        const c = classify(f)!;
        readers.set(f, (rd = new LineReader(c.kind, f, NOW, c.node)));
      }
      r = rd.read(byFile.get(f)![i]!);
    }
    if (r) out.push(r);
  }
  return out;
}

function timelines(e: Engine, doc: ReturnType<Engine['snapshot']>): string {
  return JSON.stringify(doc.sessions.map((s) => [s.id, e.timelineOf(s.id)]));
}

test.each([
  [5, 0],
  [5, 1],
  [7, 2],
  [8, 3],
])('freezing and thawing machines changes no diagnosis and no timeline (seed %i, trial %i)', (seed, trial) => {
  const recs = records(seed, 40, trial);
  // Both take the same snapshots (a snapshot places pending lines); only one freezes after each.
  const plain = new Engine(kb, diagnose);
  recs.forEach((r, i) => {
    plain.feed(r);
    if (i % 400 === 399) plain.snapshot(NOW);
  });
  const expected = plain.snapshot(NOW);
  expect(expected.sessions.length).toBeGreaterThan(30);

  const freezing = new Engine(kb, diagnose);
  let froze = 0;
  let thawed = 0;
  let before = 0;
  recs.forEach((r, i) => {
    freezing.feed(r);
    if (i % 400 === 399) {
      const now = freezing.stats.frozen;
      if (now < before) thawed += before - now;
      freezing.snapshot(NOW);
      froze += freezing.freezeIdle(Infinity, Infinity);
      before = freezing.stats.frozen;
    }
  });
  if (freezing.stats.frozen < before) thawed += before - freezing.stats.frozen;
  const got = freezing.snapshot(NOW);
  // Both paths were taken: machines froze, and lines came back for frozen ones.
  expect(froze).toBeGreaterThan(20);
  expect(thawed).toBeGreaterThan(5);
  expect(freezing.stats.frozen).toBeGreaterThan(0);
  expect(freezing.stats.entries).toBe(plain.stats.entries);
  // Session by session first (a readable difference), then the whole documents and timelines.
  const a = expected.sessions.map((x) => JSON.stringify(x));
  const b = got.sessions.map((x) => JSON.stringify(x));
  const i = a.findIndex((x, k) => x !== b[k]);
  expect(i < 0 ? null : [a[i], b[i]]).toBeNull();
  expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
  const ta = JSON.parse(timelines(plain, expected)) as [string, unknown][];
  const tb = JSON.parse(timelines(freezing, got)) as [string, unknown][];
  const j = ta.findIndex((x, k) => JSON.stringify(x) !== JSON.stringify(tb[k]));
  const firstDiff = (x: unknown[], y: unknown[]): unknown => {
    const k = x.findIndex((v, n) => JSON.stringify(v) !== JSON.stringify(y[n]));
    return { at: k, lengths: [x.length, y.length], plain: x[k], freezing: y[k] };
  };
  expect(j < 0 ? null : { session: ta[j]![0], ...(firstDiff(ta[j]![1] as unknown[], tb[j]![1] as unknown[]) as object) }).toBeNull();
});

// A stalled session's result moves with the clock alone (how long it has waited): such machines
// freeze too, and their waited time and cause keep moving without their lines. Later snapshots of
// the frozen engine must equal a fresh engine's diagnosis at the same times.
test('frozen stalled machines keep their waited time up to date (seed 6)', () => {
  const recs = records(6, 40, 0);
  const freezing = new Engine(kb, diagnose);
  for (const r of recs) freezing.feed(r);
  const first = freezing.snapshot(NOW);
  // Pending keys (ip:, node:) whose lines found their machine leave nothing behind.
  const inner = freezing as unknown as { lastTouch: Map<string, number>; machines: Map<string, unknown> };
  expect([...inner.lastTouch.keys()].filter((k) => !inner.machines.has(k))).toEqual([]);
  const stalled = first.sessions.filter((s) => s.outcome === 'stalled' && s.stall);
  expect(stalled.length).toBeGreaterThan(0);
  freezing.freezeIdle(Infinity, Infinity);
  // Every machine known by MAC whose sessions are all decided froze, the stalled ones with them.
  const decided = new Set(first.sessions.filter((s) => s.mac && s.node).map((s) => s.mac));
  for (const s of first.sessions) if (s.outcome === 'running') decided.delete(s.mac);
  expect(decided.size).toBeGreaterThan(30);
  expect(freezing.stats.frozen).toBeGreaterThanOrEqual(decided.size);
  for (const later of [NOW + 7_000, NOW + 3 * 3600_000]) {
    const fresh = new Engine(kb, diagnose);
    for (const r of recs) fresh.feed(r);
    const expected = fresh.snapshot(later);
    const got = freezing.snapshot(later);
    expect(freezing.stats.thaws).toBe(0);
    const moved = got.sessions.filter((s) => s.outcome === 'stalled' && s.stall!.waitedS >= (later - NOW) / 1000);
    expect(moved.length).toBe(stalled.length);
    expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
  }
});
