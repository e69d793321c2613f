// The capture spool: every received message, appended as one JSON line in the capture-file
// format of docs/contract.md ({"at":"ISO 8601 with offset","from":"ip","msg":"..."}), buffered and
// written at least every flushIntervalMs, rotated by size into capture-YYYYMMDD-HHMMSS.jsonl
// (named by the local time the file was started), gzip-compressed in the background, pruned by
// retention. replay() reads everything back once, in order.
//
// What is kept (the promise README.md "What xtriaged keeps" states):
// - What append() took is never discarded while the disk takes writes. Callers that can hold
//   back (TCP) are told through onPressure when more than pressureBytes wait to be written;
//   callers that cannot (UDP) ask refusal() first and count what they drop, with its cause.
// - Every record is handed to the kernel (write(2): it survives kill -9 of the process, not a
//   power cut) within flushIntervalMs (20 ms) of append(), or, when a write is still running
//   then, as soon as it ends. kill -9 loses at most that: the unwritten bytes (unwritten()).
// - Disk full: records wait in memory and are retried every RETRY_MS; a record cut by the
//   failure is cut off the file again (truncating needs no space), so it is written whole later
//   and nothing is torn. Only past twice maxPendingBytes (a caller that cannot hold back, while
//   writes fail) are the oldest records dropped, counted and logged. The failure is logged once,
//   then once a minute with a count, and its end once.
// - A torn last line (a crash mid-write) is cut off on reopen so nothing merges into it.
//
// Layout of the spool directory:
//   capture-20261124-100102.jsonl.gz     older files, compressed
//   capture-20261124-113005-1.jsonl      (a -N suffix when two files start in the same second)
//   capture-20261124-120000.jsonl        the newest .jsonl is the one being written
//   *.gz.tmp                             compression in progress (removed on open)

import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { gunzipOf } from './gunzip';
import { pipeline } from 'node:stream/promises';
import { atPart, formatCaptureLine, fromPart, parseCaptureLine, type CaptureRecord } from './capture-format';
export { formatCaptureLine, parseCaptureLine, type CaptureRecord };
import { isPlainJsonAscii } from '../util/plain-ascii';

/** One capture record: receive time (epoch ms), sender IP, message as received. */
/** Where a record sits in the spool: the file's stem (name without .jsonl/.jsonl.gz) and its 1-based line. */
export interface SpoolPosition {
  file: string;
  line: number;
}

export interface DamagedLine {
  file: string;
  /** 1-based line number (0 when the damage is not a line: a broken gzip stream). */
  line: number;
  reason: string;
  /** The start of the damaged text (at most 200 characters). */
  text: string;
}

export interface SpoolOptions {
  dir: string;
  /** Start a new file when the current one reaches this size (default 64 MiB). */
  maxFileBytes?: number;
  /** Buffered lines are written at least this often (default 20 ms): the window kill -9 can lose. */
  flushIntervalMs?: number;
  /** Write early when this much is buffered (default 1 MiB). */
  maxBufferedBytes?: number;
  /** Retention: total bytes of all spool files (default 4 GiB); the oldest go first. */
  maxTotalBytes?: number;
  /** Retention: number of files (default 1000). */
  maxFiles?: number;
  /** Compress rotated files (default true). */
  compress?: boolean;
  /**
   * The memory budget for records not yet written (default 64 MiB): past it refusal() gives a
   * reason. While writes fail, past twice this the oldest records are dropped (counted, logged).
   */
  maxPendingBytes?: number;
  /** onPressure(true) when more than this waits to be written (default 4 MiB); false again under a quarter of it. */
  pressureBytes?: number;
  /** Push back (pause TCP) while true. */
  onPressure?: (on: boolean) => void;
  /** One-line notices: rotation problems, retention removals, write errors, repaired tails. */
  onNotice?: (line: string) => void;
}

export interface SpoolStats {
  /** Records given to append(). */
  appended: number;
  /** Records written to the file (handed to the kernel: they survive a crash of the process). */
  written: number;
  bytesWritten: number;
  /** Records dropped because writes kept failing and memory was full (never while writes succeed). */
  dropped: number;
  writeErrors: number;
  /** Bytes appended and not yet handed to the kernel (buffered or being written). */
  unwrittenBytes: number;
  /** Writes are failing now (disk full): records wait in memory. */
  failing: boolean;
  /** Times onPressure(true) was called. */
  pressured: number;
  rotations: number;
  compressed: number;
  /** Files removed by retention. */
  removed: number;
  /** Bytes of a torn last line cut off when the spool was opened. */
  repairedBytes: number;
  /** The file being written (stem). */
  current: string;
}

