// Issue 15 item 3: tail positions across every rotation style and restart. End to end, a real
// xtriaged (SIGTERM and kill -9) with real files, mv, cp + truncate(1), rm and gzip(1)
// (bench/rotation-faults.js drives it; the same runs print the bench table); then the tailer
// alone for what needs a precise moment: a copytruncate grown past the old size before the
// tailer looked, the caller's positions winning over a stale state file, a .gz found by its
// first bytes, and the notice with the count when a file truly cannot be read.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Tailer, type TailLine, type TailerOptions, type ResumePos } from '../../src/sources/tailer';

jest.setTimeout(120_000);

interface RotationResult {
  style: string;
  signal: string;
  written: number;
  read: number;
  lost: number;
  duplicated: number;
  notices: string[];
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runRotation } = require('../../bench/rotation-faults.js') as { runRotation: (style: string, signal: string) => Promise<RotationResult> };

describe('a real daemon across a restart: each line exactly once, or a notice', () => {
  const cells: [string, string][] = [];
  for (const style of ['rename', 'rename-stopped', 'copytruncate', 'delete-read', 'gzip']) for (const sig of ['SIGTERM', 'SIGKILL']) cells.push([style, sig]);
  test.concurrent.each(cells)('%s, stopped with %s', async (style, signal) => {
    const r = await runRotation(style, signal);
    expect({ lost: r.lost, duplicated: r.duplicated, read: r.read }).toEqual({ lost: 0, duplicated: 0, read: r.written });
  });

  test.concurrent.each([['SIGTERM'], ['SIGKILL']])('deleted while stopped with unread lines (%s): those are lost, with a notice', async (signal) => {
    const r = await runRotation('delete-unread', signal);
    expect(r.duplicated).toBe(0);
    expect(r.lost).toBe(20);
    expect(r.notices.join('\n')).toMatch(/tailer: tail messages: its previous file \(inode \d+\) is gone .* unread after offset \d+/);
  });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const dirs: string[] = [];
const tmp = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'xt-rot-'));
  dirs.push(d);
  return d;
};
const tailers: Tailer[] = [];
afterEach(async () => {
  await Promise.all(tailers.splice(0).map((t) => t.close()));
});
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function tail(
  dir: string,
  extra: Partial<TailerOptions> = {},
): Promise<{ t: Tailer; lines: TailLine[]; notices: string[]; of: () => string[]; until: (n: number) => Promise<void> }> {
  const lines: TailLine[] = [];
  const notices: string[] = [];
  const t = await Tailer.start({
    dir,
    sweepMs: 200,
    saveDebounceMs: 100,
    rotatedGraceMs: 500,
    onLine: (l) => lines.push(l),
    onNotice: (n) => notices.push(n),
    ...extra,
  });
  tailers.push(t);
  const of = (): string[] => lines.filter((l) => l.file === 'messages').map((l) => l.line);
  return {
    t,
    lines,
    notices,
    of,
    async until(n) {
      const end = Date.now() + 8000;
      while (of().length < n && Date.now() < end) await sleep(10);
    },
  };
}
async function closeTail(t: Tailer): Promise<void> {
  await t.close();
  tailers.splice(tailers.indexOf(t), 1);
}
const seq = (a: number, b: number, p = 'line'): string[] => Array.from({ length: b - a }, (_, k) => `${p} ${String(a + k).padStart(5, '0')}`);
const append = (f: string, lines: string[]): void => fs.appendFileSync(f, lines.map((l) => `${l}\n`).join(''));

test('live copytruncate grown past the old size before the tailer looked: the copy finished, the new content from 0', async () => {
  const d = tmp();
  const p = path.join(d, 'messages');
  append(p, seq(0, 300));
  const a = await tail(d);
  await a.until(300);
  // All in one turn of this process's event loop: the tailer (same process) cannot look in between.
  append(p, seq(300, 320));
  fs.copyFileSync(p, `${p}.1`);
  fs.truncateSync(p, 0);
  append(p, seq(320, 1000, 'new'));
  await a.until(1000);
  await sleep(400);
  expect(a.of()).toEqual([...seq(0, 320), ...seq(320, 1000, 'new')]);
  expect(a.t.stats().truncations).toBe(1);
  expect(a.notices.join('\n')).toMatch(/truncated \(its first bytes changed\); finishing its copy/);
});

