// After many machines froze, the heap is full of holes: V8 keeps those pages (its compaction
// heuristics move only a few per collection), so the memory never returns to the OS. Once in a
// while, when the daemon is idle, one collection that compacts everything gives it back
// (2,000-node install: old space 178 MB committed for 64 MB live → 68 MB). V8 offers this only
// through flags: set for that one collection and cleared again.

import * as v8 from 'node:v8';
import * as vm from 'node:vm';

let gcFn: (() => void) | null | undefined;

function gc(): (() => void) | null {
  if (gcFn === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gcFn = vm.runInNewContext('gc') as () => void;
    } catch {
      gcFn = null;
    }
  }
  return gcFn;
}

/** One full, compacting collection. Returns its duration and the heap's committed size before and after, or null if unavailable. */
export function compactHeap(): { ms: number; before: number; after: number } | null {
  const collect = gc();
  if (!collect) return null;
  const before = process.memoryUsage().heapTotal;
  const t0 = performance.now();
  v8.setFlagsFromString('--compact-on-every-full-gc');
  try {
    collect();
  } finally {
    v8.setFlagsFromString('--no-compact-on-every-full-gc');
  }
  return { ms: performance.now() - t0, before, after: process.memoryUsage().heapTotal };
}

/**
 * One full collection that does not compact: what is garbage goes, what lives stays where it is.
 * Compacting copies the live heap to fresh pages first, which is a peak of its own: an offline
 * analysis of 10,000 nodes peaked at 915–919 MiB with compactHeap() before its snapshot, 703–708
 * with this. False when no collection could be asked for.
 */
export function collectGarbage(): boolean {
  const collect = gc();
  collect?.();
  return collect !== null;
}
