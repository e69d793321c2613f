// Splits one machine's lines into provisioning attempts and decides each attempt's outcome.
// Pure functions of (entries, rules, now): the live daemon and offline analysis call the
// same code on the same entries, so they give the same answer.
//
// A new attempt starts when the MN opens one (rinstall/rpower/nodeset, status powering-on)
// after the machine got somewhere, or from the node's own behaviour: a fresh DHCP → boot
// cycle followed by install stages it had already passed (a reinstall, a netboot).

import { STAGE_RANK, type Rule, type Stage } from '../types';
import { byTime, type Entry } from '../engine/entry';

export type { Outcome } from '../contract';
import type { Outcome } from '../contract';

export interface Attempt {
  entries: Entry[];
  /** Who started it: the MN (power/nodeset), the node itself (reboot into install), or unknown (first seen). */
  openedBy: 'mn' | 'node' | 'first';
}

const R = STAGE_RANK;
const SAME_MOMENT_MS = 2000;
const INSTALL_BEGIN = new Set<Stage>(['kernel', 'initrd', 'kickstart', 'installing', 'netbooting', 'rootimg']);

/**
 * The node itself (its log, its console) reporting trouble, known or not, or an end: that is
 * provisioning even when nothing else was seen (a pasted fragment, a console that shows only a
 * panic, an installer waiting at a prompt).
 */
export function isNodeFault(e: Entry): boolean {
  if (e.rec.channel !== 'node' && e.rec.channel !== 'console') return false;
  return !e.pattern || e.pattern.severity !== 'info' || e.pattern.ends !== null;
}

export function rankOf(e: Entry): number | null {
  const m = e.pattern?.milestone;
  return m ? R[m] : null;
}

/** Splits sorted entries into lines before any attempt and the attempts (a fragment's first line opens one). */
export function segment(entries: Entry[], fragment = false): { pre: Entry[]; attempts: Attempt[] } {
  // Entries mostly arrive in time order: sort only when they did not.
  let ordered = true;
  for (let i = 1; i < entries.length && ordered; i++) if (byTime(entries[i - 1]!, entries[i]!) > 0) ordered = false;
  const sorted = ordered ? entries : [...entries].sort(byTime);
  const pre: Entry[] = [];
  const attempts: Attempt[] = [];
  let cur: Attempt | null = null;
  let maxRank = -1;
  // Where a fresh boot cycle began, and whether it went as far as a boot loader or boot script:
  // the installer's and the OS's own DHCP renewals are no reboot.
  let pendingIdx = -1;
  let pendingBoot = false;
  let lastProgressAt = 0;
  const open = (e: Entry[], by: Attempt['openedBy']): void => {
    cur = { entries: e, openedBy: by };
    attempts.push(cur);
    maxRank = Math.max(-1, ...e.map((x) => rankOf(x) ?? -1));
    pendingIdx = -1;
    pendingBoot = false;
    lastProgressAt = e.reduce((t, x) => (rankOf(x) !== null ? Math.max(t, x.rec.at) : t), 0);
  };
  for (const e of sorted) {
    const r = rankOf(e);
    const opens = e.pattern?.opens === true;
    if (!cur) {
      // The node itself reporting an error is provisioning, even when nothing else was seen.
      const nodeFault = isNodeFault(e);
      if (r !== null || opens || nodeFault || fragment) open([e], 'first');
      else pre.push(e);
      continue;
    }
    const c: Attempt = cur;
    // A power request opens a new attempt once the machine got somewhere; one within a moment
    // of that progress is the same request seen out of order (1-second file timestamps).
    if (opens && maxRank >= R.dhcp && e.rec.at - lastProgressAt > SAME_MOMENT_MS) {
      open([e], 'mn');
      continue;
    }
    if (r !== null) {
      const stage = e.pattern!.milestone!;
      if (r >= R.dhcp && r <= R.bootscript) {
        if (maxRank >= R.kernel && pendingIdx < 0) pendingIdx = c.entries.length;
        if (pendingIdx >= 0 && r >= R.bootloader) pendingBoot = true;
      } else if (
        INSTALL_BEGIN.has(stage) &&
        // Back to an install stage after a PXE cycle, or far back without one (DHCP not logged).
        // Lines of one second from different files may arrive out of order: a step back of one
        // stage (installing after the first package) is no restart.
        ((pendingIdx >= 0 && pendingBoot && r <= maxRank) || (r <= maxRank - 2 && maxRank >= R.packages))
      ) {
        const moved = pendingIdx >= 0 ? c.entries.splice(pendingIdx) : [];
        open([...moved, e], 'node');
        continue;
      } else if (r > R.bootscript) {
        pendingIdx = -1;
        pendingBoot = false;
      }
      if (r > maxRank) maxRank = r;
      lastProgressAt = e.rec.at;
    }
    c.entries.push(e);
  }
  return { pre, attempts };
}

