// Renderers: the exact bytes rsyslog (RHEL default file format and xCAT's xCATTraditionalFormat
// templates), Apache (combined access log, error log), xcatd's command log writer and a console
// server would write for each event, and the datagrams nodes send.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { SEVERITY_WORDS, type ClusterEvent, type CommandEvent, type HttpErrorEvent, type HttpEvent, type LogFile, type SyslogEvent } from './events';
import { hash32 } from './prng';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

const p2 = (n: number) => (n < 10 ? `0${n}` : String(n));

let cache3164Key = NaN;
let cache3164 = '';

/** RFC 3164 / rsyslog default: `Nov  4 10:00:41` (day padded with a space), in the given UTC offset. */
export function ts3164(ms: number, tzMin = 0): string {
  const sec = Math.floor(ms / 1000) + tzMin * 60;
  if (sec === cache3164Key) return cache3164;
  const d = new Date(sec * 1000);
  const day = d.getUTCDate();
  const s = `${MONTHS[d.getUTCMonth()]} ${day < 10 ? ` ${day}` : day} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
  cache3164Key = sec;
  cache3164 = s;
  return s;
}

/** RFC 5424 timestamp as util-linux logger writes it: microseconds and a numeric offset. */
export function ts5424(at: number, tzMin = 0): string {
  const ms = Math.floor(at);
  const d = new Date(ms + tzMin * 60_000);
  const micro = String((ms % 1000) * 1000 + (hash32(ms) % 1000)).padStart(6, '0');
  const sign = tzMin < 0 ? '-' : '+';
  const off = Math.abs(tzMin);
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}T${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${micro}${sign}${p2(Math.floor(off / 60))}:${p2(off % 60)}`;
}

let cacheApacheKey = NaN;
let cacheApache = '';

/** Apache `%t`: `[24/Nov/2026:10:00:46 +0000]` (without brackets). */
export function tsApache(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec === cacheApacheKey) return cacheApache;
  const d = new Date(sec * 1000);
  cacheApacheKey = sec;
  cacheApache = `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
  return cacheApache;
}

/** Apache error_log: `Tue Nov 24 12:10:20.123456 2026` (without brackets). */
export function tsApacheError(at: number): string {
  const ms = Math.floor(at);
  const d = new Date(ms);
  const micro = String((ms % 1000) * 1000 + (hash32('e', ms) % 1000)).padStart(6, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${micro} ${d.getUTCFullYear()}`;
}

