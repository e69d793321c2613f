// The records stage: a line of any kind becomes one normalised record. How each kind is
// recognised and parsed lives in sources/kinds/ (one module per kind); here a parsed line gets
// its place in time (a line without a time of its own goes where the last timed line of its
// file was), its size bounds and the node its file names. Never throws.

import type { LogRecord } from '../types';
import { YearTracker } from '../sources/timestamps';
import { logKind, type FileKind } from '../sources/kinds/index';
import type { LineParser, ParsedLine } from '../sources/kinds/kind';
import { withoutGrepPrefix } from '../sources/kinds/text-line';
import { MAX_RAW } from '../sources/read-lines';
export { MAX_RAW };

export type { FileKind } from '../sources/kinds/index';
export { TRACE_PROGRAM } from '../sources/kinds/node-text';

/** Lines longer than this are cut before matching (raw keeps up to MAX_RAW). */
export const MAX_MATCH = 16 * 1024;
/** A one-writer file whose time goes back more than this had its clock set (NTP, hwclock, a zone). */
const CLOCK_STEP_MS = 60_000;

function capRaw(line: string): string {
  return line.length > MAX_RAW ? `${line.slice(0, MAX_RAW)}…[cut ${line.length - MAX_RAW} chars]` : line;
}

export class LineReader {
  private readonly parse: LineParser;
  /** The time of the last line that had one: a line without a time is placed there (raw console text). */
  private lastClaimed: number | null = null;
  private readonly oneClock: boolean;
  private readonly split: ((line: string) => string[] | null) | null;
  /** Added to a one-writer file's times since its clock was set back (keeps the file's order). */
  private shift = 0;

  /**
   * @param kind how to read the lines
   * @param source the record source ('remote' or the MN-relative path)
   * @param reference a time at or after the file's last line (its mtime), for BSD years
   * @param node node name implied by the file (console files)
   */
  constructor(
    readonly kind: FileKind,
    readonly source: string,
    private readonly reference: number,
    private readonly node: string | null = null,
  ) {
    const k = logKind(kind);
    this.parse = k.open({ reference, years: new YearTracker(reference) });
    this.oneClock = k.oneClock === true;
    this.split = k.split ?? null;
  }

  /** Whether this kind may find several lines in one (pastes): else lines() is never needed. */
  get splitsLines(): boolean {
    return this.split !== null;
  }

  /** The lines one physical line holds (several, when a paste joined them). */
  lines(line: string): string[] {
    return (this.split && this.split(line)) || [line];
  }

  /** Parse one line (without its newline). `at` overrides the observed time (network input). */
  read(line: string, at?: number, from?: string | null): LogRecord | null {
    // CRLF: a file read offline loses its CR, a tailed or received line may keep it; one record either way.
    const raw = capRaw(line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line);
    // Evidence keeps the line as it was; the kind reads it without a paste's `grep` file prefix.
    const p = this.parse(this.kind === 'remote' ? raw : withoutGrepPrefix(raw), from);
    return p ? this.record(p, raw, at) : null;
  }

  private record(p: ParsedLine, raw: string, at?: number): LogRecord {
    let placed = p.claimed;
    if (placed !== null && this.oneClock) {
      // xcat-core#5636: a node's xcat.log goes from 08:37 back to 04:38 when its clock is fixed;
      // what came later in the file happened later.
      placed += this.shift;
      if (this.lastClaimed !== null && placed < this.lastClaimed - CLOCK_STEP_MS) {
        this.shift += this.lastClaimed - placed;
        placed = this.lastClaimed;
      }
    }
    if (placed !== null) this.lastClaimed = placed;
    return {
      at: at ?? p.at ?? placed ?? this.lastClaimed ?? this.reference,
      claimed: p.claimed,
      source: this.source,
      channel: p.channel,
      from: p.from ?? null,
      host: p.host ?? null,
      program: p.program ?? null,
      pid: p.pid ?? null,
      severity: p.severity ?? null,
      message: p.message.length > MAX_MATCH ? p.message.slice(0, MAX_MATCH) : p.message,
      raw,
      node: this.node,
    };
  }
}
