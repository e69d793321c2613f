// What the daemon cannot read in the logs tree: the tree itself, the directories it watches, the
// MN files and the consoles. Checked by really opening (open(2), readdir(3)), never access(2):
// the unit gives the service CAP_DAC_READ_SEARCH, which access(2) ignores for a non-root user.
// A file whose mode already lets this process read it is not opened (10,000 consoles).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { MN_DIRS, MN_FILES } from './tail-paths';

const ROTATED = /(?:\.\d+|\.gz|\.bz2|\.xz|\.zst|\.old|-\d{8}(?:\d{2})?|\.swp|~)$/;

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return `permission denied (${code})`;
  return code ?? (e as Error).message;
}

function readableByMode(st: fs.Stats): boolean {
  const uid = process.getuid?.() ?? -1;
  if (uid === 0) return true;
  if (st.mode & 0o004) return true;
  if (st.uid === uid && st.mode & 0o400) return true;
  const groups = process.getgroups?.() ?? [];
  return (st.gid === (process.getgid?.() ?? -1) || groups.includes(st.gid)) && (st.mode & 0o040) !== 0;
}

/**
 * Every path under `root` the tailer needs and cannot read, with the reason (path → reason).
 * Paths that do not exist are not problems (a cluster without goconserver has no goconserver/).
 */
export function unreadableLogs(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const dirOk = (abs: string): string[] | null => {
    try {
      return fs.readdirSync(abs);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      out.set(abs, reason(e));
      return null;
    }
  };
  const fileOk = (abs: string): void => {
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // stat needs no right on the file itself: a refusal is its directory's.
      if (code === 'EACCES' || code === 'EPERM') out.set(path.dirname(abs), reason(e));
      else if (code !== 'ENOENT' && code !== 'ENOTDIR') out.set(abs, reason(e));
      return;
    }
    if (!st.isFile() || readableByMode(st)) return;
    try {
      fs.closeSync(fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK));
    } catch (e) {
      out.set(abs, reason(e));
    }
  };
  // The tree must be listable (the tailer watches it); the fixed files need only a searchable
  // path (stat names them when it is not); the consoles' directories must be listable.
  if (dirOk(root) === null && out.has(root)) return out; // nothing below it can be looked at
  for (const f of MN_FILES) fileOk(path.join(root, f));
  for (const d of MN_DIRS) {
    const names = out.has(path.join(root, d)) ? null : dirOk(path.join(root, d));
    for (const n of names ?? []) if (!ROTATED.test(n) && !n.startsWith('.')) fileOk(path.join(root, d, n));
  }
  return out;
}
