// fullGc() (util/full-gc.ts) collects for real without --expose-gc on the command line: what an
// offline analysis drops before its snapshot is gone from the heap after the call.
import { fullGc } from '../../src/util/full-gc';

test('memory no longer referenced is collected by the call', () => {
  fullGc();
  const before = process.memoryUsage().heapUsed;
  // ~80 MB of small objects, old enough to be out of the young generation's reach.
  let held: { n: number; s: string }[][] | null = [];
  for (let i = 0; i < 400; i++) held.push(Array.from({ length: 5000 }, (_, n) => ({ n, s: `line ${i}:${n}` })));
  const grown = process.memoryUsage().heapUsed;
  expect(grown - before).toBeGreaterThan(50e6);
  held = null;
  fullGc();
  expect(process.memoryUsage().heapUsed - before).toBeLessThan((grown - before) / 4);
});