export interface AttemptFacts {
  start: number;
  last: number;
  /** First time each stage was reached. */
  milestones: { stage: Stage; at: number }[];
  /** Highest stage reached. */
  stage: Stage | null;
  /** The last line that ends the attempt (status booted/failed, provision completed …). */
  end: Entry | null;
  /** Known errors (severity error/critical), in time order. */
  errors: Entry[];
  warnings: Entry[];
  unknown: Entry[];
  /** Lines that start a step (pattern.awaits) with no matching end. */
  openSteps: Entry[];
  /** The line that proved the highest stage reached (a stall's evidence: what came last). */
  lastMilestone: Entry | null;
  /** Absence rules that fired: the rule and the trigger line. */
  absent: { rule: Rule; entry: Entry }[];
}

export function factsOf(a: Attempt, rules: Rule[]): AttemptFacts {
  const milestones = new Map<Stage, number>();
  let stage: Stage | null = null;
  let end: Entry | null = null;
  let lastMilestone: Entry | null = null;
  const errors: Entry[] = [];
  const warnings: Entry[] = [];
  const unknown: Entry[] = [];
  const steps: Entry[] = [];
  const absent: AttemptFacts['absent'] = [];
  let last = a.entries[0]?.rec.at ?? 0;
  const absentWhen = new Map<string, Rule[]>();
  for (const r of rules) if (r.kind === 'absent' && r.when) absentWhen.set(r.when, [...(absentWhen.get(r.when) ?? []), r]);
  for (const e of a.entries) {
    const p = e.pattern;
    if (!p) {
      unknown.push(e);
      continue;
    }
    // A console line without a timestamp only has its file's mtime: evidence, not activity.
    if (!(e.rec.channel === 'console' && e.rec.claimed === null)) last = Math.max(last, e.lastAt);
    if (p.milestone && !milestones.has(p.milestone)) milestones.set(p.milestone, e.rec.at);
    if (p.milestone && (stage === null || R[p.milestone] >= R[stage])) {
      stage = p.milestone;
      lastMilestone = e;
    }
    if (p.ends) end = e;
    if (p.severity === 'error' || p.severity === 'critical') errors.push(e);
    else if (p.severity === 'warning') warnings.push(e);
    if (p.awaits) steps.push(e);
    else {
      // An end line closes the latest open step with the same key.
      for (let i = steps.length - 1; i >= 0; i--) {
        const s = steps[i]!;
        const aw = s.pattern!.awaits!;
        if (aw.patterns.includes(p.id) && (aw.key === null || s.fields[aw.key] === e.fields[aw.key])) {
          steps.splice(i, 1);
          break;
        }
      }
    }
    // An absence is concluded only from a line the machine is known to have sent: a nameless
    // line placed here by inference (its neighbours, xcatd's answer) does not bring the lines
    // before it along, so their absence proves nothing.
    const inferred = !e.subject.mac && !e.subject.ip && !e.subject.node;
    for (const r of inferred ? [] : (absentWhen.get(p.id) ?? [])) {
      if (r.without && !milestones.has(r.without)) absent.push({ rule: r, entry: e });
    }
  }
  return {
    start: a.entries[0]?.rec.at ?? 0,
    last,
    milestones: [...milestones].map(([s, at]) => ({ stage: s, at })).sort((x, y) => x.at - y.at || R[x.stage] - R[y.stage]),
    stage,
    end,
    errors,
    warnings,
    unknown,
    openSteps: steps,
    lastMilestone,
    absent,
  };
}

