// A progress line on stderr for long inputs, only on a terminal, redrawn at most 5×/s: how much
// of the input is read (bytes, files), how fast (lines/s) and how long is left at that rate.

import type { AnalyzeProgress } from '../analyze';

const MIB = 1048576;

function duration(s: number): string {
  if (s < 60) return `${Math.ceil(s)} s`;
  return `${Math.floor(s / 60)} min ${String(Math.ceil(s % 60)).padStart(2, '0')} s`;
}

export function progressLine(stream: NodeJS.WriteStream): { update: (p: AnalyzeProgress) => void; clear: () => void } {
  const start = Date.now();
  let last = 0;
  let shown = false;
  return {
    update(p) {
      const now = Date.now();
      if (p.phase === 'reading' && now - last < 200) return;
      last = now;
      const secs = (now - start) / 1000;
      let text: string;
      if (p.phase === 'diagnosing') text = `diagnosing ${p.lines.toLocaleString('en-US')} lines read in ${duration(secs)}…`;
      else {
        const pct = p.totalBytes ? Math.min(100, Math.floor((p.bytes / p.totalBytes) * 100)) : 0;
        const rate = secs > 0.5 ? `, ${Math.round(p.lines / secs).toLocaleString('en-US')} lines/s` : '';
        // The rate so far, applied to the bytes still to read.
        const eta = secs > 1 && p.bytes > 0 && p.bytes < p.totalBytes ? `, about ${duration((secs * (p.totalBytes - p.bytes)) / p.bytes)} left` : '';
        text =
          `reading logs: ${pct}% (${(p.bytes / MIB).toFixed(1)} of ${(p.totalBytes / MIB).toFixed(1)} MiB, ` +
          `file ${Math.min(p.files + 1, p.totalFiles)} of ${p.totalFiles}${rate}${eta})`;
      }
      stream.write(`\r\x1b[K${text.slice(0, Math.max(20, (stream.columns ?? 120) - 1))}`);
      shown = true;
    },
    clear() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
