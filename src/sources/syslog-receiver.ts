// Our own syslog receiver: UDP (dgram) and TCP (net, RFC 6587 framing) on any number of
// addresses, IPv4 and IPv6. Every message becomes {at, from, msg, transport}; from a trusted
// relay (loopback by default) the RFC 5424 `[origin ip="X"]` wrapper our rsyslog drop-in
// adds is unwrapped, so the message is recorded exactly as the node sent it, from X.
// Why not an npm package: docs/architecture.md, Dependencies.

import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as os from 'node:os';
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import { normalizeIp } from './syslog-parse';
import { isPlainJsonAscii } from '../util/plain-ascii';

export type Transport = 'udp' | 'tcp';

/** One received message, as the capture spool stores it. */
export interface ReceivedMessage {
  /** Receive time, epoch ms. */
  at: number;
  /** Sender IP, normalised (no ::ffff:); the origin IP when it came through a trusted relay. */
  from: string;
  /** The datagram or framed TCP message (invalid UTF-8 replaced, nothing else changed). */
  msg: string;
  transport: Transport;
  /** The message was longer than `maxMessage` bytes and was cut. */
  truncated?: boolean;
}

export interface ReceiverOptions {
  /** UDP listen addresses: `HOST:PORT`, `[V6]:PORT`; port 0 picks a free port. */
  udp?: string[];
  /** TCP listen addresses, same forms. */
  tcp?: string[];
  /** Called for every message, synchronously, in arrival order per socket/connection. */
  onMessage: (m: ReceivedMessage) => void;
  /**
   * When given, plain messages (isPlainJsonAscii: printable ASCII without quote or backslash, so
   * no relay origin to unwrap and nothing to escape) come here as bytes instead of to onMessage:
   * the reception thread spools and batches them without a string per message. `bytes` is valid
   * only during the call. Order with onMessage is kept.
   */
  onBytes?: (at: number, from: string, bytes: Buffer, transport: Transport, truncated: boolean) => void;
  /** Peers whose `[origin ip=…]` is believed: addresses or CIDRs. Default 127.0.0.0/8 and ::1. */
  trustedRelays?: string[];
  /** SO_RCVBUF asked for on UDP sockets (default 8 MiB; the kernel caps it at net.core.rmem_max). */
  recvBufferSize?: number;
  /** Longest message kept, in bytes (default 64 KiB); longer ones are cut and marked. */
  maxMessage?: number;
  /** Octet counts above this are framing errors: the frame is read as LF-terminated instead (default 64 MiB). */
  maxOctetCount?: number;
  /**
   * Concurrent TCP connections in all (default 4,096) and from one address (default 64). At a
   * limit, a new connection first makes room by closing the connection that has been idle
   * longest (no complete message for evictIdleMs); with none idle it is refused. A new connection
   * from a trusted relay is never refused: it then closes the least recently active connection
   * of an untrusted peer, else of its own address, else any.
   */
  maxConnections?: number;
  maxConnectionsPerSource?: number;
  /** Idle for eviction at a connection limit (default 10 s). */
  evictIdleMs?: number;
  /**
   * Asked for each datagram before it is taken: null, or why it cannot be (the spool's memory
   * budget is full). Such datagrams are dropped, counted (udpDropped) and logged with the cause.
   */
  udpGate?: () => string | null;
  /** A TCP connection with no complete frame for this long is dropped (default 60 s). */
  idleTimeoutMs?: number;
  /** Called with one-line notices (framing errors, dropped connections); default: none. */
  onNotice?: (line: string) => void;
}

export interface ListenerInfo {
  transport: Transport;
  /** As given on the command line. */
  spec: string;
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
  /** UDP only: SO_RCVBUF asked for, and what getsockopt reports: Linux caps the request at
   * net.core.rmem_max and reports double the capped value (the doubling covers its overhead). */
  recvBufferRequested?: number;
  recvBufferGranted?: number;
  /** UDP only: /proc/sys/net/core/rmem_max when readable; a request above it was capped. */
  rmemMax?: number;
}

export interface ReceiverStats {
  udpReceived: number;
  tcpReceived: number;
  bytes: number;
  truncated: number;
  /** Empty datagrams and empty TCP frames (not emitted). */
  empty: number;
  /** Messages whose origin element was believed (trusted relay). */
  relayed: number;
  /** Messages with an origin element from an untrusted peer (kept as received). */
  originIgnored: number;
  framingErrors: number;
  /** Datagrams read and dropped because the spool could not take them (udpGate), logged with the cause. */
  udpDropped: number;
  connectionsOpen: number;
  connectionsTotal: number;
  connectionsRefused: number;
  connectionsTimedOut: number;
  /** Idle (or, for a trusted relay, least recently active) connections closed to make room at a limit. */
  connectionsEvicted: number;
  /** TCP reading is paused for backpressure. */
  paused: boolean;
}

