// The timeline of one session: each milestone with the time its stage took (from the
// previous milestone), against the cluster's median for that stage, so a slow stage stands out.

import type { SessionDoc } from '../diagnose';

export interface Step {
  stage: string;
  at: string;
  /** Seconds since the previous milestone; null for the first. */
  tookS: number | null;
  /** The cluster's median for this stage, when at least MIN_SAMPLES sessions reached it. */
  medianS: number | null;
  slow: boolean;
}

const MIN_SAMPLES = 3;

/** Median seconds each stage takes across the given sessions (from the milestone before it). */
export function stageMedians(sessions: Iterable<SessionDoc>): Map<string, number> {
  const samples = new Map<string, number[]>();
  for (const s of sessions) {
    const ms = s.milestones;
    for (let i = 1; i < ms.length; i++) {
      const d = (Date.parse(ms[i]!.at) - Date.parse(ms[i - 1]!.at)) / 1000;
      if (!Number.isFinite(d) || d < 0) continue;
      let list = samples.get(ms[i]!.stage);
      if (!list) samples.set(ms[i]!.stage, (list = []));
      list.push(d);
    }
  }
  const out = new Map<string, number>();
  for (const [stage, list] of samples) {
    if (list.length < MIN_SAMPLES) continue;
    list.sort((a, b) => a - b);
    const mid = list.length >> 1;
    out.set(stage, list.length % 2 ? list[mid]! : (list[mid - 1]! + list[mid]!) / 2);
  }
  return out;
}

/** Slow: at least twice the median and at least 10 s more. */
export function isSlow(tookS: number, medianS: number): boolean {
  return tookS >= 2 * medianS && tookS - medianS >= 10;
}

export function stepsOf(s: Pick<SessionDoc, 'milestones'>, medians: Map<string, number>): Step[] {
  return s.milestones.map((m, i) => {
    const prev = s.milestones[i - 1];
    const tookS = prev ? Math.max(0, (Date.parse(m.at) - Date.parse(prev.at)) / 1000) : null;
    const medianS = medians.get(m.stage) ?? null;
    return { stage: m.stage, at: m.at, tookS, medianS, slow: tookS !== null && medianS !== null && isSlow(tookS, medianS) };
  });
}
