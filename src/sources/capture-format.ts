// The capture format, one JSON object per line: {"at":"ISO 8601 with offset","from":"sender IP
// (or the MN file)","msg":"the message as received"}. xtriaged's spool writes it, the simulator
// writes it for the demo and the benchmarks, `xtriage analyze --capture` and the spool's replay
// read it: all through these two functions, so the format is defined once (docs/contract.md).

import { isoLocal, parseIso } from './timestamps';

export interface CaptureRecord {
  at: number;
  from: string;
  msg: string;
  /** Not part of the capture contract: the daemon's MN-file spool records where reading resumes. */
  resume?: string;
}

/** The capture-file line for a record (with its newline). */
export function formatCaptureLine(m: CaptureRecord): string {
  // Built by hand (same bytes as JSON.stringify of {at, from, msg, resume}): this runs for every
  // received message, and the time string is shared by all messages of one millisecond.
  const tail = m.resume !== undefined ? `,"resume":${JSON.stringify(m.resume)}}\n` : '}\n';
  return `${atPart(m.at)}${fromPart(m.from)}${JSON.stringify(m.msg)}${tail}`;
}

/** A capture line up to its message, in the two parts that repeat: per time, per sender. */
export function atPart(at: number): string {
  return `{"at":"${isoCached(at)}","from":`;
}
export function fromPart(from: string): string {
  return `${JSON.stringify(from)},"msg":`;
}

let isoAt = NaN;
let isoText = '';
function isoCached(t: number): string {
  if (t !== isoAt) {
    isoAt = t;
    isoText = isoLocal(t);
  }
  return isoText;
}

/** Parse one capture line; returns an error reason instead of throwing. */
export function parseCaptureLine(line: string): CaptureRecord | string {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (typeof o !== 'object' || o === null) return 'not a JSON object';
  const r = o as Record<string, unknown>;
  if (typeof r.at !== 'string' || typeof r.from !== 'string' || typeof r.msg !== 'string') {
    return 'missing at/from/msg';
  }
  const at = parseIso(r.at);
  if (at === null) return 'bad "at" time';
  return typeof r.resume === 'string' ? { at, from: r.from, msg: r.msg, resume: r.resume } : { at, from: r.from, msg: r.msg };
}
