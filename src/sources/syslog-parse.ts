// Parses one syslog message: a datagram or framed TCP message as a node sent it (RFC 5424,
// RFC 3164 with or without hostname, without PRI), or a line as rsyslog wrote it to a file
// (BSD or RFC 3339 timestamp first). Never throws; whatever it cannot read stays in `message`.

import { parseBsd, parseIso, YearTracker, ISO_TS, BSD_TS } from './timestamps';

export interface SyslogFields {
  facility: number | null;
  severity: number | null;
  claimed: number | null;
  host: string | null;
  program: string | null;
  pid: number | null;
  message: string;
  /** RFC 5424 `[origin ip="…"]`, when present. */
  originIp: string | null;
}

const TAG = /^([A-Za-z0-9_./@:-]{1,64}?)(?:\[(\d{1,10})\])?: ?/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
// A hostname-ish token (no colon unless IPv6, no brackets).
const HOSTISH = /^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,253}|[0-9A-Fa-f:]{2,39}|\(none\))$/; // (none): a machine with no hostname yet (genesis)
/** A bracketed word between the hostname and the tag, then a tag. */
const BRACKETED_BEFORE_TAG = /^\[[A-Za-z0-9_.-]{1,64}\] [A-Za-z0-9_./@-]{1,64}(?:\[\d{1,10}\])?: /;
/** Two to four words, then a colon: an ident with spaces. */
const SPACED_TAG = /^[A-Za-z][\w.-]*(?: [A-Za-z][\w.-]*){1,3}: /;

function splitTag(rest: string): { program: string | null; pid: number | null; message: string } {
  const m = TAG.exec(rest);
  if (m && m[1] && !m[1].endsWith(':')) {
    return { program: m[1], pid: m[2] ? Number(m[2]) : null, message: rest.slice(m[0].length) };
  }
  return { program: null, pid: null, message: rest };
}

/** RFC 5424 structured data: returns the origin ip and the rest after the SD. */
function readStructuredData(s: string): { originIp: string | null; rest: string } {
  if (s.startsWith('- ')) return { originIp: null, rest: s.slice(2) };
  if (s === '-') return { originIp: null, rest: '' };
  let i = 0;
  let originIp: string | null = null;
  while (s[i] === '[') {
    // An SD element; values may contain escaped ] and ".
    let j = i + 1;
    let inQuote = false;
    for (; j < s.length; j++) {
      const c = s[j];
      if (c === '\\') {
        j++;
        continue;
      }
      if (c === '"') inQuote = !inQuote;
      else if (c === ']' && !inQuote) break;
    }
    const element = s.slice(i + 1, j);
    if (element.startsWith('origin ')) {
      const ip = /\bip="([^"]*)"/.exec(element);
      if (ip && ip[1]) originIp = ip[1];
    }
    i = j + 1;
    if (j >= s.length) break;
  }
  return { originIp, rest: s.slice(i).replace(/^ /, '') };
}

export function parseSyslog(input: string, years: YearTracker): SyslogFields {
  const last = input.charCodeAt(input.length - 1);
  let s = last === 10 || last === 13 || last === 0 ? input.replace(/[\r\n\0]+$/, '') : input;
  let facility: number | null = null;
  let severity: number | null = null;
  const pri = /^<(\d{1,3})>/.exec(s);
  if (pri && Number(pri[1]) <= 191) {
    const v = Number(pri[1]);
    facility = v >> 3;
    severity = v & 7;
    s = s.slice(pri[0].length);
  }
  // RFC 5424: VERSION SP TIMESTAMP SP HOST SP APP SP PROCID SP MSGID SP SD [SP MSG]
  const v5424 = /^1 (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(s);
  if (v5424) {
    const [, ts, host, app, procid] = v5424;
    const claimed = ts === '-' ? null : parseIso(ts!);
    const sd = readStructuredData(s.slice(v5424[0].length));
    let message = sd.rest;
    if (message.startsWith('\uFEFF')) message = message.slice(1);
    return {
      facility,
      severity,
      claimed,
      host: host === '-' ? null : host!,
      program: app === '-' ? null : app!,
      pid: procid && /^\d+$/.test(procid) ? Number(procid) : null,
      message,
      originIp: sd.originIp,
    };
  }
  // RFC 3164-ish: optional timestamp, optional hostname, tag.
  let claimed: number | null = null;
  const iso = ISO_TS.exec(s);
  if (iso && s[iso[0].length] === ' ') {
    claimed = parseIso(iso[0]);
    s = s.slice(iso[0].length + 1);
  } else if (BSD_TS.test(s)) {
    const b = parseBsd(s, years);
    if (b) {
      claimed = b.t;
      s = s.slice(b.len).replace(/^ /, '');
    }
  }
  let host: string | null = null;
  if (claimed !== null) {
    // After a timestamp, the next token is the hostname unless it is already the tag.
    const sp = s.indexOf(' ');
    const first = sp > 0 ? s.slice(0, sp) : '';
    if (first && !first.endsWith(':') && !/\[\d+\]:?$/.test(first) && HOSTISH.test(first)) {
      const afterHost = s.slice(sp + 1);
      // "host tag: msg" or the xCAT RFC 5424 computes form "host tag SEVERITY msg".
      if (TAG.test(afterHost) || /^\S+ [A-Z]+ /.test(afterHost)) {
        host = first;
        s = afterHost;
      } else if (BRACKETED_BEFORE_TAG.test(afterHost)) {
        // Genesis' syslog as the MN keeps it: "HOST [localhost] xcat.genesis.dodiscovery: msg".
        host = first;
        s = afterHost.slice(afterHost.indexOf(' ') + 1);
      } else if (SPACED_TAG.test(afterHost) && !/^[A-Z][a-z]+$/.test(first)) {
        // An ident with spaces (xCAT 2.0's "xCAT node discovery: n46 has been discovered"): no
        // program, the text whole. A capitalised word is a hostless line's first word, not a host.
        host = first;
        s = afterHost;
      }
    }
  }
  const t = splitTag(s);
  return { facility, severity, claimed, host, program: t.program, pid: t.pid, message: t.message, originIp: null };
}

/** The xCAT template's severity word (cluster.log / computes.log) → syslog severity. */
export const SEVERITY_WORDS: Record<string, number> = {
  EMERG: 0,
  PANIC: 0,
  ALERT: 1,
  CRIT: 2,
  ERR: 3,
  ERROR: 3,
  WARNING: 4,
  WARN: 4,
  NOTICE: 5,
  INFO: 6,
  DEBUG: 7,
};

export function isIpv4(s: string): boolean {
  return IPV4.test(s);
}

/** Normalise an address: strip the IPv4-mapped prefix and brackets. */
export function normalizeIp(ip: string): string {
  let s = ip.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(s)) s = s.slice(7);
  return s.toLowerCase();
}

/** Lower-case colon MAC from any of 5254.00aa.bb01, 52-54-00-AA-BB-01, 52:54:0:aa:bb:1. */
export function normalizeMac(mac: string): string | null {
  const s = mac.trim().toLowerCase();
  let parts: string[];
  if (/^[0-9a-f]{12}$/.test(s)) parts = s.match(/../g) ?? [];
  else if (/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/.test(s)) parts = s.replace(/\./g, '').match(/../g) ?? [];
  else parts = s.split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-f]{1,2}$/.test(p))) return null;
  return parts.map((p) => p.padStart(2, '0')).join(':');
}
