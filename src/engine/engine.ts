// The one engine behind offline analysis and the live daemon: records in, entries kept per
// machine (by MAC when it can be known, never by hostname), a document out. What it keeps is
// bounded by machines, not by lines: unmatched lines are counted and dropped (the capture
// spool keeps them), repeats of coalescing patterns fold into one entry.

import type { LogRecord, Match, Pattern, Rule } from '../types';
import { Matcher } from '../patterns/match';
import { Identity, usableName, type Subject } from '../identity/identity';
import { byTime, Entry, evidenceOf, statesItsTime, worthKeeping } from './entry';
import type { AnalysisDoc } from '../contract';
import type { CachedMachine, Diagnoser } from './diagnoser';
import { expandNoderange } from '../util/noderange';
import { readingOrder } from '../sources/mn-files';
import { freeze, thaw, FROZEN, PatternTable, type FrozenMachine } from './frozen-machine';
import { attributeFloating, isAnchor, progressOf } from './attribution';
import { Copies, type DupCopy } from './copies';
import { intern, internSubject } from '../util/intern';
import { isSymptomOnly, runnable } from './folding';
import { SmallMap } from '../util/small-map';

/**
 * A machine's entries past MAX_ENTRIES: the oldest non-milestone ones go (all milestones: the
 * oldest), EVICT_BATCH at a time so that a flood costs one pass per batch, not one per line.
 */
function evictOldest(list: Entry[]): Entry[] {
  let excess = list.length - (MAX_ENTRIES - EVICT_BATCH);
  const kept: Entry[] = [];
  for (const x of list) {
    if (excess > 0 && !x.pattern?.milestone) excess--;
    else kept.push(x);
  }
  return excess > 0 ? kept.slice(excess) : kept;
}

/** Unknown error lines kept per machine (and for the cluster). */
const MAX_UNKNOWN = 40;
/** Entries kept per machine; past this the oldest non-milestone entries go, this many at a time. */
const MAX_ENTRIES = 1500;
const EVICT_BATCH = 100;
/** Lines a machine repeats (not milestones) fold into an earlier entry seen this recently (per file). */
const RECENT_PER_SOURCE = 128;
const MAX_FLOATING = 50_000;
/** xcatd processes remembered by the machine they last named; pids are reused, so briefly. */
const MAX_REQUESTS = 4096;
const REQUEST_WINDOW_MS = 5_000;

/** The fields each pattern's title shows ({field}): by pattern, computed once. */
const titleFields = new WeakMap<Pattern, string[]>();

/**
 * Two matches of a coalescing pattern that only says something (see isSymptomOnly) fold only
 * when they say the same thing, the fields its title shows being equal: "no node found by
 * sequential discovery" and "… by switch discovery" stay two. A run that places the attempt (a
 * milestone, a stage's progress, an opening or an end: package downloads of different files)
 * folds whole, as it always did: only its first time matters, and memory stays bounded.
 */
function sameTitle(p: Pattern, a: Record<string, string>, b: Record<string, string>): boolean {
  let keys = titleFields.get(p);
  if (!keys) titleFields.set(p, (keys = [...p.title.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)));
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}

/** A frozen session's timeline back as entries: indexes into its machine's thawed entries, or the entry itself. */
function timelineEntries(items: (number | Entry)[], all: Entry[]): Entry[] {
  return items.map((x) => (typeof x === 'number' ? all[x]! : x));
}

export interface TimelineItem {
  at: string;
  source: string;
  line: string;
  /** Pattern id, or null for an unrecognised error line. */
  pattern: string | null;
  severity: string | null;
  /** The milestone this line proves, if any. */
  stage: string | null;
  count: number;
  lastAt: string | null;
}

export interface EngineCounters {
  records: number;
  matched: number;
  unknown: number;
  duplicates: number;
  dropped: number;
}

