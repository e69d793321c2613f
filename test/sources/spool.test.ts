// The capture spool with real files: exact round trips, rotation + gzip + retention, torn and
// damaged lines, replay positions, and a writer process killed with SIGKILL mid-stream.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { spawn } from 'node:child_process';
import * as ts from 'typescript';
import { Spool, readCapture, formatCaptureLine, parseCaptureLine, type CaptureRecord, type DamagedLine, type SpoolPosition } from '../../src/sources/spool';

jest.setTimeout(30000);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'xt-spool-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs = [];
});

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const hostile: CaptureRecord[] = [
  { at: Date.UTC(2026, 10, 24, 10, 1, 2, 345), from: '10.0.0.5', msg: '<166>Nov 24 10:01:02 localhost xcat: ...' },
  { at: Date.UTC(2026, 10, 24, 10, 1, 2, 346), from: 'fe80::1', msg: 'nul\0 esc\x1b[31m bell\x07 del\x7f c1\x9b' },
  { at: Date.UTC(2026, 10, 24, 10, 1, 2, 347), from: '10.0.0.6', msg: 'ls\u2028ps\u2029 bidi\u202e "quotes" \\back\\slash\\ {json} \n\r\t' },
  { at: Date.UTC(2026, 10, 24, 10, 1, 2, 348), from: '10.0.0.7', msg: 'replacement \uFFFD\uFFFD ünïcødé 😀 𝄞' },
  { at: Date.UTC(2026, 10, 24, 10, 1, 2, 349), from: '10.0.0.8', msg: '' },
  { at: Date.UTC(2026, 10, 24, 10, 1, 2, 350), from: '10.0.0.9', msg: 'x'.repeat(64 * 1024) },
];

test('the capture line format of the contract', () => {
  expect(formatCaptureLine(hostile[0]!)).toBe('{"at":"2026-11-24T10:01:02.345+00:00","from":"10.0.0.5","msg":"<166>Nov 24 10:01:02 localhost xcat: ..."}\n');
  expect(parseCaptureLine('{"at":"2026-11-24T11:01:02.345+01:00","from":"a","msg":"b"}')).toEqual({ at: hostile[0]!.at, from: 'a', msg: 'b' });
  expect(parseCaptureLine('{"at":"yesterday","from":"a","msg":"b"}')).toBe('bad "at" time');
  expect(parseCaptureLine('[1]')).toBe('missing at/from/msg');
});

test('records round-trip exactly, hostile text included', async () => {
  const dir = tmp();
  const spool = await Spool.open({ dir });
  for (const r of hostile) spool.append(r);
  await spool.close();
  const files = fs.readdirSync(dir);
  expect(files).toHaveLength(1);
  expect(files[0]).toMatch(/^capture-\d{8}-\d{6}\.jsonl$/);
  const text = fs.readFileSync(path.join(dir, files[0]!), 'utf8');
  expect(text.split('\n')).toHaveLength(hostile.length + 1); // one line each: no raw newline escapes the JSON
  const back = await all(readCapture(path.join(dir, files[0]!)));
  expect(back.map(({ at, from, msg }) => ({ at, from, msg }))).toEqual(hostile);
  expect(back.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6]);
});

test('a record appended as bytes is the same line as the record appended as text, hostile bytes included', async () => {
  // The reception thread hands the spool each datagram's bytes: plain ASCII is copied, anything
  // else (quotes, controls, UTF-8, invalid UTF-8) goes through the text path. Same file bytes.
  const samples: Buffer[] = [
    ...hostile.map((r) => Buffer.from(r.msg, 'utf8')),
    Buffer.from([0x3c, 0x31, 0x3e, 0xff, 0xfe, 0x41, 0xc3]), // invalid UTF-8, a cut sequence at the end
    Buffer.from('plain <166>1 2026-11-25T15:20:00.123456+00:00 localhost xcat.deployment - - - Running postscript: syslog'),
    Buffer.from('tab\there'),
    Buffer.from('~ and space ! only printable'),
    Buffer.from('x'.repeat(3 * 1024 * 1024)), // larger than one buffered chunk
  ];
  const text = tmp();
  const bytes = tmp();
  const a = await Spool.open({ dir: text });
  const b = await Spool.open({ dir: bytes });
  samples.forEach((msg, i) => {
    const at = Date.UTC(2026, 10, 24, 10, 1, 2, i % 3);
    const from = i % 2 ? '10.0.0.5' : 'fe80::1';
    a.append({ at, from, msg: msg.toString('utf8') });
    b.appendBytes(at, from, msg);
  });
  await a.close();
  await b.close();
  const read = (d: string): Buffer => fs.readFileSync(path.join(d, fs.readdirSync(d)[0]!));
  expect(read(bytes).equals(read(text))).toBe(true);
  expect(b.stats().written).toBe(samples.length);
  const back = await all(readCapture(path.join(bytes, fs.readdirSync(bytes)[0]!)));
  expect(back.map((r) => r.msg)).toEqual(samples.map((m) => m.toString('utf8')));
});