export interface KernelDrops {
  /** Datagrams the kernel dropped (receive buffer full). */
  drops: number;
  /** 'socket': our sockets' own counters; 'system': the whole host's Udp RcvbufErrors; 'unavailable'. */
  source: 'socket' | 'system' | 'unavailable';
}

export const DEFAULT_RECV_BUFFER = 8 * 1024 * 1024;
export const DEFAULT_MAX_MESSAGE = 64 * 1024;
const DEFAULT_TRUSTED = ['127.0.0.0/8', '::1'];

/** Parse `HOST:PORT`, `[V6]:PORT`, `:PORT` (all IPv4). Throws a one-line Error. */
export function parseListenAddress(spec: string): { host: string; port: number; family: 4 | 6 } {
  const s = spec.trim();
  let host: string;
  let port: string;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(s);
  if (v6) {
    host = v6[1]!;
    port = v6[2]!;
  } else {
    const i = s.lastIndexOf(':');
    if (i < 0 || s.indexOf(':') !== i) throw new Error(`bad listen address "${spec}": expected HOST:PORT or [IPV6]:PORT`);
    host = s.slice(0, i) || '0.0.0.0';
    port = s.slice(i + 1);
  }
  if (host === 'localhost') host = '127.0.0.1';
  if (host === '*') host = '::';
  const family = net.isIP(host);
  if (family === 0) throw new Error(`bad listen address "${spec}": "${host}" is not an IP address`);
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw new Error(`bad listen address "${spec}": bad port "${port}"`);
  return { host, port: Number(port), family: family as 4 | 6 };
}

/** Build a matcher for addresses and CIDRs. Throws a one-line Error on a bad entry. */
export function makeTrust(list: readonly string[]): (ip: string) => boolean {
  const bl = new net.BlockList();
  for (const raw of list) {
    const e = raw.trim().replace(/^\[(.*)\]$/, '$1');
    const slash = e.indexOf('/');
    const addr = slash >= 0 ? e.slice(0, slash) : e;
    const fam = net.isIP(addr);
    if (fam === 0) throw new Error(`bad trusted relay "${raw}": not an address or CIDR`);
    const type = fam === 4 ? 'ipv4' : 'ipv6';
    if (slash >= 0) {
      const prefix = Number(e.slice(slash + 1));
      if (!/^\d+$/.test(e.slice(slash + 1)) || prefix > (fam === 4 ? 32 : 128)) throw new Error(`bad trusted relay "${raw}": bad prefix`);
      bl.addSubnet(addr, prefix, type);
    } else {
      bl.addAddress(addr, type);
    }
  }
  return (ip: string) => {
    const fam = net.isIP(ip);
    if (fam === 0) return false;
    return bl.check(ip, fam === 4 ? 'ipv4' : 'ipv6');
  };
}

// RFC 5424 header up to the structured data: <PRI>1 TIMESTAMP HOST APP PROCID MSGID SP
const RFC5424_HEAD = /^<\d{1,3}>1 \S+ \S+ \S+ \S+ \S+ /;
// "Itself a syslog message": a PRI, or a timestamp first (a sender without PRI).
const LOOKS_SYSLOG = /^(?:<\d{1,3}>|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)/;

/**
 * If `msg` is an RFC 5424 message with an `[origin ip="X"]` SD element, returns X and the MSG
 * part (everything after the structured data and one space, unchanged). Else null.
 */
export function unwrapOrigin(msg: string): { ip: string; inner: string } | null {
  const head = RFC5424_HEAD.exec(msg);
  if (!head) return null;
  let i = head[0].length;
  if (msg[i] !== '[') return null;
  let ip: string | null = null;
  while (msg[i] === '[') {
    let j = i + 1;
    let inQuote = false;
    for (; j < msg.length; j++) {
      const c = msg.charCodeAt(j);
      if (c === 0x5c /* \ */ && inQuote) {
        j++;
        continue;
      }
      if (c === 0x22 /* " */) inQuote = !inQuote;
      else if (c === 0x5d /* ] */ && !inQuote) break;
    }
    if (j >= msg.length) return null; // unterminated SD: not a well-formed wrapper
    const element = msg.slice(i + 1, j);
    if (element.startsWith('origin ') || element === 'origin') {
      const m = /(?:^| )ip="([^"\\]*)"/.exec(element);
      if (m && ip === null) ip = m[1]!;
    }
    i = j + 1;
  }
  if (ip === null || net.isIP(ip) === 0) return null;
  if (msg[i] !== ' ') return { ip: normalizeIp(ip), inner: '' };
  return { ip: normalizeIp(ip), inner: msg.slice(i + 1) };
}

// ---------------------------------------------------------------------------------------------
// RFC 6587 framing

const SP = 0x20;
const LF = 0x0a;
const NUL = 0x00;