export class Engine {
  readonly identity = new Identity();
  private matcher: Matcher;
  private patterns: Pattern[];
  private rules: Rule[];
  private readonly machines = new Map<string, Entry[]>();
  /** Machines whose lines are compressed (their list in `machines` is FROZEN). */
  private readonly frozen = new Map<string, FrozenMachine>();
  /** Timelines of a frozen machine's cached sessions: indexes into its thawed list, or the entry itself (an attributed node line). */
  private readonly frozenTimelines = new Map<string, { items: (number | Entry)[] }[]>();
  /** Session ID → the frozen machine it belongs to (what timelineOf looks up). */
  private readonly frozenSessions = new Map<string, string>();
  private readonly patternTable = new PatternTable();
  /** Wall-clock time each machine last got a line (what freezeIdle goes by). */
  private readonly lastTouch = new Map<string, number>();
  /** Machines frozen and thawed so far (health). */
  private freezes = 0;
  private thaws = 0;
  private readonly cluster: Entry[] = [];
  private readonly lastOfMachine = new Map<string, Entry>();
  /** Per machine, per source: recent non-milestone lines by text (their entry; its pattern must agree). */
  private readonly recent = new Map<string, SmallMap<string, SmallMap<string, Entry>>>();
  private readonly unknownCount = new Map<string, number>();
  /** Copies of recent lines, to keep a line read twice once. */
  private readonly copies = new Copies((key, gone) => {
    const f = this.frozen.get(key);
    if (f) f.copies = f.copies.filter((x) => !gone.has(x.copy as DupCopy));
  });
  /** Node lines that named no machine, waiting to be attributed (see attributeFloating). */
  private readonly floating = new Set<Entry>();
  /** Per file and xcatd pid: the one machine that process last named (see byRequest). */
  private readonly requests = new Map<string, Map<number, { subject: Subject; at: number }>>();
  private requestCount = 0;
  private attributed = new Map<string, string>();
  private seq = 0;
  /** The last run line's subject, time and identity generation, and the machine they resolved to (see foldRun). */
  private readonly lastRun = { subject: null as Subject | null, at: NaN, generation: -1, key: null as string | null };
  /** Lines fed per source, and the place of the line being fed in its source (see byTime). */
  private readonly linesOf = new Map<string, number>();
  private ord = 0;
  private timelines = new Map<string, Entry[]>();
  /** Per-machine diagnosis kept between snapshots; machines whose lines changed since are redone. */
  private readonly cache = new Map<string, CachedMachine>();
  /** Machines whose lines changed since their last diagnosis, and since when (wall clock, ms; oldest first). */
  private readonly dirtyMachines = new Map<string, number>();
  /** Dirty machines whose new lines may change an outcome: diagnosed first under a time budget. */
  private readonly urgentMachines = new Set<string>();
  private readonly diagnoseMemo = { sig: null as string | null };
  /** Sessions the last snapshot may have changed (null: any); the rest are the same objects as before. */
  touched: Set<string> | null = null;
  private resolvedGeneration = -1;
  maxAt = 0;
  /** The latest time of a line that states none (its file's mtime): "now" only for input with no times at all. */
  private maxUntimed = 0;
  /** Which machines got lines from each source: up to two keys (more is "many"). */
  private readonly sourceMachines = new Map<string, string[]>();
  readonly counters: EngineCounters = { records: 0, matched: 0, unknown: 0, duplicates: 0, dropped: 0 };

  /**
   * Offline analysis of collected files: a file that names no machine at all is one machine of
   * its own (a pasted fragment). Live, a tailed MN file names machines sooner or later.
   * Offline also remembers every line's copy: files are read one after another, and a line of
   * messages must still be known when cluster.log's copy of it is read, however large the tree
   * (a bound there made a 10,000-node tree keep most xcatd lines twice).
   */
  get offline(): boolean {
    return this.isOffline;
  }
  set offline(v: boolean) {
    this.isOffline = v;
    this.copies.unbounded = v;
  }
  private isOffline = false;
  /**
   * Offline, and the input is loose files or standard input (no log tree, no bundle): what it
   * shows is a fragment, so a session still in progress at its end has no outcome (`unknown`).
   */
  fragments = false;

  /** Stall limits are multiplied by this (a demo replaying at compressed time sets it below 1). */
  stallScale = 1;

  /** `diagnose` is the next stage's diagnose(): passed in, so this stage does not import it. */
  constructor(
    kb: { patterns: Pattern[]; rules: Rule[] },
    private readonly diagnose: Diagnoser,
  ) {
    this.patterns = kb.patterns;
    this.rules = kb.rules;
    this.matcher = new Matcher(kb.patterns);
  }

  /** Swap the knowledge base (SIGHUP). Entries keep the patterns they matched. */
  setKnowledgeBase(kb: { patterns: Pattern[]; rules: Rule[] }): void {
    this.patterns = kb.patterns;
    this.rules = kb.rules;
    this.matcher = new Matcher(kb.patterns);
  }

  /** Static identity facts (hosts, leases, xCAT tables): true at any time. */
  learn(subjects: Subject[]): void {
    for (const s of subjects) this.identity.bindStatic(s);
  }

  feed(rec: LogRecord): void {
    const n = this.linesOf.get(rec.source) ?? 0;
    this.feedMatched(rec, this.matcher.match(rec), n);
  }

  /** Records fed from each source so far: where a source read elsewhere (a worker) continues counting. */
  linesFed(source: string): number {
    return this.linesOf.get(source) ?? 0;
  }