test('written at least every flush interval, before close', async () => {
  const dir = tmp();
  const spool = await Spool.open({ dir, flushIntervalMs: 50 });
  spool.append(hostile[0]!);
  const f = path.join(dir, fs.readdirSync(dir)[0]!);
  expect(fs.statSync(f).size).toBe(0);
  await sleep(200);
  expect(fs.statSync(f).size).toBeGreaterThan(0);
  expect(spool.stats().written).toBe(1);
  await spool.close();
});

test('rotation by size, gzip in the background, retention, replay in order', async () => {
  const dir = tmp();
  const notices: string[] = [];
  const spool = await Spool.open({ dir, maxFileBytes: 8 * 1024, flushIntervalMs: 20, maxFiles: 6, onNotice: (l) => notices.push(l) });
  const t0 = Date.UTC(2026, 10, 24, 10, 0, 0);
  for (let i = 0; i < 2000; i++) {
    spool.append({ at: t0 + i, from: `10.0.${i % 7}.1`, msg: `<14>line ${i} ${'p'.repeat(i % 50)}` });
    if (i % 50 === 49) await spool.flush();
  }
  await spool.flush();
  // Let background compression catch up.
  for (let k = 0; k < 100 && (await spool.files()).filter((f) => f.endsWith('.jsonl')).length > 1; k++) await sleep(20);
  const files = await spool.files();
  expect(files.length).toBeLessThanOrEqual(6);
  expect(files.filter((f) => f.endsWith('.jsonl'))).toHaveLength(1);
  expect(files[files.length - 1]!.endsWith('.jsonl')).toBe(true); // the current one, last
  for (const f of files.filter((x) => x.endsWith('.gz'))) {
    expect(() => zlib.gunzipSync(fs.readFileSync(f))).not.toThrow();
  }
  const st = spool.stats();
  expect(st.rotations).toBeGreaterThan(10);
  expect(st.removed).toBeGreaterThan(0);
  expect(notices.some((n) => /retention removed/.test(n))).toBe(true);
  // Replay: the newest records, contiguous, in order, ending with the last one.
  const damaged: DamagedLine[] = [];
  const back = await all(spool.replay({ onDamaged: (d) => damaged.push(d) }));
  expect(damaged).toEqual([]);
  const seq = back.map((r) => Number(/line (\d+)/.exec(r.msg)![1]));
  expect(seq[seq.length - 1]).toBe(1999);
  for (let k = 1; k < seq.length; k++) expect(seq[k]).toBe(seq[k - 1]! + 1);
  expect(back.every((r, k) => r.at === t0 + seq[k]!)).toBe(true);
  await spool.close();
  // Total-bytes retention too.
  const s2 = await Spool.open({ dir, maxTotalBytes: 6000, maxFileBytes: 8 * 1024 });
  const left = await s2.files();
  const total = left.reduce((a, f) => a + fs.statSync(f).size, 0);
  expect(total <= 6000 || left.length === 1).toBe(true);
  await s2.close();
});

test('replay after a position continues exactly; records appended during replay are not in it', async () => {
  const dir = tmp();
  const spool = await Spool.open({ dir, maxFileBytes: 4096, flushIntervalMs: 20 });
  for (let i = 0; i < 300; i++) spool.append({ at: 1_800_000_000_000 + i, from: '10.0.0.1', msg: `m${i}` });
  let pos: SpoolPosition | null = null;
  let n = 0;
  for await (const r of spool.replay()) {
    if (n === 0) for (let i = 300; i < 310; i++) spool.append({ at: 1_800_000_000_000 + i, from: '10.0.0.1', msg: `m${i}` });
    n++;
    if (r.msg === 'm149') pos = r.pos;
  }
  expect(n).toBe(300);
  const rest = await all(spool.replay({ after: pos! }));
  expect(rest.map((r) => r.msg)).toEqual(Array.from({ length: 160 }, (_, k) => `m${150 + k}`));
  await spool.close();
});

