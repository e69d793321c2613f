// From machines' entries to the analysis document: sessions with outcome, root cause and
// symptoms; loops folded into one session; cluster-wide causes grouped (Alertmanager-style
// inhibition: a cause silences the symptoms it explains); unknown error lines ranked below.

import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Evidence, Pattern, Rule, Stage } from '../types';
import { STAGE_RANK } from '../types';
import type { Entry } from '../engine/entry';
import { byTime, evidenceOf, templateOf } from '../engine/entry';
import type { CachedMachine, DiagnoseInput, Diagnosis } from '../engine/diagnoser';
import { factsOf, isNodeFault, segment, stallOf, verdictOf, type Attempt, type AttemptFacts, type Outcome, type StallInfo } from './sessions';
import { fillTemplate } from '../patterns/match';
import { isoLocal } from '../sources/timestamps';
import { usableName, type Identity } from '../identity/identity';
import { joinMacMismatches } from './mac-mismatch';

export type { AnalysisDoc, Cause, GroupDoc, IdentityKind, SessionDoc, Symptom, UnknownErrorDoc } from '../contract';
import type { Cause, GroupDoc, IdentityKind, SessionDoc, UnknownErrorDoc } from '../contract';

const CONTEXT_MS = 24 * 3600_000;
const MAX_EVIDENCE = 5;
const MAX_SYMPTOMS = 30;
const SAME_MOMENT_MS = 1500;
/** How often a stalled session's waited time is brought up to date live. */
const STALL_REFRESH_MS = 5_000;

function evidenceList(e: Entry): Evidence[] {
  return [evidenceOf(e)];
}

