// A node's line reaches the engine twice live: as a datagram and as rsyslog's line in a file the
// tailer reads. The engine keeps a record of each line (its copy) to spot the second one; live,
// records older than the pipeline's lag are forgotten (expireCopies), frozen machines included.

import { Engine } from '../../src/engine/engine';
import { diagnose } from '../../src/diagnose/diagnose';
import { LineReader } from '../../src/records/line-reader';
import { loadKb } from '../../src/patterns/kb';
import { generateCluster, renderDatagrams, renderMnLines } from '../../src/demo/sim/cluster';
import { classify } from '../../src/sources/mn-files';
import type { LogRecord } from '../../src/types';
import type { Copies } from '../../src/engine/copies';

const kb = loadKb([], { local: false });
const START = Date.parse('2026-11-25T12:00:00Z');
const NOW = START + 6 * 3600_000;

function parts(seed: number): { datagrams: LogRecord[]; files: LogRecord[] } {
  const cl = generateCluster({ nodes: 30, seed, start: new Date(START) });
  const remote = new LineReader('remote', 'remote', NOW);
  const datagrams = [...renderDatagrams(cl)].map((g) => remote.read(g.datagram, g.at, g.from)).filter((r): r is LogRecord => r !== null);
  const readers = new Map<string, LineReader>();
  const files: LogRecord[] = [];
  for (const l of renderMnLines(cl)) {
    let rd = readers.get(l.file);
    if (!rd) {
      const c = classify(l.file)!;
      readers.set(l.file, (rd = new LineReader(c.kind, l.file, NOW, c.node)));
    }
    const r = rd.read(l.line);
    if (r) files.push(r);
  }
  return { datagrams, files };
}

test('a line copy is forgotten once older than the time to live, and a later copy is then a new line', () => {
  const { datagrams, files } = parts(11);
  const keep = new Engine(kb, diagnose);
  for (const r of datagrams) keep.feed(r);
  const copies = keep.stats.copies;
  expect(copies).toBeGreaterThan(100);
  keep.expireCopies(1_000, 60_000);
  keep.expireCopies(30_000, 60_000); // within the time to live: nothing goes
  expect(keep.stats.copies).toBe(copies);
  for (const r of files) keep.feed(r);

  const expire = new Engine(kb, diagnose);
  for (const r of datagrams) expire.feed(r);
  expire.expireCopies(1_000, 60_000);
  for (const r of datagrams.slice(0, 10)) expire.feed(r); // made after the mark: kept
  expire.expireCopies(61_000, 60_000);
  expect(expire.stats.copies).toBeLessThan(copies);
  expect(expire.stats.copies).toBeLessThanOrEqual(10);
  for (const r of files) expire.feed(r);
  // The files' copies of the node lines no longer fold into the datagrams' entries.
  expect(expire.stats.entries).toBeGreaterThan(keep.stats.entries);
});

test('forgetting the copies of frozen machines frees them and changes nothing else', () => {
  const { datagrams, files } = parts(12);
  const plain = new Engine(kb, diagnose);
  const freezing = new Engine(kb, diagnose);
  // The MN's files first (they name the machines by MAC, so they can freeze), the datagrams later.
  for (const e of [plain, freezing]) {
    for (const r of files) e.feed(r);
    e.snapshot(NOW);
  }
  expect(freezing.freezeIdle(Infinity, Infinity)).toBeGreaterThan(10);
  const frozen = (freezing as unknown as { frozen: Map<string, { copies: unknown[] }> }).frozen;
  const held = (): number => [...frozen.values()].reduce((n, f) => n + f.copies.length, 0);
  expect(held()).toBeGreaterThan(100);
  for (const e of [plain, freezing]) {
    e.expireCopies(0, 60_000);
    e.expireCopies(60_000, 60_000);
    expect(e.stats.copies).toBe(0);
  }
  expect(held()).toBe(0);
  for (const e of [plain, freezing]) for (const r of datagrams) e.feed(r);
  expect(freezing.stats.thaws).toBeGreaterThan(10);
  expect(JSON.stringify(freezing.snapshot(NOW))).toBe(JSON.stringify(plain.snapshot(NOW)));
});

test('offline, a line of messages is still known when cluster.log copies it, however many lines came between', () => {
  // A 10,000-node tree has more xcatd lines than the live bound (200,000 copies): offline reads
  // messages whole before cluster.log, so a bound there kept most xcatd lines twice.
  const N = 210_000;
  const rec = (i: number, source: string): LogRecord =>
    ({
      at: START + i * 50,
      program: 'xcat',
      message: `xcatd: install monitor received a connection request from 10.0.${i % 250}.${(i >> 8) % 250}`,
      source,
    }) as LogRecord;
  for (const offline of [true, false]) {
    const e = new Engine(kb, diagnose);
    e.offline = offline;
    const copies = (e as unknown as { copies: Copies }).copies;
    for (let i = 0; i < N; i++) {
      copies.reset();
      copies.find(rec(i, 'messages'));
    }
    let found = 0;
    for (let i = 0; i < N; i++) {
      copies.reset();
      if (copies.find(rec(i, 'xcat/cluster.log'))) found++;
    }
    if (offline) expect(found).toBe(N);
    else expect(found).toBeLessThan(N); // live: the oldest copies go (minutes old there)
  }
});