test('a torn last line and damaged lines are reported, never thrown; reopening cuts the torn tail', async () => {
  const dir = tmp();
  const good = formatCaptureLine(hostile[0]!);
  const f = path.join(dir, 'capture-20261124-100000.jsonl');
  fs.writeFileSync(f, `${good}not json\n{"at":"x","from":"a","msg":"b"}\n${good}{"at":"2026-11-24T10:01:02.345+00:00","fr`);
  const damaged: DamagedLine[] = [];
  const recs = await all(readCapture(f, { onDamaged: (d) => damaged.push(d) }));
  expect(recs.map((r) => r.line)).toEqual([1, 4]);
  expect(damaged.map((d) => [d.line, d.reason])).toEqual([
    [2, 'not JSON'],
    [3, 'bad "at" time'],
    [5, 'torn last line (not JSON)'],
  ]);
  // A whole record without its newline is kept.
  const f2 = path.join(dir, 'other.jsonl');
  fs.writeFileSync(f2, `${good}${good.trimEnd()}`);
  expect(await all(readCapture(f2))).toHaveLength(2);
  fs.rmSync(f2);
  // A gzip file cut short: what precedes the cut is read, the cut is reported.
  const gzf = path.join(dir, 'cut.jsonl.gz');
  const body = Array.from({ length: 500 }, (_, i) => formatCaptureLine({ ...hostile[0]!, msg: `r${i} ${'z'.repeat(i)}` })).join('');
  const gz = zlib.gzipSync(body);
  fs.writeFileSync(gzf, gz.subarray(0, Math.floor(gz.length * 0.6)));
  const d2: DamagedLine[] = [];
  const partial = await all(readCapture(gzf, { onDamaged: (d) => d2.push(d) }));
  expect(partial.length).toBeGreaterThan(50);
  expect(partial.length).toBeLessThan(500);
  expect(partial.every((r, i) => r.msg.startsWith(`r${i} `))).toBe(true);
  expect(d2.length).toBeLessThanOrEqual(1);
  fs.rmSync(gzf);
  // Reopen: the torn tail is cut so the next record does not merge into it.
  const spool = await Spool.open({ dir });
  expect(spool.stats().repairedBytes).toBe('{"at":"2026-11-24T10:01:02.345+00:00","fr'.length);
  expect(spool.stats().current).toBe('capture-20261124-100000');
  spool.append(hostile[1]!);
  await spool.close();
  const d3: DamagedLine[] = [];
  const after = await all(readCapture(f, { onDamaged: (d) => d3.push(d) }));
  expect(after.map((r) => r.msg)).toEqual([hostile[0]!.msg, hostile[0]!.msg, hostile[1]!.msg]);
  expect(d3).toHaveLength(2); // the two damaged lines in the middle stay reported
});

test('a crash during compression: leftovers are cleaned up, nothing is replayed twice', async () => {
  const dir = tmp();
  const rec = (i: number): string => formatCaptureLine({ at: 1_800_000_000_000 + i, from: '10.0.0.1', msg: `c${i}` });
  const body = (a: number, b: number): string => Array.from({ length: b - a }, (_, k) => rec(a + k)).join('');
  // File 1 compressed completely, but the plain copy was not removed yet.
  fs.writeFileSync(path.join(dir, 'capture-20261124-100000.jsonl'), body(0, 10));
  fs.writeFileSync(path.join(dir, 'capture-20261124-100000.jsonl.gz'), zlib.gzipSync(body(0, 10)));
  // File 2 interrupted mid-compression: a partial .gz.tmp beside the plain file.
  fs.writeFileSync(path.join(dir, 'capture-20261124-100100.jsonl'), body(10, 20));
  fs.writeFileSync(path.join(dir, 'capture-20261124-100100.jsonl.gz.tmp'), zlib.gzipSync(body(10, 20)).subarray(0, 20));
  // File 3 is the one being written.
  fs.writeFileSync(path.join(dir, 'capture-20261124-100200.jsonl'), body(20, 30));
  const spool = await Spool.open({ dir });
  expect(spool.stats().current).toBe('capture-20261124-100200');
  const back = await all(spool.replay());
  expect(back.map((r) => r.msg)).toEqual(Array.from({ length: 30 }, (_, i) => `c${i}`));
  await spool.close();
  const names = fs.readdirSync(dir).sort();
  expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
  expect(names).toContain('capture-20261124-100000.jsonl.gz');
  expect(names).not.toContain('capture-20261124-100000.jsonl');
});

