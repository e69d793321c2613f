// The management node's /var/log layout: which files xtriage reads, what kind each is, and
// the order of rotated siblings (oldest first), as docs/architecture.md (sources) describes them.

import * as path from 'node:path';
import { kindOfPath, LOG_KINDS, type FileKind } from './kinds';
import { ROTATION } from './rotation';

export interface MnFile {
  /** Path relative to the log root, '/'-separated: the record `source`. */
  rel: string;
  kind: FileKind;
  /** The live file's name this one rotates from, e.g. 'messages' for 'messages-20261101.gz'. */
  base: string;
  /** Rotation age: 0 for the live file, larger is older. */
  age: number;
  /** Node name for console files. */
  node: string | null;
}

/** Classify a path relative to a log root; null for files xtriage does not read. */
export function classify(rel: string): MnFile | null {
  const norm = rel.split(path.sep).join('/');
  const dir = path.posix.dirname(norm);
  const name = path.posix.basename(norm);
  const m = ROTATION.exec(name);
  const stem = m?.[1] ?? name;
  const age = m?.[3] ? Number(m[3]) + (m[4] ? 0.5 : 0) : m?.[2] ? 100_000_000 - Number(m[2]) : m?.[4] ? 0.5 : 0;
  if (/(?:^|\/)consoles$/.test(dir) || /(?:^|\/)goconserver\/nodes$/.test(dir)) {
    if (name.startsWith('.')) return null;
    const node = stem.replace(/\.log$/, '');
    return { rel: norm, kind: 'console', base: `${dir}/${node}`, age, node };
  }
  const baseRel = dir === '.' ? stem : `${dir}/${stem}`;
  const kind = kindOfPath(baseRel);
  return kind ? { rel: norm, kind, base: baseRel, age, node: null } : null;
}

/** The order offline analysis reads MN files in (the engine keeps the first copy of a line seen in two). */
export const FILE_ORDER: readonly FileKind[] = LOG_KINDS.map((k) => k.kind).filter((k) => k !== 'remote');
const ORDER = FILE_ORDER;

const orderMemo = new Map<string, number>();
/**
 * A source's place in the offline reading order (FILE_ORDER); 'remote' (captures, read last)
 * and unknown files come after every file kind.
 */
export function readingOrder(source: string): number {
  let i = orderMemo.get(source);
  if (i === undefined) {
    const f = source === 'remote' ? null : classify(source);
    i = f ? ORDER.indexOf(f.kind) : -1;
    if (i < 0) i = ORDER.length;
    if (orderMemo.size < 100_000) orderMemo.set(source, i);
  }
  return i;
}

/**
 * Order files for reading: by kind (DHCP and HTTP first: they teach identity), then by
 * chain, oldest rotation first. Dated rotations sort by date; numbered ones by number.
 */
export function orderFiles(files: MnFile[]): MnFile[] {
  return [...files].sort(
    (a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind) || a.base.localeCompare(b.base) || b.age - a.age || a.rel.localeCompare(b.rel),
  );
}
