// Timestamp parsing for the formats xCAT's MN logs use. BSD syslog timestamps carry no
// year and no zone: they are read in the process's local zone (the MN's, in production)
// and given the year that keeps a file monotonic across New Year.

import { detach } from '../util/detach';

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

export function monthIndex(name: string): number | undefined {
  return MONTHS[name];
}

/** "Nov 24 10:01:02" or "Nov  4 10:01:02" (optionally with .fraction) at the start of s. */
export const BSD_TS = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?/;

/** RFC 3339 / ISO 8601 with offset or Z, e.g. 2026-11-24T10:01:02.345+00:00. */
export const ISO_TS = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?/;

/**
 * Times of whole seconds by their text: a flood repeats the same second thousands of times.
 * Bounded; keys are flat copies (a timestamp sliced from a read chunk must not keep it alive).
 */
function rememberSecond(memo: Map<string, number | null>, key: string, read: (key: string) => number | null): number | null {
  let t = memo.get(key);
  if (t === undefined) {
    t = read(key);
    if (memo.size >= 4096) memo.clear();
    memo.set(detach(key), t);
  }
  return t;
}

const isoMemo = new Map<string, number | null>();

export function parseIso(s: string): number | null {
  // "YYYY-MM-DDTHH:MM:SS[.frac]…": the second memoised, the fraction added as parseIsoText would.
  if (s.length >= 19 && s.charCodeAt(4) === 45 && s.charCodeAt(16) === 58) {
    let end = 19;
    let ms = 0;
    const c = s.charCodeAt(19);
    if (c === 46 || c === 44) {
      let j = 20;
      while (j < s.length && j < 29 && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
      // "SS." without digits is no fraction (the regex then reads no zone either): the slow path.
      if (j === 20) return parseIsoText(s);
      ms = Math.floor(Number(`0.${s.slice(20, j)}`) * 1000);
      end = j;
    }
    const base = rememberSecond(isoMemo, end === 19 ? s : s.slice(0, 19) + s.slice(end), parseIsoText);
    return base === null ? null : base + ms;
  }
  return parseIsoText(s);
}

function parseIsoText(s: string): number | null {
  const m = ISO_TS.exec(s);
  if (!m) return null;
  const [, y, mo, d, h, mi, se, frac, zone] = m;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  if (!zone) {
    return new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se), ms).getTime();
  }
  const base = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se), ms);
  if (zone === 'Z') return base;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const off = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60000;
  const t = base - sign * off;
  return Number.isFinite(t) ? t : null;
}

/**
 * Gives BSD timestamps a year. The first line gets the year that puts it at or before the
 * reference time (file mtime, or now); after that the year only moves forward, when the
 * month goes back by more than half a year (December → January).
 */
export class YearTracker {
  private year: number | null = null;
  private lastMonth = -1;
  /** Local midnight of recent days: building a local Date per line is slow. */
  private readonly midnights = new Map<number, number>();

  constructor(private readonly reference: number) {}

  /** The time years are resolved against (a file's mtime): the day of a time-of-day-only stamp. */
  get referenceTime(): number {
    return this.reference;
  }

  private local(y: number, month: number, day: number, h: number, mi: number, s: number, ms: number): number {
    const key = (y * 12 + month) * 32 + day;
    let mid = this.midnights.get(key);
    if (mid === undefined) {
      if (this.midnights.size > 64) this.midnights.clear();
      mid = new Date(y, month, day).getTime();
      this.midnights.set(key, mid);
    }
    const t = mid + ((h * 60 + mi) * 60 + s) * 1000 + ms;
    // A day with a DST change: fall back to the exact (slow) local conversion.
    const next = new Date(t).getDate();
    return next === day && (h < 2 || h > 3) ? t : new Date(y, month, day, h, mi, s, ms).getTime();
  }

  resolve(month: number, day: number, h: number, mi: number, s: number, ms: number): number {
    if (this.year === null) {
      const refYear = new Date(this.reference).getFullYear();
      const t = new Date(refYear, month, day, h, mi, s, ms).getTime();
      // A line more than a day after the reference belongs to the previous year.
      this.year = t > this.reference + 86400000 ? refYear - 1 : refYear;
      this.lastMonth = month;
      return this.local(this.year, month, day, h, mi, s, ms);
    }
    if (month < this.lastMonth - 6) this.year += 1;
    else if (month > this.lastMonth + 6) this.year -= 1; // a stray old line; don't jump a year ahead
    this.lastMonth = month;
    return this.local(this.year, month, day, h, mi, s, ms);
  }
}

/** Parse a BSD timestamp at the start of s; returns the time and the length consumed. */
export function parseBsd(s: string, years: YearTracker): { t: number; len: number } | null {
  const m = BSD_TS.exec(s);
  if (!m) return null;
  const month = MONTHS[m[1]!];
  if (month === undefined) return null;
  const ms = m[6] ? Math.floor(Number(`0.${m[6]}`) * 1000) : 0;
  const t = years.resolve(month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), ms);
  return { t, len: m[0].length };
}

const apacheMemo = new Map<string, number | null>();

/** Apache's [24/Nov/2026:10:00:46 +0000]; the same second is read once. */
export function parseApacheTime(s: string): number | null {
  // The format reads at most the first 26 characters.
  return rememberSecond(apacheMemo, s.length > 26 ? s.slice(0, 26) : s, parseApacheText);
}

function parseApacheText(s: string): number | null {
  const m = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?: ([+-])(\d{2})(\d{2}))?/.exec(s);
  if (!m) return null;
  const month = MONTHS[m[2]!];
  if (month === undefined) return null;
  if (!m[7]) return new Date(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])).getTime();
  const base = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  const off = (Number(m[8]) * 60 + Number(m[9])) * 60000;
  return base - (m[7] === '-' ? -1 : 1) * off;
}

/** ISO 8601 with the local offset, as the capture contract and JSON output use. */
export function isoLocal(t: number): string {
  const d = new Date(t);
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:` +
    `${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}${sign}${p(Math.floor(abs / 60))}:${p(abs % 60)}`
  );
}
