// A progress line on stderr for long inputs, only on a terminal, redrawn at most 5×/s.

export function progressLine(stream: NodeJS.WriteStream): { update: (done: number, total: number) => void; clear: () => void } {
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      const pct = total ? Math.min(100, Math.floor((done / total) * 100)) : 0;
      stream.write(`\r\x1b[Kreading logs: ${pct}% (${(done / 1048576).toFixed(1)} of ${(total / 1048576).toFixed(1)} MiB)`);
      shown = true;
    },
    clear() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
