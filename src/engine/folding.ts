// Which patterns' lines fold into one entry without a record each: shared by the engine and by
// the file preparation that runs ahead of it (prepare-file.ts), which must agree exactly.

import type { Pattern } from '../types';

/**
 * A pattern that only says something: no milestone, opens or ends no attempt, and is no progress
 * line of a stage (a problem may name a stage). Splitting its runs moves no attempt boundary.
 */
export function isSymptomOnly(p: Pattern): boolean {
  return p.milestone === null && (p.stage === null || p.severity !== 'info') && !p.opens && p.ends === null;
}

/**
 * A pattern whose consecutive lines about one machine fold whole into its last entry, whatever
 * they say, and that binds nothing: a run of them (a node's package downloads) needs no record
 * per line, only its count and last time (Engine.foldRun).
 */
export function runnable(p: Pattern): boolean {
  return p.coalesce && !p.binds && !isSymptomOnly(p);
}