type FrameState = 'start' | 'count' | 'octet' | 'lf' | 'skipOctet' | 'skipLf';

/** Drop an incomplete UTF-8 sequence at the end of a cut buffer (so the cut adds no U+FFFD). */
export function trimIncompleteUtf8(buf: Buffer): Buffer {
  const n = buf.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = buf[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? buf.subarray(0, n - back) : buf;
  }
  return buf;
}

/**
 * Splits a TCP byte stream into syslog messages: per frame, octet-counted (`LEN SP MSG`) when it
 * starts with a non-zero digit followed by digits and a space, else terminated by LF (or NUL).
 * Memory per connection is bounded by `max` bytes.
 */
export class Framer {
  private state: FrameState = 'start';
  private parts: Buffer[] = [];
  private size = 0;
  private count = 0;
  private countBytes: number[] = [];
  private remaining = 0;

  constructor(
    private readonly max: number,
    private readonly maxOctetCount: number,
    private readonly emit: (msg: Buffer, truncated: boolean) => void,
    private readonly onFramingError: (why: string) => void = () => {},
  ) {}

  /** True when a frame has begun and is not complete. */
  get midFrame(): boolean {
    return this.state !== 'start';
  }

  private add(b: Buffer): void {
    if (b.length === 0) return;
    this.parts.push(b);
    this.size += b.length;
  }

  private take(): Buffer {
    const b = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    return b;
  }

  /** Leave octet-count mode: the digits read so far start an LF-terminated frame. */
  private fallbackToLf(): void {
    this.add(Buffer.from(this.countBytes));
    this.countBytes = [];
    this.state = 'lf';
  }

  push(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case 'start': {
          const c = chunk[i]!;
          if (c === LF || c === NUL) {
            i++;
            break;
          } // empty frame / stray delimiter
          if (c >= 0x31 && c <= 0x39) {
            this.state = 'count';
            this.count = c - 0x30;
            this.countBytes = [c];
            i++;
          } else {
            this.state = 'lf';
          }
          break;
        }
        case 'count': {
          const c = chunk[i]!;
          if (c >= 0x30 && c <= 0x39) {
            this.count = this.count * 10 + (c - 0x30);
            this.countBytes.push(c);
            i++;
            if (this.countBytes.length > 10) {
              this.onFramingError(`octet count too long (${this.countBytes.length}+ digits)`);
              this.fallbackToLf();
            }
          } else if (c === SP) {
            if (this.count > this.maxOctetCount) {
              this.onFramingError(`octet count ${this.count} over the limit ${this.maxOctetCount}; read as LF-terminated`);
              this.fallbackToLf();
            } else {
              i++;
              this.countBytes = [];
              this.remaining = this.count;
              this.state = 'octet';
            }
          } else {
            this.fallbackToLf(); // "123abc…": a message that begins with digits
          }
          break;
        }
        case 'octet': {
          const room = this.max - this.size;
          const take = Math.min(this.remaining, n - i, room);
          this.add(chunk.subarray(i, i + take));
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) {
            this.state = 'start';
            this.emit(this.take(), false);
          } else if (this.size >= this.max) {
            this.emit(trimIncompleteUtf8(this.take()), true);
            this.state = 'skipOctet';
          }
          break;
        }
        case 'skipOctet': {
          const skip = Math.min(this.remaining, n - i);
          i += skip;
          this.remaining -= skip;
          if (this.remaining === 0) this.state = 'start';
          break;
        }
        case 'lf': {
          let end = chunk.indexOf(LF, i);
          const nul = chunk.indexOf(NUL, i);
          if (nul >= 0 && (end < 0 || nul < end)) end = nul;
          const stop = end < 0 ? n : end;
          const room = this.max - this.size;
          if (stop - i > room) {
            this.add(chunk.subarray(i, i + room));
            this.emit(trimIncompleteUtf8(this.take()), true);
            i += room;
            this.state = 'skipLf';
            break;
          }
          this.add(chunk.subarray(i, stop));
          i = stop;
          if (end >= 0) {
            i++;
            this.state = 'start';
            if (this.size > 0) this.emit(this.take(), false);
          }
          break;
        }
        case 'skipLf': {
          let end = chunk.indexOf(LF, i);
          const nul = chunk.indexOf(NUL, i);
          if (nul >= 0 && (end < 0 || nul < end)) end = nul;
          if (end < 0) {
            i = n;
            break;
          }
          i = end + 1;
          this.state = 'start';
          break;
        }
      }
    }
  }

  /** The connection ended: an unterminated LF frame is a message; an incomplete octet frame is kept, marked truncated. */
  end(): void {
    if (this.state === 'lf' && this.size > 0) this.emit(this.take(), false);
    else if (this.state === 'octet' && this.size > 0) this.emit(trimIncompleteUtf8(this.take()), true);
    else if (this.state === 'count') {
      this.fallbackToLf();
      this.emit(this.take(), false);
    }
    this.parts = [];
    this.size = 0;
    this.state = 'start';
  }
}

