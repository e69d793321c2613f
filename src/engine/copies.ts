// The same line read twice — from the network and from rsyslog's file, or from two files of a
// tree (computes.log and messages) — is kept once. The copies of recent node and xcatd lines are
// indexed by program and text, one record per second, with the entry made of the first copy, so
// a later copy can be dropped (or, live, replace the kept one when it comes from an earlier file).

import type { LogRecord } from '../types';
import type { Entry } from './entry';
import { detach } from '../util/detach';
import { intern } from '../util/intern';
import { readingOrder } from '../sources/mn-files';

/** The first copy of a line (program and text) in one second: which file it came from, where it was kept. */
export class DupCopy {
  /** The entry made of it (of a machine, or of the cluster list), once made. */
  entry: Entry | null = null;
  machine: string | null = null;
  /** A node line of this text and second that named no machine, waiting to be attributed. */
  floating: Entry | null = null;
  /** The entry is in this frozen machine (entry is null meanwhile): thaw it to get the entry back. */
  declare frozenIn?: string;

  constructor(
    readonly sec: number,
    public source: string,
  ) {}

  /** Its file's place in the reading order. */
  get rank(): number {
    return readingOrder(this.source);
  }
}

/**
 * A live copy also knows its text's place in the index, to be forgotten by age. Offline nothing
 * is forgotten: without them (and with the rank read off the source) a copy is 64 bytes, not 88,
 * and 10,000 nodes make 410,000.
 */
class LiveCopy extends DupCopy {
  constructor(
    sec: number,
    source: string,
    readonly program: string,
    readonly message: string,
  ) {
    super(sec, source);
  }
}

/** A text's copies ascending by second: most texts have one, held as it is; more, in a list. */
type TextCopies = DupCopy | DupCopy[];

/** Lines this close in time from two different files are the same line logged twice. */
const DUP_WINDOW_S = 2;
/** Copies remembered at most (the oldest quarter goes past it). */
const MAX_COPIES = 200_000;

export class Copies {
  /**
   * Recent lines of the xcatd/node channels by program+text, one copy per second (ascending):
   * the copy kept, to spot the same line in another file.
   */
  private readonly dup = new Map<string, Map<string, TextCopies>>();
  private readonly dupOrder: LiveCopy[] = [];
  /** Copies dropped from the front of dupOrder so far, and how many had been made at each expireCopies() call. */
  private copiesForgotten = 0;
  private readonly copyMarks: { at: number; made: number }[] = [];
  /** The copy record of each machine entry that has one (freezing detaches it from the entry). */
  readonly copyOf = new Map<Entry, DupCopy>();
  /**
   * Offline: no bound (see Engine.offline), and nothing is ever forgotten or frozen, so neither
   * the order of copies nor each entry's copy is kept (a third of the index's memory); live, the
   * oldest go past MAX_COPIES and by age (expire).
   */
  unbounded = false;
  /** Copies made while unbounded (not in dupOrder). */
  private madeUnbounded = 0;
  /** The copy duplicateOf() recorded for the line being fed (its first copy), or null. */
  firstCopy: DupCopy | null = null;
  /** The copy of the line being fed's text and second (this line's or an earlier one's). */
  slot: DupCopy | null = null;

  constructor(
    /** Copies forgotten whose entries are in frozen machines: those machines must drop them too. */
    private readonly forgottenFrozen: (key: string, gone: Set<DupCopy>) => void,
  ) {}

  /** How many copies are remembered. */
  get size(): number {
    return this.dupOrder.length + this.madeUnbounded;
  }

  /** Forget every copy (offline, once every file is read: no later copy can come). */
  clear(): void {
    this.dup.clear();
    this.dupOrder.length = 0;
    this.copyMarks.length = 0;
    this.copyOf.clear();
    this.copiesForgotten = 0;
    this.madeUnbounded = 0;
    this.reset();
  }

  /** A new line is being fed: no copy recorded for it yet. */
  reset(): void {
    this.firstCopy = null;
    this.slot = null;
  }

  /** The entry just made holds the first copy of its line: remember it for preferEarlierFile(). */
  kept(e: Entry, machine: string | null): void {
    const c = this.firstCopy;
    this.firstCopy = null;
    if (c && !c.entry) {
      c.entry = e;
      c.machine = machine;
      if (machine !== null && !this.unbounded) this.copyOf.set(e, c);
    }
  }