test('an unusable directory is a clear error', async () => {
  const dir = tmp();
  const file = path.join(dir, 'plain-file');
  fs.writeFileSync(file, 'x');
  await expect(Spool.open({ dir: path.join(file, 'spool') })).rejects.toThrow(/^cannot use spool directory .*plain-file\/spool: ENOTDIR/);
});

// -------------------------------------------------------------------------------------------
// kill -9 in the middle of a stream

/** Compile the spool and what it imports into a directory a plain `node` child can require. */
function buildForChild(out: string): string {
  const root = path.join(__dirname, '..', '..', 'src');
  for (const rel of ['sources/spool.ts', 'sources/gunzip.ts', 'sources/capture-format.ts', 'sources/timestamps.ts', 'util/detach.ts', 'util/plain-ascii.ts']) {
    const js = ts.transpileModule(fs.readFileSync(path.join(root, rel), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    const dst = path.join(out, rel.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(dst), { recursive: true });
    fs.writeFileSync(dst, js);
  }
  return path.join(out, 'sources', 'spool.js');
}

test('a writer killed with SIGKILL loses at most the last flush interval; nothing twice after reopening', async () => {
  const dir = tmp();
  const lib = buildForChild(path.join(tmp(), 'lib'));
  const flushMs = 200;
  const script = `
    const { Spool } = require(${JSON.stringify(lib)});
    (async () => {
      const spool = await Spool.open({ dir: ${JSON.stringify(dir)}, flushIntervalMs: ${flushMs}, maxFileBytes: 256 * 1024 });
      let seq = 0;
      setInterval(() => { for (let k = 0; k < 10; k++) spool.append({ at: Date.now(), from: '10.9.0.' + (seq % 200), msg: '<14>seq ' + seq++ + ' ' + 'q'.repeat(seq % 300) }); }, 2);
      setInterval(() => { const s = spool.stats(); process.stdout.write('A ' + s.appended + ' W ' + s.written + ' R ' + s.rotations + '\\n'); }, 20);
    })();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let lastWritten = 0;
  let rotations = 0;
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) {
      const m = /^A (\d+) W (\d+) R (\d+)$/.exec(l);
      if (m) {
        lastWritten = Number(m[2]);
        rotations = Number(m[3]);
      }
    }
  });
  const exited = new Promise((res) => child.once('exit', res));
  const start = Date.now();
  while (rotations < 3 && Date.now() - start < 10000) await sleep(20);
  await sleep(150); // mid-interval, mid-compression
  const reportedWritten = lastWritten;
  const killedAt = Date.now();
  child.kill('SIGKILL');
  await exited;
  expect(rotations).toBeGreaterThanOrEqual(3);

  const notices: string[] = [];
  const spool = await Spool.open({ dir, flushIntervalMs: flushMs, maxFileBytes: 256 * 1024, onNotice: (l) => notices.push(l) });
  const damaged: DamagedLine[] = [];
  const back = await all(spool.replay({ onDamaged: (d) => damaged.push(d) }));
  expect(damaged).toEqual([]);
  const seqs = back.map((r) => Number(/^<14>seq (\d+) /.exec(r.msg)![1]));
  // Contiguous from 0: nothing lost in the middle, nothing twice.
  seqs.forEach((s, k) => expect(s).toBe(k));
  expect(seqs.length).toBeGreaterThanOrEqual(reportedWritten);
  // What is lost was appended during the last flush interval (plus scheduling slack on a busy machine).
  const lastAt = back[back.length - 1]!.at;
  expect(killedAt - lastAt).toBeLessThan(flushMs + 400);
  // Keep writing after the crash: the sequence continues, still once each.
  const next = seqs.length;
  for (let i = 0; i < 100; i++) spool.append({ at: Date.now(), from: '10.9.0.1', msg: `<14>seq ${next + i} after` });
  await spool.close();
  const s2 = await Spool.open({ dir });
  const again = await all(s2.replay());
  again.forEach((r, k) => expect(Number(/^<14>seq (\d+) /.exec(r.msg)![1])).toBe(k));
  expect(again).toHaveLength(next + 100);
  await s2.close();
  // No leftovers of an interrupted compression.
  expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});

// -------------------------------------------------------------------------------------------
// Issue 15: nothing taken is discarded while writes succeed; disk full tears nothing.

test('a burst past the memory budget while writes succeed: nothing is dropped, the caller is told to hold back', async () => {
  const dir = tmp();
  const pressure: boolean[] = [];
  const spool = await Spool.open({ dir, maxPendingBytes: 256 * 1024, pressureBytes: 64 * 1024, onPressure: (on) => pressure.push(on) });
  // 30,000 records (~4 MiB) in one turn of the event loop: no write can finish meanwhile.
  const N = 30_000;
  for (let i = 0; i < N; i++) {
    spool.append({ at: Date.UTC(2026, 10, 24, 10, 0, 0, i % 1000), from: '10.0.0.1', msg: `<13>burst ${i} ${'b'.repeat(100)}` });
  }
  // Before: trimmed past 64 MiB (here its 256 KiB budget) although writes succeed.
  expect(spool.stats().dropped).toBe(0);
  expect(pressure).toEqual([true]);
  expect(spool.unwritten()).toBeGreaterThan(256 * 1024);
  expect(spool.refusal()).toMatch(/memory budget is full/);
  await spool.flush();
  await spool.flush();
  await sleep(50);
  expect(pressure).toEqual([true, false]);
  expect(spool.refusal()).toBeNull();
  expect(spool.stats()).toMatchObject({ appended: N, written: N, dropped: 0, writeErrors: 0, unwrittenBytes: 0 });
  await spool.close();
  const back = await all(readCapture(path.join(dir, fs.readdirSync(dir)[0]!)));
  expect(back).toHaveLength(N);
  back.forEach((r, k) => expect(r.msg.startsWith(`<13>burst ${k} `)).toBe(true));
});

/** A tmpfs of `kb` KiB mounted on a fresh directory (root only), or null. */
function smallTmpfs(kb: number): string | null {
  if (process.getuid?.() !== 0) return null;
  const d = tmp();
  const r = require('node:child_process').spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k,mode=0700`, 'tmpfs', d], { encoding: 'utf8' });
  return r.status === 0 ? d : null;
}

test('disk full (a real full tmpfs): records wait in memory, none is torn or lost, the failure is logged once, then its end', async () => {
  const mnt = smallTmpfs(512);
  if (!mnt) {
    console.warn('disk-full test skipped: needs root and mount -t tmpfs');
    return;
  }
  try {
    await diskFull(mnt);
  } finally {
    require('node:child_process').spawnSync('umount', ['-l', mnt]);
  }
});

async function diskFull(mnt: string): Promise<void> {
  const dir = path.join(mnt, 'spool');
  const notices: string[] = [];
  const spool = await Spool.open({ dir, flushIntervalMs: 20, onNotice: (l) => notices.push(l) });
  // Fill the filesystem but ~40 KiB.
  const filler = path.join(mnt, 'filler');
  const free = (): number => {
    const s = fs.statfsSync(mnt);
    return s.bavail * s.bsize;
  };
  fs.writeFileSync(filler, Buffer.alloc(Math.max(0, free() - 40 * 1024)));
  // ~150 KB of records of uneven sizes: the write that hits ENOSPC cuts one in the middle.
  const N = 1200;
  let i = 0;
  const feeder = setInterval(() => {
    for (let k = 0; k < 40 && i < N; k++, i++) spool.append({ at: Date.now(), from: '10.0.0.2', msg: `<13>full ${i} ${'f'.repeat(37 + ((i * 7919) % 211))}` });
  }, 5);
  const t0 = Date.now();
  while (i < N && Date.now() - t0 < 10_000) await sleep(20);
  clearInterval(feeder);
  await sleep(1500); // a few retries, all failing
  const st = spool.stats();
  // Before: "write failed" at every flush (five times a second).
  const failedLines = notices.filter((l) => /write failed|still failing/.test(l));
  expect(failedLines).toHaveLength(1);
  expect(st.failing).toBe(true);
  expect(st.written).toBeLessThan(N);
  expect(st.dropped).toBe(0);
  expect(st.writeErrors).toBeGreaterThan(3);
  // Space again: everything held is written.
  fs.rmSync(filler);
  const t1 = Date.now();
  while (spool.stats().written < N && Date.now() - t1 < 5000) await sleep(20);
  expect(spool.stats()).toMatchObject({ written: N, dropped: 0, failing: false });
  expect(notices.filter((l) => /writes succeed again/.test(l))).toHaveLength(1);
  await spool.close();
  // Replay: every record once, in order, and no damaged (torn) line.
  const damaged: DamagedLine[] = [];
  const s2 = await Spool.open({ dir });
  const back = await all(s2.replay({ onDamaged: (d) => damaged.push(d) }));
  await s2.close();
  expect(damaged).toEqual([]);
  expect(back).toHaveLength(N);
  back.forEach((r, k) => expect(r.msg.startsWith(`<13>full ${k} `)).toBe(true));
}
