// From machines' entries to the analysis document. This module schedules the work (which
// machines to rebuild: new lines, a stall limit passed, identity learned something; live, under
// a time budget, urgent ones first) and ranks the unknown error lines; one machine's sessions
// are built in attempts.ts, root causes chosen in root-cause.ts (candidates in candidates.ts),
// shared causes grouped in groups.ts, and MAC mismatches joined in mac-mismatch.ts.

import { performance } from 'node:perf_hooks';
import type { Entry } from '../engine/entry';
import { STAGE_RANK, type Stage } from '../types';
import { evidenceOf, templateOf } from '../engine/entry';
import type { DiagnoseInput, Diagnosis } from '../engine/diagnoser';
import { joinMacMismatches } from './mac-mismatch';
import { type Built, type MachineResult, buildMachine, refreshAtOf } from './attempts';
import { movedOnAfter, stoodUntilCompleted } from './sessions';
import { type Candidate, causeDoc, closureFor, counted, linesOf, patternCandidate } from './candidates';
import { buildGroups } from './groups';
import { attachInhibited, chooseRoot } from './root-cause';

export type { AnalysisDoc, Cause, GroupDoc, IdentityKind, SessionDoc, Symptom, UnknownErrorDoc } from '../contract';
import type { SessionDoc, UnknownErrorDoc } from '../contract';

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
    )
      stale.push(machine);
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
    const m = buildMachine(
      machine,
      input.thaw ? input.thaw(machine) : machines.get(machine)!,
      identity,
      rules,
      loopRules,
      now,
      input.stallScale ?? 1,
      input.fragments === true,
    );
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
    // An MN-side fault logged while a session with no known cause was stuck at the stage the
    // fault blocks (nodeset failing while dhcpd is down, no passwd row for the template) is
    // that session's cause, before any unrecognised line: a cause the MN states outranks a guess.
    if (!b.root && b.doc.outcome !== 'succeeded' && b.doc.outcome !== 'running') {
      const blocker = mnBlocking(mnCauses, b);
      if (blocker) {
        b.root = blocker;
        b.doc.rootCause = causeDoc(blocker);
        if (b.doc.outcome === 'unknown') b.doc.outcome = 'failed';
      }
    }
    // An unknown failure is shown, never hidden: with no known cause it names the session's cause.
    if (!b.root && b.doc.outcome !== 'succeeded' && b.doc.outcome !== 'running') {
      let carried: Entry | undefined;
      const known = (e: Entry): boolean => !noise.has(templateOf(e.rec.message));
      // A step that reported it completed failed for the error line before that (see verdictOf),
      // even though the step went on after it.
      const end = b.doc.outcome === 'failed' ? b.entries.find((e) => e.pattern?.ends === 'completed') : undefined;
      const stood = new Set(end ? stoodUntilCompleted(b.entries, end, b.unknown) : []);
      const first = b.unknown.find((e) => known(e) && (stood.has(e) || !movedOnAfter(e, b.entries)));
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
      } else if (b.doc.outcome === 'unknown' && b.carried && b.unknown.some(known)) {
        // A known warning the install carried past says more than an unrecognised line beside
        // it (RHEL 8's %post without perl, then sleep's complaint about the value perl never gave).
        b.doc.rootCause = causeDoc(b.carried);
      } else if (b.doc.outcome === 'unknown' && (carried = b.unknown.find(known))) {
        // No outcome, and the install went on past an error it printed (`perl: command not
        // found` in %post, then the downloads): not what stopped it, but the one lead there is.
        b.doc.rootCause = {
          pattern: 'unknown',
          recognised: false,
          title: `An error the install carried past: ${carried.rec.message.slice(0, 160)}`,
          remedy:
            'The input shows no outcome. Check whether the step that printed this line did its work (xtriage show); teach xtriage with a local pattern (xtriage patterns try) if the line matters.',
          severity: 'warning',
          evidence: [evidenceOf(carried)],
        };
      } else if (b.generic) {
        // Only a status line says it failed, and no line says why.
        b.doc.rootCause = {
          pattern: 'not-logged',
          recognised: false,
          title: `Cause not logged: ${counted(b.generic.title, linesOf(b.generic))}; the last step seen was ${b.doc.stage}`,
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
  const groups = buildGroups(
    built,
    orphanErrors,
    clusterCands.filter((c) => !inhibited(c)),
  );
  attachInhibited(redo, clusterCands, closure);
  // Ties by machine key, not id: an id hashes the start, so fragments with no times of their own
  // (placed at their files' mtime) would list in an order that changed with the checkout date.
  const sorted = [...built]
    .sort((a, b) => a.doc.startedAt.localeCompare(b.doc.startedAt) || a.machine.localeCompare(b.machine) || a.doc.id.localeCompare(b.doc.id))
    .map((b) => b.doc);
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

/**
 * The MN-side fault that blocks a session where it stopped: logged within a minute of the
 * session's lines, at the stage the session reached or before the stage it would reach next.
 */
function mnBlocking(mnCauses: Candidate[], b: Built): Candidate | null {
  const reached = STAGE_RANK[b.doc.stage as Stage] ?? -1;
  for (const c of mnCauses) {
    const stage = c.entry?.pattern?.stage ?? c.entry?.pattern?.milestone ?? null;
    // At the stage it stopped, or the next one: a fault of a stage it got past did not stop it.
    if (stage === null || STAGE_RANK[stage] < reached || STAGE_RANK[stage] > reached + 1) continue;
    if (c.at < b.firstAt - 60_000 || c.at > b.lastAt + 60_000) continue;
    return c;
  }
  return null;
}