/** commands.log `[Date]`: `2026-11-24 10:00:01` (MN local time = UTC here). */
export function tsCommand(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

function tagWithPid(ev: SyslogEvent): string {
  return ev.pid === null ? ev.tag : `${ev.tag}[${ev.pid}]`;
}

/** The MSG part of an RFC 3164 datagram after `tag:` (rsyslog's forward template adds a space only if MSG has none). */
function msgPart3164(ev: SyslogEvent): string {
  return ev.message.startsWith(' ') && ev.wire?.hostname !== null ? ev.message : ` ${ev.message}`;
}

/** One syslog event as it appears in one MN file. */
export function syslogLine(ev: SyslogEvent, file: LogFile): string {
  const ts = ts3164(ev.at);
  if (file === 'messages') {
    // RSYSLOG_TraditionalFileFormat: %TIMESTAMP% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg%
    return `${ts} ${ev.host} ${tagWithPid(ev)}: ${ev.message}`;
  }
  // xCATTraditionalFormat0/9: %timegenerated% %HOSTNAME% %syslogtag% %syslogseverity-text:::uppercase% %msg:::drop-last-lf%
  const sev = SEVERITY_WORDS[ev.severity] ?? 'INFO';
  if (ev.origin === 'mn' || !ev.wire) return `${ts} ${ev.host} ${tagWithPid(ev)}: ${sev} ${ev.message}`;
  if (ev.wire.format === 'rfc5424') return `${ts} ${ev.host} ${ev.tag} ${sev} ${ev.message}`;
  return `${ts} ${ev.host} ${tagWithPid(ev)}: ${sev} ${msgPart3164(ev)}`;
}

export function httpLine(ev: HttpEvent): string {
  const bytes = ev.bytes > 0 ? String(ev.bytes) : '-';
  return `${ev.client} - - [${tsApache(ev.startedAt)}] "${ev.method} ${ev.path} ${ev.protocol}" ${ev.status} ${bytes} "${ev.referer}" "${ev.agent}"`;
}

export function httpErrorLine(ev: HttpErrorEvent): string {
  const errno = ev.errno ? `${ev.errno}: ` : '';
  const client = ev.client ? `[client ${ev.client}:${ev.clientPort}] ` : '';
  return `[${tsApacheError(ev.at)}] [${ev.module}:${ev.level}] [pid ${ev.pid}:tid ${ev.tid}] ${errno}${client}${ev.message}`;
}

function cmdArg(a: string): string {
  return /[^A-Za-z0-9.-]/.test(a) ? `'${a.replace(/'/g, "'\\''")}'` : a;
}

/** The lines of one commands.log block, as xcatd's command log writer stores it. */
export function commandLines(ev: CommandEvent): string[] {
  let req = `[Request]    ${ev.command} `;
  if (ev.noderange) req += `${ev.noderange} `;
  for (const a of ev.args) req += `${cmdArg(a)} `;
  const elapsed = ((ev.at - ev.startedAt) / 1000).toFixed(3);
  return [
    '====================================================',
    `[Date]       ${tsCommand(ev.startedAt)}`,
    `[ClientType] ${ev.clientType} `,
    req,
    '[Response]',
    ...ev.responses,
    `[NumberNodes] ${ev.numberNodes} `,
    `[ElapsedTime] ${elapsed} s`,
  ];
}

/** The text an event adds to a file (several lines for a commands.log block), without the final newline. */
export function formatEvent(ev: ClusterEvent, file: LogFile): string {
  switch (ev.type) {
    case 'syslog':
      return syslogLine(ev, file);
    case 'http':
      return httpLine(ev);
    case 'httperror':
      return httpErrorLine(ev);
    case 'command':
      return commandLines(ev).join('\n');
    case 'console':
      return `${ev.text}\r`;
  }
}

/** The datagram a node sent for a node-originated syslog event. */
export function formatDatagram(ev: SyslogEvent): string {
  const w = ev.wire;
  if (!w) throw new Error('not a node-originated line');
  const pri = `<${ev.facility * 8 + ev.severity}>`;
  if (w.format === 'rfc5424') {
    const tq = w.synced
      ? `[timeQuality tzKnown="1" isSynced="1" syncAccuracy="${100_000 + (hash32(w.ip) % 400_000)}"]`
      : '[timeQuality tzKnown="1" isSynced="0"]';
    return `${pri}1 ${ts5424(w.clock, w.tzMin)} ${w.hostname ?? '-'} ${ev.tag} ${ev.pid ?? '-'} - ${tq} ${ev.message}`;
  }
  const head = `${pri}${ts3164(w.clock, w.tzMin)} ${w.hostname === null ? '' : `${w.hostname} `}${tagWithPid(ev)}:`;
  return `${head}${msgPart3164(ev)}${w.nul ? '\0' : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Writers

export interface RenderedCause {
  at: string;
  file: string;
  line: string;
}

export interface RenderResult {
  events: number;
  files: Record<string, { lines: number; bytes: number }>;
  /** Per node: the first line marked as its root cause. */
  causes: Record<string, RenderedCause>;
  /** Per cluster group: the first line marked as its evidence. */
  groups: Record<string, RenderedCause>;
  firstAt: string | null;
  lastAt: string | null;
}

/** Buffer#latin1Write (Node's fast path behind buf.write(s, off, 'latin1')) when present. */
const fastLatin1 = (Buffer.prototype as unknown as { latin1Write?: (s: string, off: number) => number }).latin1Write;
function latin1Write(buf: Buffer, text: string, off: number): number {
  return fastLatin1 ? fastLatin1.call(buf, text, off) : buf.write(text, off, 'latin1');
}

interface FileBuf {
  buf: Buffer;
  off: number;
  fd: number | null;
  console: boolean;
}

/** Buffered writer for a tree: every line is ASCII (latin1 == UTF-8 here), copied straight into a Buffer. */
class TreeWriter {
  private readonly files = new Map<string, FileBuf>();
  readonly stats: Record<string, { lines: number; bytes: number }> = {};

  constructor(private readonly root: string) {}

  write(file: string, text: string, lines: number): void {
    let f = this.files.get(file);
    if (!f) {
      const console = file.startsWith('consoles/');
      f = { buf: Buffer.allocUnsafe(console ? 16_384 : 1 << 20), off: 0, fd: null, console };
      this.files.set(file, f);
      this.stats[file] = { lines: 0, bytes: 0 };
    }
    const need = text.length + 1;
    const st = this.stats[file] as { lines: number; bytes: number };
    st.lines += lines;
    st.bytes += need;
    if (f.off + need > f.buf.length) {
      this.flush(file, f);
      if (need > f.buf.length) {
        this.raw(file, f, Buffer.from(`${text}\n`, 'latin1'));
        return;
      }
    }
    f.off += latin1Write(f.buf, text, f.off);
    f.buf[f.off++] = 10;
  }

  private raw(file: string, f: FileBuf, data: Buffer): void {
    const full = path.join(this.root, file);
    if (f.console) {
      fs.appendFileSync(full, data);
      return;
    }
    if (f.fd === null) f.fd = fs.openSync(full, 'w');
    fs.writeSync(f.fd, data);
  }

  private flush(file: string, f: FileBuf): void {
    if (f.off === 0) return;
    this.raw(file, f, f.buf.subarray(0, f.off));
    f.off = 0;
  }

  close(): void {
    for (const [file, f] of this.files) {
      this.flush(file, f);
      if (f.fd !== null) fs.closeSync(f.fd);
      f.fd = null;
    }
  }
}

/** Bytes are counted as UTF-16 length; all generated text is ASCII except the console's ESC (1 byte too). */
export function writeTree(events: Iterable<ClusterEvent>, dir: string): RenderResult {
  fs.mkdirSync(path.join(dir, 'xcat'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'httpd'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'consoles'), { recursive: true });
  // Every tree has every MN file, even when empty.
  for (const f of ['messages', 'xcat/cluster.log', 'xcat/computes.log', 'xcat/commands.log', 'httpd/access_log', 'httpd/error_log']) {
    fs.writeFileSync(path.join(dir, f), '');
  }
  const w = new TreeWriter(dir);
  const causes: Record<string, RenderedCause> = {};
  const groups: Record<string, RenderedCause> = {};
  let n = 0;
  let first: number | null = null;
  let last: number | null = null;
  for (const ev of events) {
    n++;
    if (first === null) first = ev.at;
    last = ev.at;
    for (const file of ev.files) {
      const text = formatEvent(ev, file);
      w.write(file, text, ev.type === 'command' ? text.split('\n').length : 1);
      if (file === ev.file) {
        if (ev.cause) {
          for (const node of ev.cause) {
            if (!causes[node]) causes[node] = { at: new Date(ev.at).toISOString(), file, line: markedLine(ev, text, node) };
          }
        }
        if (ev.group && !groups[ev.group]) groups[ev.group] = { at: new Date(ev.at).toISOString(), file, line: markedLine(ev, text, null) };
      }
    }
  }
  w.close();
  return {
    events: n,
    files: w.stats,
    causes,
    groups,
    firstAt: first === null ? null : new Date(first).toISOString(),
    lastAt: last === null ? null : new Date(last).toISOString(),
  };
}

/** The marked line of an event; in a commands.log block, the response line naming the node (or the first error). */
function markedLine(ev: ClusterEvent, text: string, node: string | null): string {
  if (ev.type !== 'command') return text.replace(/\r$/, '');
  const lines = text.split('\n');
  const named = node === null ? undefined : lines.find((l) => l.startsWith(`${node}: `) && /error/i.test(l));
  return named ?? lines.find((l) => /error/i.test(l)) ?? (lines[3] as string);
}