// ---------------------------------------------------------------------------------------------
// /proc/net/udp drop counters

/** Decode a /proc/net/udp{,6} hex address (host byte order per 32-bit word) to an IP string. */
function procHexToIp(hex: string): string {
  const le = os.endianness() === 'LE';
  const words: Buffer[] = [];
  for (let k = 0; k < hex.length; k += 8) {
    const w = Buffer.from(hex.slice(k, k + 8), 'hex');
    words.push(le ? Buffer.from(w).reverse() : w);
  }
  const b = Buffer.concat(words);
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const groups: string[] = [];
  for (let k = 0; k < 16; k += 2) groups.push(b.readUInt16BE(k).toString(16));
  // Let net normalise: "0:0:0:0:0:0:0:1" is accepted by BlockList/isIP; compress for comparison.
  return compressV6(groups);
}

function compressV6(groups: string[]): string {
  const full = groups.join(':');
  if (/^0:0:0:0:0:ffff:/.test(full)) {
    const hi = parseInt(groups[6]!, 16);
    const lo = parseInt(groups[7]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`; // IPv4-mapped
  }
  // Longest run of zeros → ::
  let best = -1;
  let bestLen = 0;
  for (let k = 0; k < 8;) {
    if (groups[k] === '0') {
      let e = k;
      while (e < 8 && groups[e] === '0') e++;
      if (e - k > bestLen && e - k > 1) {
        best = k;
        bestLen = e - k;
      }
      k = e;
    } else k++;
  }
  if (best < 0) return full;
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

function canonicalIp(ip: string): string {
  const s = normalizeIp(ip);
  if (net.isIP(s) !== 6) return s;
  // Expand then compress so "::1" and "0:0::1" compare equal.
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail !== undefined ? new Array(8 - h.length - t.length).fill('0') : [];
  const groups = [...h, ...fill, ...t].map((g) => parseInt(g || '0', 16).toString(16));
  return compressV6(groups);
}

/** Sum the `drops` column of /proc/net/udp and udp6 for the given local (address, port) pairs. */
export async function readSocketDrops(locals: { address: string; port: number }[]): Promise<number | null> {
  const want = new Set(locals.map((l) => `${canonicalIp(l.address)}|${l.port}`));
  let found = false;
  let drops = 0;
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = await fsp.readFile(file, 'latin1');
    } catch {
      continue;
    }
    const lines = text.split('\n');
    const header = lines[0]?.trim().split(/\s+/) ?? [];
    // Header words: sl local_address rem_address st tx_queue rx_queue tr tm->when retrnsmt uid timeout inode ref pointer drops
    // Data rows split "tx_queue:rx_queue" and "tr:tm->when" into one column each, so count from the end.
    if (header[header.length - 1] !== 'drops') continue;
    for (let k = 1; k < lines.length; k++) {
      const cols = lines[k]!.trim().split(/\s+/);
      if (cols.length < 5) continue;
      const local = cols[1]!;
      const colon = local.lastIndexOf(':');
      const addr = procHexToIp(local.slice(0, colon));
      const port = parseInt(local.slice(colon + 1), 16);
      if (want.has(`${addr}|${port}`)) {
        found = true;
        drops += Number(cols[cols.length - 1]) || 0;
      }
    }
  }
  return found ? drops : null;
}

/** net.core.rmem_max, the cap on SO_RCVBUF requests, or null when unreadable. */
export function readRmemMax(): number | null {
  try {
    const v = Number(fs.readFileSync('/proc/sys/net/core/rmem_max', 'latin1').trim());
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

/** The host-wide `Udp: RcvbufErrors` of /proc/net/snmp, or null. */
export async function readSystemRcvbufErrors(): Promise<number | null> {
  try {
    const text = await fsp.readFile('/proc/net/snmp', 'latin1');
    const rows = text.split('\n').filter((l) => l.startsWith('Udp:'));
    if (rows.length < 2) return null;
    const names = rows[0]!.trim().split(/\s+/);
    const values = rows[1]!.trim().split(/\s+/);
    const k = names.indexOf('RcvbufErrors');
    return k > 0 ? Number(values[k]) : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The receiver

interface Conn {
  socket: net.Socket;
  framer: Framer;
  peer: string;
  trusted: boolean;
  lastFrame: number;
}

/**
 * The drain at close() ends when nothing arrived for this long (or at its time limit). A sender
 * on a loaded host (the MN while nodes flood it) can pause for more than 100 ms between writes:
 * closing then resets its connection with what it had not yet handed to the kernel.
 */
const DRAIN_QUIET_MS = 300;
/** An evicted connection is read this long after our FIN (what its peer had sent is kept), then closed. */
const EVICT_GRACE_MS = 500;
/** At most this many evicted connections wait out their grace; more are closed at once. */
const MAX_GRACE = 256;

/**
 * A notice for an event that can repeat thousands of times a second: the first is logged at
 * once, then at most one line per interval, with the count since the last line.
 */
export class CountedNotice {
  private n = 0;
  private last = 0;
  private text = '';

  constructor(
    private readonly out: (line: string) => void,
    private readonly everyMs = 10_000,
  ) {}

  hit(text: string, now = Date.now()): void {
    this.n++;
    this.text = text;
    if (now - this.last >= this.everyMs) this.emit(now);
  }

  /** Log the count held back, if its interval is over (or `force`). */
  tick(now = Date.now(), force = false): void {
    if (this.n > 0 && (force || now - this.last >= this.everyMs)) this.emit(now);
  }

  private emit(now: number): void {
    const since = this.last ? Math.round((now - this.last) / 1000) : 0;
    this.out(this.n === 1 || !this.last ? this.text : `${this.text} (${this.n} times in the last ${since} s)`);
    this.n = 0;
    this.last = now;
  }
}

function errText(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return 'address already in use (EADDRINUSE)';
    case 'EACCES':
      return 'permission denied (EACCES: ports below 1024 need root or CAP_NET_BIND_SERVICE)';
    case 'EADDRNOTAVAIL':
      return 'address not available on this host (EADDRNOTAVAIL)';
    case 'EAFNOSUPPORT':
      return 'address family not supported (EAFNOSUPPORT: IPv6 disabled?)';
    default:
      return err.code ? `${err.message.replace(/\s+/g, ' ')}` : String(err.message);
  }
}

export class SyslogReceiver {
  private readonly opts: Required<Omit<ReceiverOptions, 'onNotice' | 'onBytes' | 'udpGate' | 'udp' | 'tcp' | 'trustedRelays'>> &
    Pick<ReceiverOptions, 'onNotice' | 'onBytes' | 'udpGate'>;
  private readonly trusted: (ip: string) => boolean;
  private readonly udpSockets: { socket: dgram.Socket; info: ListenerInfo }[] = [];
  private readonly servers: { server: net.Server; info: ListenerInfo }[] = [];
  private readonly conns = new Set<Conn>();
  /** Open connections per peer address. */
  private readonly perSource = new Map<string, number>();
  /** Evicted connections still being read for EVICT_GRACE_MS. */
  private readonly grace = new Set<net.Socket>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private isPaused = false;
  /** Why reading TCP is paused: 'backlog' (the engine, by default), 'spool' (its memory budget). */
  private readonly pauseReasons = new Set<string>();
  private closed = false;
  /** Last time anything arrived (the drain at close waits for quiet). */
  private lastInput = 0;
  private readonly udpDropNotice: CountedNotice;
  private readonly refusedNotice: CountedNotice;
  private readonly evictedNotice: CountedNotice;
  private readonly counters: Omit<ReceiverStats, 'connectionsOpen' | 'paused'> = {
    udpReceived: 0,
    tcpReceived: 0,
    bytes: 0,
    truncated: 0,
    empty: 0,
    relayed: 0,
    originIgnored: 0,
    framingErrors: 0,
    udpDropped: 0,
    connectionsTotal: 0,
    connectionsRefused: 0,
    connectionsTimedOut: 0,
    connectionsEvicted: 0,
  };

  private constructor(private readonly options: ReceiverOptions) {
    this.opts = {
      onMessage: options.onMessage,
      onBytes: options.onBytes,
      recvBufferSize: options.recvBufferSize ?? DEFAULT_RECV_BUFFER,
      maxMessage: options.maxMessage ?? DEFAULT_MAX_MESSAGE,
      maxOctetCount: options.maxOctetCount ?? 64 * 1024 * 1024,
      maxConnections: options.maxConnections ?? 4096,
      maxConnectionsPerSource: options.maxConnectionsPerSource ?? 64,
      evictIdleMs: options.evictIdleMs ?? 10_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 60000,
      onNotice: options.onNotice,
      udpGate: options.udpGate,
    };
    this.trusted = makeTrust(options.trustedRelays ?? DEFAULT_TRUSTED);
    const notice = (l: string): void => this.notice(l);
    this.udpDropNotice = new CountedNotice(notice);
    this.refusedNotice = new CountedNotice(notice);
    this.evictedNotice = new CountedNotice(notice);
  }

  /**
   * Bind every address. Rejects with a one-line Error naming the address on a bad address or a
   * bind error (EADDRINUSE, EACCES…); then nothing stays open.
   */
  static async start(options: ReceiverOptions): Promise<SyslogReceiver> {
    const r = new SyslogReceiver(options);
    try {
      for (const spec of options.udp ?? []) await r.bindUdp(spec);
      for (const spec of options.tcp ?? []) await r.listenTcp(spec);
    } catch (err) {
      await r.close();
      throw err;
    }
    const tick = Math.max(50, Math.min(1000, Math.floor(r.opts.idleTimeoutMs / 4)));
    r.sweepTimer = setInterval(() => r.sweepIdle(), tick);
    r.sweepTimer.unref();
    return r;
  }

  /** What is bound, with the real ports (port 0 resolved) and UDP buffer sizes. */
  listeners(): ListenerInfo[] {
    return [...this.udpSockets.map((u) => u.info), ...this.servers.map((s) => s.info)];
  }

  stats(): ReceiverStats {
    return { ...this.counters, connectionsOpen: this.conns.size, paused: this.isPaused };
  }

  /** Kernel drops for our UDP sockets (/proc/net/udp{,6}), else host-wide RcvbufErrors. */
  async kernelDrops(): Promise<KernelDrops> {
    const locals = this.udpSockets.map((u) => ({ address: u.info.address, port: u.info.port }));
    if (locals.length > 0) {
      const own = await readSocketDrops(locals);
      if (own !== null) return { drops: own, source: 'socket' };
    }
    const sys = await readSystemRcvbufErrors();
    if (sys !== null) return { drops: sys, source: 'system' };
    return { drops: 0, source: 'unavailable' };
  }

  /**
   * Backpressure: stop reading from TCP connections (UDP cannot be paused; the socket buffer
   * absorbs) until every reason given is resumed.
   */
  pause(reason = 'backlog'): void {
    this.pauseReasons.add(reason);
    if (this.isPaused) return;
    this.isPaused = true;
    for (const c of this.conns) c.socket.pause();
  }

  resume(reason = 'backlog'): void {
    this.pauseReasons.delete(reason);
    if (!this.isPaused || this.pauseReasons.size > 0) return;
    this.isPaused = false;
    const now = Date.now();
    for (const c of this.conns) {
      c.lastFrame = Math.max(c.lastFrame, now); // time spent paused is not idleness
      c.socket.resume();
    }
  }

  get paused(): boolean {
    return this.isPaused;
  }

  /**
   * Close every socket and connection; resolves when all are closed. With `drainMs`, first stop
   * accepting connections and read what senders have already sent (the kernel's buffers, also
   * of connections paused for backpressure: the 'backlog' pause is lifted, the 'spool' one kept)
   * until nothing arrived for DRAIN_QUIET_MS or drainMs is over; then close.
   */
  async close(drainMs = 0): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    const waits: Promise<void>[] = [];
    for (const { server } of this.servers) {
      waits.push(new Promise<void>((res) => server.close(() => res())));
    }
    if (drainMs > 0) await this.drain(drainMs);
    for (const { socket } of this.udpSockets) {
      waits.push(
        new Promise<void>((res) => {
          try {
            socket.close(() => res());
          } catch {
            res();
          }
        }),
      );
    }
    for (const c of this.conns) {
      c.framer.end();
      c.socket.destroy();
    }
    for (const s of this.grace) s.destroy();
    this.udpDropNotice.tick(Date.now(), true);
    this.refusedNotice.tick(Date.now(), true);
    this.evictedNotice.tick(Date.now(), true);
    await Promise.all(waits);
  }

  private async drain(maxMs: number): Promise<void> {
    const start = Date.now();
    this.lastInput = Math.max(this.lastInput, start);
    this.resume('backlog');
    while (Date.now() - start < maxMs) {
      await new Promise((r) => setTimeout(r, 10));
      if (this.conns.size === 0 && this.udpSockets.length === 0) break;
      if (!this.isPaused && Date.now() - this.lastInput >= DRAIN_QUIET_MS) break;
    }
  }

  // -------------------------------------------------------------------------------------------

  private notice(line: string): void {
    this.opts.onNotice?.(line);
  }

  private deliver(buf: Buffer, peer: string, transport: Transport, truncated: boolean): void {
    const at = Date.now();
    this.lastInput = at;
    this.counters.bytes += buf.length;
    if (buf.length === 0) {
      this.counters.empty++;
      return;
    }
    if (transport === 'udp') this.counters.udpReceived++;
    else this.counters.tcpReceived++;
    if (truncated) this.counters.truncated++;
    // Plain text (printable ASCII, no quote or backslash) cannot carry a relay's origin (ip="…"):
    // it goes on as bytes, spooled by copying. One scan of the bytes decides.
    if (this.opts.onBytes && isPlainJsonAscii(buf)) {
      this.opts.onBytes(at, peer, buf, transport, truncated);
      return;
    }
    let msg = buf.toString('utf8');
    let from = peer;
    if (msg.charCodeAt(0) === 0x3c /* < */ && msg.includes('[origin')) {
      const o = unwrapOrigin(msg);
      if (o) {
        if (this.trusted(peer)) {
          this.counters.relayed++;
          from = o.ip;
          // Our relay template puts the datagram itself (%rawmsg%) after the SD. A relay whose
          // template carries only the message text keeps its whole RFC 5424 message instead.
          if (LOOKS_SYSLOG.test(o.inner)) msg = o.inner;
        } else {
          this.counters.originIgnored++;
        }
      }
    }
    const m: ReceivedMessage = { at, from, msg, transport };
    if (truncated) m.truncated = true;
    this.opts.onMessage(m);
  }

  private bindUdp(spec: string): Promise<void> {
    let addr: ReturnType<typeof parseListenAddress>;
    try {
      addr = parseListenAddress(spec);
    } catch (e) {
      return Promise.reject(e);
    }
    const make = (family: 4 | 6, host: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const socket = dgram.createSocket({
          type: family === 6 ? 'udp6' : 'udp4',
          ipv6Only: false,
          recvBufferSize: this.opts.recvBufferSize,
        });
        const onError = (err: NodeJS.ErrnoException): void => {
          try {
            socket.close();
          } catch {
            /* not bound */
          }
          reject(Object.assign(new Error(`cannot listen on udp ${spec}: ${errText(err)}`), { code: err.code }));
        };
        socket.once('error', onError);
        socket.bind({ address: host, port: addr.port, exclusive: true }, () => {
          socket.off('error', onError);
          socket.on('error', (err) => this.notice(`udp ${spec}: ${err.message}`));
          socket.on('message', (buf, rinfo) => {
            if (this.opts.udpGate) {
              // The spool cannot take it (its memory budget is full): dropped here, counted, logged.
              const why = this.opts.udpGate();
              if (why !== null) {
                this.counters.udpDropped++;
                this.lastInput = Date.now();
                this.udpDropNotice.hit(`udp ${spec}: dropped datagrams: ${why}`);
                return;
              }
            }
            const cut = buf.length > this.opts.maxMessage;
            // libuv gives IPv4 senders in dotted form already: only IPv6 (v4-mapped) needs normalising.
            const sender = rinfo.address;
            this.deliver(
              cut ? trimIncompleteUtf8(buf.subarray(0, this.opts.maxMessage)) : buf,
              sender.includes(':') ? normalizeIp(sender) : sender,
              'udp',
              cut,
            );
          });
          const a = socket.address();
          let granted: number | undefined;
          try {
            granted = socket.getRecvBufferSize();
          } catch {
            granted = undefined;
          }
          const info: ListenerInfo = {
            transport: 'udp',
            spec,
            address: a.address,
            port: a.port,
            family: a.family === 'IPv6' ? 'IPv6' : 'IPv4',
            recvBufferRequested: this.opts.recvBufferSize,
          };
          if (granted !== undefined) info.recvBufferGranted = granted;
          const rmemMax = readRmemMax();
          if (rmemMax !== null) info.rmemMax = rmemMax;
          this.udpSockets.push({ socket, info });
          resolve();
        });
      });
    return make(addr.family, addr.host).catch((err: NodeJS.ErrnoException) => {
      // "[::]" on a host without IPv6: fall back to every IPv4 address.
      if (addr.host === '::' && err.code === 'EAFNOSUPPORT') return make(4, '0.0.0.0');
      throw err;
    });
  }

  private listenTcp(spec: string): Promise<void> {
    let addr: ReturnType<typeof parseListenAddress>;
    try {
      addr = parseListenAddress(spec);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      const server = net.createServer({ pauseOnConnect: false, noDelay: true });
      // The limits are ours (admit()): a connection over them may make room by eviction.
      const onError = (err: NodeJS.ErrnoException): void => {
        server.close();
        reject(Object.assign(new Error(`cannot listen on tcp ${spec}: ${errText(err)}`), { code: err.code }));
      };
      server.once('error', onError);
      server.on('drop', () => {
        this.counters.connectionsRefused++;
      });
      server.on('connection', (socket) => this.accept(socket, spec));
      server.listen({ host: addr.host, port: addr.port, ipv6Only: false, exclusive: true }, () => {
        server.off('error', onError);
        server.on('error', (err) => this.notice(`tcp ${spec}: ${err.message}`));
        const a = server.address() as net.AddressInfo;
        this.servers.push({
          server,
          info: { transport: 'tcp', spec, address: a.address, port: a.port, family: a.family === 'IPv6' ? 'IPv6' : 'IPv4' },
        });
        resolve();
      });
    });
  }

  /**
   * Room for a new connection from `peer` within the limits: evicts one connection if that makes
   * room (see maxConnections), else false (refused).
   */
  private admit(peer: string, trusted: boolean, spec: string): boolean {
    const now = Date.now();
    const idleBefore = now - this.opts.evictIdleMs;
    const leastRecent = (ok: (c: Conn) => boolean, idleOnly: boolean): Conn | null => {
      let best: Conn | null = null;
      for (const c of this.conns) {
        if ((best === null || c.lastFrame < best.lastFrame) && (!idleOnly || c.lastFrame <= idleBefore) && ok(c)) best = c;
      }
      return best;
    };
    const n = this.perSource.get(peer) ?? 0;
    if (n >= this.opts.maxConnectionsPerSource) {
      const own = (c: Conn): boolean => c.peer === peer;
      const v = leastRecent(own, true) ?? (trusted ? leastRecent(own, false) : null);
      if (!v) {
        this.refusedNotice.hit(
          `tcp ${spec}: refused connections from ${peer}: it has ${n} open (tcpMaxConnectionsPerSource), none idle for ${Math.round(this.opts.evictIdleMs / 1000)} s`,
        );
        return false;
      }
      this.evict(v, `${peer} reached tcpMaxConnectionsPerSource (${this.opts.maxConnectionsPerSource})`);
    }
    if (this.conns.size >= this.opts.maxConnections) {
      const v =
        leastRecent(() => true, true) ??
        (trusted ? (leastRecent((c) => !c.trusted, false) ?? leastRecent((c) => c.peer === peer, false) ?? leastRecent(() => true, false)) : null);
      if (!v) {
        this.refusedNotice.hit(
          `tcp ${spec}: refused connections: ${this.conns.size} open (tcpMaxConnections), none idle for ${Math.round(this.opts.evictIdleMs / 1000)} s`,
        );
        return false;
      }
      this.evict(v, `${this.conns.size} connections open (tcpMaxConnections) and ${trusted ? 'a trusted relay' : peer} connected`);
    }
    return true;
  }

  /** Close a connection to make room: what its peer already sent is still read for EVICT_GRACE_MS, then it is closed. */
  private evict(c: Conn, why: string): void {
    this.counters.connectionsEvicted++;
    this.evictedNotice.hit(
      `tcp: closed the connection from ${c.peer} idle longest (no complete message for ${Math.round((Date.now() - c.lastFrame) / 1000)} s) to make room: ${why}`,
    );
    this.forget(c);
    const s = c.socket;
    if (this.grace.size >= MAX_GRACE) {
      s.destroy();
      return;
    }
    this.grace.add(s);
    s.resume();
    s.end();
    const t = setTimeout(() => s.destroy(), EVICT_GRACE_MS);
    t.unref();
    s.once('close', () => {
      clearTimeout(t);
      this.grace.delete(s);
    });
  }

  /** Remove a connection from the books (idempotent). */
  private forget(c: Conn): void {
    if (!this.conns.delete(c)) return;
    const n = (this.perSource.get(c.peer) ?? 1) - 1;
    if (n <= 0) this.perSource.delete(c.peer);
    else this.perSource.set(c.peer, n);
  }

  private accept(socket: net.Socket, spec: string): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const peer = normalizeIp(socket.remoteAddress ?? '');
    const trusted = this.trusted(peer);
    if (!this.admit(peer, trusted, spec)) {
      this.counters.connectionsRefused++;
      socket.on('error', () => undefined);
      socket.destroy();
      return;
    }
    this.counters.connectionsTotal++;
    const conn: Conn = {
      socket,
      peer,
      trusted,
      lastFrame: Date.now(),
      framer: new Framer(
        this.opts.maxMessage,
        this.opts.maxOctetCount,
        (buf, truncated) => {
          conn.lastFrame = Date.now();
          this.deliver(buf, peer, 'tcp', truncated);
        },
        (why) => {
          this.counters.framingErrors++;
          this.notice(`tcp ${spec}: framing error from ${peer}: ${why}`);
        },
      ),
    };
    this.conns.add(conn);
    this.perSource.set(peer, (this.perSource.get(peer) ?? 0) + 1);
    socket.setKeepAlive(true, 30000);
    if (this.isPaused) socket.pause();
    socket.on('data', (chunk: Buffer) => {
      this.lastInput = Date.now();
      conn.framer.push(chunk);
    });
    socket.on('end', () => {
      conn.framer.end();
      socket.end();
    });
    socket.on('error', () => {
      /* ECONNRESET etc.: 'close' follows */
    });
    socket.on('close', () => {
      this.forget(conn);
    });
  }

  private sweepIdle(): void {
    const now = Date.now();
    this.udpDropNotice.tick(now);
    this.refusedNotice.tick(now);
    this.evictedNotice.tick(now);
    if (this.isPaused) return;
    const limit = now - this.opts.idleTimeoutMs;
    for (const c of this.conns) {
      if (c.lastFrame < limit) {
        this.counters.connectionsTimedOut++;
        this.notice(`tcp: dropped ${c.peer}: no complete message for ${Math.round(this.opts.idleTimeoutMs / 1000)} s`);
        // What the peer sent of an unfinished frame is dropped with it (a slow-loris has nothing to say).
        c.socket.destroy();
        this.forget(c);
      }
    }
  }
}
