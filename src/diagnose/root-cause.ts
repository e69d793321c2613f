// A session's root cause: the earliest candidate no other candidate (or MN-side cause) explains;
// the rest are its symptoms, marked explained when the cause accounts for them (Alertmanager-
// style inhibition).

import { type Built } from './attempts';
import { type Candidate, causeDoc, counted, evidenceList, linesOf } from './candidates';

const MAX_SYMPTOMS = 30;

function sameMoment(x: Candidate, y: Candidate): number {
  const a = x.entry;
  const b = y.entry;
  if (a && b) {
    const d = a.rank - b.rank || (a.rec.source === b.rec.source ? 0 : a.rec.source < b.rec.source ? -1 : 1) || a.ord - b.ord;
    if (d) return d;
  } else if (a || b) return a ? -1 : 1;
  return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
}
const SAME_MOMENT_MS = 1500;

export function chooseRoot(b: Built, closure: (id: string) => Set<string>, clusterCands: Candidate[]): void {
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
  // The cause's count, like a symptom's: every line of the session that says it (an MN-side
  // cause that took the place of the session's own: its own lines).
  let n = 0;
  if (root) for (const c of cands) if (c.id === root.id && c.title === root.title) n += linesOf(c);
  b.doc.rootCause = root ? causeDoc(root, n || linesOf(root)) : null;
  const closed = root ? closure(root.id) : new Set<string>();
  // Repeats of one symptom fold into one: the first line as evidence, in the title how many
  // lines said it. Not how many entries: the engine folds repeats at ingest, and how it split
  // them may depend on the order lines came in. Repeats of the cause are the cause, not symptoms.
  const folded: { c: Candidate; title: string; explained: boolean; n: number }[] = [];
  const byKey = new Map<string, { c: Candidate; title: string; explained: boolean; n: number }>();
  const rootKey = root ? `${root.id}\u0000${root.title}` : null;
  for (const y of symptoms) {
    const title = y.c.title;
    const key = `${y.c.id}\u0000${title}`;
    if (key === rootKey) continue;
    const lines = linesOf(y.c);
    const same = byKey.get(key);
    if (same) {
      same.n += lines;
      same.explained ||= y.explained;
    } else {
      const f = { c: y.c, title, explained: y.explained, n: lines };
      byKey.set(key, f);
      folded.push(f);
    }
  }
  // Symptoms of one moment in a fixed order, whatever order their lines came in: as offline
  // reads them (by file, then by place in the file), then by pattern.
  folded.sort((x, y) => x.c.at - y.c.at || sameMoment(x.c, y.c));
  b.doc.symptoms = folded.slice(0, MAX_SYMPTOMS).map(({ c, title, explained, n }) => ({
    pattern: c.id,
    title: counted(title, n),
    evidence: c.entry ? evidenceList(c.entry) : [],
    explained: explained || closed.has(c.id),
  }));
}

/** Lines about no machine that a session's cause explains (xcatd refusing that node …) join its symptoms. */
export function attachInhibited(built: Built[], cands: Candidate[], closure: (id: string) => Set<string>): void {
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
        b.doc.symptoms.push({ pattern: c.id, title: counted(c.title, linesOf(c)), evidence: c.entry ? evidenceList(c.entry) : [], explained: true });
      }
    }
  }
}
