// Preloaded into xtriaged by the memory benchmarks only (node --expose-gc -r bench/gc-hook.js):
// on SIGUSR2 it runs a full garbage collection and prints the memory figures on stderr as
//   xtbench-mem: {"rss":…,"heapUsed":…,…}
// so a benchmark can tell retained memory from garbage not yet collected. Nothing else changes.
'use strict';

process.on('SIGUSR2', () => {
  const t0 = Date.now();
  if (typeof global.gc === 'function') {
    global.gc();
    global.gc();
  }
  const m = process.memoryUsage();
  // Per V8 space (committed vs used): where the heap's total differs from what is live.
  const spaces = Object.fromEntries(
    require('node:v8')
      .getHeapSpaceStatistics()
      .map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]),
  );
  process.stderr.write(`xtbench-mem: ${JSON.stringify({ ...m, spaces, gcMs: Date.now() - t0, gc: typeof global.gc === 'function' })}\n`);
});