  /**
   * A record whose match is already known (Matcher.match by the same patterns, in a worker), the
   * `ord`-th record of its source (records not fed in between were dropped: see dropped()).
   */
  feedMatched(rec: LogRecord, m: Match | null, ord: number): void {
    this.begin(rec.source, ord, rec.at, statesItsTime(rec));
    if (!worthKeeping(rec, m)) {
      this.counters.dropped++;
      return;
    }
    const fields = m ? m.fields : {};
    const pattern = m ? m.pattern : null;
    const subjects = this.subjectsOf(rec, fields, pattern);
    // MN files only: what the network brought speaks for its sender alone.
    if (rec.channel === 'xcatd' && rec.pid !== null && rec.source !== 'remote') this.byRequest(rec, pattern, subjects);
    if (rec.channel === 'node' || rec.channel === 'xcatd') {
      const dup = this.copies.find(rec);
      if (dup !== null) {
        // The same line from two files (or the network and a file): keep one, preferring the
        // copy that says which machine sent it.
        const floating = dup.floating;
        if (!subjects.length || !floating) {
          this.counters.duplicates++;
          this.preferEarlierFile(dup, rec, pattern, fields);
          return;
        }
        dup.floating = null;
        this.floating.delete(floating);
        this.counters.duplicates++;
      }
    }
    if (m) this.counters.matched++;
    else this.counters.unknown++;

    if (pattern?.binds) for (const s of subjects) this.identity.bind(s, rec.at);
    if (!subjects.length) {
      const e = this.entry(rec, pattern, fields, {});
      // A pasted MN-side check (xcatprobe xcatmn, `systemctl status` of the MN's tftpd) is about
      // the MN, not a machine of its own: it goes with the MN's faults below.
      // A pasted syslog file may be the node's own /var/log/messages: its machine's lines too.
      if ((rec.channel === 'node' || rec.channel === 'console' || (this.fragments && rec.channel === 'syslog')) && pattern?.scope !== 'cluster') {
        // An installer that calls itself localhost: attributed later by what the MN saw then.
        if (this.floating.size >= MAX_FLOATING) this.floating.delete(this.floating.values().next().value!);
        this.floating.add(e);
        const slot = this.copies.slot; // set by copies.find() above
        if (slot) slot.floating = e;
        return;
      }
      // Lines about no machine matter when they are faults; progress lines about nobody do not.
      const fault = pattern ? pattern.severity !== 'info' : this.cluster.filter((x) => !x.pattern).length < MAX_UNKNOWN;
      if (fault) {
        this.copies.kept(e, null);
        this.cluster.push(e);
        if (this.cluster.length > MAX_ENTRIES) {
          // Evict warnings and unknown lines before errors.
          const i = this.cluster.findIndex((x) => !x.pattern || x.pattern.severity === 'warning');
          this.cluster.splice(i >= 0 ? i : 0, 1);
        }
      }
      return;
    }
    for (const s of subjects) {
      const key = this.identity.resolve(s, rec.at);
      if (!key) continue;
      // Only offline reads it (a fragment's file and its machines): no per-line work live.
      if (this.offline) this.noteSource(rec.source, key);
      const e = this.store(key, rec, pattern, fields, s);
      if (e) this.copies.kept(e, key);
    }
  }

  /**
   * The `ord`-th record of `source` is being fed (read at `at`; `timed`: the time is one the
   * input states): counted, placed, and its time taken into "now". Offline, "now" is the latest
   * time the input itself states: a line without a time of its own (raw console text) is placed
   * at its file's mtime or its neighbour's, not a clock.
   */
  private begin(source: string, ord: number, at: number, timed: boolean): void {
    this.counters.records++;
    this.linesOf.set(source, ord + 1);
    this.ord = ord;
    this.copies.reset();
    if (timed) {
      if (at > this.maxAt) this.maxAt = at;
    } else if (at > this.maxUntimed) this.maxUntimed = at;
  }

  /** One more line folded into `e`, an entry of machine `key`. */
  private foldInto(e: Entry, at: number, key: string): void {
    e.count++;
    if (at > e.lastAt) e.lastAt = at;
    this.touch(key);
  }

  /**
   * Records a worker read and dropped (no pattern, no error), `n` of them up to the `ord`-th of
   * their source: counted as feed() counts them, their times taken into "now".
   */
  dropped(source: string, n: number, ord: number, maxAt: number, maxUntimed: number): void {
    this.counters.records += n;
    this.counters.dropped += n;
    if (ord > (this.linesOf.get(source) ?? 0)) this.linesOf.set(source, ord);
    if (maxAt > this.maxAt) this.maxAt = maxAt;
    if (maxUntimed > this.maxUntimed) this.maxUntimed = maxUntimed;
  }

