// A thread whose live data is small but that makes garbage fast (a file-reading thread: each
// 1 MiB read decodes to a string V8 puts straight into its old generation) lets the garbage pile
// up to V8's first old-generation limit, ~90 MB, before collecting it. Asked often, a collection
// of a small live heap is cheap: this bounds the garbage to about what lives, plus a floor.

import { getHeapStatistics } from 'node:v8';
import { collectGarbage } from './heap-compact';

export class GarbageBound {
  /** What lived after the last collection asked for. */
  private live = 0;

  constructor(
    /** No collection is asked for below this heap use. */
    private readonly floorBytes: number,
  ) {}

  /**
   * Collects when the heap holds more than twice what lived last time (and more than the floor):
   * the collections then cost in proportion to the garbage, never one per call on a heap that
   * simply grew. Returns whether it collected.
   */
  check(): boolean {
    const used = getHeapStatistics().used_heap_size;
    if (used < this.floorBytes || used < 2 * this.live) return false;
    if (!collectGarbage()) return false;
    this.live = getHeapStatistics().used_heap_size;
    return true;
  }
}
