// Reads a log file line by line, gzip or not, with bounded memory: a line longer than the cap
// is cut (and marked) and the rest skipped to its newline; invalid UTF-8 becomes U+FFFD; a
// corrupt gzip stream ends the file with what could be read and an error for the caller.

import * as fs from 'node:fs';
import { gunzipOf, gzipWhole } from './gunzip';
import { StringDecoder } from 'node:string_decoder';
import { isAscii } from 'node:buffer';

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

/**
 * Reads a file line by line. `onLine` gets each line and, for a pure-ASCII line of a plain (not
 * gzipped) file, where it starts in the file (else -1): the line's bytes are then the line itself,
 * so a reader can fetch it again from there (see engine/prepare.ts).
 */
export async function readLines(file: string, onLine: (line: string, at: number) => void, onBytes?: (n: number) => void): Promise<ReadResult> {
  const gz = /\.gz$/.test(file);
  const result: ReadResult = { lines: 0, bytes: 0, error: null, binary: false };
  const decoder = new StringDecoder('utf8');
  let buf = '';
  /** Where buf's first character is in the file, or -1 when not known. */
  let bufAt = -1;
  let skipping = false;
  let first = true;
  const emit = (line: string, at: number): void => {
    result.lines++;
    onLine(line.endsWith('\r') ? line.slice(0, -1) : line, at);
  };
  /** `textAt`: where text[0] is in the file when each character of text is one byte there, else -1. */
  const push = (text: string, textAt: number): void => {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const piece = text.slice(start, nl);
      const pieceAt = textAt >= 0 ? textAt + start : -1;
      start = nl + 1;
      if (skipping) {
        skipping = false;
        buf = '';
        continue;
      }
      const at = buf ? (pieceAt >= 0 ? bufAt : -1) : pieceAt;
      const line = buf ? buf + piece : piece;
      buf = '';
      if (line.length > MAX_RAW) emit(`${line.slice(0, MAX_RAW)}…[cut]`, -1);
      else emit(line, at);
    }
    if (skipping) return;
    if (!buf) bufAt = textAt >= 0 ? textAt + start : -1;
    else if (textAt < 0) bufAt = -1;
    buf += text.slice(start);
    if (buf.length > MAX_RAW) {
      emit(`${buf.slice(0, MAX_RAW)}…[cut]`, -1);
      buf = '';
      skipping = true;
    }
  };
  /** Whether the decoder holds nothing back (the blocks so far were ASCII): text and bytes then line up. */
  let aligned = true;
  /** One block read: false when reading must stop (a binary file). */
  const take = (chunk: Buffer, ascii: boolean): boolean => {
    if (first) {
      first = false;
      if (isBinary(chunk)) {
        result.binary = true;
        return false;
      }
    }
    const at = ascii && aligned ? result.bytes : -1;
    aligned = ascii;
    result.bytes += chunk.length;
    push(decoder.write(chunk), at);
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
        const chunk = block.subarray(0, n);
        if (!take(chunk, isAscii(chunk))) break;
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
        if (!take(chunk, false)) {
          raw.destroy();
          resolve();
        }
      });
      stream.on('end', () => resolve());
    });
  if (!result.binary) {
    const rest = decoder.end();
    if (rest) push(rest, -1);
    if (buf && !skipping) emit(buf, bufAt);
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
