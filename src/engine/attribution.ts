// Node lines that name no machine (the installer calls itself `localhost`, a file gives no IP)
// are attributed at each snapshot, from what the MN observed around them: the reply xcatd
// logged to a node's request, the one machine active in the same seconds, the one machine at
// that stage of its install, the lines around it in its own file. When none of that is
// unambiguous the line stays unattributed (a cluster line), never guessed.

import { STAGE_RANK } from '../types';
import type { Entry } from './entry';
import { FROZEN, frozenProgress, type FrozenMachine } from './frozen-machine';

/** What attribution reads of the engine's state. */
export interface AttributionView {
  /** Node lines that named no machine, waiting. */
  floating: Set<Entry>;
  /** Each machine's entries (FROZEN for a frozen machine: its anchors and milestones are in `frozen`). */
  machines: Map<string, Entry[]>;
  frozen: Map<string, FrozenMachine>;
  /** Which machines got lines from each source: up to two keys (more is "many"). */
  sourceMachines: Map<string, string[]>;
  /** Offline, loose files only (see Engine.fragments). */
  fragments: boolean;
  offline: boolean;
}

/** A line that names no machine is attributed to MN activity this close in time (seconds). */
const ATTRIB_WINDOW_S = 2;
/** A node's request to xcatd (pattern id) → xcatd's line on receiving it, which names the node's IP. */
const REPLIES: Record<string, string> = {
  'post.firstboot-request': 'xcatd.monitor-connection',
  'diskless.status-request': 'xcatd.monitor-connection',
};
const REPLY_IDS = new Set(Object.values(REPLIES));
const REPLY_WINDOW_MS = 3000;
/** Nameless lines this close, one after the other in a file, are one machine's run. */
const RUN_GAP_MS = 5000;
/** How long a machine counts as still at the stage it last reached, for attribution by stage. */
const STAGE_WINDOW_MS = 10 * 60_000;
const DISKLESS = new Set<string>(['netbooting', 'rootimg']);
const DISKFUL = new Set<string>(['kickstart', 'installing', 'packages', 'postinstall', 'postscripts']);

/** Only what the MN itself observed anchors a nameless node line to a machine, not another node line. */
export function isAnchor(e: Entry): boolean {
  return e.rec.channel !== 'node';
}

/** A machine's milestones as (time, stage rank), and whether it took the diskless way: attribution by stage. */
export function progressOf(list: Entry[]): { ms: [number, number][]; diskless: boolean } {
  const ms: [number, number][] = [];
  let diskless = false;
  for (const e of list) {
    const m = e.pattern?.milestone;
    if (!m) continue;
    ms.push([e.rec.at, STAGE_RANK[m]]);
    if (DISKLESS.has(m)) diskless = true;
  }
  return { ms, diskless };
}

/**
 * Node lines that name no machine (installer hostname `localhost`, no IP in a file) are given
 * to the one machine the MN saw activity from within a couple of seconds (the 403 it served,
 * the status it set when the node reported `failed`); when that is ambiguous they stay
 * unattributed and are reported as such.
 */
