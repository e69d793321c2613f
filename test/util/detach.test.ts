// detach() must really let go of the string a line was sliced from: kept lines of a 1 MiB chunk
// each would otherwise keep the whole chunk alive. Measured in a child with --expose-gc.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { DIST } from '../helpers/daemon';

function heapAfterKeeping(mode: 'slice' | 'detach'): number {
  const script = `
    const { detach } = require(${JSON.stringify(path.join(DIST, '..', 'util', 'detach.js'))});
    const kept = [];
    for (let i = 0; i < 100; i++) {
      // A 1 MiB chunk decoded from bytes, as a file is read; the line is its tail.
      const buf = Buffer.alloc(1024 * 1024 + 50, 'x');
      buf.write(String(i).padStart(8, '0'), 0);
      buf.write('Nov 24 10:00:43 mn01 dhcpd[1234]: DHCPACK on 10.0.', 1024 * 1024);
      const chunk = buf.toString('utf8');
      const line = chunk.slice(1024 * 1024);
      kept.push(process.argv[1] === 'slice' ? line : detach(line));
    }
    global.gc();
    process.stdout.write(String(process.memoryUsage().heapUsed) + ' ' + kept.join('').length);
  `;
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', script, mode], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  const [heap, len] = r.stdout.split(' ').map(Number);
  expect(len).toBe(5000);
  return heap!;
}

test('a detached line does not keep the chunk it was sliced from', () => {
  const sliced = heapAfterKeeping('slice');
  const detached = heapAfterKeeping('detach');
  // 100 chunks of 1 MiB: kept by plain slices, gone once detached.
  expect(sliced).toBeGreaterThan(90 * 1024 * 1024);
  expect(detached).toBeLessThan(30 * 1024 * 1024);
});

test('a detached line is one flat string of its own, also once detach() is optimised', () => {
  // 50,000 lines, each the tail of a 4 KiB chunk of its own (a hot loop: V8 optimises detach(),
  // and must not drop what makes the copy). Kept chunks would be 200 MB; a flat one-byte line of
  // 93 characters is ~112 bytes; the former way (a slice of a copy one character longer) ~152.
  const script = `
    const { detach } = require(${JSON.stringify(path.join(DIST, '..', 'util', 'detach.js'))});
    const line = 'Nov 24 10:00:03 mn01 dhcpd[1896]: DHCPREQUEST for 172.30.1.222 from ac:1f:6b:73:b1:61 via ens6';
    const n = 50000;
    const kept = new Array(n);
    global.gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < n; i++) {
      const chunk = String(i).padStart(8, '0').repeat(500) + line;
      kept[i] = detach(chunk.slice(4000));
    }
    global.gc();
    const per = (process.memoryUsage().heapUsed - before) / n;
    process.stdout.write(String(per) + ' ' + kept.every((k) => k === line));
  `;
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  const [per, same] = r.stdout.split(' ');
  expect(same).toBe('true');
  // Each slot of the array (8 bytes) and the string itself.
  expect(Number(per)).toBeLessThan(135);
});
