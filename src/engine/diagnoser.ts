// What the engine asks of the next stage at each snapshot: a port, so that the engine does not
// import the stage after it. The composition roots (analyze, the daemon) plug diagnose() in.

import type { Pattern, Rule } from '../types';
import type { AnalysisDoc, SessionDoc } from '../contract';
import type { Identity } from '../identity/identity';
import type { Entry } from './entry';

/** What the engine reads of a machine's cached result: its sessions and whether it can freeze. */
export interface CachedMachine {
  built: { doc: SessionDoc; entries: Entry[] }[];
  /** When the verdicts must be recomputed even without new lines (a running attempt's stall limit). */
  deadline: number;
  rulesVersion: Rule[];
}

export interface DiagnoseInput {
  machines: Map<string, Entry[]>;
  cluster: Entry[];
  identity: Identity;
  patterns: Pattern[];
  rules: Rule[];
  now: number;
  /**
   * Live: per-machine results kept between snapshots (the engine stores what the diagnoser
   * returned and reads only the CachedMachine part), and the machines whose lines changed.
   */
  cache?: Map<string, CachedMachine>;
  changed?: ReadonlyMap<string, unknown> | ReadonlySet<string>;
  /** Live: changed machines whose new lines may change an outcome (an error, an end): first. */
  urgent?: Set<string>;
  /**
   * Live: stop rebuilding machines after this many ms (urgent ones first, then the longest
   * waiting); the rest keep their last result and are rebuilt by a later snapshot.
   */
  budgetMs?: number;
  /** Live: what the last snapshot depended on beyond each machine's own lines. */
  memo?: { sig: string | null };
  /** Stall limits are multiplied by this (1; a demo replaying at compressed time uses less). */
  stallScale?: number;
  /** Live: a machine's lines when it must be rebuilt (a frozen machine's are compressed). */
  thaw?: (machine: string) => Entry[];
  /** Offline, loose files only: every session is a fragment's (see Engine.fragments). */
  fragments?: boolean;
}

export interface Diagnosis {
  doc: AnalysisDoc;
  /** Every kept line of each session, for timelines and the log view. */
  timelines: Map<string, Entry[]>;
  /** Machines whose result was rebuilt (live: the others are still to do). */
  rebuilt: Set<string>;
  /** Sessions whose document may differ from the last snapshot's; null: any of them. */
  touched: Set<string> | null;
}

export type Diagnoser = (input: DiagnoseInput) => Diagnosis;
