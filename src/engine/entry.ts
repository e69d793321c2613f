// An entry is what the engine keeps of a record: the record, what it matched, which machine
// it is about, and how many consecutive repeats were folded into it.

import type { Channel, Evidence, LogRecord, Match, Pattern } from '../types';
import { isoLocal } from '../sources/timestamps';
import type { Subject } from '../identity/identity';
import { TRACE_PROGRAM } from '../records/line-reader';
import { detach } from '../util/detach';
import { originOf, type Origin } from './origin';

/**
 * One object per kept line: the record's fields are the entry's own (`rec` is the entry itself),
 * not a second object beside it. A class, so every entry has the same exact-sized shape: at
 * 800,000 entries the separate record and the literals' spare slots cost ~170 bytes each. What
 * lines share (where they came from) is one object they point to, and what a line repeats (its
 * message, nearly always the raw line's tail; its stated time, nearly always its time) is not
 * kept twice: 128 bytes a line, where the object, the message's slice and the stated time's
 * number were 232.
 */
export class Entry implements LogRecord {
  // The record's fields (see LogRecord), set by setRecord().
  at!: number;
  pid!: number | null;
  raw!: string;
  /** File, channel, sender, host, program, node, severity: shared with the lines around it. */
  private origin!: Origin;
  /** The stated time when it is not `at` (undefined: it is `at`). */
  private stated!: number | null | undefined;
  /** Where the message starts in `raw` when it is raw's tail (nearly always), else the message. */
  private text!: number | string;
  /** Ingestion order (unique; live, it depends on how files and the network interleave). */
  seq: number;
  /** The line's place in its file (or in what the network delivered): after `rank`, where it sorts among lines of the same time. */
  ord: number;
  /** The winning pattern, or null for an error-looking line no pattern knows. */
  pattern: Pattern | null;
  fields: Record<string, string>;
  subject: Subject;
  /** How many lines were folded into this entry (coalescing patterns). */
  count: number;
  /**
   * The last folded line's time when it is not `at` (undefined: it is `at`): a time is a number
   * V8 boxes on its own (16 bytes), and most entries fold nothing.
   */
  private last: number | undefined;

  constructor(
    seq: number,
    ord: number,
    rec: LogRecord,
    pattern: Pattern | null,
    fields: Record<string, string>,
    subject: Subject,
    count: number,
    lastAt: number,
  ) {
    this.setRecord(rec);
    this.seq = seq;
    this.ord = ord;
    this.pattern = pattern;
    this.fields = fields;
    this.subject = subject;
    this.count = count;
    this.lastAt = lastAt;
  }

  /** Time of the last folded line (`at` when nothing was folded). */
  get lastAt(): number {
    const l = this.last;
    return l === undefined ? this.at : l;
  }
  set lastAt(t: number) {
    this.last = t === this.at ? undefined : t;
  }

  /** The line's record: the entry itself. */
  get rec(): LogRecord {
    return this;
  }

  /** Where its line sorts among lines of the same time: its file's place in the offline reading order (then `ord`). */
  get rank(): number {
    return this.origin.rank;
  }
  get claimed(): number | null {
    const c = this.stated;
    return c === undefined ? this.at : c;
  }
  get source(): string {
    return this.origin.source;
  }
  get channel(): Channel {
    return this.origin.channel;
  }
  get from(): string | null {
    return this.origin.from;
  }
  get host(): string | null {
    return this.origin.host;
  }
  get program(): string | null {
    return this.origin.program;
  }
  get node(): string | null {
    return this.origin.node;
  }
  get severity(): number | null {
    return this.origin.severity;
  }
  get message(): string {
    const t = this.text;
    return typeof t === 'number' ? this.raw.slice(t) : t;
  }

  /** Where the message starts in `raw` when it is raw's tail (as setRecord found), else -1. */
  get messageStart(): number {
    const t = this.text;
    return typeof t === 'number' ? t : -1;
  }

