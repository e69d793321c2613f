// Causes shared across machines (one pattern and its groupBy fields) and MN-side faults with no
// node line become groups; a group is "shared" only with two or more nodes.

import type { Entry } from '../engine/entry';
import { evidenceOf } from '../engine/entry';
import type { GroupDoc } from '../contract';
import { type Built } from './attempts';
import { type Candidate, MAX_EVIDENCE, evidenceList, patternCandidate } from './candidates';

export function groupKey(c: Candidate): string {
  return [c.id, ...c.groupBy.map((g) => c.fields[g] ?? '')].join('|');
}

export function buildGroups(built: Built[], orphans: { entry: Entry; node: string | null }[], clusterCands: Candidate[]): GroupDoc[] {
  const groups = new Map<string, GroupDoc & { firstAt: number; warning: boolean }>();
  const add = (c: Candidate, session: Built | null, node: string | null): void => {
    const key = groupKey(c);
    let g = groups.get(key);
    if (!g) {
      g = {
        pattern: c.id,
        title: c.title,
        remedy: c.remedy,
        evidence: c.entry ? evidenceList(c.entry) : [],
        sessions: [],
        nodes: [],
        scope: c.scope,
        firstAt: c.at,
        warning: c.severity === 'warning' || c.severity === 'info',
      };
      groups.set(key, g);
    }
    if (session && !g.sessions.includes(session.doc.id)) g.sessions.push(session.doc.id);
    if (node && !g.nodes.includes(node)) g.nodes.push(node);
    if (
      c.entry &&
      g.evidence.length < MAX_EVIDENCE &&
      !g.evidence.some((e) => e.line === c.entry!.rec.raw) &&
      (!session || g.sessions.length <= MAX_EVIDENCE)
    ) {
      if (g.scope === 'cluster' && session) g.evidence.push(evidenceOf(c.entry));
    }
  };
  for (const b of built) if (b.root) add(b.root, b, b.doc.node);
  for (const o of orphans) add(patternCandidate(o.entry, o.node ? { node: o.node } : {}), null, o.node);
  for (const c of clusterCands) if (!groups.has(groupKey(c))) add(c, null, null);
  return (
    [...groups.values()]
      // A cause shared by two sessions or more; an MN-side fault (scope cluster), whoever it hit;
      // a node's fault seen before the node had a session. Not: one node's own cause, nor an
      // MN-side warning that is one session's only lead (a mistyped noderange).
      .filter(
        (g) => g.sessions.length >= 2 || (g.scope === 'cluster' && !(g.warning && g.sessions.length === 1)) || (g.sessions.length === 0 && g.nodes.length > 0),
      )
      .sort((a, b) => b.sessions.length - a.sessions.length || b.nodes.length - a.nodes.length || a.firstAt - b.firstAt)
      .map(({ firstAt: _f, warning: _w, ...g }) => g)
  );
}