  /**
   * One line of a run a worker recognised (see runnable()): a timed file line about the machine
   * at `subject` alone, whose pattern folds whole. When feed() would fold it into that machine's
   * last entry, it does so here, with no record built; otherwise it returns false, changes
   * nothing, and the caller feeds the line whole.
   */
  foldRun(source: string, ord: number, at: number, subject: Subject, pattern: Pattern): boolean {
    if (!runnable(pattern)) return false;
    // A client's run lines come many to a second: resolved once while nothing is learned between.
    const r = this.lastRun;
    if (r.subject !== subject || r.at !== at || r.generation !== this.identity.generation) {
      r.subject = subject;
      r.at = at;
      r.generation = this.identity.generation;
      r.key = this.identity.resolve(subject, at);
    }
    const key = r.key;
    if (!key || (this.frozen.size && this.frozen.has(key))) return false;
    const last = this.lastOfMachine.get(key);
    if (!last || last.pattern !== pattern) return false;
    // What feed() does for such a line (a timed one), step by step.
    this.begin(source, ord, at, true);
    this.counters.matched++;
    if (this.offline) this.noteSource(source, key);
    this.foldInto(last, at, key);
    return true;
  }

  /**
   * xcatd serves each request in a process of its own: an error that names no machine, logged
   * by the process that just named one ("Processing discovery request from IP", then "Discovery
   * Error: Could not find any node."), is about that machine. One machine only, within seconds,
   * and never an MN-side fault (scope cluster).
   */
  private byRequest(rec: LogRecord, pattern: Pattern | null, subjects: Subject[]): void {
    // By file, then pid: no key string per line, and an entry updated in place (a Map whose
    // entries were deleted and set again per line kept tombstones that every eviction walked).
    let bySource = this.requests.get(rec.source);
    if (!bySource) this.requests.set(rec.source, (bySource = new Map()));
    const pid = rec.pid!;
    if (subjects.length === 1) {
      const r = bySource.get(pid);
      if (r) {
        r.subject = subjects[0]!;
        r.at = rec.at;
        return;
      }
      if (this.requestCount >= MAX_REQUESTS) this.pruneRequests(rec.at);
      bySource.set(pid, { subject: subjects[0]!, at: rec.at });
      this.requestCount++;
      return;
    }
    if (subjects.length || pattern?.scope === 'cluster' || pattern?.severity === 'info') return;
    const r = bySource.get(pid);
    if (r && Math.abs(rec.at - r.at) <= REQUEST_WINDOW_MS) subjects.push({ ...r.subject });
  }

  /** Processes too far in time to be asked about go (then, if that was not enough, the oldest half). */
  private pruneRequests(now: number): void {
    for (const m of this.requests.values()) for (const [pid, r] of m) if (Math.abs(now - r.at) > REQUEST_WINDOW_MS) m.delete(pid);
    let n = 0;
    for (const m of this.requests.values()) n += m.size;
    for (const m of this.requests.values())
      for (const pid of m.keys()) {
        if (n <= MAX_REQUESTS / 2) break;
        m.delete(pid);
        n--;
      }
    this.requestCount = n;
  }

  private noteSource(source: string, key: string): void {
    const l = this.sourceMachines.get(source);
    if (!l) this.sourceMachines.set(source, [key]);
    else if (l.length < 3 && !l.includes(key)) l.push(key);
  }

  private entry(rec: LogRecord, pattern: Pattern | null, fields: Record<string, string>, subject: Subject): Entry {
    return new Entry(this.seq++, this.ord, rec, pattern, fields, internSubject(subject), 1, rec.at);
  }

  private store(key: string, rec: LogRecord, pattern: Pattern | null, fields: Record<string, string>, subject: Subject): Entry | null {
    if (this.frozen.size && this.frozen.has(key)) this.thawMachine(key);
    const last = this.lastOfMachine.get(key);
    // Repeats fold into one counted entry: a coalescing pattern's run, or the very same line
    // again (a retry loop, a flood) — memory grows with what happened, not with how often.
    if (
      last &&
      last.pattern === pattern &&
      ((last.rec.message === rec.message && last.rec.source === rec.source) ||
        (pattern?.coalesce && (!isSymptomOnly(pattern) || sameTitle(pattern, last.fields, fields))))
    ) {
      this.foldInto(last, rec.at, key);
      return null;
    }
    // The same non-milestone line again (a retry loop, a flood): counted on the earlier entry,
    // unless a milestone of the same file came between. Per file: offline reads one file after
    // another, live they interleave, and a milestone from another file must not decide it.
    // By text alone (no key to build per line); the pattern must agree too.
    const recent = this.recentOf(key, rec.source);
    if (pattern?.milestone) recent.clear();
    else {
      const same = recent.get(rec.message);
      if (same && same.pattern === pattern) {
        this.foldInto(same, rec.at, key);
        return null;
      }
    }
    if (!pattern) {
      const n = this.unknownCount.get(key) ?? 0;
      if (n >= MAX_UNKNOWN) return null;
      this.unknownCount.set(key, n + 1);
    }
    let list = this.machines.get(key); // thawed above
    if (!list) this.machines.set(key, (list = []));
    const e = this.entry(rec, pattern, fields, subject);
    list.push(e);
    if (list.length > MAX_ENTRIES) this.machines.set(key, evictOldest(list));
    this.lastOfMachine.set(key, e);
    if (!pattern?.milestone) {
      if (recent.size >= RECENT_PER_SOURCE) recent.delete(recent.firstKey()!);
      recent.set(e.rec.message, e); // a slice of the entry's own flat copy of the line
    }
    this.touch(key, this.isUrgent(key, list.length === 1, pattern));
    return e;
  }

