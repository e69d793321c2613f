// Reads a log file line by line, gzip or not, with bounded memory: a line longer than the cap
// is cut (and marked) and the rest skipped to its newline; invalid UTF-8 becomes U+FFFD; a
// corrupt gzip stream ends the file with what could be read and an error for the caller.

import * as fs from 'node:fs';
import { gunzipOf, gzipWhole } from './gunzip';
import { StringDecoder } from 'node:string_decoder';

/** The longest line kept as read (the records stage cuts what it matches shorter still). */
export const MAX_RAW = 64 * 1024;

export interface ReadResult {
  lines: number;
  bytes: number;
  error: string | null;
  binary: boolean;
}

/** Looks like a binary file: NUL bytes in the first block. */
function isBinary(buf: Buffer): boolean {
  const n = Math.min(buf.length, 4096);
  let nul = 0;
  for (let i = 0; i < n; i++) if (buf[i] === 0) nul++;
  return nul > 8 || (n > 0 && nul / n > 0.01);
}

export async function readLines(file: string, onLine: (line: string) => void, onBytes?: (n: number) => void): Promise<ReadResult> {
  const gz = /\.gz$/.test(file);
  const result: ReadResult = { lines: 0, bytes: 0, error: null, binary: false };
  const decoder = new StringDecoder('utf8');
  let buf = '';
  let skipping = false;
  let first = true;
  const emit = (line: string): void => {
    result.lines++;
    onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  };
  const push = (text: string): void => {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const piece = text.slice(start, nl);
      start = nl + 1;
      if (skipping) {
        skipping = false;
        buf = '';
        continue;
      }
      const line = buf ? buf + piece : piece;
      buf = '';
      emit(line.length > MAX_RAW ? `${line.slice(0, MAX_RAW)}…[cut]` : line);
    }
    if (skipping) return;
    buf += text.slice(start);
    if (buf.length > MAX_RAW) {
      emit(`${buf.slice(0, MAX_RAW)}…[cut]`);
      buf = '';
      skipping = true;
    }
  };
  /** One block read: false when reading must stop (a binary file). */
  const take = (chunk: Buffer): boolean => {
    if (first) {
      first = false;
      if (isBinary(chunk)) {
        result.binary = true;
        return false;
      }
    }
    result.bytes += chunk.length;
    push(decoder.write(chunk));
    return true;
  };
  const fail = (e: Error): void => {
    result.error ??= (e as NodeJS.ErrnoException).code ? `${(e as NodeJS.ErrnoException).code}: ${e.message}` : e.message;
  };
  if (!gz) {
    // A plain file is read in large blocks without the event loop: a stream's round trip
    // through the thread pool per block left an analysis waiting more than it read.
    let fd: number | null = null;
    try {
      fd = fs.openSync(file, 'r');
      const block = Buffer.allocUnsafe(1024 * 1024);
      for (;;) {
        const n = fs.readSync(fd, block, 0, block.length, null);
        if (n === 0) break;
        onBytes?.(n);
        // The decoder keeps a split character's bytes itself: the block can be reused.
        if (!take(block.subarray(0, n))) break;
      }
    } catch (e) {
      fail(e as Error);
    } finally {
      if (fd !== null) fs.closeSync(fd);
    }
  } else
    await new Promise<void>((resolve) => {
      const raw = fs.createReadStream(file, { highWaterMark: 256 * 1024 });
      // A truncated gzip still yields what it holds (its trailer is checked below).
      const stream: NodeJS.ReadableStream = gunzipOf(raw, { partial: true });
      raw.on('error', (e) => {
        fail(e);
        resolve();
      });
      raw.on('data', (c: string | Buffer) => onBytes?.(c.length));
      stream.on('error', (e) => {
        fail(e);
        resolve();
      });
      stream.on('data', (chunk: Buffer) => {
        if (!take(chunk)) {
          raw.destroy();
          resolve();
        }
      });
      stream.on('end', () => resolve());
    });
  if (!result.binary) {
    push(decoder.end());
    if (buf && !skipping) emit(buf);
  }
  // A truncated gzip ends quietly under Z_SYNC_FLUSH: its trailer (the size, mod 2^32) tells.
  if (gz && !result.error && !result.binary) {
    try {
      const fd = fs.openSync(file, 'r');
      try {
        const size = fs.fstatSync(fd).size;
        const tail = Buffer.alloc(4);
        if (size >= 18) fs.readSync(fd, tail, 0, 4, size - 4);
        if (!gzipWhole(size, tail, result.bytes)) result.error = 'gzip stream is truncated or corrupt (unexpected end of file)';
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      /* the read error was reported above */
    }
  }
  return result;
}
