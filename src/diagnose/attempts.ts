// One machine's entries become its sessions: attempts split and judged (sessions.ts), each with
// its name, addresses, outcome, candidates and unknown lines; a loop of failed attempts folded
// into one session. Cached between live snapshots until the machine's lines change.

import { createHash } from 'node:crypto';
import type { Rule, Stage } from '../types';
import { STAGE_RANK } from '../types';
import type { Entry } from '../engine/entry';
import { byTime, evidenceOf } from '../engine/entry';
import type { CachedMachine } from '../engine/diagnoser';
import { factsOf, isNodeFault, movedOnAfter, segment, stallOf, verdictOf, type Attempt, type AttemptFacts, type Outcome, type StallInfo } from './sessions';
import { fillTemplate } from '../patterns/match';
import { isoLocal } from '../sources/timestamps';
import { usableName, type Identity } from '../identity/identity';
import type { IdentityKind, SessionDoc } from '../contract';
import { type Candidate, cutShortCandidate, patternCandidate, ruleCandidate, stallCandidate } from './candidates';

const CONTEXT_MS = 24 * 3600_000;
/** How often a stalled session's waited time is brought up to date live. */
const STALL_REFRESH_MS = 5_000;

export interface Built {
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
  /** No outcome: the first known warning the node carried past (a lead before an unrecognised line). */
  carried?: Candidate;
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

export function identityOf(machine: string): IdentityKind {
  return machine.startsWith('file:') ? 'file' : machine.startsWith('node:') ? 'name' : machine.startsWith('ip:') ? 'ip' : 'mac';
}

export function buildMachine(
  machine: string,
  entries: Entry[],
  identity: Identity,
  rules: Rule[],
  loopRules: Rule[],
  now: number,
  scale: number,
  fragments: boolean,
): MachineResult {
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
  const real = attempts.filter(
    (a) =>
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
    while (j + 1 < real.length && real[j + 1]!.openedBy === 'node' && facts[j]!.end?.pattern?.ends !== 'succeeded' && facts[j]!.stage !== 'booted') j++;
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

export function refreshAtOf(built: Built[], now: number): number {
  return built.some((b) => b.restall) ? now + STALL_REFRESH_MS : Infinity;
}

export function isError(e: Entry): boolean {
  return !!e.pattern && (e.pattern.severity === 'error' || e.pattern.severity === 'critical');
}

export function nameFromEntries(entries: Entry[], identity: Identity): string | null {
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

export function ipsOf(entries: Entry[]): string[] {
  const ips = new Set<string>();
  for (const e of entries) {
    if (e.subject.ip) ips.add(e.subject.ip);
    else if (e.fields.ip) ips.add(e.fields.ip);
  }
  return [...ips];
}

export function sessionId(machine: string, start: number): string {
  return createHash('sha1').update(`${machine}@${start}`).digest('hex').slice(0, 12);
}

export function stallDoc(s: StallInfo | null): SessionDoc['stall'] {
  if (!s) return undefined;
  return { last: s.last, next: s.next, waitedS: s.waitedS, normalS: s.normalS, open: s.open ? evidenceOf(s.open) : null };
}

export function baseDoc(
  machine: string,
  mac: string | null,
  entries: Entry[],
  f: AttemptFacts,
  name: string | null,
  outcome: Outcome,
  endedAt: number | null,
): SessionDoc {
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

/** The step a fragment stops in: its last recognised line, when that starts a step that never ended. */
export function endsMidStep(a: Attempt, f: AttemptFacts): Entry | null {
  let last: Entry | null = null;
  for (const e of a.entries) if (e.pattern && (!last || byTime(last, e) <= 0)) last = e;
  return last && f.openSteps.includes(last) ? last : null;
}

export function buildOne(
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
  let carriedLead: Candidate | undefined;
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
      const carried = v.outcome === 'unknown' && !candidates.length ? f.warnings[0] : undefined;
      if (carried) carriedLead = patternCandidate(carried, extra);
    } else if (candidates.length) {
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
  if (carriedLead) b.carried = carriedLead;
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

export function spanOf(entries: Entry[]): { firstAt: number; lastAt: number } {
  const firstAt = entries[0]?.rec.at ?? 0;
  return { firstAt, lastAt: entries.reduce((t, e) => Math.max(t, e.lastAt), firstAt) };
}

export function buildLoop(
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
  const broken = runFacts
    .slice(0, -1)
    .map((f) => f.stage)
    .filter((s): s is Stage => s !== null);
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

/**
 * The first unrecognised error a failed step printed: the lines between its start (or the
 * previous step's end) and its non-zero exit. `hwclock: … Read-only file system` says why
 * `setupntp return with 1` (xcat-core #2762).
 */
export function stepOutputError(entries: Entry[], end: Entry): Entry | null {
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
