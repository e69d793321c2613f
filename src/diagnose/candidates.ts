// Root-cause candidates: a known error line, an absence or stall rule, a cut-short step, each
// with its title, remedy and what it explains (the transitive closure of `explains`), and how a
// chosen one becomes the Cause of the document.

import type { Evidence, Pattern, Rule } from '../types';
import type { Entry } from '../engine/entry';
import { evidenceOf } from '../engine/entry';
import { type AttemptFacts, type StallInfo } from './sessions';
import { fillTemplate } from '../patterns/match';
import type { Cause } from '../contract';

export const MAX_EVIDENCE = 5;
export function evidenceList(e: Entry): Evidence[] {
  return [evidenceOf(e)];
}

/** A root-cause candidate: a known error line, an absence rule, a cluster event. */
export interface Candidate {
  id: string;
  at: number;
  entry: Entry | null;
  title: string;
  remedy: string;
  meaning: string;
  severity: string;
  explains: string[];
  fields: Record<string, string>;
  scope: 'node' | 'cluster';
  groupBy: string[];
  /** The line ends the attempt (a consequence by nature). */
  ends?: boolean;
  /** A status line that only says something failed: never the root cause. */
  generic?: boolean;
  /** For a step that failed: the first error its own output shows (why, where the line says what). */
  why?: Entry;
}

/** How many lines a candidate stands for: its entry's folded count when it is that line's own pattern (a stall or absence rule is one). */
export function linesOf(c: Candidate): number {
  return c.entry && c.entry.pattern?.id === c.id ? c.entry.count : 1;
}

/** A title as a person reads it: with how many lines said it, when more than one. */
export function counted(title: string, n: number): string {
  return n > 1 ? `${title} (×${n})` : title;
}

/** A known line as a candidate. Its title is the pattern's, filled; the count is added where it is shown (counted). */
export function patternCandidate(e: Entry, extra: Record<string, string>): Candidate {
  const p = e.pattern!;
  const fields = { ...extra, ...e.fields };
  return {
    id: p.id,
    at: e.rec.at,
    entry: e,
    title: fillTemplate(p.title, fields),
    remedy: fillTemplate(p.remedy, fields),
    meaning: p.meaning,
    severity: p.severity,
    explains: p.explains,
    fields,
    scope: p.scope,
    groupBy: p.groupBy,
    ends: p.ends !== null,
    generic: p.generic,
  };
}

export function ruleCandidate(r: Rule, at: number, entry: Entry | null, fields: Record<string, string | number | null>): Candidate {
  const f: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== null && v !== undefined) f[k] = String(v);
  return {
    id: r.id,
    at,
    entry,
    title: fillTemplate(r.title, { ...f, ...(entry?.fields ?? {}) }),
    remedy: fillTemplate(r.remedy, { ...f, ...(entry?.fields ?? {}) }),
    meaning: r.meaning,
    severity: r.severity,
    explains: r.explains,
    fields: f,
    scope: r.scope,
    groupBy: [],
  };
}

export function humanDuration(s: number): string {
  if (s < 90) return `${s}s`;
  if (s < 5400) return `${Math.round(s / 60)}m`;
  return `${(s / 3600).toFixed(1)}h`;
}

/** Transitive closure of `explains`. */
export function closureOf(ids: Map<string, string[]>): (id: string) => Set<string> {
  const cache = new Map<string, Set<string>>();
  const walk = (id: string): Set<string> => {
    const hit = cache.get(id);
    if (hit) return hit;
    const out = new Set<string>();
    cache.set(id, out); // cycles (rejected at load) cannot loop here
    for (const n of ids.get(id) ?? []) {
      out.add(n);
      for (const m of walk(n)) out.add(m);
    }
    return out;
  };
  return walk;
}

/** One closure per knowledge base, kept across live snapshots (a SIGHUP brings new arrays). */
let closureMemo: { patterns: Pattern[]; rules: Rule[]; closure: (id: string) => Set<string> } | null = null;
export function closureFor(patterns: Pattern[], rules: Rule[]): (id: string) => Set<string> {
  if (closureMemo?.patterns === patterns && closureMemo.rules === rules) return closureMemo.closure;
  const explainsOf = new Map<string, string[]>();
  for (const p of patterns) explainsOf.set(p.id, p.explains);
  for (const r of rules) explainsOf.set(r.id, r.explains);
  closureMemo = { patterns, rules, closure: closureOf(explainsOf) };
  return closureMemo.closure;
}

export function stallCandidate(s: StallInfo, f: Pick<AttemptFacts, 'last' | 'lastMilestone'>, superseded: number | null): Candidate {
  const fields = {
    last: s.last,
    next: s.next,
    waited: humanDuration(s.waitedS),
    normal: humanDuration(s.normalS),
  };
  // Evidence of a stall: the step that never ended, else the last thing the node got to.
  const lastEntry = s.open ?? f.lastMilestone ?? null;
  if (s.rule) {
    const c = ruleCandidate(s.rule, f.last, lastEntry, fields);
    if (s.open) c.title += ` — ${s.open.pattern!.id} ${Object.values(s.open.fields).join(' ')} never ended`;
    if (superseded !== null) c.title += ' (then a new attempt started)';
    return c;
  }
  return {
    id: 'stall',
    at: f.last,
    entry: lastEntry,
    title: `No progress after ${s.last ?? 'the start'} for ${fields.waited}${superseded !== null ? ' (then a new attempt started)' : ''}`,
    remedy: 'Look at the node console (rcons) and the last lines of the node (xtriage show).',
    meaning: '',
    severity: 'error',
    explains: [],
    fields: {},
    scope: 'node',
    groupBy: [],
  };
}

export function cutShortCandidate(open: Entry, extra: Record<string, string>): Candidate {
  const c = patternCandidate(open, extra);
  return {
    ...c,
    id: 'stall',
    title: `The input stops in a step that never ended: ${counted(c.title, linesOf(c))}`,
    remedy:
      'Nothing after this line says how the step ended. If the node is still there, it hangs in it: watch its console (rcons), and on the node look at what the step runs (ps -ef --forest).',
    severity: 'error',
    explains: [],
    scope: 'node',
    groupBy: [],
  };
}

/** A chosen cause as the document shows it; `lines`: how many lines of the session said it. */
export function causeDoc(c: Candidate, lines = linesOf(c)): Cause {
  const ev = c.entry ? evidenceList(c.entry) : [];
  if (c.why) ev.unshift(evidenceOf(c.why));
  const title = c.why ? `${counted(c.title, lines)}: ${c.why.rec.message.trim().slice(0, 160)}` : counted(c.title, lines);
  return {
    pattern: c.id,
    recognised: true,
    title,
    remedy: c.remedy,
    meaning: c.meaning || undefined,
    severity: c.severity,
    evidence: ev.slice(0, MAX_EVIDENCE),
  };
}
