// The progress line of `xtriage analyze` on a terminal: what analyze() reports while it reads
// (bytes, files, lines) and the line drawn from it (rate and time left, then the diagnosis).

import * as path from 'node:path';
import { analyze, type AnalyzeProgress } from '../../src/analyze';
import { loadKb } from '../../src/patterns/kb';
import { progressLine } from '../../src/cli/progress';

const kb = loadKb([], { local: false });

test('analyze() reports bytes, files and lines while reading, then the diagnosis, on either thread', async () => {
  for (const threads of [0, 1]) {
    const seen: AnalyzeProgress[] = [];
    const r = await analyze({
      paths: [path.join(__dirname, '..', 'fixtures', 's03-postscript-403')],
      captures: [],
      kb,
      threads,
      warn: () => {},
      progress: (p) => seen.push({ ...p }),
    });
    const reading = seen.filter((p) => p.phase === 'reading');
    expect(reading.length).toBeGreaterThan(0);
    const last = reading[reading.length - 1]!;
    expect(last.bytes).toBe(last.totalBytes);
    expect(last.totalFiles).toBeGreaterThan(1);
    for (let i = 1; i < reading.length; i++) expect(reading[i]!.bytes).toBeGreaterThanOrEqual(reading[i - 1]!.bytes);
    const end = seen[seen.length - 1]!;
    expect(end.phase).toBe('diagnosing');
    expect(end.files).toBe(end.totalFiles);
    expect(end.lines).toBe(r.engine.counters.records);
  }
});

test('the line: percentage, MiB, file, lines/s and time left at that rate; then what is being diagnosed', () => {
  const out: string[] = [];
  const stream = { write: (s: string) => out.push(s), columns: 200 } as unknown as NodeJS.WriteStream;
  const start = Date.now();
  const realNow = Date.now;
  try {
    Date.now = () => start;
    const fresh = progressLine(stream);
    Date.now = () => start + 10_000; // 10 s later
    fresh.update({ phase: 'reading', bytes: 100 * 1048576, totalBytes: 300 * 1048576, files: 3, totalFiles: 1017, lines: 700_000 });
    expect(out.pop()).toBe('\r\x1b[Kreading logs: 33% (100.0 of 300.0 MiB, file 4 of 1017, 70,000 lines/s, about 20 s left)');
    fresh.update({ phase: 'diagnosing', bytes: 1, totalBytes: 1, files: 1017, totalFiles: 1017, lines: 2_120_486 });
    expect(out.pop()).toBe('\r\x1b[Kdiagnosing 2,120,486 lines read in 10 s…');
    fresh.clear();
    expect(out.pop()).toBe('\r\x1b[K');
  } finally {
    Date.now = realNow;
  }
});