  /**
   * Another copy of a kept line. Offline reads files in readingOrder() and keeps the first copy
   * of a line found in two of them; live, copies arrive in any order, so a later copy from an
   * earlier file replaces the kept one (else the evidence shown, even the pattern matched,
   * would depend on timing).
   */
  private preferEarlierFile(c: DupCopy, rec: LogRecord, pattern: Pattern | null, fields: Record<string, string>): void {
    // Once per duplicate: the copy's rank is read off its source.
    const earlier = readingOrder(rec.source) < c.rank;
    if (c.frozenIn !== undefined && earlier) this.thawMachine(c.frozenIn);
    if (!c.entry || !earlier) return;
    // The copy's rank and the entry's are their source's place in the reading order: they move with it.
    c.source = rec.source;
    c.entry.setRecord(rec);
    c.entry.ord = this.ord;
    c.entry.pattern = pattern;
    c.entry.fields = fields;
    if (c.machine !== null) this.touch(c.machine);
  }

  private subjectsOf(rec: LogRecord, fields: Record<string, string>, pattern: Pattern | null): Subject[] {
    // What the network brought belongs to the address it came from (or the origin a trusted
    // relay vouched for): a hostname, node name or MAC in the payload names nothing else, or any
    // sender could turn another node failed. Files (no sender address) go by what they say.
    if (rec.source === 'remote') return rec.from ? [{ ip: rec.from }] : [];
    if (fields.noderange) {
      const nodes = expandNoderange(fields.noderange);
      if (nodes.length) return nodes.map((node) => ({ node }));
    }
    const s: Subject = {};
    if (fields.mac) s.mac = fields.mac;
    const fromOk = rec.channel === 'http' || rec.channel === 'node' || rec.channel === 'httperror' || rec.channel === 'console';
    const ip = fields.ip ?? (fromOk ? (rec.from ?? undefined) : undefined);
    if (ip) s.ip = ip;
    // A DHCP client hostname in a lease line (`(cn11)`, sent back as xCAT's host-name option) names it too.
    const node = usableName(fields.node ?? (pattern?.binds ? fields.host : undefined) ?? rec.node ?? (rec.channel === 'node' ? rec.host : null));
    if (node) s.node = node;
    return s.mac || s.ip || s.node ? [s] : [];
  }

  /** Live: forget line copies made more than `ttlMs` before `now` (see Copies.expire). */
  expireCopies(now: number, ttlMs: number): void {
    this.copies.expire(now, ttlMs);
  }

  /** Pending machines (known only by IP or name) may resolve to a MAC once a binding is learned. */
  resolvePending(): void {
    if (this.resolvedGeneration === this.identity.generation) return;
    this.resolvedGeneration = this.identity.generation;
    this.reresolve(this.identity.takeChanges());
    for (const key of [...this.machines.keys()]) {
      if (!key.startsWith('ip:') && !key.startsWith('node:')) continue;
      const list = this.machines.get(key)!;
      const keep: Entry[] = [];
      for (const e of list) {
        const to = this.identity.resolve(e.subject, e.rec.at);
        if (!to || to === key) {
          keep.push(e);
          continue;
        }
        let dest = this.listOf(to);
        if (!dest) this.machines.set(to, (dest = []));
        if (!this.foldMoved(to, dest, e)) dest.push(e);
        this.touch(to);
      }
      if (keep.length) this.machines.set(key, keep);
      else {
        this.machines.delete(key);
        this.lastOfMachine.delete(key);
        this.recent.delete(key);
      }
      this.touch(key);
    }
  }