test("the caller's positions win over a stale state file, inode by inode (rename, a late write to the old file)", async () => {
  const d = tmp();
  const state = path.join(tmp(), 'tail.json');
  const p = path.join(d, 'messages');
  append(p, seq(0, 50));
  const a = await tail(d, { stateFile: state });
  await a.until(50);
  await closeTail(a.t);
  const stale = fs.readFileSync(state, 'utf8'); // what a kill -9 a moment later would leave
  const b = await tail(d, { stateFile: state });
  fs.renameSync(p, `${p}.1`);
  append(p, seq(0, 30, 'new'));
  await b.until(30);
  append(`${p}.1`, seq(50, 60)); // the writer had not reopened yet
  await b.until(40);
  // The last line kept from each inode, as the daemon's spool knows it.
  const last = new Map<number, ResumePos>();
  for (const l of b.lines) if (l.pos) last.set(l.pos.ino, l.pos);
  await closeTail(b.t);
  fs.writeFileSync(state, stale);
  append(p, seq(30, 35, 'new'));
  const c = await tail(d, { stateFile: state, resume: { messages: [...last.values()] } });
  await c.until(5);
  await sleep(500);
  expect(c.of()).toEqual(seq(30, 35, 'new'));
  expect(c.notices).toEqual([]);
});

test('a .gz sibling the tailer had not finished is read from where it stopped (found by its first bytes)', async () => {
  const d = tmp();
  const state = path.join(tmp(), 'tail.json');
  const p = path.join(d, 'messages');
  append(p, seq(0, 40));
  const a = await tail(d, { stateFile: state });
  await a.until(40);
  await closeTail(a.t);
  append(p, seq(40, 70));
  fs.writeFileSync(`${p}.1.gz`, zlib.gzipSync(fs.readFileSync(p)));
  fs.rmSync(p);
  fs.writeFileSync(`${p}.2.gz`, zlib.gzipSync(Buffer.from('an older file\n')));
  append(p, seq(0, 10, 'new'));
  const b = await tail(d, { stateFile: state });
  await b.until(40);
  await sleep(400);
  expect(b.of()).toEqual([...seq(40, 70), ...seq(0, 10, 'new')]);
  expect(b.t.stats().lostTails).toBe(0);
  // Restarted again: nothing twice (the .gz is remembered as finished).
  await closeTail(b.t);
  const c = await tail(d, { stateFile: state });
  await sleep(500);
  expect(c.of()).toEqual([]);
  expect(c.notices).toEqual([]);
});

test('copytruncate while stopped, the copy compressed: its rest read from the .gz, then the new content', async () => {
  const d = tmp();
  const state = path.join(tmp(), 'tail.json');
  const p = path.join(d, 'messages');
  append(p, seq(0, 100));
  const a = await tail(d, { stateFile: state });
  await a.until(100);
  await closeTail(a.t);
  append(p, seq(100, 120));
  fs.writeFileSync(`${p}.1.gz`, zlib.gzipSync(fs.readFileSync(p)));
  fs.truncateSync(p, 0);
  append(p, seq(0, 500, 'regrown past the old size'));
  const b = await tail(d, { stateFile: state });
  await b.until(520);
  await sleep(400);
  expect(b.of()).toEqual([...seq(100, 120), ...seq(0, 500, 'regrown past the old size')]);
});

test('a file that truly cannot be read is a notice with the bytes known unread', async () => {
  const d = tmp();
  const state = path.join(tmp(), 'tail.json');
  const p = path.join(d, 'messages');
  append(p, seq(0, 10));
  const a = await tail(d, { stateFile: state });
  await a.until(10);
  await closeTail(a.t);
  // The state says the file was 200 bytes larger when last looked at (it grew as we stopped).
  const doc = JSON.parse(fs.readFileSync(state, 'utf8')) as { files: Record<string, { size: number; offset: number }> };
  doc.files.messages!.size = doc.files.messages!.offset + 200;
  fs.writeFileSync(state, JSON.stringify(doc));
  fs.rmSync(p);
  fs.writeFileSync(`${p}.1.bz2`, 'not read');
  append(p, ['fresh']);
  const b = await tail(d, { stateFile: state });
  await b.until(1);
  expect(b.of()).toEqual(['fresh']);
  expect(b.notices.join('\n')).toMatch(/messages: its previous file \(inode \d+\) is gone .*; 200 bytes known unread after offset \d+/);
  expect(b.t.stats().lostBytes).toBe(200);
});
