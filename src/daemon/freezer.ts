// Memory over days: a machine done with its install keeps its lines compressed until it sends
// again (engine/frozen-machine.ts), old line copies are forgotten, and once a wave of freezing
// is over and the daemon is idle the heap is compacted so the memory goes back to the system.

import type { Engine } from '../engine/engine';
import { compactHeap } from '../util/heap-compact';

/** Machines with no new line for this long, whose diagnosis cannot change by itself, are frozen (compressed). */
const FREEZE_IDLE_MS = 20_000;
/** How long one round may take at most (it blocks the event loop meanwhile): ~0.3 ms a machine. */
const FREEZE_BUDGET_MS = 50;
/** While the engine is behind: reading first, freezing only a little. */
const FREEZE_BEHIND_BUDGET_MS = 10;
/**
 * A line's record as a possible copy (the same node line from the network and from a file) is
 * kept this long after it was fed: both copies arrive within the tailer's and the network's lag
 * of each other, seconds (offline keeps up to 200,000: files are read one after another).
 */
const COPY_TTL_MS = 60_000;
/** Compact the heap (one pause of ~100 ms per 50 MB live) once this many machines froze since the last time, when idle. */
const COMPACT_AFTER_FROZEN = 500;
const COMPACT_MIN_INTERVAL_MS = 30_000;
/** …and nothing froze for this long (the wave is over). */
const COMPACT_QUIET_MS = 2000;

export class Freezer {
  compactions = 0;
  private frozenSinceCompact = 0;
  private lastFreeze = 0;
  private lastCompact = 0;

  constructor(
    private readonly engine: () => Engine,
    private readonly log: (line: string) => void,
  ) {}

  /** One round: `backlog` lines wait for the engine, `behind` is when that is too many. */
  tick(backlog: number, behind: number): void {
    const engine = this.engine();
    engine.expireCopies(Date.now(), COPY_TTL_MS);
    const n = engine.freezeIdle(Date.now() - FREEZE_IDLE_MS, backlog > behind ? FREEZE_BEHIND_BUDGET_MS : FREEZE_BUDGET_MS);
    const now = Date.now();
    if (n > 0) {
      this.frozenSinceCompact += n;
      this.lastFreeze = now;
    }
    // What froze left holes in the heap: give the memory back once the wave is over (idle).
    if (
      backlog === 0 &&
      this.frozenSinceCompact >= COMPACT_AFTER_FROZEN &&
      now - this.lastFreeze >= COMPACT_QUIET_MS &&
      now - this.lastCompact >= COMPACT_MIN_INTERVAL_MS
    ) {
      this.frozenSinceCompact = 0;
      this.lastCompact = now;
      this.compactions++;
      const c = compactHeap();
      if (c)
        this.log(`heap compacted after freezing machines: ${Math.round(c.before / 1048576)} → ${Math.round(c.after / 1048576)} MiB in ${Math.round(c.ms)} ms`);
    }
  }
}
