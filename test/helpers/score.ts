// Scores a diagnosis against a generated cluster's ground truth, per node (its latest session).
import type { AnalysisDoc, SessionDoc } from '../../src/contract';

export interface TruthNode {
  node: string;
  mac: string;
  outcome: string;
  kind: string;
  rootCause: { match: string } | null;
}

export interface Score {
  nodes: number;
  outcomeRight: number;
  failing: number;
  rootRight: number;
  cleanReportedFailed: string[];
  misses: string[];
}

export function latest(doc: AnalysisDoc, t: { node: string; mac: string }): SessionDoc | undefined {
  const mine = doc.sessions.filter((s) => s.mac === t.mac.toLowerCase() || (s.node === t.node && !s.mac));
  return mine.sort((a, b) => a.startedAt.localeCompare(b.startedAt)).pop();
}

export function score(doc: AnalysisDoc, truth: TruthNode[]): Score {
  const out: Score = { nodes: truth.length, outcomeRight: 0, failing: 0, rootRight: 0, cleanReportedFailed: [], misses: [] };
  for (const t of truth) {
    const s = latest(doc, t);
    const outcome = s?.outcome ?? 'none';
    if (outcome === t.outcome) out.outcomeRight++;
    else out.misses.push(`${t.node} (${t.kind}): outcome ${outcome}, expected ${t.outcome}; cause ${s?.rootCause?.pattern ?? '-'}`);
    if (t.outcome === 'succeeded' && (outcome === 'failed' || outcome === 'stalled' || outcome === 'looping')) out.cleanReportedFailed.push(t.node);
    if (t.rootCause) {
      out.failing++;
      const line = s?.rootCause?.evidence[0]?.line ?? '';
      if (line.includes(t.rootCause.match)) out.rootRight++;
      else
        out.misses.push(
          `${t.node} (${t.kind}): root ${s?.rootCause?.pattern ?? '-'} ${JSON.stringify(line.slice(0, 140))}, expected ${JSON.stringify(t.rootCause.match)}`,
        );
    }
  }
  return out;
}