export interface ReadCaptureOptions {
  onDamaged?: (d: DamagedLine) => void;
  /** Read only the first `end` bytes of the (uncompressed) file. */
  end?: number;
}

const STEM = /^capture-(\d{8}-\d{6})(?:-(\d+))?$/;
const FILE = /^(capture-\d{8}-\d{6}(?:-\d+)?)\.jsonl(\.gz)?$/;
/** A capture line is never longer than this; longer runs without a newline are damage. */
const MAX_LINE = 16 * 1024 * 1024;
/** Buffered lines are filled into chunks of this size (a larger line gets a chunk of its own). */
const CHUNK_BYTES = 1024 * 1024;
/** While writes fail, they are retried this often (not at every flush: disk full is not over in 20 ms). */
const RETRY_MS = 250;
/** A failure that goes on is logged again at most this often, with a count. */
const FAIL_NOTICE_MS = 60_000;

function mib(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}

interface PendingChunk {
  buf: Buffer;
  used: number;
  lines: number;
}

function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/**
 * Read a capture file (plain or gzip, told by its first bytes) record by record. Damaged lines
 * (not JSON, missing fields, a torn last line, a truncated gzip stream) are reported through
 * onDamaged and skipped; nothing throws except failing to open the file.
 */
export async function* readCapture(file: string, opts: ReadCaptureOptions = {}): AsyncGenerator<CaptureRecord & { line: number }> {
  const damaged = (line: number, reason: string, text: string): void => opts.onDamaged?.({ file, line, reason, text: clip(text) });
  // One open: a file removed after this point is still read whole (ENOENT only comes from here).
  const fh = await fsp.open(file, 'r');
  let gz = false;
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    gz = bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } catch (err) {
    await fh.close();
    throw err;
  }
  const raw = fh.createReadStream({ highWaterMark: 64 * 1024, start: 0 });
  const gunzip = gz ? gunzipOf(raw, { partial: true }) : null;
  const stream: NodeJS.ReadableStream = gunzip ?? raw;
  let left = opts.end ?? Infinity;
  let parts: Buffer[] = [];
  let partLen = 0;
  let skipping = false;
  let lineNo = 0;
  const handle = (buf: Buffer): (CaptureRecord & { line: number }) | null => {
    lineNo++;
    const text = buf.toString('utf8');
    if (text === '' || text === '\r') {
      damaged(lineNo, 'empty line', '');
      return null;
    }
    const r = parseCaptureLine(text);
    if (typeof r === 'string') {
      damaged(lineNo, r, text);
      return null;
    }
    return { ...r, line: lineNo };
  };
  try {
    for await (const chunkAny of stream as AsyncIterable<Buffer>) {
      if (left <= 0) break;
      let chunk: Buffer = chunkAny;
      if (chunk.length > left) chunk = chunk.subarray(0, left);
      left -= chunk.length;
      let i = 0;
      while (i < chunk.length) {
        const nl = chunk.indexOf(0x0a, i);
        const stop = nl < 0 ? chunk.length : nl;
        if (skipping) {
          if (nl < 0) break;
          skipping = false;
          i = nl + 1;
          continue;
        }
        if (partLen + (stop - i) > MAX_LINE) {
          lineNo++;
          damaged(lineNo, `line longer than ${MAX_LINE} bytes`, Buffer.concat([...parts, chunk.subarray(i, Math.min(stop, i + 200))]).toString('utf8'));
          parts = [];
          partLen = 0;
          if (nl < 0) {
            skipping = true;
            break;
          }
          i = nl + 1;
          continue;
        }
        if (nl < 0) {
          parts.push(chunk.subarray(i));
          partLen += chunk.length - i;
          break;
        }
        const piece = chunk.subarray(i, nl);
        const lineBuf = partLen > 0 ? Buffer.concat([...parts, piece]) : piece;
        parts = [];
        partLen = 0;
        i = nl + 1;
        const rec = handle(lineBuf);
        if (rec) yield rec;
      }
    }
  } catch (err) {
    // A broken gzip stream: what came before it has been read.
    damaged(0, `unreadable: ${(err as Error).message}`, '');
  } finally {
    raw.destroy();
    gunzip?.destroy();
  }
  if (partLen > 0 && !skipping) {
    // A last line without its newline: kept when it is a whole record, else reported as torn.
    const text = Buffer.concat(parts).toString('utf8');
    lineNo++;
    const r = parseCaptureLine(text);
    if (typeof r === 'string') damaged(lineNo, `torn last line (${r})`, text);
    else yield { ...r, line: lineNo };
  }
}

