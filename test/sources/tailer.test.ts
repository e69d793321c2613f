// The tailer with real files: appends, rename+create rotation while a writer runs, copytruncate
// with the real truncate(1), files that appear later, delete + recreate, restart from the
// persisted state (with a rotation while it was down), a 10 MB line, invalid UTF-8.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { Tailer, type TailLine, type TailerOptions } from '../../src/sources/tailer';

jest.setTimeout(30000);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'xt-tail-'));
  dirs.push(d);
  return d;
}
const tailers: Tailer[] = [];
afterEach(async () => {
  await Promise.all(tailers.splice(0).map((t) => t.close()));
});
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

interface Got {
  lines: TailLine[];
  notices: string[];
  of: (file: string) => string[];
  until: (pred: () => boolean, ms?: number) => Promise<void>;
}

async function tail(dir: string, extra: Partial<TailerOptions> = {}): Promise<{ t: Tailer; got: Got }> {
  const lines: TailLine[] = [];
  const notices: string[] = [];
  const got: Got = {
    lines,
    notices,
    of: (file) => lines.filter((l) => l.file === file).map((l) => l.line),
    async until(pred, ms = 8000) {
      const end = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`timed out; ${lines.length} lines; notices: ${notices.join(' | ')}`);
        await sleep(10);
      }
    },
  };
  const t = await Tailer.start({
    dir,
    sweepMs: 200,
    saveDebounceMs: 100,
    rotatedGraceMs: 1000,
    onLine: (l) => lines.push(l),
    onNotice: (n) => notices.push(n),
    ...extra,
  });
  tailers.push(t);
  return { t, got };
}

const seq = (a: number, b: number, p = 'line'): string[] => Array.from({ length: b - a }, (_, k) => `${p} ${a + k}`);
const append = (f: string, lines: string[]): void => fs.appendFileSync(f, lines.map((l) => `${l}\n`).join(''));

test('a missing logs directory is a clear error', async () => {
  const d = tmp();
  await expect(Tailer.start({ dir: path.join(d, 'nope'), onLine: () => {} })).rejects.toThrow(/^logs directory .*nope cannot be read: ENOENT$/);
  fs.writeFileSync(path.join(d, 'file'), '');
  await expect(Tailer.start({ dir: path.join(d, 'file'), onLine: () => {} })).rejects.toThrow(/is not a directory/);
});

test('existing content and appends, in the fixed files, with mtimes; few watches', async () => {
  const d = tmp();
  fs.mkdirSync(path.join(d, 'xcat'));
  fs.mkdirSync(path.join(d, 'httpd'));
  append(path.join(d, 'messages'), seq(0, 3));
  append(path.join(d, 'xcat/cluster.log'), seq(0, 2, 'xcat'));
  fs.writeFileSync(path.join(d, 'secure'), 'not ours\n');
  const { t, got } = await tail(d);
  expect(got.of('messages')).toEqual(seq(0, 3));
  expect(got.of('xcat/cluster.log')).toEqual(seq(0, 2, 'xcat'));
  append(path.join(d, 'messages'), seq(3, 6));
  append(path.join(d, 'httpd/access_log'), ['10.0.0.5 - - [24/Nov/2026:10:00:46 +0000] "GET /install HTTP/1.1" 200 5']);
  await got.until(() => got.of('messages').length === 6 && got.of('httpd/access_log').length === 1);
  expect(got.of('messages')).toEqual(seq(0, 6));
  expect(got.lines.some((l) => l.file === 'secure')).toBe(false);
  const m = got.lines.find((l) => l.file === 'messages')!;
  expect(Math.abs(m.mtime - fs.statSync(path.join(d, 'messages')).mtimeMs)).toBeLessThan(5000);
  expect(t.stats().watchers).toBeLessThanOrEqual(7);
  // A partial last line waits for its newline.
  fs.appendFileSync(path.join(d, 'messages'), 'half');
  await sleep(300);
  expect(got.of('messages')).toHaveLength(6);
  fs.appendFileSync(path.join(d, 'messages'), ' and half\n');
  await got.until(() => got.of('messages').length === 7);
  expect(got.of('messages')[6]).toBe('half and half');
});

test('mv + create rotation while a writer runs: no line lost, none twice', async () => {
  const d = tmp();
  const { t, got } = await tail(d);
  const p = path.join(d, 'messages');
  const N = 6000;
  // The writer keeps writing to the renamed file for a while (as syslog does until it is HUPed).
  const writer = spawn(process.execPath, [
    '-e',
    `
    const fs = require('fs'); const p = ${JSON.stringify(p)};
    let fd = fs.openSync(p, 'a'); let i = 0;
    const rotate = () => { if (fs.existsSync(p + '.1')) fs.renameSync(p + '.1', p + '.2'); fs.renameSync(p, p + '.1'); };
    (function step() {
      for (let k = 0; k < 30 && i < ${N}; k++, i++) {
        fs.writeSync(fd, 'line ' + i + '\\n');
        if (i === 1500 || i === 4000) rotate();
        if (i === 1700 || i === 4200) { fs.closeSync(fd); fd = fs.openSync(p, 'a'); }
      }
      if (i < ${N}) setTimeout(step, 1); else fs.closeSync(fd);
    })();`,
  ]);
  await new Promise((res) => writer.on('exit', res));
  await got.until(() => got.of('messages').length >= N);
  await sleep(300);
  const lines = got.of('messages');
  expect(lines.length).toBe(N);
  expect(new Set(lines).size).toBe(N);
  // Each inode's lines come in order.
  const nums = lines.map((l) => Number(l.slice(5)));
  const firstFile = nums.filter((n) => n <= 1700);
  expect(firstFile).toEqual([...firstFile].sort((a, b) => a - b));
  expect(t.stats().rotations).toBe(2);
  expect(t.stats().lostTails).toBe(0);
});

