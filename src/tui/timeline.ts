// The timeline of one session: each milestone with the time its stage took (from the
// previous milestone), against the cluster's median for that stage, so a slow stage stands out.

import type { SessionDoc } from '../contract';
import { STAGE_RANK } from '../types';

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

/** Per session: [stage, seconds since the previous milestone] (sessions are replaced, never mutated). */
const deltasCache = new WeakMap<SessionDoc, [string, number][]>();

function deltasOf(s: SessionDoc): [string, number][] {
  let d = deltasCache.get(s);
  if (d) return d;
  d = [];
  const ms = s.milestones;
  let prev = ms.length ? Date.parse(ms[0]!.at) : NaN;
  for (let i = 1; i < ms.length; i++) {
    const t = Date.parse(ms[i]!.at);
    const sec = (t - prev) / 1000;
    if (Number.isFinite(sec) && sec >= 0) d.push([ms[i]!.stage, sec]);
    prev = t;
  }
  deltasCache.set(s, d);
  return d;
}

/** Median seconds each stage takes across the given sessions (from the milestone before it). */
export function stageMedians(sessions: Iterable<SessionDoc>): Map<string, number> {
  const samples = new Map<string, number[]>();
  for (const s of sessions) {
    for (const [stage, sec] of deltasOf(s)) {
      let list = samples.get(stage);
      if (!list) samples.set(stage, (list = []));
      list.push(sec);
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
  // Milestones logged in the same second (one-second file timestamps) are shown in stage order.
  const ms = s.milestones
    .map((m, i) => ({ m, i, t: Date.parse(m.at) }))
    .sort((a, b) => a.t - b.t || (STAGE_RANK[a.m.stage] ?? 99) - (STAGE_RANK[b.m.stage] ?? 99) || a.i - b.i)
    .map((x) => x.m);
  return ms.map((m, i) => {
    const prev = ms[i - 1];
    const tookS = prev ? Math.max(0, (Date.parse(m.at) - Date.parse(prev.at)) / 1000) : null;
    const medianS = medians.get(m.stage) ?? null;
    return { stage: m.stage, at: m.at, tookS, medianS, slow: tookS !== null && medianS !== null && isSlow(tookS, medianS) };
  });
}
