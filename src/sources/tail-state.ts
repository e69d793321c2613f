// The tailer's checkpoints: where reading resumes in each file's current and rotated inodes,
// kept in a JSON state file written atomically (temporary file, fsync, rename). A damaged state
// file is moved aside and reading starts without positions; an unreadable one is an error.

import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

export interface SavedPos {
  dev: number;
  ino: number;
  btime?: number;
  offset: number;
  skipping?: boolean;
  /** SHA-1 (base64) of the file's first fpLen bytes: tells a truncated-and-regrown file, and finds a copy or a .gz. */
  fp?: string;
  fpLen?: number;
  /** The file's size when last looked at: the bytes known unread if it is lost. */
  size?: number;
}
export interface SavedFile extends SavedPos {
  rotated?: SavedPos[];
  /** Rotated inodes read to their end (the last few): a caller's older position for them is not a loss. */
  done?: SavedPos[];
}
export interface StateDoc {
  version: 1;
  files: Record<string, SavedFile>;
}

/** One file's positions as the state file has them: the inodes to resume (oldest first) and the finished ones. */
export interface RestoredFile {
  restored: SavedPos[];
  done: SavedPos[];
}

/**
 * The positions in state file `f`, or null when there is none (or it was damaged: then it is
 * moved aside and `notice` says so). Throws a one-line Error when it cannot be read.
 */
export async function readTailState(f: string, notice: (line: string) => void): Promise<Map<string, RestoredFile> | null> {
  let text: string;
  try {
    text = await fsp.readFile(f, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`tail state ${f} cannot be read: ${(err as Error).message}`);
  }
  let doc: StateDoc;
  try {
    doc = JSON.parse(text) as StateDoc;
    if (doc.version !== 1 || typeof doc.files !== 'object' || doc.files === null) throw new Error('unknown format');
  } catch (err) {
    const aside = `${f}.corrupt-${Date.now()}`;
    await fsp.rename(f, aside).catch(() => {});
    notice(`tail state ${f} is damaged (${(err as Error).message}); moved to ${aside}, starting without positions`);
    return null;
  }
  const out = new Map<string, RestoredFile>();
  for (const [rel, saved] of Object.entries(doc.files)) {
    if (typeof saved?.ino !== 'number' || typeof saved.offset !== 'number') continue;
    const list: SavedPos[] = [];
    for (const r of saved.rotated ?? []) if (typeof r?.ino === 'number' && typeof r.offset === 'number') list.push(r);
    if (saved.ino !== 0) {
      const { rotated: _r, done: _d, ...cur } = saved;
      list.push(cur);
    }
    const done = Array.isArray(saved.done) ? saved.done.filter((d) => typeof d?.ino === 'number' && typeof d.offset === 'number') : [];
    out.set(rel, { restored: list, done });
  }
  return out;
}

/** Writes the state file atomically and durably (a crash leaves the old one or the new one). */
export async function writeTailState(f: string, doc: StateDoc): Promise<void> {
  const tmp = `${f}.tmp`;
  await fsp.mkdir(path.dirname(f), { recursive: true });
  const h = await fsp.open(tmp, 'w');
  try {
    await h.writeFile(JSON.stringify(doc));
    await h.sync();
  } finally {
    await h.close();
  }
  await fsp.rename(tmp, f);
}