test('copytruncate with truncate(1): starts again at 0, nothing lost when the copy was read', async () => {
  const d = tmp();
  const p = path.join(d, 'messages');
  append(p, seq(0, 500));
  const { t, got } = await tail(d);
  expect(got.of('messages')).toHaveLength(500);
  fs.copyFileSync(p, `${p}.1`);
  expect(spawnSync('truncate', ['-s', '0', p]).status).toBe(0);
  append(p, seq(500, 520));
  await got.until(() => got.of('messages').length >= 520);
  await sleep(250);
  expect(got.of('messages')).toEqual(seq(0, 520));
  expect(t.stats().truncations).toBe(1);
  expect(got.notices.join('\n')).toMatch(/messages: truncated/);
});

test('files created later: a new consoles/NODE, a goconserver directory that appears', async () => {
  const d = tmp();
  const { t, got } = await tail(d);
  fs.mkdirSync(path.join(d, 'consoles'));
  fs.writeFileSync(path.join(d, 'consoles/cn01'), 'dracut: FATAL: No or empty root= argument\r\n');
  fs.writeFileSync(path.join(d, 'consoles/cn01.1'), 'rotated: not read\n');
  fs.mkdirSync(path.join(d, 'goconserver/nodes'), { recursive: true });
  fs.writeFileSync(path.join(d, 'goconserver/nodes/cn02.log'), 'Kernel panic\n');
  fs.mkdirSync(path.join(d, 'xcat'));
  fs.writeFileSync(path.join(d, 'xcat/computes.log'), 'computes\n');
  await got.until(() => got.lines.length >= 3);
  await sleep(300);
  expect(got.of('consoles/cn01')).toEqual(['dracut: FATAL: No or empty root= argument\r']);
  expect(got.of('goconserver/nodes/cn02.log')).toEqual(['Kernel panic']);
  expect(got.of('xcat/computes.log')).toEqual(['computes']);
  expect(got.of('consoles/cn01.1')).toEqual([]);
  // Many consoles with a small fd budget: every line arrives, few fds stay open.
  const t2 = await tail(d, { maxOpenFiles: 16 });
  await t2.got.until(() => t2.got.lines.length >= 3);
  for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(d, `consoles/n${i}`), `boot ${i}\n`);
  for (let i = 0; i < 200; i++) fs.appendFileSync(path.join(d, `consoles/n${i}`), `login ${i}\n`);
  await t2.got.until(() => t2.got.lines.filter((l) => l.file.startsWith('consoles/n')).length >= 400);
  expect(t2.t.stats().openFds).toBeLessThanOrEqual(16);
  for (const i of [0, 77, 199]) expect(t2.got.of(`consoles/n${i}`)).toEqual([`boot ${i}`, `login ${i}`]);
  expect(t.stats().watchers).toBeLessThanOrEqual(7);
});

test('deleted and recreated: the new file from its start, the old one not again', async () => {
  const d = tmp();
  const p = path.join(d, 'syslog');
  append(p, seq(0, 5, 'old'));
  const { got } = await tail(d);
  expect(got.of('syslog')).toEqual(seq(0, 5, 'old'));
  fs.rmSync(p);
  await sleep(100);
  append(p, seq(0, 3, 'new'));
  await got.until(() => got.of('syslog').length >= 8);
  await sleep(300);
  expect(got.of('syslog')).toEqual([...seq(0, 5, 'old'), ...seq(0, 3, 'new')]);
});