// ---------------------------------------------------------------------------------------------

interface SpoolFile {
  stem: string;
  stamp: string;
  seq: number;
  gz: boolean;
}

function compareStem(a: { stamp: string; seq: number }, b: { stamp: string; seq: number }): number {
  return a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : a.seq - b.seq;
}

function parseStem(stem: string): { stamp: string; seq: number } | null {
  const m = STEM.exec(stem);
  return m ? { stamp: m[1]!, seq: m[2] ? Number(m[2]) : 0 } : null;
}

function stampOf(t: number): string {
  const d = new Date(t);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

async function fsyncDir(dir: string): Promise<void> {
  try {
    const h = await fsp.open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    /* some filesystems refuse: not fatal */
  }
}

async function listSpool(dir: string): Promise<{ files: SpoolFile[]; tmps: string[] }> {
  const names = await fsp.readdir(dir);
  const byStem = new Map<string, SpoolFile>();
  const plain = new Set<string>();
  const tmps: string[] = [];
  for (const n of names) {
    if (n.endsWith('.gz.tmp')) {
      tmps.push(n);
      continue;
    }
    const m = FILE.exec(n);
    if (!m) continue;
    const stem = m[1]!;
    const ps = parseStem(stem)!;
    if (m[2]) byStem.set(stem, { stem, ...ps, gz: true });
    else plain.add(stem);
  }
  for (const stem of plain) {
    if (!byStem.has(stem)) byStem.set(stem, { stem, ...parseStem(stem)!, gz: false });
  }
  const files = [...byStem.values()].sort(compareStem);
  return { files, tmps };
}

/** The end of a spool at one moment: its directory, the file being written and its length. */
export interface SpoolBoundary {
  dir: string;
  stem: string | null;
  end: number;
}

export interface ReplayOptions {
  after?: SpoolPosition;
  onDamaged?: (d: DamagedLine) => void;
  onNotice?: (line: string) => void;
}

/**
 * Every record of a spool directory up to `b`, in order, once. Files rotated, compressed or
 * removed while this runs are followed (a plain file compressed meanwhile is read as its .gz).
 */
export async function* replaySpool(b: SpoolBoundary, opts: ReplayOptions = {}): AsyncGenerator<CaptureRecord & { pos: SpoolPosition }> {
  const { files } = await listSpool(b.dir);
  const after = opts.after ? parseStem(opts.after.file) : null;
  const last = b.stem ? parseStem(b.stem) : null;
  const fileOf = (stem: string, gz: boolean): string => path.join(b.dir, `${stem}.jsonl${gz ? '.gz' : ''}`);
  for (const f of files) {
    const ps = { stamp: f.stamp, seq: f.seq };
    if (after && compareStem(ps, after) < 0) continue;
    // Files begun after the boundary hold only what arrived after it.
    if (last && compareStem(ps, last) > 0) break;
    const skipLines = after && compareStem(ps, after) === 0 ? opts.after!.line : 0;
    const ro: ReadCaptureOptions = {};
    if (opts.onDamaged) ro.onDamaged = opts.onDamaged;
    if (f.stem === b.stem) ro.end = b.end;
    // A plain file may be compressed while we get to it: then read its .gz (same content).
    const candidates = f.gz ? [fileOf(f.stem, true)] : [fileOf(f.stem, false), fileOf(f.stem, true)];
    for (const p of candidates) {
      try {
        for await (const r of readCapture(p, ro)) {
          if (r.line <= skipLines) continue;
          yield { at: r.at, from: r.from, msg: r.msg, ...(r.resume !== undefined ? { resume: r.resume } : {}), pos: { file: f.stem, line: r.line } };
        }
        break;
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code !== 'ENOENT') throw err;
        if (p === candidates[candidates.length - 1]) opts.onNotice?.(`spool: ${f.stem} was removed before replay reached it`);
      }
    }
  }
}