  /**
   * Lines placed under a MAC through their IP or name are placed again when that IP's or name's
   * bindings change: live, a line can arrive before the DHCP lines that say whose the IP was at
   * that time (an IP handed to another MAC, cluster.log read ahead of messages). Offline, with
   * the bindings read first, nothing moves; so both end with the same placement.
   */
  private reresolve(changes: string[]): void {
    for (const change of changes) {
      const ip = change.startsWith('ip:') ? change.slice(3) : null;
      const node = ip === null ? change.slice(5) : null;
      for (const mac of this.identity.macsOf(change)) {
        const list = this.listOf(mac);
        if (!list) continue;
        let keep: Entry[] | null = null;
        for (let i = 0; i < list.length; i++) {
          const e = list[i]!;
          const about = !e.subject.mac && (ip !== null ? e.subject.ip === ip : e.subject.node === node);
          const to = about ? this.identity.resolve(e.subject, e.rec.at) : null;
          if (!to || to === mac) {
            keep?.push(e);
            continue;
          }
          keep ??= list.slice(0, i);
          let dest = this.listOf(to);
          if (!dest) this.machines.set(to, (dest = []));
          if (!this.foldMoved(to, dest, e)) dest.push(e);
          this.touch(to, true);
          this.redirect(mac, e, null); // it no longer takes this machine's repeats
        }
        if (keep) {
          this.machines.set(mac, keep);
          this.touch(mac, true);
        }
      }
    }
  }

  /** Repeats of a machine's lines that went to `from` now go to `to` (null: to a new entry). */
  private redirect(key: string, from: Entry, to: Entry | null): void {
    if (this.lastOfMachine.get(key) === from) {
      if (to) this.lastOfMachine.set(key, to);
      else this.lastOfMachine.delete(key);
    }
    for (const recent of this.recent.get(key)?.values() ?? []) {
      for (const [k, v] of recent) {
        if (v !== from) continue;
        if (to) recent.set(k, to);
        else recent.delete(k);
      }
    }
  }

  /**
   * A line moved from a pending machine (its name or IP resolved later) folds into the same
   * line's entry there when no milestone of its file lies between them: what would have happened
   * had the binding been known when it arrived (offline, the file that teaches it is read first).
   * The earlier of the two stays, with both counts; references to the other now point to it.
   */
  private foldMoved(key: string, dest: Entry[], e: Entry): boolean {
    if (e.pattern?.milestone) return false;
    const src = e.rec.source;
    for (let i = 0; i < dest.length; i++) {
      const x = dest[i]!;
      if (x.pattern !== e.pattern || x.rec.source !== src || x.rec.message !== e.rec.message) continue;
      const lo = Math.min(x.rec.at, e.rec.at);
      const hi = Math.max(x.rec.at, e.rec.at);
      if (dest.some((m) => m.pattern?.milestone && m.rec.source === src && m.rec.at > lo && m.rec.at < hi)) continue;
      const earlier = byTime(x, e) < 0;
      const kept = earlier ? x : e;
      const gone = earlier ? e : x;
      kept.count += gone.count;
      if (gone.lastAt > kept.lastAt) kept.lastAt = gone.lastAt;
      if (!earlier) dest[i] = e;
      this.redirect(key, gone, kept);
      return true;
    }
    return false;
  }

  /**
   * Offline, every file has been read: what only spots or folds lines still to come (the copies
   * of lines read, the per-file recent lines, xcatd's requests) goes before the snapshot, which
   * does not read it (the copies alone are 44 MB at 5,000 nodes). Lines fed after this are still
   * placed, but not matched against the earlier copies.
   */
  endOfInput(): void {
    if (!this.offline) return;
    this.copies.clear();
    this.recent.clear();
    this.requests.clear();
    this.requestCount = 0;
  }