test('restart from the persisted state: exactly the lines written while down, across a rotation', async () => {
  const d = tmp();
  const state = path.join(tmp(), 'state', 'tail.json');
  const p = path.join(d, 'messages');
  fs.mkdirSync(path.join(d, 'consoles'));
  append(p, seq(0, 100));
  append(path.join(d, 'consoles/cn01'), seq(0, 10, 'con'));
  fs.appendFileSync(p, 'unfinished ');
  const a = await tail(d, { stateFile: state });
  expect(a.got.of('messages')).toEqual(seq(0, 100));
  await a.t.close();
  tailers.splice(tailers.indexOf(a.t), 1);
  const saved = JSON.parse(fs.readFileSync(state, 'utf8'));
  expect(saved.files.messages.offset).toBe(fs.statSync(p).size - 'unfinished '.length);
  // While down: more lines, then a dated rotation, then a new file; a console grows.
  fs.appendFileSync(p, 'line\n');
  append(p, seq(100, 150));
  fs.renameSync(p, `${p}-20261125`);
  append(p, seq(150, 160));
  append(path.join(d, 'consoles/cn01'), seq(10, 12, 'con'));
  const b = await tail(d, { stateFile: state });
  await b.got.until(() => b.got.of('messages').length >= 61 && b.got.of('consoles/cn01').length >= 2);
  await sleep(300);
  expect(b.got.of('messages')).toEqual(['unfinished line', ...seq(100, 160)]);
  expect(b.got.of('consoles/cn01')).toEqual(seq(10, 12, 'con'));
  // And a restart with nothing new reads nothing.
  await b.t.close();
  tailers.splice(tailers.indexOf(b.t), 1);
  const c = await tail(d, { stateFile: state });
  await sleep(400);
  expect(c.got.lines).toEqual([]);
});

test('a damaged state file is moved aside, not fatal; start: end skips what exists', async () => {
  const d = tmp();
  const state = path.join(tmp(), 'tail.json');
  fs.writeFileSync(state, '{"version":1,"files":');
  append(path.join(d, 'messages'), seq(0, 5));
  fs.appendFileSync(path.join(d, 'messages'), 'half a line');
  const { got } = await tail(d, { stateFile: state, start: 'end' });
  expect(got.notices.join('\n')).toMatch(/damaged .* moved to/);
  expect(got.lines).toEqual([]);
  fs.appendFileSync(path.join(d, 'messages'), ' ends here\nfresh\n');
  await got.until(() => got.lines.length >= 1);
  await sleep(250);
  expect(got.of('messages')).toEqual(['fresh']);
});

test('a 10 MB line is cut at 64 KiB and skipped to its end; invalid UTF-8 replaced; chunk borders', async () => {
  const d = tmp();
  const p = path.join(d, 'messages');
  const fd = fs.openSync(p, 'w');
  // A line ending one byte before the 64 KiB read boundary, so 'é' straddles it.
  fs.writeSync(fd, `${'a'.repeat(65534)}\n`);
  fs.writeSync(fd, 'é straddles\n');
  fs.writeSync(fd, Buffer.from([0x62, 0x61, 0x64, 0x20, 0xff, 0xfe, 0xc3, 0x0a]));
  for (let i = 0; i < 10; i++) fs.writeSync(fd, Buffer.alloc(1024 * 1024, 0x7a)); // 10 MB, no newline yet
  fs.writeSync(fd, 'end of the long line\nafter\n');
  fs.closeSync(fd);
  const { t, got } = await tail(d);
  await got.until(() => got.of('messages').includes('after'));
  const lines = got.lines.filter((l) => l.file === 'messages');
  expect(lines).toHaveLength(5);
  expect(lines[0]!.line).toBe('a'.repeat(65534));
  expect(lines[1]!.line).toBe('é straddles');
  expect(lines[2]!.line).toBe('bad \uFFFD\uFFFD\uFFFD');
  expect(lines[3]!.truncated).toBe(true);
  expect(lines[3]!.line).toBe('z'.repeat(64 * 1024));
  expect(lines[4]!.line).toBe('after');
  expect(t.stats().truncatedLines).toBe(1);
});

test('files that all have data waiting are read in the offline reading order, then as they come', async () => {
  // cluster.log, access_log and a console written before messages would otherwise be read in
  // parallel with it; offline reads messages first, so catching up does the same.
  const dir = tmp();
  fs.mkdirSync(path.join(dir, 'xcat'));
  fs.mkdirSync(path.join(dir, 'httpd'));
  fs.mkdirSync(path.join(dir, 'consoles'));
  const { got } = await tail(dir);
  const big = seq(0, 60_000, 'm'); // several reads' worth (a few MiB)
  append(path.join(dir, 'xcat', 'cluster.log'), seq(0, 20_000, 'c'));
  append(path.join(dir, 'consoles', 'cn01'), seq(0, 5_000, 'k'));
  append(path.join(dir, 'httpd', 'access_log'), seq(0, 20_000, 'a'));
  append(path.join(dir, 'messages'), big);
  await got.until(() => got.lines.length === 105_000, 15_000);
  const order = got.lines.map((l) => l.file);
  const firstOf = (f: string): number => order.indexOf(f);
  const lastOf = (f: string): number => order.lastIndexOf(f);
  // FILE_ORDER: messages, access_log, cluster.log, …, consoles.
  expect(lastOf('messages')).toBeLessThan(firstOf('httpd/access_log'));
  expect(lastOf('httpd/access_log')).toBeLessThan(firstOf('xcat/cluster.log'));
  expect(lastOf('xcat/cluster.log')).toBeLessThan(firstOf('consoles/cn01'));
  // Then, live: a later line of any file is read at once.
  append(path.join(dir, 'consoles', 'cn01'), ['k late']);
  await got.until(() => got.of('consoles/cn01').includes('k late'), 3000);
});
