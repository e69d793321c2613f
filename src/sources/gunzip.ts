// Every gzip file xtriage reads is decompressed here, one way: rotated logs read offline and
// tailed live, the spool's closed segments, a file's head for sniffing. A read error of the file
// ends the decompression with that error (a pipe alone would leave it waiting for data).

import * as zlib from 'node:zlib';
import type { Readable } from 'node:stream';

/**
 * The decompressed stream of `raw`. `partial`: a truncated stream yields what it holds and ends
 * quietly (Z_SYNC_FLUSH); its trailer then tells whether it was whole (gzipWhole). Without it a
 * truncated stream is an error (a .gz still being written is not read as if it were complete).
 */
export function gunzipOf(raw: Readable, opts: { partial?: boolean } = {}): zlib.Gunzip {
  const gunzip = opts.partial ? zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH }) : zlib.createGunzip();
  raw.on('error', (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
}

/** Whether a gzip file's trailer (the uncompressed size, mod 2^32) matches what was decompressed. */
export function gzipWhole(size: number, trailer: Buffer, decompressed: number): boolean {
  return size >= 18 && trailer.length === 4 && trailer.readUInt32LE(0) === decompressed % 2 ** 32;
}
