// Small text helpers shared by the screens and the live CLI: names, times, durations, counts.

import type { SessionDoc } from '../contract';

export const OUTCOMES = ['failed', 'looping', 'stalled', 'running', 'succeeded'] as const;
export type OutcomeName = (typeof OUTCOMES)[number];

/** Failing first, then running, then succeeded. */
export const OUTCOME_RANK: Record<string, number> = { failed: 0, looping: 1, stalled: 2, running: 3, succeeded: 4 };

export function outcomeWord(o: string): string {
  return o.toUpperCase();
}

/** Fixed-width outcome word, so columns line up (SUCCEEDED is the longest). */
export function outcomeCell(o: string): string {
  return outcomeWord(o).padEnd(9);
}

export function isFailing(o: string): boolean {
  return o === 'failed' || o === 'stalled' || o === 'looping';
}

/** The best name a person knows the machine by: node name, else MAC, else IP, else the id. */
export function nameOf(s: Pick<SessionDoc, 'node' | 'mac' | 'ips' | 'id'>): string {
  return s.node ?? s.mac ?? s.ips[0] ?? s.id;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
export const compareNames = (a: string, b: string): number => collator.compare(a, b);

/** `HH:MM:SS` of an ISO 8601 time as the daemon wrote it (its local offset). */
export function clock(iso: string | null | undefined): string {
  if (!iso) return '--:--:--';
  const m = /T(\d\d:\d\d:\d\d)/.exec(iso);
  return m ? m[1]! : iso;
}

/** `YYYY-MM-DD HH:MM:SS` of an ISO 8601 time. */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  return iso
    .replace('T', ' ')
    .replace(/\.\d+/, '')
    .replace(/([+-]\d\d:\d\d|Z)$/, '');
}

export function ms(iso: string | null | undefined): number {
  if (!iso) return NaN;
  return Date.parse(iso);
}

/** 42s, 3m05s, 1h02m, 2d03h. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

export function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** Counts of sessions by outcome. */
export function countOutcomes(sessions: Iterable<SessionDoc>): Record<OutcomeName, number> {
  const c: Record<OutcomeName, number> = { failed: 0, looping: 0, stalled: 0, running: 0, succeeded: 0 };
  for (const s of sessions) if (s.outcome in c) c[s.outcome as OutcomeName]++;
  return c;
}

const RFC5424 = /^<\d{1,3}>1 \S+ (\S+) (\S+) (\S+) \S+ (?:-|(?:\[(?:[^\]"\\]|\\.|"(?:[^"\\]|\\.)*")*\])+)(?: (?:\uFEFF)?([\s\S]*))?$/;
const BSD_STAMP = /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d (\S+ [\s\S]*)$/;
/** rsyslog's RSYSLOG_FileFormat: an ISO stamp, then host and tag as in BSD syslog. */
const ISO_STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d) (\S+ \S+: [\s\S]*)$/;
const BSD_WITH_PRI = /^<\d{1,3}>(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+) ([\s\S]*)$/;

/**
 * A log line as a person reads it: a syslog header that only repeats what the screen already
 * shows (priority, version, timestamp, structured data such as timeQuality or the relay's
 * origin) is dropped, leaving `host program[pid]: message`. A line without such a header is
 * returned as it is. The raw line stays available (the log screen's Enter).
 */
export function displayLine(raw: string): string {
  let line = raw;
  for (let i = 0; i < 3; i++) {
    const m = RFC5424.exec(line);
    if (m) {
      const [, host, app, procid, msg] = m;
      const inner = msg ?? '';
      // A relayed message carries the node's own syslog line as its MSG: read that instead.
      if (/^<\d{1,3}>/.test(inner)) {
        line = inner;
        continue;
      }
      const tag = app !== '-' ? `${app}${procid !== '-' ? `[${procid}]` : ''}: ` : '';
      // A node's "localhost" (before it has its name) tells nothing: the screen names the node.
      return `${host !== '-' && !/^localhost(?:\.localdomain)?$/.test(host!) ? `${host} ` : ''}${tag}${inner}`;
    }
    const b = BSD_WITH_PRI.exec(line);
    if (b) return b[1]!;
    break;
  }
  // A file's syslog line: its date is the time column already.
  const f = BSD_STAMP.exec(line) ?? ISO_STAMP.exec(line);
  return f ? f[1]! : line;
}
