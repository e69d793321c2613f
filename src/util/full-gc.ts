// A full garbage collection, for the one moment an offline analysis knows much of its heap has
// just become garbage (every file read, the copies index dropped) and is about to build the
// document on top of it: without it the snapshot's allocations stack on reading's garbage, and
// the peak is theirs (10,000 nodes: 754–768 MiB without, 706–708 with, for ~0.3 s).
// Node has gc() only under --expose-gc, a flag an installed command cannot count on: set at run
// time, it gives a fresh context's global gc. Where that fails, nothing is collected.

import * as v8 from 'node:v8';
import * as vm from 'node:vm';

let gc: (() => void) | null | undefined;

export function fullGc(): void {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      const f: unknown = vm.runInNewContext('typeof gc === "function" ? gc : null');
      gc = typeof f === 'function' ? (f as () => void) : null;
    } catch {
      gc = null;
    }
  }
  gc?.();
}