export function attributeFloating(v: AttributionView): { extra: Map<string, Entry[]>; left: Entry[] } {
  const extra = new Map<string, Entry[]>();
  const left: Entry[] = [];
  if (!v.floating.size) return { extra, left };
  const wanted = new Set<number>();
  for (const f of v.floating) for (let d = -ATTRIB_WINDOW_S; d <= ATTRIB_WINDOW_S; d++) wanted.add(Math.floor(f.rec.at / 1000) + d);
  const bySecond = new Map<number, { key: string; at: number }[]>();
  const anchor = (key: string, at: number): void => {
    const sec = Math.floor(at / 1000);
    if (!wanted.has(sec)) return;
    let l = bySecond.get(sec);
    if (!l) bySecond.set(sec, (l = []));
    l.push({ key, at });
  };
  for (const [key, list] of v.machines) {
    const f = list === FROZEN ? v.frozen.get(key) : undefined;
    if (f) for (const at of f.anchors) anchor(key, at);
    for (const e of list) if (isAnchor(e)) anchor(key, e.rec.at);
  }
  const answered = attributeByReply(v, extra);
  for (const f of v.floating) {
    if (answered.has(f)) continue;
    const sec = Math.floor(f.rec.at / 1000);
    // Only an unambiguous moment counts: one machine within the window, seen within a second. A
    // busy second has hundreds of machines: the second one seen settles it.
    let only: string | null = null;
    let dist = Infinity;
    let many = false;
    for (let d = -ATTRIB_WINDOW_S; d <= ATTRIB_WINDOW_S && !many; d++) {
      for (const a of bySecond.get(sec + d) ?? []) {
        if (only === null) only = a.key;
        else if (a.key !== only) {
          many = true;
          break;
        }
        dist = Math.min(dist, Math.abs(a.at - f.rec.at));
      }
    }
    if (only !== null && !many && dist <= 1000) {
      let l = extra.get(only);
      if (!l) extra.set(only, (l = []));
      l.push(f);
    } else left.push(f);
  }
  return { extra, left: attributeByNeighbourhood(v, attributeByStage(v, left, extra), extra, answered) };
}

/**
 * First, a node's request to xcatd (status on 3002) goes to the machine whose request xcatd
 * logged first after it ("install monitor received a connection request from IP"): the MN
 * answers in arrival order, so the nearest answer is this node's, even among busy neighbours.
 */
function attributeByReply(v: AttributionView, extra: Map<string, Entry[]>): Map<Entry, string> {
  const done = new Map<Entry, string>();
  const asks = [...v.floating].filter((f) => f.pattern && REPLIES[f.pattern.id]);
  if (!asks.length) return done;
  const replies: { key: string; at: number; id: string }[] = [];
  for (const [key, list] of v.machines) {
    let named: number[] | null = null;
    for (const e of list) {
      if (!e.pattern || !REPLY_IDS.has(e.pattern.id)) continue;
      // A machine that spoke under its own name just then made that request itself (its
      // named lines' times, gathered only for machines xcatd answered).
      named ??= list.filter((x) => x.rec.channel === 'node').map((x) => x.rec.at);
      const spoke = (at: number): boolean => named!.some((t) => t <= at && at - t <= REPLY_WINDOW_MS);
      if (!spoke(e.rec.at)) replies.push({ key, at: e.rec.at, id: e.pattern.id });
      // A repeat folded into an earlier entry keeps its latest time.
      if (e.count > 1 && !spoke(e.lastAt)) replies.push({ key, at: e.lastAt, id: e.pattern.id });
    }
  }
  replies.sort((a, b) => a.at - b.at);
  for (const f of asks) {
    const want = REPLIES[f.pattern!.id]!;
    // The answers in [the request, + the window]: from the first at or after it (bisection).
    let lo = 0;
    let hi = replies.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (replies[mid]!.at < f.rec.at) lo = mid + 1;
      else hi = mid;
    }
    const near: typeof replies = [];
    for (let i = lo; i < replies.length && replies[i]!.at - f.rec.at <= REPLY_WINDOW_MS; i++) if (replies[i]!.id === want) near.push(replies[i]!);
    // The first answer, unless two machines were answered in that same first moment.
    if (!near.length || near.some((r) => r.key !== near[0]!.key && r.at === near[0]!.at)) continue;
    let l = extra.get(near[0]!.key);
    if (!l) extra.set(near[0]!.key, (l = []));
    l.push(f);
    done.set(f, near[0]!.key);
  }
  return done;
}

/**
 * Third chance, by what surrounds a line in its own file: the run of nameless lines that led
 * up to a node's status request goes with the request. Offline, in a fragment (loose files), a
 * file whose other lines all belong to one machine (a paste about one node) is that machine's;
 * and a file that names no machine at all is one machine of its own (`file:`), so a fragment
 * with no MAC, IP or name still gets a diagnosis. (A log tree or a live tail holds many
 * machines' nameless lines: one named machine there says nothing about the others.)
 */