  /** The analysis document at `now` (default: the latest time seen). */
  snapshot(now?: number, budgetMs?: number): AnalysisDoc {
    this.resolvePending();
    const { extra, left } = attributeFloating({
      floating: this.floating,
      machines: this.machines,
      frozen: this.frozen,
      sourceMachines: this.sourceMachines,
      fragments: this.fragments,
      offline: this.offline,
    });
    let machines = this.machines;
    if (extra.size || this.attributed.size) {
      machines = new Map(this.machines);
      // A frozen machine stays frozen (FROZEN plus extras) unless it must be rebuilt: see thaw below.
      for (const [key, list] of extra) machines.set(key, [...(this.machines.get(key) ?? []), ...list]);
      // Machines whose attributed lines changed must be diagnosed again.
      const sig = new Map([...extra].map(([k, l]) => [k, l.map((e) => e.seq).join(',')]));
      for (const k of new Set([...sig.keys(), ...this.attributed.keys()])) if (sig.get(k) !== this.attributed.get(k)) this.touch(k);
      this.attributed = sig;
    }
    const d = this.diagnose({
      machines,
      cluster: left.length ? [...this.cluster, ...left] : this.cluster,
      identity: this.identity,
      patterns: this.patterns,
      rules: this.rules,
      now: now ?? (this.maxAt || this.maxUntimed),
      cache: this.cache,
      changed: this.dirtyMachines,
      urgent: this.urgentMachines,
      memo: this.diagnoseMemo,
      // A frozen machine diagnose must rebuild after all (new rules, an identity change): its lines back.
      thaw: (key) => {
        if (!this.frozen.has(key)) return machines.get(key)!;
        const list = this.listOf(key)!;
        const ex = extra.get(key);
        return ex ? [...list, ...ex] : list;
      },
      ...(budgetMs !== undefined ? { budgetMs } : {}),
      stallScale: this.stallScale,
      fragments: this.fragments,
    });
    for (const k of d.rebuilt) {
      this.dirtyMachines.delete(k);
      this.urgentMachines.delete(k);
    }
    for (const k of this.dirtyMachines.keys()) {
      if (machines.has(k)) continue;
      // A pending key whose lines moved to their machine: gone (else one time per key ever seen).
      this.dirtyMachines.delete(k);
      this.urgentMachines.delete(k);
      if (!this.machines.has(k)) this.lastTouch.delete(k);
    }
    this.timelines = d.timelines;
    this.touched = d.touched;
    return d.doc;
  }

  /** The lines of one session of the last snapshot, in time order. */
  timelineOf(id: string): TimelineItem[] | null {
    let entries = this.timelines.get(id);
    if (!entries) return null;
    if (entries === FROZEN) entries = this.frozenTimeline(id) ?? [];
    return [...entries].sort(byTime).map((e) => ({
      ...evidenceOf(e),
      pattern: e.pattern?.id ?? null,
      severity: e.pattern?.severity ?? (e.pattern ? null : 'unknown'),
      stage: e.pattern?.milestone ?? null,
      count: e.count,
      lastAt: e.count > 1 ? new Date(e.lastAt).toISOString() : null,
    }));
  }

  /** All entries of one machine key (for timelines). */
  entriesOf(key: string): Entry[] {
    const f = this.frozen.get(key);
    return f ? thaw(f, this.patternTable, intern).list : (this.machines.get(key) ?? []);
  }

  /** A machine's list, thawed first if it was frozen; undefined for an unknown machine. */
  private listOf(key: string): Entry[] | undefined {
    if (this.frozen.has(key)) this.thawMachine(key);
    return this.machines.get(key);
  }

  /**
   * Freeze machines that got no line since `idleSinceWall` (wall clock) and whose result cannot
   * change without new lines: known by MAC, diagnosed and cached, no running or stalled session
   * (no clock to watch), every session named. Stops after `budgetMs`. Returns how many froze.
   */
  freezeIdle(idleSinceWall: number, budgetMs = 10): number {
    const until = performance.now() + budgetMs;
    let n = 0;
    for (const [key, list] of this.machines) {
      if (list === FROZEN || key.startsWith('ip:') || key.startsWith('node:')) continue;
      if ((this.lastTouch.get(key) ?? 0) > idleSinceWall || this.dirtyMachines.has(key)) continue;
      const m = this.cache.get(key);
      if (!m || m.deadline !== Infinity || m.rulesVersion !== this.rules || m.built.some((b) => b.doc.node === null)) continue;
      if (!list.every((e) => Number.isFinite(e.rec.at) && Number.isFinite(e.lastAt))) continue;
      const fold = { recent: this.recent.get(key), last: this.lastOfMachine.get(key) };
      const attribution = { anchors: list.filter(isAnchor).map((e) => e.rec.at), ...progressOf(list) };
      const { frozen, index } = freeze(list, fold, this.patternTable, attribution);
      // Copy records of these lines must not keep the frozen entries alive: detached until thawed.
      for (const [e, i] of index) {
        const c = this.copies.copyOf.get(e);
        if (!c || c.entry !== e) continue;
        frozen.copies.push({ copy: c, index: i });
        c.entry = null;
        c.frozenIn = key;
        this.copies.copyOf.delete(e);
      }
      // Cached sessions point to their lines: by index from now on (their docs stay as they are).
      this.frozenTimelines.set(
        key,
        m.built.map((b) => ({ items: b.entries.map((e) => index.get(e) ?? e) })),
      );
      for (const b of m.built) {
        this.frozenSessions.set(b.doc.id, key);
        b.entries = FROZEN;
      }
      this.frozen.set(key, frozen);
      this.machines.set(key, FROZEN);
      this.recent.delete(key);
      this.lastOfMachine.delete(key);
      n++;
      this.freezes++;
      if (performance.now() > until) break;
    }
    return n;
  }

