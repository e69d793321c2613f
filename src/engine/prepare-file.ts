// One file of an offline analysis read and matched, record by record, in reading order: what
// the engine is fed, whether this runs on the main thread or in a worker (prepare-worker.ts).
// The engine's own state is never consulted here, so a file can be prepared ahead of the files
// before it; everything that depends on that state (identity, folding, copies) stays in
// Engine.feedMatched() and Engine.foldRun().

import type { LogRecord, Match } from '../types';
import type { Matcher } from '../patterns/match';
import { LineReader, type FileKind } from '../records/line-reader';
import { readLines, type ReadResult } from '../sources/read-lines';
import { runnable } from './folding';

/** Untimed lines held at most, per file, waiting for the file's first timed line. */
const MAX_HELD = 100_000;

export interface FileSpec {
  abs: string;
  kind: FileKind;
  /** Its source name (the MN-relative path, or the paste's name). */
  rel: string;
  /** A time at or after its last line, for BSD years (see LineReader). */
  reference: number;
  node: string | null;
  /** Count its lines and first time (a fragment's file: see analyze's addSilentFragments). */
  counted: boolean;
}

/** What a file's reading gave besides its records. */
export interface FileDone {
  read: ReadResult;
  /** Records read (counted files only). */
  lines: number;
  /** The time of its first timed record (counted files only). */
  firstAt: number | null;
}

/**
 * Where the records go, in reading order; `ord` is the record's place among the file's records,
 * `at` where its line starts in the file when the line can be read again from there (a pure-ASCII
 * line of a plain file that is one record: see readLines), else -1.
 */
export interface RecordSink {
  record(rec: LogRecord, m: Match | null, ord: number, at: number): void;
  bytes(n: number): void;
}

/**
 * A record that may be a line of a run (Engine.foldRun): a timed access_log line about its
 * client address alone (no MAC, IP, name or noderange in what it matched), whose pattern folds
 * whole. Its subject is `{ ip: rec.from }`, as Engine.subjectsOf() would find.
 */
export function isRunLine(rec: LogRecord, m: Match | null, kind: FileKind): boolean {
  if (!m || kind !== 'access' || rec.channel !== 'http' || rec.claimed === null || !rec.from || rec.node !== null) return false;
  const f = m.fields;
  return runnable(m.pattern) && f.mac === undefined && f.ip === undefined && f.node === undefined && f.noderange === undefined;
}

/**
 * Reads one file: each record matched and handed to the sink in the order the engine must be
 * fed. Node text before its first timed line (a console's boot banner) is placed at that line's
 * time, not at the file's mtime after everything else; bounded, past that as it comes.
 */
export async function prepareFile(spec: FileSpec, matcher: Matcher, sink: RecordSink): Promise<FileDone> {
  const reader = new LineReader(spec.kind, spec.rel, spec.reference, spec.node);
  let held: LogRecord[] | null = spec.kind === 'text' || spec.kind === 'console' ? [] : null;
  let ord = 0;
  let lines = 0;
  let firstAt: number | null = null;
  const give = (rec: LogRecord, at = -1): void => sink.record(rec, matcher.match(rec), ord++, at);
  const one = (line: string, at: number): void => {
    const rec = reader.read(line);
    if (!rec) return;
    if (spec.counted) {
      lines++;
      if (rec.claimed !== null && firstAt === null) firstAt = rec.at;
    }
    if (held) {
      if (rec.claimed === null && held.length < MAX_HELD) {
        held.push(rec);
        return;
      }
      const at = rec.claimed !== null ? rec.at : null;
      for (const h of held) give(at === null ? h : { ...h, at });
      held = null;
    }
    give(rec, at);
  };
  const split = (line: string): void => {
    const parts = reader.lines(line);
    for (const p of parts) one(p, -1);
  };
  const read = await readLines(spec.abs, reader.splitsLines ? split : one, (n) => sink.bytes(n));
  for (const h of held ?? []) give(h);
  return { read, lines, firstAt };
}
