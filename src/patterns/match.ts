// Matches records against the knowledge base: per channel, highest priority first; the first
// pattern whose regex (and program filter) matches wins. Fields are normalised here so that
// identity never sees "52:54:00:AA:BB:01" and "52:54:00:aa:bb:01" as two machines.

import type { Channel, LogRecord, Match, Pattern } from '../types';
import { CHANNELS } from '../types';
import { normalizeIp, normalizeMac } from '../sources/syslog-parse';
import { detach } from '../util/detach';
import { TRACE_PROGRAM } from '../records/line-reader';

/**
 * Lines repeat: the same text from hundreds of nodes, a flood of one line. Results by text,
 * bounded. 5,000 nodes, five pairs against 20,000: 0.1-1.7 s faster in each (a line seen again
 * more than 10,000 distinct texts later was matched again), peak RSS +5-15 MB; 100,000 was
 * faster still but +90 MB.
 */
const MEMO_MAX = 40_000;
const MEMO_TEXT_MAX = 1024;

export class Matcher {
  private readonly byChannel = new Map<Channel, Pattern[]>();
  /**
   * channel → program → text → result: looked up without building a key string per line. Two
   * generations: when the current one is full it becomes the old one, and what is still asked
   * for moves back (unique lines, a DHCP line with its MAC, do not push out the hot ones).
   */
  private memo = new Map<Channel, Map<string, Map<string, Match | null>>>();
  private older = new Map<Channel, Map<string, Map<string, Match | null>>>();
  private memoSize = 0;

  constructor(readonly patterns: Pattern[]) {
    for (const c of CHANNELS) {
      const list = patterns.filter((p) => p.sources.includes(c));
      // Stable: equal priorities keep file order.
      list.sort((a, b) => b.priority - a.priority);
      this.byChannel.set(c, list);
    }
  }

  /** The winning match for a record, or null. Depends only on channel, program and text. */
  match(rec: LogRecord): Match | null {
    // A `set -x` trace is the command about to run; its result is the next line.
    if (rec.program === TRACE_PROGRAM) return null;
    const list = this.byChannel.get(rec.channel);
    if (!list) return null;
    if (rec.message.length > MEMO_TEXT_MAX) return detachFields(firstMatch(list, rec));
    const program = rec.program ?? '';
    let byProgram = this.memo.get(rec.channel);
    let byText = byProgram?.get(program);
    let m = byText?.get(rec.message);
    if (m !== undefined) return m;
    m = this.older.get(rec.channel)?.get(program)?.get(rec.message);
    if (m === undefined) m = detachFields(firstMatch(list, rec));
    if (this.memoSize >= MEMO_MAX / 2) {
      this.older = this.memo;
      this.memo = new Map();
      this.memoSize = 0;
      byProgram = byText = undefined;
    }
    if (!byProgram) this.memo.set(rec.channel, (byProgram = new Map()));
    if (!byText) byProgram.set(detach(program), (byText = new Map()));
    byText.set(detach(rec.message), m);
    this.memoSize++;
    return m;
  }

  /** Every pattern of the record's channel that matches (for conflict checks and `patterns try`). */
  matchAll(rec: LogRecord): Match[] {
    const out: Match[] = [];
    for (const p of this.byChannel.get(rec.channel) ?? []) {
      const m = tryPattern(p, rec);
      if (m) out.push(m);
    }
    return out;
  }
}

/** Field values are kept with entries (and memoised): flat copies, frozen since they are shared. */
function detachFields(m: Match | null): Match | null {
  if (!m) return null;
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.fields)) fields[k] = detach(v);
  return { pattern: m.pattern, fields: Object.freeze(fields) };
}

function firstMatch(list: Pattern[], rec: LogRecord): Match | null {
  for (const p of list) {
    const m = tryPattern(p, rec);
    if (m) return m;
  }
  return null;
}

function includesAny(text: string, lits: string[]): boolean {
  for (const l of lits) if (text.includes(l)) return true;
  return false;
}

export function tryPattern(p: Pattern, rec: LogRecord): Match | null {
  if (p.literal !== null) {
    if (!rec.message.includes(p.literal)) return null;
  } else if (p.anyOf !== null && !includesAny(rec.message, p.anyOf)) return null;
  if (p.program && !p.program.test(rec.program ?? '')) return null;
  const m = p.regex.exec(rec.message);
  if (!m) return null;
  return { pattern: p, fields: normalizeFields(m.groups) };
}

export function normalizeFields(groups: Record<string, string | undefined> | undefined): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!groups) return fields;
  for (const [k, v] of Object.entries(groups)) {
    if (v === undefined || v === '') continue;
    if (k === 'mac') fields.mac = normalizeMac(v) ?? v.toLowerCase();
    else if (k === 'ip') fields.ip = normalizeIp(v);
    else fields[k] = v;
  }
  return fields;
}

/** Fill {field} placeholders of a title or remedy. Unknown fields stay visible as {field}. */
export function fillTemplate(template: string, fields: Record<string, string | number | undefined | null>): string {
  return template.replace(/\{(\w+)\}/g, (all, k: string) => {
    const v = fields[k];
    return v === undefined || v === null || v === '' ? all : String(v);
  });
}