  private thawMachine(key: string): void {
    const f = this.frozen.get(key);
    if (!f) return;
    const { list, all, fold } = thaw(f, this.patternTable, intern);
    this.thaws++;
    this.frozen.delete(key);
    this.machines.set(key, list);
    if (fold.recent) this.recent.set(key, fold.recent);
    if (fold.last) this.lastOfMachine.set(key, fold.last);
    // The cached sessions get their lines back (the same positions).
    const m = this.cache.get(key);
    const tl = this.frozenTimelines.get(key);
    if (m && tl) m.built.forEach((b, i) => (b.entries = timelineEntries(tl[i]!.items, all)));
    this.frozenTimelines.delete(key);
    for (const b of m?.built ?? []) this.frozenSessions.delete(b.doc.id);
    // Copies of these lines (an earlier file's copy may still come) point to the thawed entries.
    for (const { copy, index } of f.copies as { copy: DupCopy; index: number }[]) {
      if (copy.frozenIn !== key) continue;
      copy.entry = all[index]!;
      delete copy.frozenIn;
      this.copies.copyOf.set(copy.entry, copy);
    }
  }

  /** The timeline of a session of a frozen machine (its lines thawed for the occasion). */
  private frozenTimeline(id: string): Entry[] | null {
    const key = this.frozenSessions.get(id);
    if (key === undefined) return null;
    const tl = this.frozenTimelines.get(key);
    const i = this.cache.get(key)?.built.findIndex((b) => b.doc.id === id) ?? -1;
    if (!tl || i < 0) return null;
    return timelineEntries(tl[i]!.items, thaw(this.frozen.get(key)!, this.patternTable, intern).all);
  }

  machineKeys(): string[] {
    return [...this.machines.keys()];
  }

  /**
   * Offline: no line of `source` will come again (the caller knows no later file has its name).
   * Its recent texts (see store()) can fold nothing more: 10,000 nodes keep ~9 MB of them for
   * messages alone while the files after it are read.
   */
  sourceDone(source: string): void {
    if (!this.offline) return;
    for (const [key, bySource] of this.recent) {
      if (!bySource.delete(source)) continue;
      if (!bySource.size) this.recent.delete(key);
    }
  }

  private recentOf(key: string, source: string): SmallMap<string, Entry> {
    let bySource = this.recent.get(key);
    if (!bySource) this.recent.set(key, (bySource = new SmallMap()));
    let m = bySource.get(source);
    if (!m) bySource.set(source, (m = new SmallMap()));
    return m;
  }

  private touch(key: string, urgent = false): void {
    // Offline, before the first snapshot, every machine is built anyway (nothing is cached): a
    // clock read and three map writes per kept line were 3 % of an analysis, for nothing.
    if (this.offline && this.cache.size === 0) return;
    const now = Date.now();
    this.lastTouch.set(key, now);
    if (!this.dirtyMachines.has(key)) this.dirtyMachines.set(key, now);
    if (urgent) this.urgentMachines.add(key);
  }

  /**
   * What the admin must see first: a new machine, a line that ends or opens an attempt, an error
   * on a machine not already known to have failed (its outcome may change).
   */
  private isUrgent(key: string, isNew: boolean, pattern: Pattern | null): boolean {
    if (isNew) return true;
    const built = this.cache.get(key)?.built;
    const outcome = built?.length ? built[built.length - 1]!.doc.outcome : null;
    if (pattern?.ends === 'succeeded') return outcome !== 'succeeded';
    // A machine already failed or looping: another error, end or restart is more of the same.
    if (outcome === 'failed' || outcome === 'looping') return false;
    return !pattern || pattern.ends !== null || pattern.opens || pattern.severity === 'error' || pattern.severity === 'critical';
  }

  /** Snapshots still owed to machines whose lines changed (a budgeted snapshot leaves some). */
  get pendingMachines(): number {
    return this.dirtyMachines.size;
  }

  /** When the longest-waiting pending machine got its first undiagnosed line (wall clock), or null. */
  get oldestPendingAt(): number | null {
    for (const at of this.dirtyMachines.values()) return at;
    return null;
  }

  get stats(): { machines: number; entries: number; cluster: number; frozen: number; freezes: number; thaws: number; copies: number } {
    let entries = 0;
    for (const l of this.machines.values()) entries += l.length;
    for (const f of this.frozen.values()) entries += f.count;
    return {
      machines: this.machines.size,
      entries,
      cluster: this.cluster.length,
      frozen: this.frozen.size,
      freezes: this.freezes,
      thaws: this.thaws,
      copies: this.copies.size,
    };
  }
}
