// The documents other tools rely on: what `xtriage analyze --json` prints and the daemon's API
// serves (sessions, groups, unknown error templates). Every stage may import it; it imports
// nothing, so a change here is a change of the contract, seen in one place.

/** Milestone stages of a provisioning attempt, in order. */
export type Stage =
  | 'prep'
  | 'power'
  | 'poweron'
  | 'dhcp'
  | 'bootloader'
  | 'bootscript'
  | 'kernel'
  | 'initrd'
  | 'kickstart'
  | 'installing'
  | 'netbooting'
  | 'packages'
  | 'rootimg'
  | 'postinstall'
  | 'postscripts'
  | 'booting'
  | 'postbooting'
  | 'postbootscripts'
  | 'booted';

/** How a provisioning attempt ended (or did not): `unknown` when the input shows no outcome. */
export type Outcome = 'running' | 'succeeded' | 'failed' | 'stalled' | 'looping' | 'unknown';

/** A line shown as evidence: when, from which file (or `remote`), verbatim. */
export interface Evidence {
  at: string;
  source: string;
  line: string;
}

export interface Cause {
  pattern: string;
  /** False when no pattern knows the line: the earliest non-generic error of the failing attempt. */
  recognised?: boolean;
  title: string;
  remedy: string;
  meaning?: string;
  severity?: string;
  evidence: Evidence[];
}

export interface Symptom {
  pattern: string;
  title: string;
  evidence: Evidence[];
  /** True when the root cause (or a cause it explains) accounts for it. */
  explained?: boolean;
}

/**
 * What a session is keyed by: a MAC, an IP, a name only (the logs hold no MAC or IP for it), or
 * its file (a fragment that names no machine at all: one machine per file).
 */
export type IdentityKind = 'mac' | 'ip' | 'name' | 'file';

export interface SessionDoc {
  id: string;
  mac: string | null;
  ips: string[];
  node: string | null;
  identity: IdentityKind;
  outcome: Outcome;
  stage: string;
  startedAt: string;
  endedAt: string | null;
  rootCause: Cause | null;
  symptoms: Symptom[];
  milestones: { stage: Stage; at: string }[];
  /** Attempts folded into this session (a loop has several). */
  attempts: number;
  stall?: { last: string | null; next: string | null; waitedS: number; normalS: number; open: Evidence | null };
  loop?: { attempts: number; breaks: string[] };
  unknownErrors: { template: string; evidence: Evidence[] }[];
  /** Why the session says little (a fragment none of whose lines this tool knows). */
  note?: string;
}

export interface GroupDoc {
  pattern: string;
  title: string;
  remedy: string;
  evidence: Evidence[];
  sessions: string[];
  /** Node names affected, also those with no session yet (an MN-side fault seen before any node booted). */
  nodes: string[];
  scope: 'node' | 'cluster';
}

export interface UnknownErrorDoc {
  template: string;
  count: number;
  sessions: string[];
  failingSessions: number;
  succeededSessions: number;
  example: Evidence;
}

export interface AnalysisDoc {
  sessions: SessionDoc[];
  groups: GroupDoc[];
  unknownErrors: UnknownErrorDoc[];
}
