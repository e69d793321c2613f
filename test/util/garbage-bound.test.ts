// util/garbage-bound.ts for real (no --expose-gc on the command line): below its floor it asks
// for nothing; past twice what lived after its last collection it collects, and then not again
// until the garbage has grown back.
import { getHeapStatistics } from 'node:v8';
import { GarbageBound } from '../../src/util/garbage-bound';
import { collectGarbage } from '../../src/util/heap-compact';

/** ~`mb` MB of small objects, dropped by the caller when it lets go of the result. */
function make(mb: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < mb * 10; i++) out.push(Array.from({ length: 2500 }, (_, n) => ({ n, s: `line ${i}:${n}` })));
  return out;
}

test('collects when the garbage outgrows what lives, and only then', () => {
  collectGarbage();
  const base = getHeapStatistics().used_heap_size;
  // A floor above what is used now: nothing to do.
  expect(new GarbageBound(base + 200e6).check()).toBe(false);
  const bound = new GarbageBound(0);
  let garbage: unknown[] | null = make(60);
  garbage = null;
  expect(garbage).toBeNull();
  expect(bound.check()).toBe(true);
  const after = getHeapStatistics().used_heap_size;
  expect(after - base).toBeLessThan(30e6);
  // Right after a collection the heap holds what lives: no second one.
  expect(bound.check()).toBe(false);
  // Live data that grows (not garbage) is not collected on every call: its threshold follows it.
  const live = make(2 * (after / 1e6) + 20);
  expect(bound.check()).toBe(true);
  expect(bound.check()).toBe(false);
  expect(live.length).toBeGreaterThan(0);
});
