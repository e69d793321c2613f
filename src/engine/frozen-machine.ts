// A machine the daemon has not heard from for a while keeps its lines compressed: one deflated
// buffer instead of ~10 objects per kept line (entry, record, fields, subject, boxed numbers),
// about 30 times less memory. Freezing is lossless: thawing gives entries equal in every field,
// in the same order, and the same repeat-folding state (the per-file recent lines, the last
// entry), so a thawed machine goes on exactly as if it had never been frozen.

import * as zlib from 'node:zlib';
import type { Channel, LogRecord, Pattern } from '../types';
import { Entry } from './entry';
import { internFlat, internSubject } from '../util/intern';
import { SmallMap } from '../util/small-map';
import type { Subject } from '../identity/identity';

/** The list of a frozen machine in the engine's `machines`: its lines are in its FrozenMachine. */
export const FROZEN: Entry[] = Object.freeze([]) as unknown as Entry[];

export interface FrozenMachine {
  blob: Buffer;
  /** Entries in the machine's list. */
  count: number;
  /** What attributes nameless node lines to it, as the engine computed it when it froze (see Attribution). */
  anchors: Float64Array;
  /** Attribution.ms as (time, stage rank) pairs, flat. */
  milestones: Float64Array;
  diskless: boolean;
  /** References to its entries from elsewhere (the engine's line copies), restored on thaw. */
  copies: { copy: unknown; index: number }[];
}

/** What the engine attributes nameless node lines by (engine.ts decides; a frozen machine keeps it). */
export interface Attribution {
  /** Times of the lines that anchor a nameless node line to this machine. */
  anchors: number[];
  /** Milestones as (time, stage rank), and whether it took the diskless way. */
  ms: [number, number][];
  diskless: boolean;
}

/** A frozen machine's Attribution.ms and diskless, unpacked. */
export function frozenProgress(f: FrozenMachine): { ms: [number, number][]; diskless: boolean } {
  const ms: [number, number][] = [];
  for (let i = 0; i < f.milestones.length; i += 2) ms.push([f.milestones[i]!, f.milestones[i + 1]!]);
  return { ms, diskless: f.diskless };
}

/** What folds repeats into a machine's entries (engine.ts): recent lines per file, the last entry. */
export interface FoldState {
  recent: SmallMap<string, SmallMap<string, Entry>> | undefined;
  last: Entry | undefined;
}

/** The pattern objects entries point to, by index (a frozen entry stores the index). */
export class PatternTable {
  private readonly index = new Map<Pattern, number>();
  private readonly list: Pattern[] = [];

  indexOf(p: Pattern | null): number {
    if (p === null) return -1;
    let i = this.index.get(p);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(p);
      this.index.set(p, i);
    }
    return i;
  }

  at(i: number): Pattern | null {
    return i < 0 ? null : this.list[i]!;
  }
}

type RecTuple = [
  number,
  number | null,
  string,
  Channel,
  string | null,
  string | null,
  string | null,
  number | null,
  number | null,
  string | number,
  string,
  string | null,
];
type EntryTuple = [number, number, number, number, number, Record<string, string>, Subject, RecTuple];

function recTuple(r: Entry): RecTuple {
  // The message is nearly always the tail of the raw line: stored as where it starts, which the entry already knows.
  const i = r.messageStart;
  return [r.at, r.claimed, r.source, r.channel, r.from, r.host, r.program, r.pid, r.severity, i >= 0 ? i : r.message, r.raw, r.node];
}

function recOf(t: RecTuple, intern: (s: string | null) => string | null): LogRecord {
  const raw = t[10];
  return {
    at: t[0],
    claimed: t[1],
    source: intern(t[2])!,
    channel: t[3],
    from: intern(t[4]),
    host: intern(t[5]),
    program: intern(t[6]),
    pid: t[7],
    severity: t[8],
    message: typeof t[9] === 'number' ? raw.slice(t[9]) : t[9],
    raw,
    node: intern(t[11]),
  };
}

/**
 * Freeze `list` with its fold state. Entries the fold state points to that are no longer in the
 * list (evicted, still taking repeats) are kept too, so thawing restores that exactly.
 */
export function freeze(list: Entry[], fold: FoldState, patterns: PatternTable, attribution: Attribution): { frozen: FrozenMachine; index: Map<Entry, number> } {
  const index = new Map<Entry, number>();
  const all: Entry[] = [];
  const add = (e: Entry): number => {
    let i = index.get(e);
    if (i === undefined) {
      i = all.length;
      all.push(e);
      index.set(e, i);
    }
    return i;
  };
  for (const e of list) add(e);
  const recent: [string, [string | null, number][]][] = [];
  for (const [source, m] of fold.recent ?? []) {
    const pairs: [string | null, number][] = [];
    for (const [text, e] of m) pairs.push([text === e.rec.message ? null : text, add(e)]);
    recent.push([source, pairs]);
  }
  const last = fold.last ? add(fold.last) : -1;
  const entries: EntryTuple[] = all.map((e) => [e.seq, e.ord, patterns.indexOf(e.pattern), e.count, e.lastAt, e.fields, e.subject, recTuple(e)]);
  const json = JSON.stringify({ n: list.length, entries, recent, last });
  // deflateRawSync's result is a view of a larger output chunk: keep an exact copy, not the chunk.
  const out = zlib.deflateRawSync(Buffer.from(json, 'utf8'), { level: 6 });
  const blob = Buffer.allocUnsafeSlow(out.length);
  out.copy(blob);
  return {
    frozen: {
      blob,
      count: list.length,
      anchors: Float64Array.from(attribution.anchors),
      milestones: Float64Array.from(attribution.ms.flat()),
      diskless: attribution.diskless,
      copies: [],
    },
    index,
  };
}

/** The entries (list order, then the evicted ones the fold state kept), and the fold state. */
export function thaw(f: FrozenMachine, patterns: PatternTable, intern: (s: string | null) => string | null): { list: Entry[]; all: Entry[]; fold: FoldState } {
  const o = JSON.parse(zlib.inflateRawSync(f.blob).toString('utf8')) as {
    n: number;
    entries: EntryTuple[];
    recent: [string, [string | null, number][]][];
    last: number;
  };
  // Fields and subjects are shared between equal lines, frozen (see internFlat).
  const all: Entry[] = o.entries.map((t) => new Entry(t[0], t[1], recOf(t[7], intern), patterns.at(t[2]), internFlat(t[5]), internSubject(t[6]), t[3], t[4]));
  const recent = new SmallMap<string, SmallMap<string, Entry>>();
  for (const [source, pairs] of o.recent) {
    const m = new SmallMap<string, Entry>();
    for (const [text, i] of pairs) m.set(text ?? all[i]!.rec.message, all[i]!);
    recent.set(intern(source)!, m);
  }
  return { list: all.slice(0, o.n), all, fold: { recent: o.recent.length ? recent : undefined, last: o.last >= 0 ? all[o.last] : undefined } };
}
