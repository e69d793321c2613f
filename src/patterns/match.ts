// Matches records against the knowledge base: per channel, highest priority first; the first
// pattern whose regex (and program filter) matches wins. Fields are normalised here so that
// identity never sees "52:54:00:AA:BB:01" and "52:54:00:aa:bb:01" as two machines.

import type { Channel, LogRecord, Match, Pattern } from '../types';
import { CHANNELS } from '../types';
import { normalizeIp, normalizeMac } from '../sources/syslog-parse';

export class Matcher {
  private readonly byChannel = new Map<Channel, Pattern[]>();

  constructor(readonly patterns: Pattern[]) {
    for (const c of CHANNELS) {
      const list = patterns.filter((p) => p.sources.includes(c));
      // Stable: equal priorities keep file order.
      list.sort((a, b) => b.priority - a.priority);
      this.byChannel.set(c, list);
    }
  }

  /** The winning match for a record, or null. */
  match(rec: LogRecord): Match | null {
    const list = this.byChannel.get(rec.channel);
    if (!list) return null;
    for (const p of list) {
      const m = tryPattern(p, rec);
      if (m) return m;
    }
    return null;
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

export function tryPattern(p: Pattern, rec: LogRecord): Match | null {
  if (p.literal !== null && !rec.message.includes(p.literal)) return null;
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
