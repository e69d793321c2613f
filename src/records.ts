// Turns raw lines into normalised records, one reader per kind of MN file (or the network).
// A reader keeps the little state a format needs (the year of BSD timestamps, the current
// commands.log block) and never throws: an unreadable line still becomes a record.

import type { Channel, LogRecord } from './types';
import { parseSyslog, normalizeIp, isIpv4, SEVERITY_WORDS } from './sources/syslog-parse';
import { YearTracker, parseBsd, parseApacheTime, parseIso, monthIndex } from './sources/timestamps';
import { stripConsole } from './sources/console-text';
import { parseTextLine } from './sources/kinds/text-line';

/**
 * The kinds of input xtriage reads. `text` is node-side text of any form (the node's own
 * xcat.log, a journalctl dump, a pasted fragment, a log of unknown name): see kinds/text-line.ts.
 */
export type FileKind = 'messages' | 'cluster' | 'computes' | 'commands' | 'access' | 'error' | 'console' | 'text' | 'remote';

/** The program name a `set -x` trace line gets: never matched, never an error (it is the command, not its result). */
export const TRACE_PROGRAM = '+';

/** Lines longer than this are cut before matching (raw keeps up to MAX_RAW). */
export const MAX_MATCH = 16 * 1024;
export const MAX_RAW = 64 * 1024;

const DHCP_PROGRAMS = /^(?:dhcpd|dhcpd6|kea-dhcp4|kea-dhcp6|dhcrelay)$/;
const TFTP_PROGRAMS = /^(?:in\.tftpd|tftpd|atftpd|in\.tftpd-hpa)$/;

/** Which channel an MN syslog line belongs to, by its program. */
export function channelOfMnProgram(program: string | null, pid: number | null): Channel {
  if (!program) return 'syslog';
  if (DHCP_PROGRAMS.test(program)) return 'dhcpd';
  if (TFTP_PROGRAMS.test(program)) return 'tftpd';
  if (program === 'xcat' && pid !== null) return 'xcatd';
  if (program === 'xcat' || program.startsWith('xcat.') || program === 'xtriage') return 'node';
  return 'syslog';
}

function capRaw(line: string): string {
  return line.length > MAX_RAW ? `${line.slice(0, MAX_RAW)}…[cut ${line.length - MAX_RAW} chars]` : line;
}

function hostHint(host: string | null): { host: string | null; from: string | null } {
  if (!host) return { host: null, from: null };
  const h = normalizeIp(host);
  if (isIpv4(h) || h.includes(':')) return { host, from: h };
  return { host, from: null };
}