  /**
   * The line's record (in the constructor; later, another copy of the line taking this one's
   * place: see Engine.preferEarlierFile). Its text is copied: a kept line must not pin the read
   * chunk or the worker's batch it was sliced from (V8 keeps the parent of a substring alive).
   */
  setRecord(rec: LogRecord): void {
    // The last folded line's time stays what it was when another copy's time takes `at`'s place.
    if (this.last === undefined && this.at !== undefined && rec.at !== this.at) this.last = this.at;
    this.at = rec.at;
    this.stated = rec.claimed === rec.at ? undefined : rec.claimed;
    this.origin = originOf(rec);
    this.pid = rec.pid;
    const raw = detach(rec.raw);
    const m = rec.message;
    const i = m.length ? rec.raw.lastIndexOf(m) : -1;
    this.text = i < 0 ? detach(m) : i + m.length === raw.length ? i : raw.slice(i, i + m.length);
    this.raw = raw;
  }
}

/**
 * Time order; lines of the same time (files have 1-second stamps) in the order offline analysis
 * reads them: by file, then by place in the file. Never by arrival, which live depends on how
 * the files and the network interleave.
 */
export function byTime(a: Entry, b: Entry): number {
  return a.rec.at - b.rec.at || a.rank - b.rank || (a.rec.source === b.rec.source ? 0 : a.rec.source < b.rec.source ? -1 : 1) || a.ord - b.ord || a.seq - b.seq;
}

/**
 * The record's time is one the input states (its own stamp, or when the network delivered it),
 * not its file's mtime or a neighbour's: only such times say what "now" is offline.
 */
export function statesItsTime(rec: LogRecord): boolean {
  return rec.claimed !== null || rec.source === 'remote';
}

/**
 * A line worth keeping: it matched a pattern, or looks like an error no pattern knows. The rest
 * is counted and dropped, by the engine or by a thread preparing files ahead of it.
 */
export function worthKeeping(rec: LogRecord, m: Match | null): boolean {
  return m !== null || looksLikeError(rec);
}

/** Error-looking text: what makes an unmatched line worth showing as an unknown error. */
const ERROR_WORDS =
  /\b(?:error|errors? occurred|failed|failure|fatal|panic|cannot|can't|could not|couldn't|unable to|denied|refused|timed? ?out|not found|no such file|no space left|segfault|segmentation fault|core dumped|read-only file system|traceback|exception|abort(?:ed|ing)?)\b/i;
/** A coreutils-style complaint: `chown: invalid group: 'root:ssh_keys'` (xcat-core #2757), `sleep: invalid time interval`. */
const TOOL_INVALID = /^[\w.-]{1,32}: (?:invalid|illegal) /;
/** A command's usage text: it was called wrong (xcat-core #253: `Usage: grep [OPTION]... PATTERN`). */
const USAGE = /^Usage: \S+ \[/;
const NONZERO_EXIT = /\b(?:return(?:ed)? with|exit(?:ed)?(?: with)?(?: code| status)?|rc[=:]) ?(?:[1-9]\d*|-\d+)\b/i;
/** A line that says it is a warning (or less) is not an error, whatever words follow; "[I]:" is confignetwork's info. */
const WARNING_FIRST = /^\s*(?:(?:warning|warn|notice|info)\b\s*:|\[I\]:)/i;
const BENIGN = /\b(?:0 errors?|no errors?|errors?=0|without errors?)\b/i;

export function looksLikeError(rec: LogRecord): boolean {
  if (rec.channel === 'http') {
    const status = /^\S+ \S+ (\d{3}) /.exec(rec.message);
    return !!status && Number(status[1]) >= 400;
  }
  if (BENIGN.test(rec.message) || rec.program === TRACE_PROGRAM || WARNING_FIRST.test(rec.message)) return false;
  if (rec.severity !== null && rec.severity <= 3) return true;
  return ERROR_WORDS.test(rec.message) || NONZERO_EXIT.test(rec.message) || USAGE.test(rec.message) || TOOL_INVALID.test(rec.message);
}

/** A template of an unknown line: the variable parts masked, as Drain does, so repeats group. */
export function templateOf(message: string): string {
  return message
    .replace(/\b(?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2}\b/gi, '<mac>')
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, '<ip>')
    .replace(/(?:\/[\w.+@%-]+){2,}\/?/g, '<path>')
    .replace(/\b0x[0-9a-f]+\b/gi, '<hex>')
    .replace(/\b[a-z][a-z-]*\d+[a-z\d-]*\b/gi, '<name>')
    .replace(/\b\d+(?:\.\d+)?\b/g, '<num>')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

/** An entry as evidence: its time (local, with offset), where it came from, the line as read. */
export function evidenceOf(e: Entry): Evidence {
  return { at: isoLocal(e.rec.at), source: e.rec.source, line: e.rec.raw };
}