/** A root-cause candidate: a known error line, an absence rule, a cluster event. */
interface Candidate {
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

function patternCandidate(e: Entry, extra: Record<string, string>): Candidate {
  const p = e.pattern!;
  const fields = { ...extra, ...e.fields };
  return {
    id: p.id,
    at: e.rec.at,
    entry: e,
    title: fillTemplate(p.title, fields) + (e.count > 1 ? ` (×${e.count})` : ''),
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

function ruleCandidate(r: Rule, at: number, entry: Entry | null, fields: Record<string, string | number | null>): Candidate {
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

function humanDuration(s: number): string {
  if (s < 90) return `${s}s`;
  if (s < 5400) return `${Math.round(s / 60)}m`;
  return `${(s / 3600).toFixed(1)}h`;
}

/** Transitive closure of `explains`. */
function closureOf(ids: Map<string, string[]>): (id: string) => Set<string> {
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
function closureFor(patterns: Pattern[], rules: Rule[]): (id: string) => Set<string> {
  if (closureMemo?.patterns === patterns && closureMemo.rules === rules) return closureMemo.closure;
  const explainsOf = new Map<string, string[]>();
  for (const p of patterns) explainsOf.set(p.id, p.explains);
  for (const r of rules) explainsOf.set(r.id, r.explains);
  closureMemo = { patterns, rules, closure: closureOf(explainsOf) };
  return closureMemo.closure;
}

interface Built {
  doc: SessionDoc;
  entries: Entry[];
  /** Time of the first line and the latest time of any line (kept: a frozen machine's entries are gone). */
  firstAt: number;
  lastAt: number;
  /** Running: when it would count as stalled. */
  deadline: number;
  /** Stalled: brings the waited time (doc and cause) up to `now` without the lines. */
  restall?: (now: number) => void;
  candidates: Candidate[];
  root: Candidate | null;
  unknown: Entry[];
  machine: string;
  /** The first generic failure line ("provision completed with error"), when it is all there is. */
  generic?: Candidate | null;
}

export function diagnose(input: DiagnoseInput): Diagnosis {
  const { machines, identity, patterns, rules, now } = input;
  // The engine keeps what this function returned (MachineResult) and reads only its CachedMachine part.
  const cache = input.cache as Map<string, MachineResult> | undefined;
  const closure = closureFor(patterns, rules);
  const loopRules = rules.filter((r) => r.kind === 'loop');

  const built: Built[] = [];
  const orphanErrors: { entry: Entry; node: string | null }[] = [];

  // Which machines to rebuild: those with new lines, those whose result moves with time, a
  // nameless one when identity learned something that may name it.
  const stale: string[] = [];
  const restalled = new Set<string>();
  for (const machine of machines.keys()) {
    const m = cache?.get(machine);
    if (
      !m ||
      input.changed?.has(machine) ||
      now >= m.deadline ||
      m.rulesVersion !== rules ||
      (m.identityGeneration !== identity.generation && m.built.some((b) => b.doc.node === null))
    ) stale.push(machine);
    else if (now >= m.refreshAt) restalled.add(machine);
  }
  if (input.budgetMs !== undefined && stale.length > 1) {
    // Urgent first, then by how long a machine has waited (the changed set keeps first-dirty order).
    const rank = new Map<string, number>();
    let i = 0;
    for (const k of input.urgent ?? []) rank.set(k, i++);
    for (const k of input.changed?.keys() ?? []) if (!rank.has(k)) rank.set(k, i++);
    const last = i;
    stale.sort((a, b) => (rank.get(a) ?? last) - (rank.get(b) ?? last));
  }
  const until = input.budgetMs !== undefined ? performance.now() + input.budgetMs : Infinity;
  const fresh = new Map<string, MachineResult>();
  for (const machine of stale) {
    if (fresh.size && performance.now() > until) break;
    const m = buildMachine(machine, input.thaw ? input.thaw(machine) : machines.get(machine)!, identity, rules, loopRules, now, input.stallScale ?? 1, input.fragments === true);
    m.identityGeneration = identity.generation;
    cache?.set(machine, m);
    fresh.set(machine, m);
  }
  // Only a stalled session's waited time moved: brought up to date in place (its lines, perhaps
  // frozen, are not needed; a rebuild would give the same document).
  for (const machine of restalled) {
    // Within the same budget: the rest keep their time until a later snapshot.
    if (performance.now() > until) {
      restalled.delete(machine);
      continue;
    }
    const m = cache!.get(machine)!;
    for (const b of m.built) b.restall?.(now);
    m.refreshAt = refreshAtOf(m.built, now);
  }
  if (cache) for (const k of [...cache.keys()]) if (!machines.has(k)) cache.delete(k);
  for (const machine of machines.keys()) {
    // Not rebuilt within the budget: its last result stands (a new machine waits for its turn).
    const m = fresh.get(machine) ?? cache?.get(machine);
    if (!m) continue;
    built.push(...m.built);
    orphanErrors.push(...m.orphans);
  }

  // Choose each session's root cause: the earliest candidate no earlier candidate explains.
  // Lines about no machine: MN-side faults (scope cluster) may explain sessions' causes; a node's
  // error that could not be tied to a machine (installer said `localhost`) is only reported.
  const clusterEvents = input.cluster.filter((e) => e.pattern && (e.pattern.severity === 'error' || e.pattern.severity === 'critical'));
  const clusterCands = clusterEvents.map((e) => patternCandidate(e, {}));
  const mnCauses = clusterCands.filter((c) => c.scope === 'cluster');

  // Unknown error templates across the cluster, and which are noise (seen in succeeded sessions).
  const templates = new Map<string, { count: number; sessions: Set<string>; failing: Set<string>; succeeded: Set<string>; example: Entry }>();
  const note = (e: Entry, session: SessionDoc | null): void => {
    const t = templateOf(e.rec.message);
    let u = templates.get(t);
    if (!u) templates.set(t, (u = { count: 0, sessions: new Set(), failing: new Set(), succeeded: new Set(), example: e }));
    u.count += e.count;
    if (session) {
      u.sessions.add(session.id);
      if (session.outcome === 'succeeded') u.succeeded.add(session.id);
      else if (session.outcome !== 'running') u.failing.add(session.id);
    }
  };
  for (const b of built) for (const e of b.unknown) note(e, b.doc);
  for (const e of input.cluster) if (!e.pattern) note(e, null);
  const noise = new Set([...templates].filter(([, u]) => u.succeeded.size > 0).map(([t]) => t));

  // A machine's root cause, symptoms and unknown lines depend on its own result, the MN's
  // causes and which unknown lines are noise: live, when the last two did not change, only
  // rebuilt machines are redone (the others' documents stay as they were, and unchanged).
  const sig = `${clusterEvents.map((e) => `${e.seq}:${e.count}`).join(',')}|${[...noise].sort().join('\u0001')}`;
  const all = !input.memo || input.memo.sig !== sig;
  if (input.memo) input.memo.sig = sig;
  const redo = all ? built : built.filter((b) => fresh.has(b.machine) || restalled.has(b.machine));
  for (const b of redo) chooseRoot(b, closure, mnCauses);
  for (const b of redo) {
    const seen = new Set<string>();
    for (const e of b.unknown) {
      const t = templateOf(e.rec.message);
      if (noise.has(t) || seen.has(t)) continue;
      seen.add(t);
      b.doc.unknownErrors.push({ template: t, evidence: [evidenceOf(e)] });
    }
    // An unknown failure is shown, never hidden: with no known cause it names the session's cause.
    if (!b.root && b.doc.outcome !== 'succeeded' && b.doc.outcome !== 'running') {
      let carried: Entry | undefined;
      const first = b.unknown.find((e) => !noise.has(templateOf(e.rec.message)) && !movedOnAfter(e, b.entries));
      if (first) {
        b.doc.rootCause = {
          pattern: 'unknown',
          recognised: false,
          title: `Unrecognised error: ${first.rec.message.slice(0, 160)}`,
          remedy: 'No pattern knows this line yet. Look at it in context (xtriage show), and teach xtriage with a local pattern (xtriage patterns try).',
          severity: 'error',
          evidence: [evidenceOf(first)],
        };
        // A fragment that ends on an error line nobody recovered from did not succeed.
        if (b.doc.outcome === 'unknown') b.doc.outcome = 'failed';
      } else if (b.doc.outcome === 'unknown' && (carried = b.unknown.find((e) => !noise.has(templateOf(e.rec.message))))) {
        // No outcome, and the install went on past an error it printed (`perl: command not
        // found` in %post, then the downloads): not what stopped it, but the one lead there is.
        b.doc.rootCause = {
          pattern: 'unknown',
          recognised: false,
          title: `An error the install carried past: ${carried.rec.message.slice(0, 160)}`,
          remedy: 'The input shows no outcome. Check whether the step that printed this line did its work (xtriage show); teach xtriage with a local pattern (xtriage patterns try) if the line matters.',
          severity: 'warning',
          evidence: [evidenceOf(carried)],
        };
      } else if (b.generic) {
        // Only a status line says it failed, and no line says why.
        b.doc.rootCause = {
          pattern: 'not-logged',
          recognised: false,
          title: `Cause not logged: ${b.generic.title}; the last step seen was ${b.doc.stage}`,
          remedy:
            'No line in this input says why. On the node read /var/log/xcat/xcat.log (or /var/log/xtriage/node.log) and `grep POSTSCRIPTS_RC /opt/xcat/xcatinfo`; source node/xtriage.sh in postscripts so each step logs its exit status.',
          severity: 'error',
          evidence: [],
        };
      }
    }
  }
  const failingTotal = built.filter((b) => b.doc.outcome === 'failed' || b.doc.outcome === 'stalled' || b.doc.outcome === 'looping').length;
  const unknownErrors: UnknownErrorDoc[] = [...templates]
    .filter(([t]) => !noise.has(t))
    .map(([template, u]) => ({
      template,
      count: u.count,
      sessions: [...u.sessions],
      failingSessions: u.failing.size,
      succeededSessions: u.succeeded.size,
      example: evidenceOf(u.example),
    }))
    .sort((a, b) => {
      const everyA = failingTotal > 0 && a.failingSessions === failingTotal ? 1 : 0;
      const everyB = failingTotal > 0 && b.failingSessions === failingTotal ? 1 : 0;
      return everyB - everyA || b.failingSessions - a.failingSessions || b.count - a.count;
    });

  // A sessionless line that a session's root cause explains is that cause's symptom, not a group.
  const inhibited = (c: Candidate): boolean => built.some((b) => b.root && b.root.at <= c.at + 60_000 && closure(b.root.id).has(c.id));
  const groups = buildGroups(built, orphanErrors, clusterCands.filter((c) => !inhibited(c)));
  attachInhibited(redo, clusterCands, closure);
  const sorted = built.map((b) => b.doc).sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
  const timelines = new Map(built.map((b) => [b.doc.id, b.entries]));
  const touched = all ? null : new Set(redo.map((b) => b.doc.id));
  // A node that never got an address and a stranger MAC asking for one: one machine (new
  // documents; the cached ones stay as built).
  const joined = joinMacMismatches({ sessions: sorted, groups, unknownErrors });
  for (const [stranger, node] of joined.into) {
    timelines.set(node, [...(timelines.get(node) ?? []), ...(timelines.get(stranger) ?? [])]);
    timelines.delete(stranger);
    touched?.add(node);
    touched?.add(stranger);
  }
  return { doc: joined.doc, timelines, rebuilt: new Set(fresh.keys()), touched };
}

/** What one machine contributes; cached between live snapshots until its lines change. */
export interface MachineResult extends CachedMachine {
  built: Built[];
  orphans: { entry: Entry; node: string | null }[];
  /** When the verdicts must be recomputed even without new lines (a running attempt's stall limit). */
  deadline: number;
  /** When a stalled session's waited time is next brought up to date (without a rebuild). */
  refreshAt: number;
  rulesVersion: Rule[];
  /** The identity generation the result was built with. */
  identityGeneration?: number;
}

function identityOf(machine: string): IdentityKind {
  return machine.startsWith('file:') ? 'file' : machine.startsWith('node:') ? 'name' : machine.startsWith('ip:') ? 'ip' : 'mac';
}

function buildMachine(machine: string, entries: Entry[], identity: Identity, rules: Rule[], loopRules: Rule[], now: number, scale: number, fragments: boolean): MachineResult {
  const built: Built[] = [];
  const orphanErrors: { entry: Entry; node: string | null }[] = [];
  const kind = identityOf(machine);
  const mac = kind === 'mac' ? machine : null;
  // Offline, what a fragment (loose files, or a file that names no machine) shows of a machine
  // is its provisioning, whatever the first line: a session with no outcome rather than none. A
  // log tree is not a fragment, even for a machine known by name: live and offline agree there.
  const fragment = fragments || kind === 'file';
  const { pre, attempts } = segment(entries, fragment);
  // Attempts with nothing beyond MN preparation are not sessions (yet): their errors are cluster facts.
  // A lease renewal (a BMC, a booted OS: REQUEST/ACK, no DISCOVER) is no provisioning attempt:
  // it takes power, a fresh DHCP DISCOVER, a boot file, or an error.
  const real = attempts.filter((a) =>
    fragment ||
    a.entries.some((e) => {
      const m = e.pattern?.milestone;
      return (m && (STAGE_RANK[m] >= STAGE_RANK.bootloader || m === 'power' || m === 'poweron')) || isError(e) || isNodeFault(e);
    }),
  );
  let name: string | null | undefined;
  const nameOfMachine = (): string | null =>
    name !== undefined
      ? name
      : (name = (mac ? identity.nodeOfMac(mac) : null) ?? (machine.startsWith('node:') ? machine.slice(5) : null) ?? nameFromEntries(entries, identity));
  for (const a of attempts) {
    if (!real.includes(a)) for (const e of a.entries) if (isError(e)) orphanErrors.push({ entry: e, node: nameOfMachine() });
  }
  if (!real.length) {
    for (const e of pre) if (isError(e)) orphanErrors.push({ entry: e, node: nameOfMachine() });
    return { built, orphans: orphanErrors, deadline: Infinity, refreshAt: Infinity, rulesVersion: rules };
  }
  // Lines before the first attempt (nodeset errors, …) are context for it when recent.
  const firstStart = real[0]!.entries[0]!.rec.at;
  const context = pre.filter((e) => firstStart - e.rec.at <= CONTEXT_MS);
  for (const e of pre) if (!context.includes(e) && isError(e)) orphanErrors.push({ entry: e, node: nameOfMachine() });

  const facts = real.map((a) => factsOf(a, rules));
  // Loops: runs of attempts restarted by the node itself without reaching booted.
  let i = 0;
  while (i < real.length) {
    let j = i;
    while (
      j + 1 < real.length &&
      real[j + 1]!.openedBy === 'node' &&
      facts[j]!.end?.pattern?.ends !== 'succeeded' &&
      facts[j]!.stage !== 'booted'
    ) j++;
    const run = real.slice(i, j + 1);
    const runFacts = facts.slice(i, j + 1);
    const next = real[j + 1];
    const superseded = next ? next.entries[0]!.rec.at : null;
    const lastFacts = runFacts[runFacts.length - 1]!;
    const lastSucceeded = lastFacts.end?.pattern?.ends === 'succeeded';
    const isLoop = run.length >= 2 && !lastSucceeded;
    const ctx = i === 0 ? context : [];
    if (isLoop) built.push(buildLoop(machine, mac, run, runFacts, ctx, superseded, nameOfMachine(), loopRules));
    else {
      // A run of one (or a loop that finally succeeded: its earlier attempts stand alone).
      for (let k = 0; k < run.length; k++) {
        const sup = k + 1 < run.length ? run[k + 1]!.entries[0]!.rec.at : superseded;
        built.push(buildOne(machine, mac, run[k]!, runFacts[k]!, k === 0 ? ctx : [], sup, nameOfMachine(), rules, now, scale, fragment));
      }
    }
    i = j + 1;
  }

  // Without new lines a result changes only with time: a running attempt when its stall limit
  // passes (rebuilt), a stalled one's waited time (brought up to date every few seconds, not on
  // every snapshot). A loop does not depend on the time at all.
  const deadline = Math.min(Infinity, ...built.map((b) => b.deadline));
  return { built, orphans: orphanErrors, deadline, refreshAt: refreshAtOf(built, now), rulesVersion: rules };
}

function refreshAtOf(built: Built[], now: number): number {
  return built.some((b) => b.restall) ? now + STALL_REFRESH_MS : Infinity;
}

/**
 * An unknown error line after which the node still made progress (a later milestone, a step
 * that returned 0) was not what stopped it: `sed: can't read /boot/grub/grub.conf` in a clean run.
 */
function movedOnAfter(err: Entry, entries: Entry[]): boolean {
  // Any recognised step of the install after it (a milestone, a step that returned 0, a known
  // progress line) shows the node carried past the line; but not the exit 0 of the very step
  // that printed it, which only shows the script swallowed its error (xcat-core #4181): the
  // first step boundary after the line, when it ends the step the line was printed in.
  let inStep: string | undefined;
  let boundary: Entry | undefined;
  for (const x of entries) {
    if (x === err) continue;
    if (byTime(x, err) < 0) {
      if (x.pattern?.awaits) inStep = x.fields.script;
    } else if (!boundary && x.pattern && (x.pattern.awaits || x.fields.rc !== undefined)) boundary = x;
  }
  const swallowed = inStep !== undefined && boundary?.fields.rc === '0' && boundary.fields.script === inStep ? boundary : undefined;
  return entries.some(
    (x) => x !== err && x !== swallowed && x.pattern && x.pattern.severity === 'info' && (x.pattern.stage !== null || x.fields.rc === '0') && byTime(err, x) < 0,
  );
}

function isError(e: Entry): boolean {
  return !!e.pattern && (e.pattern.severity === 'error' || e.pattern.severity === 'critical');
}

function nameFromEntries(entries: Entry[], identity: Identity): string | null {
  // A name a network payload gives is only a hint: never one the logs tie to another machine
  // (any sender can write any hostname).
  const hint = (e: Entry, n: string | null): string | null =>
    n && e.rec.source === 'remote' && (identity.macOfNode(n, e.rec.at) !== null || identity.hasIps(n)) ? null : n;
  for (const e of entries) {
    const n = hint(e, usableName(e.fields.node ?? e.rec.node ?? null));
    if (n) return n;
  }
  for (const e of entries) {
    const ip = e.fields.ip ?? e.rec.from;
    if (ip) {
      const n = identity.nodeOfIp(ip, e.rec.at);
      if (n) return n;
    }
  }
  for (const e of entries) {
    if (e.rec.channel === 'node') {
      const n = hint(e, usableName(e.rec.host));
      if (n) return n;
    }
  }
  return null;
}

function ipsOf(entries: Entry[]): string[] {
  const ips = new Set<string>();
  for (const e of entries) {
    if (e.subject.ip) ips.add(e.subject.ip);
    else if (e.fields.ip) ips.add(e.fields.ip);
  }
  return [...ips];
}

function sessionId(machine: string, start: number): string {
  return createHash('sha1').update(`${machine}@${start}`).digest('hex').slice(0, 12);
}

function stallDoc(s: StallInfo | null): SessionDoc['stall'] {
  if (!s) return undefined;
  return { last: s.last, next: s.next, waitedS: s.waitedS, normalS: s.normalS, open: s.open ? evidenceOf(s.open) : null };
}

function baseDoc(machine: string, mac: string | null, entries: Entry[], f: AttemptFacts, name: string | null, outcome: Outcome, endedAt: number | null): SessionDoc {
  return {
    id: sessionId(machine, f.start),
    mac,
    ips: ipsOf(entries),
    node: name,
    identity: identityOf(machine),
    outcome,
    stage: f.stage ?? 'none',
    startedAt: isoLocal(f.start),
    endedAt: endedAt === null ? null : isoLocal(endedAt),
    rootCause: null,
    symptoms: [],
    milestones: f.milestones.map((m) => ({ stage: m.stage, at: isoLocal(m.at) })),
    attempts: 1,
    unknownErrors: [],
  };
}

function stallCandidate(s: StallInfo, f: Pick<AttemptFacts, 'last' | 'lastMilestone'>, superseded: number | null): Candidate {
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

/** The step a fragment stops in: its last recognised line, when that starts a step that never ended. */
function endsMidStep(a: Attempt, f: AttemptFacts): Entry | null {
  let last: Entry | null = null;
  for (const e of a.entries) if (e.pattern && (!last || byTime(last, e) <= 0)) last = e;
  return last && f.openSteps.includes(last) ? last : null;
}

function cutShortCandidate(open: Entry, extra: Record<string, string>): Candidate {
  const c = patternCandidate(open, extra);
  return {
    ...c,
    id: 'stall',
    title: `The input stops in a step that never ended: ${c.title}`,
    remedy:
      'Nothing after this line says how the step ended. If the node is still there, it hangs in it: watch its console (rcons), and on the node look at what the step runs (ps -ef --forest).',
    severity: 'error',
    explains: [],
    scope: 'node',
    groupBy: [],
  };
}

function buildOne(
  machine: string,
  mac: string | null,
  a: Attempt,
  f: AttemptFacts,
  context: Entry[],
  superseded: number | null,
  name: string | null,
  rules: Rule[],
  now: number,
  scale: number,
  fragment: boolean,
): Built {
  const v = verdictOf(a, f, rules, now, superseded, scale);
  // A fragment (offline: loose files, or a file that names no machine) that neither ended nor
  // ran late shows no outcome: unknown, not running; its warnings are still the best lead. One
  // that stops inside a step the line itself says is stuck (dracut's initqueue timeout, an iPXE
  // transfer that never said ok) stalled there; inside an ordinary step (a postscript, a
  // download just started) the input may simply have been cut: no outcome, and a note saying so.
  let cutShort: Entry | null = null;
  let note: string | undefined;
  if (fragment && v.outcome === 'running') {
    const open = endsMidStep(a, f);
    if (open && open.pattern!.severity !== 'info') {
      cutShort = open;
      v.outcome = 'stalled';
      v.stall = { ...stallOf(f, rules, now, scale), open };
    } else {
      v.outcome = 'unknown';
      if (open) note = `The input stops while this step was under way: ${fillTemplate(open.pattern!.title, open.fields)}`;
    }
  }
  const endedAt = v.outcome === 'succeeded' || v.outcome === 'failed' ? (f.end?.rec.at ?? f.last) : superseded;
  const doc = baseDoc(machine, mac, a.entries, f, name, v.outcome, endedAt);
  if (v.stall) doc.stall = stallDoc(v.stall);
  if (note) doc.note = note;
  const extra: Record<string, string> = {};
  if (name) extra.node = name;
  if (mac) extra.mac = mac;
  const candidates: Candidate[] = [];
  if (v.outcome !== 'succeeded') {
    for (const e of [...context.filter(isError), ...f.errors]) {
      const c = patternCandidate(e, extra);
      const why = stepOutputError(a.entries, e);
      if (why) c.why = why;
      candidates.push(c);
    }
    for (const h of f.absent) candidates.push(ruleCandidate(h.rule, h.entry.rec.at, h.entry, extra));
    // Warnings are never the cause while an error exists, unless they explain it (the disk not
    // detected, then partitioning failed); without one, the first is the best lead.
    // A fragment's warning the node carried past (genesis without BOOTIF, then an address) is no lead.
    if (!candidates.length && v.outcome !== 'running') {
      for (const e of f.warnings) if (v.outcome !== 'unknown' || !movedOnAfter(e, a.entries)) candidates.push(patternCandidate(e, extra));
    }
    else if (candidates.length) {
      const ids = new Set(candidates.map((c) => c.id));
      for (const e of f.warnings) if (e.pattern!.explains.some((id) => ids.has(id))) candidates.push(patternCandidate(e, extra));
    }
    if (cutShort) candidates.push({ ...cutShortCandidate(cutShort, extra), at: Number.MAX_SAFE_INTEGER });
    else if (v.outcome === 'stalled' && v.stall) candidates.push({ ...stallCandidate(v.stall, f, superseded), at: Number.MAX_SAFE_INTEGER });
  }
  candidates.sort((x, y) => x.at - y.at);
  const deadline = v.outcome === 'running' ? f.last + stallOf(f, rules, now, scale).normalS * 1000 + 1 : Infinity;
  const entries = [...context, ...a.entries];
  const b: Built = { doc, entries, ...spanOf(entries), deadline, candidates, root: null, unknown: f.unknown, machine };
  // Silent since f.last and not cut short by a new attempt: only the waited time moves (as
  // stallOf computes it), and with it the stall's candidate, last after the sort.
  if (v.outcome === 'stalled' && v.stall && superseded === null) {
    const stall = v.stall;
    const at = { last: f.last, lastMilestone: f.lastMilestone };
    b.restall = (t) => {
      const s = { ...stall, waitedS: Math.max(0, Math.round((t - at.last) / 1000)) };
      doc.stall = stallDoc(s);
      candidates[candidates.length - 1] = { ...stallCandidate(s, at, null), at: Number.MAX_SAFE_INTEGER };
    };
  }
  return b;
}

function spanOf(entries: Entry[]): { firstAt: number; lastAt: number } {
  const firstAt = entries[0]?.rec.at ?? 0;
  return { firstAt, lastAt: entries.reduce((t, e) => Math.max(t, e.lastAt), firstAt) };
}

function buildLoop(
  machine: string,
  mac: string | null,
  run: Attempt[],
  runFacts: AttemptFacts[],
  context: Entry[],
  superseded: number | null,
  name: string | null,
  loopRules: Rule[],
): Built {
  const first = runFacts[0]!;
  const last = runFacts[runFacts.length - 1]!;
  const entries = run.flatMap((a) => a.entries);
  const doc = baseDoc(machine, mac, entries, { ...last, start: first.start }, name, 'looping', superseded);
  doc.id = sessionId(machine, first.start);
  doc.attempts = run.length;
  const breaks = runFacts.map((f) => f.stage ?? 'start');
  doc.loop = { attempts: run.length, breaks };
  const extra: Record<string, string> = {};
  if (name) extra.node = name;
  if (mac) extra.mac = mac;
  const candidates: Candidate[] = [];
  for (const e of [...context.filter(isError), ...runFacts.flatMap((f) => f.errors)]) candidates.push(patternCandidate(e, extra));
  for (const f of runFacts) for (const h of f.absent) candidates.push(ruleCandidate(h.rule, h.entry.rec.at, h.entry, extra));
  // The highest stage the restarted attempts reached says where each one breaks.
  const broken = runFacts.slice(0, -1).map((f) => f.stage).filter((s): s is Stage => s !== null);
  const top = broken.sort((x, y) => STAGE_RANK[y] - STAGE_RANK[x])[0] ?? null;
  const rule = loopRules.find((r) => top !== null && r.after.includes(top)) ?? loopRules.find((r) => r.after.length === 0) ?? null;
  const lastEntryOfFirst = run[0]!.entries[run[0]!.entries.length - 1] ?? null;
  const loopFields = { attempts: String(run.length), breaks: breaks.join(' → '), last: top ?? 'start' };
  if (rule) candidates.push({ ...ruleCandidate(rule, Number.MAX_SAFE_INTEGER, lastEntryOfFirst, loopFields) });
  else {
    candidates.push({
      id: 'loop',
      at: Number.MAX_SAFE_INTEGER,
      entry: lastEntryOfFirst,
      title: `Restarts by itself: ${run.length} attempts, each breaking after ${top ?? 'the start'}`,
      remedy: 'Check what the node does at the end of each attempt (xtriage show); nodeset may never have been flipped to boot.',
      meaning: '',
      severity: 'critical',
      explains: [],
      fields: loopFields,
      scope: 'node',
      groupBy: [],
    });
  }
  candidates.sort((x, y) => x.at - y.at);
  const all = [...context, ...entries];
  return { doc, entries: all, ...spanOf(all), deadline: Infinity, candidates, root: null, unknown: runFacts.flatMap((f) => f.unknown), machine };
}

function causeDoc(c: Candidate): Cause {
  const ev = c.entry ? evidenceList(c.entry) : [];
  if (c.why) ev.unshift(evidenceOf(c.why));
  const title = c.why ? `${c.title}: ${c.why.rec.message.trim().slice(0, 160)}` : c.title;
  return { pattern: c.id, recognised: true, title, remedy: c.remedy, meaning: c.meaning || undefined, severity: c.severity, evidence: ev.slice(0, MAX_EVIDENCE) };
}

/**
 * The first unrecognised error a failed step printed: the lines between its start (or the
 * previous step's end) and its non-zero exit. `hwclock: … Read-only file system` says why
 * `setupntp return with 1` (xcat-core #2762).
 */
function stepOutputError(entries: Entry[], end: Entry): Entry | null {
  const script = end.fields.script;
  if (!script || end.fields.rc === undefined || end.fields.rc === '0') return null;
  const i = entries.indexOf(end);
  let first: Entry | null = null;
  for (let j = i - 1; j >= 0; j--) {
    const x = entries[j]!;
    if (x.pattern?.awaits) return x.fields.script === script ? first : null;
    if (x.pattern && x.fields.rc !== undefined) break;
    if (!x.pattern) first = x;
  }
  return first;
}

function chooseRoot(b: Built, closure: (id: string) => Set<string>, clusterCands: Candidate[]): void {
  const cands = b.candidates;
  b.root = null;
  b.generic = null;
  b.doc.rootCause = null;
  b.doc.symptoms = [];
  b.doc.unknownErrors = [];
  if (!cands.length) return;
  const roots: Candidate[] = [];
  const symptoms: { c: Candidate; explained: boolean }[] = [];
  // c is explained by an earlier candidate whose cause closure holds c's pattern. Lines of one
  // second arrive in any order across files: a line that ends the attempt (xcatd's
  // status=failed) may be read before the node's halt line that caused it, so for those look a
  // moment ahead too. Two patterns that explain each other: the earlier line wins.
  // By distinct pattern id (a looping machine has hundreds of candidates, a few dozen ids).
  const firstAt = new Map<string, number>();
  for (const x of cands) if (!firstAt.has(x.id) || x.at < firstAt.get(x.id)!) firstAt.set(x.id, x.at);
  const explained = (c: Candidate): boolean => {
    const mine = closure(c.id);
    for (const [id, at] of firstAt) {
      if (id === c.id || !closure(id).has(c.id)) continue;
      if (mine.has(id) ? at < c.at : at <= c.at + (c.ends ? SAME_MOMENT_MS : 0)) return true;
    }
    return false;
  };
  for (const c of cands) {
    const by = explained(c);
    if (by || roots.length || c.generic) {
      symptoms.push({ c, explained: by });
      if (c.generic && !b.generic) b.generic = c;
    } else roots.push(c);
  }
  let root = roots[0] ?? null;
  // A cluster-wide cause that explains this root (and came before it) takes its place; so it
  // does when only a generic status line says the attempt failed.
  const r: Candidate | null = root ?? b.generic ?? null;
  if (r) {
    const cause = clusterCands.find((k) => k.at <= (r.at === Number.MAX_SAFE_INTEGER ? Infinity : r.at + 60_000) && closure(k.id).has(r.id));
    if (cause) {
      if (root) symptoms.unshift({ c: r, explained: true });
      else for (const y of symptoms) if (y.c === r) y.explained = true;
      root = cause;
    }
  }
  b.root = root;
  b.doc.rootCause = root ? causeDoc(root) : null;
  const closed = root ? closure(root.id) : new Set<string>();
  // Repeats of one symptom fold into one (the first line as evidence, the count in the title).
  const folded: { c: Candidate; explained: boolean; n: number }[] = [];
  const byKey = new Map<string, { c: Candidate; explained: boolean; n: number }>();
  for (const y of symptoms) {
    const key = `${y.c.id}\u0000${y.c.title}`;
    const same = byKey.get(key);
    if (same) same.n++;
    else {
      const f = { ...y, n: 1 };
      byKey.set(key, f);
      folded.push(f);
    }
  }
  b.doc.symptoms = folded.slice(0, MAX_SYMPTOMS).map(({ c, explained, n }) => ({
    pattern: c.id,
    title: n > 1 ? `${c.title} (×${n})` : c.title,
    evidence: c.entry ? evidenceList(c.entry) : [],
    explained: explained || closed.has(c.id),
  }));
}

/** Lines about no machine that a session's cause explains (xcatd refusing that node …) join its symptoms. */
function attachInhibited(built: Built[], cands: Candidate[], closure: (id: string) => Set<string>): void {
  if (!cands.length) return;
  const byRoot = new Map<string, Built[]>();
  for (const b of built) {
    if (!b.root) continue;
    let l = byRoot.get(b.root.id);
    if (!l) byRoot.set(b.root.id, (l = []));
    l.push(b);
  }
  for (const c of cands) {
    for (const [rootId, list] of byRoot) {
      if (!closure(rootId).has(c.id)) continue;
      for (const b of list) {
        if (c.at < b.firstAt - 60_000 || c.at > b.lastAt + 300_000 || b.doc.symptoms.length >= MAX_SYMPTOMS) continue;
        if (b.doc.symptoms.some((y) => y.pattern === c.id && y.evidence[0]?.line === c.entry?.rec.raw)) continue;
        b.doc.symptoms.push({ pattern: c.id, title: c.title, evidence: c.entry ? evidenceList(c.entry) : [], explained: true });
      }
    }
  }
}

function groupKey(c: Candidate): string {
  return [c.id, ...c.groupBy.map((g) => c.fields[g] ?? '')].join('|');
}

function buildGroups(built: Built[], orphans: { entry: Entry; node: string | null }[], clusterCands: Candidate[]): GroupDoc[] {
  const groups = new Map<string, GroupDoc & { firstAt: number }>();
  const add = (c: Candidate, session: Built | null, node: string | null): void => {
    const key = groupKey(c);
    let g = groups.get(key);
    if (!g) {
      g = {
        pattern: c.id,
        title: c.title.replace(/ \(×\d+\)$/, ''),
        remedy: c.remedy,
        evidence: c.entry ? evidenceList(c.entry) : [],
        sessions: [],
        nodes: [],
        scope: c.scope,
        firstAt: c.at,
      };
      groups.set(key, g);
    }
    if (session && !g.sessions.includes(session.doc.id)) g.sessions.push(session.doc.id);
    if (node && !g.nodes.includes(node)) g.nodes.push(node);
    if (c.entry && g.evidence.length < MAX_EVIDENCE && !g.evidence.some((e) => e.line === c.entry!.rec.raw) && (!session || g.sessions.length <= MAX_EVIDENCE)) {
      if (g.scope === 'cluster' && session) g.evidence.push(evidenceOf(c.entry));
    }
  };
  for (const b of built) if (b.root) add(b.root, b, b.doc.node);
  for (const o of orphans) add(patternCandidate(o.entry, o.node ? { node: o.node } : {}), null, o.node);
  for (const c of clusterCands) if (!groups.has(groupKey(c))) add(c, null, null);
  return [...groups.values()]
    // A cause shared by two sessions or more; an MN-side fault (scope cluster), whoever it hit;
    // a node's fault seen before the node had a session. Not: one node's own cause.
    .filter((g) => g.sessions.length >= 2 || g.scope === 'cluster' || (g.sessions.length === 0 && g.nodes.length > 0))
    .sort((a, b) => b.sessions.length - a.sessions.length || b.nodes.length - a.nodes.length || a.firstAt - b.firstAt)
    .map(({ firstAt: _f, ...g }) => g);
}