// xCAT's rsyslog template: "%timegenerated% %HOSTNAME% %syslogtag% %SEVERITY% %msg%".
// The tag is "xcat[123]:" (MN), "xcat.deployment:" (RFC 3164 senders) or "xcat.deployment" (RFC 5424).
const XCAT_TEMPLATE = /^(\S+) ([^\s[]+?)(?:\[(\d+)\])?:? ([A-Z]{3,7})(?: +|$)/;

export class LineReader {
  private readonly years: YearTracker;
  private cmd: { at: number; program: string | null; inResponse: boolean } | null = null;
  /** The time of the last line that had one: a line without a time is placed there (raw console text). */
  private lastClaimed: number | null = null;

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
    this.years = new YearTracker(reference);
  }

  /** Parse one line (without its newline). `at` overrides the observed time (network input). */
  read(line: string, at?: number, from?: string | null): LogRecord | null {
    const raw = capRaw(line);
    switch (this.kind) {
      case 'messages':
      case 'cluster':
      case 'computes':
        return this.readSyslogFile(raw);
      case 'remote':
        return this.readRemote(raw, at ?? Date.now(), from ?? null);
      case 'access':
        return this.readAccess(raw);
      case 'error':
        return this.readError(raw);
      case 'commands':
        return this.readCommands(raw);
      case 'console':
        return this.readText(raw, true);
      case 'text':
        return this.readText(raw, false);
    }
  }

  private record(partial: Partial<LogRecord> & Pick<LogRecord, 'channel' | 'message' | 'raw'>): LogRecord {
    if (partial.claimed !== undefined && partial.claimed !== null) this.lastClaimed = partial.claimed;
    const at = partial.at ?? partial.claimed ?? this.lastClaimed ?? this.reference;
    return {
      at,
      claimed: partial.claimed ?? null,
      source: this.source,
      channel: partial.channel,
      from: partial.from ?? null,
      host: partial.host ?? null,
      program: partial.program ?? null,
      pid: partial.pid ?? null,
      severity: partial.severity ?? null,
      message: partial.message.length > MAX_MATCH ? partial.message.slice(0, MAX_MATCH) : partial.message,
      raw: partial.raw,
      node: partial.node ?? this.node,
    };
  }

  private readSyslogFile(raw: string): LogRecord | null {
    if (raw.trim() === '') return null;
    if (this.kind !== 'messages') {
      // Timestamp first, then xCAT's template.
      let claimed: number | null = null;
      let rest = raw;
      const iso = parseIso(raw);
      if (iso !== null && /^\S+ /.test(raw)) {
        claimed = iso;
        rest = raw.slice(raw.indexOf(' ') + 1);
      } else {
        const b = parseBsd(raw, this.years);
        if (b) {
          claimed = b.t;
          rest = raw.slice(b.len).replace(/^ /, '');
        }
      }
      const m = claimed !== null ? XCAT_TEMPLATE.exec(rest) : null;
      if (m && SEVERITY_WORDS[m[4]!] !== undefined) {
        const program = m[2]!;
        const pid = m[3] ? Number(m[3]) : null;
        const hint = hostHint(m[1]!);
        const channel: Channel = this.kind === 'computes' ? 'node' : channelOfMnProgram(program, pid);
        return this.record({
          at: claimed!,
          claimed,
          channel,
          from: channel === 'node' ? hint.from : null,
          host: hint.host,
          program,
          pid,
          severity: SEVERITY_WORDS[m[4]!]!,
          message: rest.slice(m[0].length),
          raw,
        });
      }
    }
    const f = parseSyslog(raw, this.years);
    const channel: Channel = this.kind === 'computes' ? 'node' : channelOfMnProgram(f.program, f.pid);
    const hint = hostHint(f.host);
    return this.record({
      at: f.claimed ?? undefined,
      claimed: f.claimed,
      channel,
      from: channel === 'node' ? hint.from : null,
      host: hint.host,
      program: f.program,
      pid: f.pid,
      severity: f.severity,
      message: f.message,
      raw,
    });
  }

  private readRemote(raw: string, at: number, from: string | null): LogRecord | null {
    const f = parseSyslog(raw, this.years);
    const hint = hostHint(f.host);
    let message = f.message;
    let severity = f.severity;
    // Relayed through a node's rsyslog with xCAT's template the severity word may lead.
    const sev = /^([A-Z]{3,7}) +/.exec(message);
    if (sev && SEVERITY_WORDS[sev[1]!] !== undefined && severity === null) {
      severity = SEVERITY_WORDS[sev[1]!]!;
      message = message.slice(sev[0].length);
    }
    return this.record({
      at,
      claimed: f.claimed,
      channel: 'node',
      from: from ? normalizeIp(from) : hint.from,
      host: hint.host,
      program: f.program,
      pid: f.pid,
      severity,
      message,
      raw,
    });
  }

  private readAccess(raw: string): LogRecord | null {
    const m = /^(\S+) \S+ \S+ \[([^\]]+)\] "(\S+) (\S+)(?: [^"]*)?" (\d{3}) (\S+)/.exec(raw);
    if (!m) {
      if (raw.trim() === '') return null;
      return this.record({ channel: 'http', message: raw, raw });
    }
    const client = normalizeIp(m[1]!);
    const t = parseApacheTime(m[2]!);
    const path = m[4]!.replace(/\/{2,}/g, '/');
    const status = Number(m[5]);
    return this.record({
      at: t ?? undefined,
      claimed: t,
      channel: 'http',
      from: isIpv4(client) || client.includes(':') ? client : null,
      host: isIpv4(client) || client.includes(':') ? null : m[1]!,
      program: 'httpd',
      severity: status >= 500 ? 3 : status >= 400 ? 4 : 6,
      message: `${m[3]} ${path} ${m[5]} ${m[6] === '-' ? 0 : m[6]}`,
      raw,
    });
  }

  private readError(raw: string): LogRecord | null {
    if (raw.trim() === '') return null;
    // [Tue Nov 24 12:10:20.123456 2026] [core:error] [pid 1234:tid 5678] … [client 10.0.0.13:51234] text
    const tm = /^\[(?:[A-Z][a-z]{2} )?([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))? (\d{4})\] */.exec(raw);
    let claimed: number | null = null;
    let rest = raw;
    if (tm) {
      const month = monthIndex(tm[1]!) ?? 0;
      const ms = tm[6] ? Math.floor(Number(`0.${tm[6]}`) * 1000) : 0;
      claimed = new Date(Number(tm[7]), month, Number(tm[2]), Number(tm[3]), Number(tm[4]), Number(tm[5]), ms).getTime();
      rest = raw.slice(tm[0].length);
    }
    let severity: number | null = null;
    const lvl = /^\[(?:([\w-]+):)?(\w+)\] */.exec(rest);
    if (lvl) {
      const word = lvl[2]!.toUpperCase();
      severity = SEVERITY_WORDS[word] ?? (word.startsWith('TRACE') ? 7 : null);
      rest = rest.slice(lvl[0].length);
    }
    rest = rest.replace(/^\[pid [^\]]*\] */, '');
    let from: string | null = null;
    const client = /\[(?:client|remote) ([^\]]+)\] ?/.exec(rest);
    if (client) {
      const addr = client[1]!.replace(/:\d+$/, '');
      from = normalizeIp(addr.includes('.') ? addr : client[1]!);
      rest = rest.slice(0, client.index) + rest.slice(client.index + client[0].length);
    }
    return this.record({ at: claimed ?? undefined, claimed, channel: 'httperror', from, program: 'httpd', severity, message: rest, raw });
  }

  private readCommands(raw: string): LogRecord | null {
    const line = raw.replace(/\r$/, '');
    if (/^={5,}\s*$/.test(line)) {
      this.cmd = null;
      return null;
    }
    const key = /^\[(\w+)\]\s*(.*)$/.exec(line);
    if (key) {
      const [, name, value] = key;
      if (name === 'Date') {
        const t = parseIso(value!.trim().replace(' ', 'T'));
        this.cmd = { at: t ?? this.reference, program: null, inResponse: false };
        return null;
      }
      this.cmd ??= { at: this.reference, program: null, inResponse: false };
      if (name === 'Request') {
        const text = value!.trim();
        this.cmd.program = text.split(/\s+/)[0] ?? null;
        this.cmd.inResponse = false;
        return this.record({ at: this.cmd.at, claimed: this.cmd.at, channel: 'commands', program: this.cmd.program, message: text, raw });
      }
      this.cmd.inResponse = name === 'Response';
      if (this.cmd.inResponse && value!.trim() !== '') {
        return this.record({ at: this.cmd.at, claimed: this.cmd.at, channel: 'commands', program: this.cmd.program, message: value!.trim(), raw });
      }
      return null;
    }
    if (this.cmd?.inResponse && line.trim() !== '') {
      const text = line.trim();
      const severity = /\bError\b/i.test(text) ? 3 : /\bWarning\b/i.test(text) ? 4 : 6;
      return this.record({ at: this.cmd.at, claimed: this.cmd.at, channel: 'commands', program: this.cmd.program, severity, message: text, raw });
    }
    return null;
  }

  /**
   * Node-side text: console logs (every line on the console channel, named after the file) and
   * `text` (a node's xcat.log, journalctl, a pasted fragment: syslog lines go by their program,
   * date(1)-stamped lines are the node's own log, the rest is console output).
   */
  private readText(raw: string, console: boolean): LogRecord | null {
    const text = stripConsole(raw);
    if (text.trim() === '') return null;
    const t = parseTextLine(text, this.years);
    if (t.separator) return null;
    const severity = t.severity;
    // A console is console output; other node text is the node's (its own log, a paste), except
    // what carries a console's marks (dmesg or conserver stamps).
    let channel: Channel = console || t.uptime !== null || t.consoleStamp || /^\[\s*[A-Z*]+\s*\]/.test(t.message) ? 'console' : 'node';
    let program = t.program;
    if (t.trace) program = TRACE_PROGRAM;
    else if (!console && t.syslog) {
      channel = channelOfMnProgram(t.program, t.pid);
      if (channel === 'syslog') channel = 'node';
    }
    const hint = hostHint(t.host ?? t.prefixNode);
    return this.record({
      at: t.claimed ?? undefined,
      claimed: t.claimed,
      channel,
      from: channel === 'node' || channel === 'console' ? hint.from : null,
      host: hint.host,
      program,
      pid: t.pid,
      severity,
      message: t.message,
      raw,
    });
  }
}
