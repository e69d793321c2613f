// The collections of util/heap-compact.ts run for real without --expose-gc on the command line:
// what the daemon's frozen machines or an offline analysis's reading left is gone after the call.
import { collectGarbage, compactHeap } from '../../src/util/heap-compact';

test.each([
  ['compactHeap', (): boolean => compactHeap() !== null],
  ['collectGarbage', collectGarbage],
])('%s: memory no longer referenced is collected by the call', (_name, collect) => {
  collect();
  const before = process.memoryUsage().heapUsed;
  // ~80 MB of small objects, old enough to be out of the young generation's reach.
  let held: { n: number; s: string }[][] | null = [];
  for (let i = 0; i < 400; i++) held.push(Array.from({ length: 5000 }, (_, n) => ({ n, s: `line ${i}:${n}` })));
  const grown = process.memoryUsage().heapUsed;
  expect(grown - before).toBeGreaterThan(50e6);
  held = null;
  expect(collect()).toBe(true);
  expect(process.memoryUsage().heapUsed - before).toBeLessThan((grown - before) / 4);
});