function attributeByNeighbourhood(v: AttributionView, left: Entry[], extra: Map<string, Entry[]>, answered: Map<Entry, string>): Entry[] {
  if (!left.length) return left;
  const to = new Map<Entry, string>();
  const give = (f: Entry, key: string): void => {
    to.set(f, key);
    let l = extra.get(key);
    if (!l) extra.set(key, (l = []));
    l.push(f);
  };
  for (const [key, list] of extra) for (const e of list) if (!to.has(e)) to.set(e, key);
  // The nameless lines just before a node's status request in the same file, one after the
  // other and seconds apart, are that node's %post leading up to it (its postscripts' results).
  if (answered.size) {
    const bySource = new Map<string, Entry[]>();
    for (const f of v.floating) {
      let l = bySource.get(f.rec.source);
      if (!l) bySource.set(f.rec.source, (l = []));
      l.push(f);
    }
    for (const list of bySource.values()) {
      list.sort((a, b) => a.ord - b.ord);
      for (let i = 0; i < list.length; i++) {
        const key = answered.get(list[i]!);
        if (key === undefined) continue;
        for (let j = i - 1; j >= 0; j--) {
          const e = list[j]!;
          const next = list[j + 1]!;
          if (next.ord - e.ord > 1 || next.rec.at - e.rec.at > RUN_GAP_MS || to.has(e)) break;
          give(e, key);
        }
      }
    }
  }
  const still: Entry[] = [];
  const own = new Map<string, Entry[]>();
  for (const f of left) {
    if (to.has(f)) continue;
    const keys = (v.sourceMachines.get(f.rec.source) ?? []).filter((k) => v.machines.has(k));
    const n = v.sourceMachines.get(f.rec.source)?.length ?? 0;
    if (keys.length === 1 && n < 3 && v.fragments) give(f, keys[0]!);
    else if (n === 0 && v.offline) {
      let l = own.get(f.rec.source);
      if (!l) own.set(f.rec.source, (l = []));
      l.push(f);
    } else still.push(f);
  }
  for (const [source, list] of own) for (const f of list) give(f, `file:${source}`);
  return still;
}

/**
 * Second chance for a line that ends an attempt: the one machine that was at that stage of its
 * install at that moment (diskless or diskful alike). Only a unique candidate counts.
 */
function attributeByStage(v: AttributionView, left: Entry[], extra: Map<string, Entry[]>): Entry[] {
  // Only lines that end an attempt (the installer's halts, a panic): they decide an outcome,
  // and each node sends one, so a wrong match is unlikely; other lines stay unattributed.
  const faults = left.filter((f) => f.pattern?.ends && (f.pattern.stage ?? f.pattern.milestone));
  if (!faults.length) return left;
  // Each machine's milestones (time, rank), in time order.
  const progress: { key: string; ms: [number, number][]; diskless: boolean }[] = [];
  for (const [key, list] of v.machines) {
    const f = list === FROZEN ? v.frozen.get(key) : undefined;
    const { ms, diskless } = f ? frozenProgress(f) : progressOf(list);
    if (ms.length) progress.push({ key, ms: ms.sort((a, b) => a[0] - b[0]), diskless });
  }
  const still: Entry[] = [];
  const done = new Set<Entry>();
  for (const f of faults) {
    const stage = (f.pattern!.stage ?? f.pattern!.milestone)!;
    const R = STAGE_RANK[stage];
    const family = DISKLESS.has(stage) ? true : DISKFUL.has(stage) ? false : null;
    const t = f.rec.at + 1000;
    let found: string | null = null;
    let count = 0;
    for (const m of progress) {
      let rank = -1;
      let when = 0;
      for (const [at, r] of m.ms) {
        if (at > t) break;
        if (r >= rank) {
          rank = r;
          when = at;
        }
      }
      if (family !== null && m.diskless !== family) continue;
      if (rank >= R - 2 && rank <= R && t - when <= STAGE_WINDOW_MS) {
        count++;
        found = m.key;
        if (count > 1) break;
      }
    }
    if (count === 1 && found) {
      let l = extra.get(found);
      if (!l) extra.set(found, (l = []));
      l.push(f);
      done.add(f);
    }
  }
  for (const f of left) if (!done.has(f)) still.push(f);
  return still;
}