export class Spool {
  private readonly o: Required<Omit<SpoolOptions, 'onNotice' | 'onPressure'>> & Pick<SpoolOptions, 'onNotice' | 'onPressure'>;
  private fh: fsp.FileHandle | null = null;
  private current: SpoolFile | null = null;
  private currentBytes = 0;
  /** Lines not yet written, as filled byte chunks (oldest first; the last one is being filled). */
  private pending: PendingChunk[] = [];
  private pendingBytes = 0;
  private freeChunks: Buffer[] = [];
  /** JSON-quoted sender addresses as bytes (a capture line's prefix, built without strings). */
  private fromBytes = new Map<string, Buffer>();
  private atBytesAt = NaN;
  private atBytes: Buffer = Buffer.alloc(0);
  private chain: Promise<void> = Promise.resolve();
  /** A flush is in the chain and has not started: it will take everything appended until then. */
  private flushQueued = false;
  private timer: NodeJS.Timeout | null = null;
  private closing = false;
  private closed = false;
  private compressQueue: string[] = [];
  private compressing: Promise<void> | null = null;
  private compressAbort: AbortController | null = null;
  /** Bytes handed to write() and not yet done (with pendingBytes: what kill -9 would lose). */
  private inFlightBytes = 0;
  private pressure = false;
  /** Writes fail (disk full): since when, retried from retryAt, logged at lastFailNotice. */
  private failing = false;
  private failingSince = 0;
  private retryAt = 0;
  private lastFailNotice = 0;
  private failuresSinceNotice = 0;
  private droppedSinceNotice = 0;
  private failuresTotal = 0;
  private lastError = '';
  /** A record was cut by a failed write and could not be cut off the file: start the next write on a new line. */
  private needNewline = false;
  private counters = {
    appended: 0,
    written: 0,
    bytesWritten: 0,
    dropped: 0,
    writeErrors: 0,
    rotations: 0,
    compressed: 0,
    removed: 0,
    repairedBytes: 0,
    pressured: 0,
  };

  private constructor(opts: SpoolOptions) {
    this.o = {
      dir: opts.dir,
      maxFileBytes: opts.maxFileBytes ?? 64 * 1024 * 1024,
      flushIntervalMs: opts.flushIntervalMs ?? 20,
      maxBufferedBytes: opts.maxBufferedBytes ?? 1024 * 1024,
      maxTotalBytes: opts.maxTotalBytes ?? 4 * 1024 * 1024 * 1024,
      maxFiles: opts.maxFiles ?? 1000,
      compress: opts.compress ?? true,
      maxPendingBytes: opts.maxPendingBytes ?? 64 * 1024 * 1024,
      pressureBytes: opts.pressureBytes ?? 4 * 1024 * 1024,
      onNotice: opts.onNotice,
      onPressure: opts.onPressure,
    };
  }

