// What "the same diagnosis" means when live and offline results are compared: who the machine is,
// what happened to it and why, not when a snapshot was taken (waited times, titles with counts).

import type { SessionDoc } from '../contract';

export interface SessionEssence {
  mac: string | null;
  node: string | null;
  ips: string[];
  outcome: string;
  stage: string;
  startedAt: string;
  milestones: SessionDoc['milestones'];
  root: [string, string | null] | null;
  symptoms: string[];
}

export function sessionEssence(s: SessionDoc): SessionEssence {
  return {
    mac: s.mac,
    node: s.node,
    ips: [...s.ips].sort(),
    outcome: s.outcome,
    stage: s.stage,
    startedAt: s.startedAt,
    milestones: s.milestones,
    root: s.rootCause ? [s.rootCause.pattern, s.rootCause.evidence[0]?.line ?? null] : null,
    symptoms: s.symptoms.map((y) => y.pattern),
  };
}