  /** An earlier copy of this line from another source within the window, or null (and remembers this one). */
  find(rec: LogRecord): DupCopy | null {
    const sec = Math.floor(rec.at / 1000);
    // By program, then text: no key string built per line (a flood repeats the same few texts).
    const program = intern(rec.program ?? '')!;
    let byText = this.dup.get(program);
    if (!byText) this.dup.set(program, (byText = new Map()));
    const got = byText.get(rec.message);
    const one = got instanceof DupCopy ? got : null;
    const list = one === null ? (got as DupCopy[] | undefined) : undefined;
    const n = one !== null ? 1 : (list?.length ?? 0);
    // Ascending by second (offline, a later file goes back in time): find the window by bisection.
    let found: DupCopy | null = null;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((one ?? list![mid]!).sec < sec - DUP_WINDOW_S) lo = mid + 1;
      else hi = mid;
    }
    let at = n; // where a copy of this second goes: before the first later second
    for (let i = lo; i < n; i++) {
      const c = one ?? list![i]!;
      if (c.sec > sec && at === n) at = i;
      if (c.sec > sec + DUP_WINDOW_S) break;
      if (c.sec === sec) this.slot = c;
      if (!found && c.source !== rec.source) found = c; // the earliest second wins
    }
    if (found) return found;
    if (!this.slot) {
      let c: DupCopy;
      if (this.unbounded) {
        c = new DupCopy(sec, rec.source);
        this.madeUnbounded++;
      } else {
        // One flat copy of a text, shared by its copies of every second (the index's key).
        const first = one ?? list?.[0];
        const l = new LiveCopy(sec, rec.source, program, first instanceof LiveCopy ? first.message : detach(rec.message));
        this.dupOrder.push(l);
        c = l;
      }
      // A new text's key is a flat copy; a text already there keeps its key (Map.set does).
      if (got === undefined) byText.set(c instanceof LiveCopy ? c.message : detach(rec.message), c);
      else if (one !== null) byText.set(rec.message, at === 0 ? [c, one] : [one, c]);
      else list!.splice(at, 0, c);
      // Bounded: keep the most recent copies only.
      if (this.dupOrder.length > MAX_COPIES) this.forgetOldestCopies(MAX_COPIES / 4);
      this.firstCopy = c;
      this.slot = c;
    }
    return null;
  }

  /**
   * Live: forget the copies made more than `ttlMs` before `now` (wall clock). Both copies of a
   * line (a node's datagram, rsyslog's line in a file the tailer reads) arrive within the
   * pipeline's lag of each other; a copy older than that only holds memory. Called periodically:
   * each call marks how many copies had been made by then.
   */
  expire(now: number, ttlMs: number): void {
    this.copyMarks.push({ at: now, made: this.copiesForgotten + this.dupOrder.length });
    let upTo = -1;
    while (this.copyMarks.length && this.copyMarks[0]!.at <= now - ttlMs) upTo = this.copyMarks.shift()!.made;
    const n = upTo - this.copiesForgotten;
    if (n > 0) this.forgetOldestCopies(n);
  }

  /** Drops the n oldest copies; each text's copies are filtered once (a text seen every second has thousands). */
  private forgetOldestCopies(n: number): void {
    const gone = new Set<DupCopy>(this.dupOrder.splice(0, n));
    this.copiesForgotten += gone.size;
    const texts = new Map<TextCopies, LiveCopy>();
    const frozenWith = new Set<string>();
    for (const old of gone as Set<LiveCopy>) {
      if (old.entry && this.copyOf.get(old.entry) === old) this.copyOf.delete(old.entry);
      // Gone for good: a frozen machine's thaw must not bring it back, nor keep it.
      if (old.frozenIn !== undefined) frozenWith.add(old.frozenIn);
      delete old.frozenIn;
      const v = this.dup.get(old.program)?.get(old.message);
      if (v !== undefined && !texts.has(v)) texts.set(v, old);
    }
    for (const [v, any] of texts) {
      const byText = this.dup.get(any.program)!;
      const kept = v instanceof DupCopy ? (gone.has(v) ? [] : [v]) : v.filter((c) => !gone.has(c));
      if (kept.length > 1) byText.set(any.message, kept);
      else if (kept.length === 1) byText.set(any.message, kept[0]!);
      else byText.delete(any.message);
      if (!byText.size) this.dup.delete(any.program);
    }
    for (const key of frozenWith) this.forgottenFrozen(key, gone);
  }
}