  /**
   * Open (creating the directory if needed): clean up an interrupted compression, cut a torn
   * last line off the newest file and keep appending to it, compress leftovers, apply retention.
   * Rejects with a one-line Error when the directory cannot be used.
   */
  static async open(opts: SpoolOptions): Promise<Spool> {
    const s = new Spool(opts);
    try {
      await fsp.mkdir(opts.dir, { recursive: true });
      await s.recover();
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new Error(`cannot use spool directory ${opts.dir}: ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' ').trim());
    }
    s.timer = setInterval(() => {
      if (s.pendingBytes > 0) void s.flush();
    }, s.o.flushIntervalMs);
    s.timer.unref();
    return s;
  }

  private notice(line: string): void {
    this.o.onNotice?.(line);
  }

  private file(stem: string, gz = false): string {
    return path.join(this.o.dir, `${stem}.jsonl${gz ? '.gz' : ''}`);
  }

  private async recover(): Promise<void> {
    const { files, tmps } = await listSpool(this.o.dir);
    for (const t of tmps) await fsp.rm(path.join(this.o.dir, t), { force: true });
    // A .jsonl whose .jsonl.gz exists was compressed completely (the .gz is renamed into place
    // only after it is synced): the plain copy is a leftover.
    for (const f of files) {
      if (f.gz) await fsp.rm(this.file(f.stem), { force: true });
    }
    const newest = files[files.length - 1];
    if (newest && !newest.gz) {
      const p = this.file(newest.stem);
      const size = (await fsp.stat(p)).size;
      if (size < this.o.maxFileBytes) {
        const fh = await fsp.open(p, 'r+');
        const keep = await lastNewlineEnd(fh, size);
        if (keep < size) {
          await fh.truncate(keep);
          await fh.sync();
          this.counters.repairedBytes += size - keep;
          this.notice(`spool: cut a torn last line (${size - keep} bytes) off ${path.basename(p)}`);
        }
        await fh.close();
        this.fh = await fsp.open(p, 'a');
        this.current = newest;
        this.currentBytes = keep;
      }
    }
    for (const f of files) {
      if (!f.gz && f !== this.current) this.queueCompress(f.stem);
    }
    if (!this.fh) await this.startFile();
    await this.retention();
  }

  /** Append one record; it reaches the file within flushIntervalMs. */
  append(m: CaptureRecord): void {
    if (this.closing) throw new Error('spool is closed');
    const line = formatCaptureLine(m);
    const n = Buffer.byteLength(line, 'utf8');
    const c = this.room(n);
    c.used += c.buf.write(line, c.used, 'utf8');
    this.appended(c, n);
  }

  /**
   * Append one record whose message is `msg`'s bytes (UTF-8, as received): the same line as
   * append({at, from, msg: msg.toString()}), built by copying bytes when they need no escaping.
   * The reception thread's path: no string per message.
   */
  appendBytes(at: number, from: string, msg: Uint8Array): void {
    if (isPlainJsonAscii(msg)) this.appendPlain(at, from, msg);
    else this.append({ at, from, msg: Buffer.from(msg.buffer, msg.byteOffset, msg.length).toString('utf8') });
  }

  /** appendBytes for a message the caller has checked with isPlainJsonAscii (copied as it is). */
  appendPlain(at: number, from: string, msg: Uint8Array): void {
    if (this.closing) throw new Error('spool is closed');
    if (at !== this.atBytesAt) {
      this.atBytesAt = at;
      this.atBytes = Buffer.from(atPart(at), 'latin1');
    }
    let f = this.fromBytes.get(from);
    if (!f) {
      if (this.fromBytes.size > 65536) this.fromBytes.clear();
      f = Buffer.from(`${fromPart(from)}"`, 'utf8');
      this.fromBytes.set(from, f);
    }
    const n = this.atBytes.length + f.length + msg.length + 3;
    const c = this.room(n);
    const b = c.buf;
    let o = c.used;
    b.set(this.atBytes, o);
    o += this.atBytes.length;
    b.set(f, o);
    o += f.length;
    b.set(msg, o);
    o += msg.length;
    b[o++] = 0x22; // "
    b[o++] = 0x7d; // }
    b[o++] = 0x0a; // \n
    c.used = o;
    this.appended(c, n);
  }

  /** The chunk to write the next `n` bytes into. */
  private room(n: number): PendingChunk {
    const last = this.pending[this.pending.length - 1];
    if (last && last.buf.length - last.used >= n) return last;
    const size = Math.max(CHUNK_BYTES, n);
    const buf = size === CHUNK_BYTES && this.freeChunks.length ? this.freeChunks.pop()! : Buffer.allocUnsafeSlow(size);
    const c: PendingChunk = { buf, used: 0, lines: 0 };
    this.pending.push(c);
    return c;
  }

  private appended(c: PendingChunk, n: number): void {
    c.lines++;
    this.pendingBytes += n;
    this.counters.appended++;
    // Nothing is trimmed here: what was taken is kept while writes succeed (pressure and
    // refusal() keep it bounded); while they fail, the timer retries (not every append).
    if (!this.pressure && this.pendingBytes + this.inFlightBytes > this.o.pressureBytes) this.setPressure(true);
    if (this.pendingBytes >= this.o.maxBufferedBytes && !this.failing) void this.flush();
  }

  private setPressure(on: boolean): void {
    if (on === this.pressure) return;
    this.pressure = on;
    if (on) this.counters.pressured++;
    this.o.onPressure?.(on);
  }

  /** Bytes appended and not yet handed to the kernel: what kill -9 would lose now. */
  unwritten(): number {
    return this.pendingBytes + this.inFlightBytes;
  }

  /** More than pressureBytes wait to be written (callers that can should hold back). */
  get pressured(): boolean {
    return this.pressure;
  }

  /**
   * Null when a record can be taken within the memory budget; else why not (for a caller that
   * cannot hold back, to count and log what it drops).
   */
  refusal(): string | null {
    const u = this.pendingBytes + this.inFlightBytes;
    if (u < this.o.maxPendingBytes) return null;
    return this.failing
      ? `the spool cannot write (${this.lastError}) and its memory budget is full (${mib(u)} waiting)`
      : `the spool's memory budget is full (${mib(u)} waiting to be written)`;
  }

  /** Write everything appended so far (resolves when it is in the file, not necessarily on disk). */
  flush(): Promise<void> {
    // One queued flush at a time: during a write every append past maxBufferedBytes asks for one,
    // and a promise per message, held until the write ended, was most of the reception thread's
    // garbage collection under a flood (2M messages framed and spooled: scavenges 1.96 → 0.08 s).
    if (this.flushQueued) return this.chain;
    this.flushQueued = true;
    this.chain = this.chain
      .then(() => {
        this.flushQueued = false;
        return this.writePending();
      })
      .catch((err: Error) => {
        this.failed(err, 'rotation failed');
      });
    return this.chain;
  }

  /** A write (or opening the next file) failed: retry later; log the first failure, then once a minute with a count. */
  private failed(err: Error, what: string): void {
    this.counters.writeErrors++;
    this.failuresTotal++;
    const now = Date.now();
    this.retryAt = now + RETRY_MS;
    this.lastError = err.message.replace(/\s+/g, ' ');
    if (!this.failing) {
      this.failing = true;
      this.failingSince = now;
      this.lastFailNotice = now;
      this.failuresSinceNotice = 0;
      this.failuresTotal = 1;
      this.notice(
        `spool: ${what}: ${this.lastError}; ${mib(this.unwritten())} held in memory, retried every ${RETRY_MS} ms (past ${mib(this.o.maxPendingBytes)} TCP is paused and UDP datagrams are dropped and counted)`,
      );
      return;
    }
    this.failuresSinceNotice++;
    if (now - this.lastFailNotice >= FAIL_NOTICE_MS) this.failNotice(now);
  }

  private failNotice(now: number): void {
    const dropped = this.droppedSinceNotice
      ? `; dropped the oldest ${this.droppedSinceNotice} records (past ${mib(2 * this.o.maxPendingBytes)} in memory)`
      : '';
    this.notice(
      `spool: writes still failing after ${Math.round((now - this.failingSince) / 1000)} s: ${this.lastError} (${this.failuresSinceNotice} more failures; ${mib(this.unwritten())} held in memory${dropped})`,
    );
    this.lastFailNotice = now;
    this.failuresSinceNotice = 0;
    this.droppedSinceNotice = 0;
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    const dropped = this.droppedSinceNotice ? `; ${this.droppedSinceNotice} records dropped since the last notice` : '';
    this.notice(
      `spool: writes succeed again after ${this.failuresTotal} failures in ${((Date.now() - this.failingSince) / 1000).toFixed(1)} s: what was held in memory is written${dropped}`,
    );
    this.droppedSinceNotice = 0;
  }

  private async writePending(): Promise<void> {
    if (this.pending.length === 0) return;
    // While writes fail, retry every RETRY_MS (a last try when closing).
    if (this.failing && Date.now() < this.retryAt && !this.closing) return;
    if (!this.fh) {
      // A rotation failed to open the next file (disk full, too many files): try again now.
      try {
        await this.startFile();
      } catch (err) {
        this.failed(err as Error, 'cannot open a new file');
        this.trimPending();
        return;
      }
    }
    const fh = this.fh!;
    const chunks = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    let lines = 0;
    for (const c of chunks) lines += c.lines;
    // Chunk after chunk, not joined first: a flood's megabytes of joined copies would each be a
    // fresh allocation that glibc keeps afterwards.
    const parts = chunks.map((c) => c.buf.subarray(0, c.used));
    const total = parts.reduce((a, b) => a + b.length, 0);
    this.inFlightBytes = total;
    let off = 0;
    try {
      if (this.needNewline) {
        // A cut record could not be cut off the file: it becomes a damaged line of its own (its
        // record is written whole below), never a prefix of the next one.
        await fh.write('\n');
        this.needNewline = false;
        this.currentBytes++;
        this.counters.bytesWritten++;
      }
      for (const part of parts) {
        let o = 0;
        while (o < part.length) {
          const { bytesWritten } = await fh.write(part, o, part.length - o);
          o += bytesWritten;
          off += bytesWritten;
        }
      }
    } catch (err) {
      this.inFlightBytes = 0;
      const buf = Buffer.concat(parts);
      // Lines written whole before the failure stay written; the rest is retried later, whole.
      const whole = off > 0 ? buf.lastIndexOf(0x0a, off - 1) + 1 : 0;
      let done = 0;
      for (let i = buf.indexOf(0x0a); i >= 0 && i < whole; i = buf.indexOf(0x0a, i + 1)) done++;
      if (off > whole) {
        // A record cut by the failure (ENOSPC after a partial write): cut it off the file again
        // (truncating needs no space), so the retry writes it whole after the last whole one.
        try {
          await fh.truncate(this.currentBytes + whole);
        } catch {
          this.needNewline = true;
          this.currentBytes += off - whole;
          this.counters.bytesWritten += off - whole;
        }
      }
      this.counters.written += done;
      this.counters.bytesWritten += whole;
      this.currentBytes += whole;
      const rest = Buffer.from(buf.subarray(whole));
      const restChunk: PendingChunk = { buf: rest, used: rest.length, lines: lines - done };
      this.pending = [restChunk, ...this.pending];
      this.pendingBytes = this.pending.reduce((a, c) => a + c.used, 0);
      this.failed(err as Error, 'write failed');
      this.trimPending();
      return;
    }
    this.inFlightBytes = 0;
    for (const c of chunks) {
      if (c.buf.length === CHUNK_BYTES && this.freeChunks.length < 4) this.freeChunks.push(c.buf);
    }
    this.counters.written += lines;
    this.counters.bytesWritten += total;
    this.currentBytes += total;
    this.recovered();
    if (this.pressure && this.pendingBytes <= this.o.pressureBytes / 4) this.setPressure(false);
    if (this.currentBytes >= this.o.maxFileBytes) await this.rotate();
  }

  /**
   * Only while writes fail, and only past twice the memory budget (a caller that cannot hold
   * back): drop the oldest buffered lines (whole chunks), counted and logged.
   */
  private trimPending(): void {
    if (!this.failing) return;
    let n = 0;
    while (this.pendingBytes > 2 * this.o.maxPendingBytes && this.pending.length > 1) {
      const c = this.pending.shift()!;
      this.pendingBytes -= c.used;
      n += c.lines;
    }
    if (n === 0) return;
    this.counters.dropped += n;
    const first = this.droppedSinceNotice === 0 && this.counters.dropped === n;
    this.droppedSinceNotice += n;
    if (first)
      this.notice(
        `spool: dropped the oldest ${n} records: writes fail (${this.lastError}) and ${mib(2 * this.o.maxPendingBytes)} are held in memory (counted in dropped)`,
      );
  }

  private async startFile(): Promise<void> {
    const { files } = await listSpool(this.o.dir);
    const last = files[files.length - 1];
    let next = { stamp: stampOf(Date.now()), seq: 0 };
    if (last && compareStem(next, last) <= 0) next = { stamp: last.stamp, seq: last.seq + 1 };
    const stem = next.seq > 0 ? `capture-${next.stamp}-${next.seq}` : `capture-${next.stamp}`;
    this.fh = await fsp.open(this.file(stem), 'a');
    this.current = { stem, ...next, gz: false };
    this.currentBytes = 0;
    await fsyncDir(this.o.dir);
  }

  private async rotate(): Promise<void> {
    const old = this.current!;
    const fh = this.fh!;
    this.fh = null;
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    this.counters.rotations++;
    await this.startFile();
    this.queueCompress(old.stem);
    await this.retention();
  }

  private queueCompress(stem: string): void {
    if (!this.o.compress) return;
    this.compressQueue.push(stem);
    if (!this.compressing) this.compressing = this.runCompress();
  }

  private async runCompress(): Promise<void> {
    while (this.compressQueue.length > 0 && !this.closing) {
      const stem = this.compressQueue.shift()!;
      const src = this.file(stem);
      const dst = this.file(stem, true);
      const tmp = `${dst}.tmp`;
      const ac = new AbortController();
      this.compressAbort = ac;
      try {
        // Large chunks: the deflate itself runs in libuv's pool, but every chunk is a callback on
        // this thread, which is also the one reading the sockets (64 KiB chunks: ~4,000 callbacks
        // per 64 MiB file, enough to make the kernel drop datagrams at 100k/s while compressing).
        const big = 4 * 1024 * 1024;
        await pipeline(
          fs.createReadStream(src, { highWaterMark: big }),
          zlib.createGzip({ level: 6, chunkSize: 1024 * 1024 }),
          fs.createWriteStream(tmp, { highWaterMark: big }),
          { signal: ac.signal },
        );
        const h = await fsp.open(tmp, 'r');
        try {
          await h.sync();
        } finally {
          await h.close();
        }
        await fsp.rename(tmp, dst);
        await fsyncDir(this.o.dir);
        await fsp.rm(src, { force: true });
        this.counters.compressed++;
      } catch (err) {
        await fsp.rm(tmp, { force: true }).catch(() => {});
        const e = err as NodeJS.ErrnoException;
        if (e.name !== 'AbortError' && e.code !== 'ENOENT') this.notice(`spool: compressing ${path.basename(src)} failed: ${e.message}`);
      } finally {
        this.compressAbort = null;
      }
      if (!this.closing) await this.enqueueRetention();
    }
    this.compressing = null;
  }

  private enqueueRetention(): Promise<void> {
    this.chain = this.chain
      .then(() => this.retention())
      .catch((err: Error) => {
        this.notice(`spool: retention failed: ${err.message}`);
      });
    return this.chain;
  }

  /** Remove the oldest files (never the current one) past maxTotalBytes / maxFiles. */
  private async retention(): Promise<void> {
    const { files } = await listSpool(this.o.dir);
    const sized: { f: SpoolFile; size: number }[] = [];
    let total = 0;
    for (const f of files) {
      try {
        const size = (await fsp.stat(this.file(f.stem, f.gz))).size;
        sized.push({ f, size });
        total += size;
      } catch {
        /* gone meanwhile */
      }
    }
    let count = sized.length;
    for (const { f, size } of sized) {
      if (total <= this.o.maxTotalBytes && count <= this.o.maxFiles) break;
      if (this.current && f.stem === this.current.stem) break;
      if (!f.gz && this.compressQueue.includes(f.stem)) {
        this.compressQueue = this.compressQueue.filter((s) => s !== f.stem);
      }
      await fsp.rm(this.file(f.stem, f.gz), { force: true });
      total -= size;
      count--;
      this.counters.removed++;
      this.notice(`spool: retention removed ${path.basename(this.file(f.stem, f.gz))}`);
    }
  }

  /** The spool's files, oldest first (full paths; compressed or not). */
  async files(): Promise<string[]> {
    const { files } = await listSpool(this.o.dir);
    return files.map((f) => this.file(f.stem, f.gz));
  }

  /**
   * Where the spool ends now (after a flush): a replay up to here, started in another thread
   * while this spool keeps appending, reads everything written before and nothing after.
   */
  async boundary(): Promise<SpoolBoundary> {
    await this.flush();
    return { dir: this.o.dir, stem: this.current?.stem ?? null, end: this.currentBytes };
  }

  /**
   * Everything in the spool, in order, once: every file as it is when replay starts (the current
   * one up to its size then, after a flush). `after` skips up to and including that position.
   */
  async *replay(opts: ReplayOptions = {}): AsyncGenerator<CaptureRecord & { pos: SpoolPosition }> {
    yield* replaySpool(await this.boundary(), { ...opts, onNotice: (l) => this.notice(l) });
  }

  stats(): SpoolStats {
    return { ...this.counters, unwrittenBytes: this.unwritten(), failing: this.failing, current: this.current?.stem ?? '' };
  }

  /** Flush, fsync and close the current file; an unfinished compression is abandoned (redone on open). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    await this.flush();
    this.compressAbort?.abort();
    await this.compressing;
    await this.chain;
    if (this.pendingBytes > 0) {
      let n = 0;
      for (const c of this.pending) n += c.lines;
      this.counters.dropped += n;
      this.notice(`spool: closed with ${n} records not written (${mib(this.pendingBytes)}): ${this.lastError || 'the last write failed'}`);
    }
    if (this.fh) {
      try {
        await this.fh.sync();
      } finally {
        await this.fh.close();
        this.fh = null;
      }
    }
    this.closed = true;
  }
}

/** The length of the file up to and including its last newline (0 if none). */
async function lastNewlineEnd(fh: fsp.FileHandle, size: number): Promise<number> {
  const block = 64 * 1024;
  const buf = Buffer.alloc(block);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - block);
    const { bytesRead } = await fh.read(buf, 0, end - start, start);
    const k = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (k >= 0) return start + k + 1;
    end = start;
  }
  return 0;
}
