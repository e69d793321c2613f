// Which files of the MN's logs tree are tailed (the tailer's paths provider): the fixed files,
// every live file of the console directories, and the directories watched for them. Rotated or
// compressed siblings are not live files; the tailer finds them only to finish a rotated inode.

import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

/** The fixed MN files, relative to the logs directory. */
export const MN_FILES: readonly string[] = [
  'messages',
  'syslog',
  'xcat/cluster.log',
  'xcat/computes.log',
  'xcat/commands.log',
  'httpd/access_log',
  'apache2/access_log',
  'apache2/access.log',
  'httpd/error_log',
  'apache2/error.log',
];
/** Directories whose every (non-rotated) file is tailed. */
export const MN_DIRS: readonly string[] = ['consoles', 'goconserver/nodes'];

/** Every directory watched: the parents of the files, the glob directories and their parents. */
export const WATCH_DIRS: readonly string[] = ['.', 'xcat', 'httpd', 'apache2', 'consoles', 'goconserver', 'goconserver/nodes'];

/** Rotated or compressed siblings are not live files: messages.1, cn01-20261124, x.gz. */
const ROTATED = /(?:\.\d+|\.gz|\.bz2|\.xz|\.zst|\.old|-\d{8}(?:\d{2})?|\.swp|~)$/;

/** A name in a console directory that is a live file (not rotated, not hidden). */
export function isLiveName(name: string): boolean {
  return !ROTATED.test(name) && !name.startsWith('.');
}

/** The files to tail under `dir` now: the fixed ones (present or not) and each live console file. */
export async function tailedFiles(dir: string): Promise<string[]> {
  const out = [...MN_FILES];
  for (const d of MN_DIRS) {
    let names: string[];
    try {
      names = await fsp.readdir(path.join(dir, d));
    } catch {
      continue;
    }
    for (const n of names) if (isLiveName(n)) out.push(`${d}/${n}`);
  }
  return out;
}
