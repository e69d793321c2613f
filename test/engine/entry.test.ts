// An entry keeps its record compactly (engine/entry.ts, engine/origin.ts): where the line came
// from is one shared object, the message is where it starts in the raw line, the stated time is
// not kept twice. Whatever the form, the record read back must be the record given.
import { Entry } from '../../src/engine/entry';
import { originOf } from '../../src/engine/origin';
import type { LogRecord } from '../../src/types';
import { readingOrder } from '../../src/sources/mn-files';

function rec(over: Partial<LogRecord>): LogRecord {
  const raw = over.raw ?? 'Dec  7 10:00:01 cn001 xcat.deployment[812]: postscript start: confignetwork';
  return {
    at: Date.UTC(2026, 11, 7, 10, 0, 1),
    claimed: Date.UTC(2026, 11, 7, 10, 0, 1),
    source: 'messages',
    channel: 'node',
    from: '10.1.0.1',
    host: 'cn001',
    program: 'xcat.deployment',
    pid: 812,
    severity: 5,
    message: 'postscript start: confignetwork',
    raw,
    node: null,
    ...over,
  };
}

const FIELDS = ['at', 'claimed', 'source', 'channel', 'from', 'host', 'program', 'pid', 'severity', 'message', 'raw', 'node'] as const;

function readBack(r: LogRecord): LogRecord {
  const e = new Entry(1, 0, r, null, {}, {}, 1, r.at);
  const out: Record<string, unknown> = {};
  for (const k of FIELDS) out[k] = e.rec[k];
  return out as unknown as LogRecord;
}

test.each([
  ['a message that is the raw line’s tail', rec({})],
  ['a message inside the raw line (not its tail)', rec({ message: 'postscript start', raw: 'Dec  7 10:00:01 cn001 xcat: postscript start (x)' })],
  [
    'a message the raw line does not hold',
    rec({ message: 'GET /install/x 200', raw: '10.1.0.1 - - [07/Dec/2026:10:00:01 +0000] "GET /install/x HTTP/1.1" 200 5' }),
  ],
  ['an empty message', rec({ message: '', raw: 'Dec  7 10:00:01 cn001 xcat:' })],
  ['a stated time other than the time (a datagram stamped by the node)', rec({ claimed: Date.UTC(2026, 11, 7, 9, 59, 40), source: 'remote' })],
  ['no stated time', rec({ claimed: null })],
  ['nulls where a line may have none', rec({ from: null, host: null, program: null, pid: null, severity: null, node: 'cn001' })],
])('%s is read back as given', (_what, r) => {
  expect(readBack(r)).toEqual(r);
  // Where the message starts when it is the raw line's tail (a frozen machine stores that), else -1.
  const e = new Entry(1, 0, r, null, {}, {}, 1, r.at);
  const tail = r.message.length > 0 && r.raw.endsWith(r.message);
  expect(e.messageStart).toBe(tail ? r.raw.length - r.message.length : -1);
});

test('another copy of the line taking the entry’s place replaces every field (Engine.preferEarlierFile)', () => {
  const first = rec({ source: 'xcat/computes.log', claimed: null, message: 'postscript start', raw: 'x: postscript start (x)' });
  const e = new Entry(1, 0, first, null, {}, {}, 1, first.at);
  const other = rec({});
  expect(e.rank).toBe(readingOrder('xcat/computes.log'));
  e.setRecord(other);
  for (const k of FIELDS) expect([k, e.rec[k]]).toEqual([k, other[k]]);
  // The place of its file in the reading order goes with it.
  expect(e.rank).toBe(readingOrder('messages'));
  expect(e.rank).not.toBe(readingOrder('xcat/computes.log'));
});

test('the last folded time reads as the time until something is folded, and keeps its value when another copy’s time takes the entry’s place', () => {
  const r = rec({});
  const e = new Entry(1, 0, r, null, {}, {}, 1, r.at);
  expect(e.lastAt).toBe(r.at);
  // Nothing folded, another copy a second earlier: both times move with it.
  e.setRecord(rec({ at: r.at - 1000 }));
  expect([e.at, e.lastAt]).toEqual([r.at - 1000, r.at]);
  const f = new Entry(2, 0, r, null, {}, {}, 1, r.at);
  f.lastAt = r.at + 30_000;
  expect(f.lastAt).toBe(r.at + 30_000);
  f.setRecord(rec({ at: r.at + 1000 }));
  expect([f.at, f.lastAt]).toEqual([r.at + 1000, r.at + 30_000]);
  // Made with a last time of its own (a thawed machine's entry), and set back to the time.
  const g = new Entry(3, 0, r, null, {}, {}, 4, r.at + 5000);
  expect(g.lastAt).toBe(r.at + 5000);
  g.lastAt = r.at;
  expect(g.lastAt).toBe(r.at);
  g.setRecord(rec({ at: r.at + 2000 }));
  expect(g.lastAt).toBe(r.at);
});

test('lines from the same place share one frozen origin; any difference makes another', () => {
  const a = originOf(rec({}));
  expect(Object.isFrozen(a)).toBe(true);
  expect(originOf(rec({ message: 'other text' }))).toBe(a);
  // Not only the last one asked for is found again.
  originOf(rec({ host: 'cn002' }));
  expect(originOf(rec({}))).toBe(a);
  const others: Partial<LogRecord>[] = [
    { host: 'cn002' },
    { from: null },
    { program: 'xcat' },
    { channel: 'syslog' },
    { source: 'xcat/computes.log' },
    { node: 'cn001' },
    { severity: 3 },
    { severity: null },
  ];
  // Each field alone, found in the table (the last one of its host may be another)…
  for (const over of others) {
    originOf(rec({ host: 'elsewhere' }));
    expect(originOf(rec(over))).not.toBe(a);
  }
  // …and right after the same origin was asked for (the shortcut per host, compared field by field).
  for (const over of others) {
    expect(originOf(rec({}))).toBe(a);
    const o = originOf(rec(over));
    expect(o).not.toBe(a);
    expect(o).toMatchObject(over);
  }
});

test('hostile text cannot make two origins one (the key is length-prefixed)', () => {
  // Joined with a separator, these two would be the same key.
  const a = originOf(rec({ host: 'a', program: 'b\u0000c' }));
  const b = originOf(rec({ host: 'a\u0000b', program: 'c' }));
  expect(a).not.toBe(b);
  expect([a.host, a.program]).toEqual(['a', 'b\u0000c']);
  expect([b.host, b.program]).toEqual(['a\u0000b', 'c']);
  // A null and the text "-" are not the same either.
  expect(originOf(rec({ from: null })).from).toBeNull();
  expect(originOf(rec({ from: '-' })).from).toBe('-');
});