/** Errors after which the attempt still moved to a later stage were recovered from. */
export function unrecovered(a: Attempt, errors: Entry[]): Entry[] {
  return errors.filter((err) => {
    let rankAtErr = -1;
    for (const e of a.entries) {
      if (e === err) break;
      const r = rankOf(e);
      if (r !== null && r > rankAtErr) rankAtErr = r;
    }
    const errRank = Math.max(rankAtErr, rankOf(err) ?? -1);
    return !a.entries.some(
      (x) => x.rec.at >= err.rec.at && x !== err && (rankOf(x) ?? -1) > errRank && x.pattern?.severity !== 'error' && x.pattern?.severity !== 'critical',
    );
  });
}

export interface StallInfo {
  rule: Rule | null;
  last: Stage | null;
  next: Stage | null;
  waitedS: number;
  normalS: number;
  /** A started step that never ended (postscript, library step). */
  open: Entry | null;
}

const DEFAULT_LIMIT_S = 3600;

/** The stall rule for the stage reached, and how long the attempt has been silent. */
export function stallOf(f: AttemptFacts, rules: Rule[], now: number, scale = 1): StallInfo {
  const rule = rules.find((r) => r.kind === 'stall' && f.stage !== null && r.after.includes(f.stage)) ?? null;
  const open = f.openSteps[f.openSteps.length - 1] ?? null;
  return {
    rule,
    last: f.stage,
    next: rule?.expects ?? null,
    waitedS: Math.max(0, Math.round((now - f.last) / 1000)),
    normalS: Math.max(1, Math.round((rule?.limit ?? DEFAULT_LIMIT_S) * scale)),
    open,
  };
}

export interface AttemptVerdict {
  outcome: Outcome;
  stall: StallInfo | null;
  /** Known errors not recovered from. */
  failures: Entry[];
}

/**
 * An unknown error line after which the node still made progress (a later milestone, a step
 * that returned 0) was not what stopped it: `sed: can't read /boot/grub/grub.conf` in a clean run.
 */
export function movedOnAfter(err: Entry, entries: Entry[]): boolean {
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
    (x) =>
      x !== err && x !== swallowed && x.pattern && x.pattern.severity === 'info' && (x.pattern.stage !== null || x.fields.rc === '0') && byTime(err, x) < 0,
  );
}

/**
 * The unrecognised error lines a step that reports it completed did not get past: printed before
 * that report, and no progress between them and it but the exit 0 of the very step that printed
 * them (xcat-core#4181), or the report itself. A complaint before the first step ran (#2473, the
 * wrapper's "msgutil_r: command not found") is carried past.
 */
export function stoodUntilCompleted(entries: Entry[], end: Entry, unknown: Entry[]): Entry[] {
  const rest = entries.filter((x) => x !== end);
  return unknown.filter((e) => byTime(e, end) < 0 && !movedOnAfter(e, rest));
}

/**
 * running | succeeded | failed | stalled for one attempt; `superseded` is the start of the
 * next attempt when there is one (an attempt that was cut short is judged at that time).
 */
export function verdictOf(a: Attempt, f: AttemptFacts, rules: Rule[], now: number, superseded: number | null, scale = 1): AttemptVerdict {
  const failures = unrecovered(a, f.errors);
  if (f.end?.pattern?.ends === 'failed') return { outcome: 'failed', stall: null, failures };
  if (f.end?.pattern?.ends === 'succeeded') return { outcome: 'succeeded', stall: null, failures: [] };
  // A step that only says it finished worked when nothing before it said otherwise: a known
  // error not recovered from, or an error line no pattern knows (setroute's "Error: invalid
  // format of netmask", then "exited with code 0").
  if (f.end?.pattern?.ends === 'completed')
    return failures.length || stoodUntilCompleted(a.entries, f.end, f.unknown).length
      ? { outcome: 'failed', stall: null, failures }
      : { outcome: 'succeeded', stall: null, failures: [] };
  // Waiting for a human: nothing more happens by itself (failed, when an error made it stop).
  if (f.end?.pattern?.ends === 'stalled' && !failures.length) return { outcome: 'stalled', stall: stallOf(f, rules, superseded ?? now, scale), failures };
  if (failures.length || f.absent.length) return { outcome: 'failed', stall: null, failures };
  const stall = stallOf(f, rules, superseded ?? now, scale);
  if (superseded !== null || stall.waitedS > stall.normalS) return { outcome: 'stalled', stall, failures };
  return { outcome: 'running', stall: null, failures };
}
