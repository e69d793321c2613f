// The main thread's side of file preparation: files read and matched here (small inputs) or in
// worker threads (prepare-worker.ts) ahead of the engine, and fed to the engine in reading order
// either way, each record at its place in its file, so the analysis is the same object for object.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Channel, LogRecord, Pattern, Subject } from '../types';
import type { Matcher } from '../patterns/match';
import { LineReader } from '../records/line-reader';
import type { Engine } from './engine';
import { isRunLine, prepareFile, type FileDone, type FileSpec } from './prepare-file';
import { INT, NULL_CLAIMED, NULL_PID, NUM, REC_INTS, REC_NUMS, slotMemory, slotViews, type Slot } from './batch-slots';
import { intern } from '../util/intern';
import type { Batch, WorkerInit, WorkerOut } from './prepare-worker';

/**
 * One preparation thread per core besides the engine's own, at least one and at most 3: on two
 * cores, a second one only competes with the engine for the CPU (5,000 nodes, best of 3: 10.7 s
 * with one, 11.2 s with two).
 */
export function defaultThreads(): number {
  return Math.max(1, Math.min(3, os.availableParallelism() - 1));
}

/** Reads, matches and feeds one file on this thread. */
export async function feedFile(spec: FileSpec, engine: Engine, matcher: Matcher, onBytes: (n: number) => void): Promise<FileDone> {
  const base = engine.linesFed(spec.rel);
  // One subject per client, as a thread's batches give them: foldRun resolves a client's run once a second.
  const clients = new Map<string, Subject>();
  const subjectOf = (ip: string): Subject => {
    let s = clients.get(ip);
    if (!s) clients.set(ip, (s = { ip }));
    return s;
  };
  return prepareFile(spec, matcher, {
    record: (rec, m, ord) => {
      if (isRunLine(rec, m, spec.kind) && engine.foldRun(rec.source, base + ord, rec.at, subjectOf(rec.from!), m!.pattern)) return;
      engine.feedMatched(rec, m, base + ord);
    },
    bytes: onBytes,
  });
}

/**
 * Built from the TypeScript sources (tests run them through ts-jest), the thread's script is the
 * compiled one in dist/, which the tests' global setup builds.
 */
function workerScript(): string {
  return __filename.endsWith('.ts') ? path.join(__dirname, '..', '..', 'dist', 'engine', 'prepare-worker.js') : path.join(__dirname, 'prepare-worker.js');
}

/** The file being fed and what feeding it needs. */
interface Feeding {
  spec: FileSpec;
  /** Records fed from its source before it (a file of the same name read earlier). */
  base: number;
  engine: Engine;
  /** By the thread's index of each client address: its Subject. */
  subjects: Subject[];
  reader: LineReader;
  fd: number | null;
}

interface FileQueue {
  /** Each batch with the list its records' field indexes point into (see Batch.fields). */
  batches: { b: Batch; fields: Record<string, string>[] }[];
  done: FileDone | null;
  wake: (() => void) | null;
  /** The thread preparing it (whose fed counter goes up as its batches are fed). */
  thread: number;
}

export class PreparedFiles {
  /** Field objects kept per thread (see Batch.fields): lowered by a test to make threads start their list again. */
  static fieldsKept = 50_000;
  private readonly workers: Worker[] = [];
  private readonly fed: Int32Array[] = [];
  /** Per thread: the slots its batches' numbers are in (batch-slots.ts). */
  private readonly slots: Slot[][] = [];
  private readonly queues: FileQueue[];
  private failure: Error | null = null;
  /** Per thread: the field objects it sent (see Batch.fields), their values interned. */
  private readonly fields: Record<string, string>[][] = [];
  /** Set by close(): a thread's exit from then on is no failure. */
  private closed = false;

  /**
   * @param sizes each file's size in bytes, as the caller found it (how files are shared out)
   * @param matcher the patterns' matcher on this thread, for a run line read again
   */
  constructor(
    private readonly specs: FileSpec[],
    sizes: number[],
    private readonly patterns: Pattern[],
    private readonly matcher: Matcher,
    threads: number,
  ) {
    // Files go to threads by size (the least loaded takes the next file), each thread's in
    // reading order: the engine feeds files in that order, so a thread never waits on a file
    // that a thread blocked behind it would have to prepare first.
    const n = Math.max(1, Math.min(threads, specs.length));
    const load = new Array<number>(n).fill(0);
    this.queues = specs.map((_, file) => {
      const t = load.indexOf(Math.min(...load));
      load[t]! += (sizes[file] ?? 0) + 4096;
      return { batches: [], done: null, wake: null, thread: t };
    });
    for (let t = 0; t < n; t++) {
      this.fields.push([]);
      const fed = new SharedArrayBuffer(4);
      this.fed.push(new Int32Array(fed));
      const slots = slotMemory();
      this.slots.push(slotViews(slots));
      const init: WorkerInit = { patterns, fed, slots, fieldsKept: PreparedFiles.fieldsKept };
      // A small young generation: peak RSS 340-363 MiB on 2,000 nodes instead of 383-407 (V8's
      // default), the same time.
      const w = new Worker(workerScript(), { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: 16 } });
      w.on('message', (m: WorkerOut) => this.receive(m, t));
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (code !== 0 && !this.closed) this.fail(new Error(`a file preparation thread exited with code ${code}`));
      });
      this.workers.push(w);
    }
    specs.forEach((spec, file) => this.workers[this.queues[file]!.thread]!.postMessage({ type: 'file', file, spec }));
  }

  private receive(m: WorkerOut, thread: number): void {
    if (m.type === 'error') return this.fail(new Error(`preparing ${this.specs[m.file]?.abs}: ${m.message}`));
    const q = this.queues[m.file]!;
    if (m.type === 'end') q.done = m.done;
    else {
      // In the order the thread sent its batches: a later batch may start the list again (a new
      // array) while this one waits to be fed with the one it points into.
      let list = this.fields[thread]!;
      if (m.fieldsReset) this.fields[thread] = list = [];
      for (const f of m.fields) {
        // Values repeat across objects (an interface, a server's address): one copy of each.
        for (const k of Object.keys(f)) f[k] = intern(f[k]!)!;
        list.push(f);
      }
      q.batches.push({ b: m, fields: list });
    }
    q.wake?.();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const q of this.queues) q.wake?.();
  }

  /** Feeds the engine file `file` (they must be asked for in order), as feedFile() would. */
  async feed(file: number, engine: Engine, onBytes: (n: number) => void): Promise<FileDone> {
    const q = this.queues[file]!;
    const spec = this.specs[file]!;
    const f: Feeding = {
      spec,
      base: engine.linesFed(spec.rel),
      engine,
      subjects: [],
      // A run line the engine did not fold is read again here, as the thread read it.
      reader: new LineReader(spec.kind, spec.rel, spec.reference, spec.node),
      fd: null,
    };
    try {
      for (;;) {
        if (this.failure) throw this.failure;
        const next = q.batches.shift();
        if (next) {
          const { b } = next;
          this.feedBatch(b, this.slots[q.thread]![b.slot]!, next.fields, f);
          Atomics.add(this.fed[q.thread]!, 0, 1);
          Atomics.notify(this.fed[q.thread]!, 0);
          onBytes(b.bytes);
          continue;
        }
        if (q.done) return q.done;
        await new Promise<void>((resolve) => (q.wake = resolve));
        q.wake = null;
      }
    } finally {
      if (f.fd !== null) fs.closeSync(f.fd);
    }
  }

  /** Feeds one batch; its slot is the thread's again once this returns (the caller counts it fed). */
  private feedBatch(b: Batch, slot: Slot, fields: Record<string, string>[], f: Feeding): void {
    const { engine, spec, base } = f;
    for (const ip of b.ips) f.subjects.push({ ip });
    const { raws, wides, msgs, strs, nRec } = b;
    const { recNum, recInt, runOrd, runAt, runOff, runIp, runPat, runLen } = slot;
    const nRun = b.nRun;
    let r = 0;
    let q = 0;
    let rawAt = 0;
    let recRawAt = 0;
    let msgAt = 0;
    let wideAt = 0;
    while (r < nRec || q < nRun) {
      const d = r * REC_NUMS;
      if (q >= nRun || (r < nRec && recNum[d + NUM.ord]! < runOrd[q]!)) {
        const i = r * REC_INTS;
        // A slice of the batch's text: the engine copies the lines it keeps.
        const len = recInt[i + INT.rawLen]!;
        const raw = len < 0 ? wides[wideAt++]! : raws.slice(recRawAt, (recRawAt += len));
        const tail = recInt[i + INT.tail]!;
        const nulls = recInt[i + INT.nulls]!;
        const severity = recInt[i + INT.severity]!;
        const record: LogRecord = {
          at: recNum[d + NUM.at]!,
          claimed: nulls & NULL_CLAIMED ? null : recNum[d + NUM.claimed]!,
          source: spec.rel,
          channel: strs[recInt[i + INT.channel]!] as Channel,
          from: strs[recInt[i + INT.from]!] ?? null,
          host: strs[recInt[i + INT.host]!] ?? null,
          program: strs[recInt[i + INT.program]!] ?? null,
          pid: nulls & NULL_PID ? null : recNum[d + NUM.pid]!,
          severity: severity < 0 ? null : severity,
          message: tail >= 0 ? raw.slice(tail) : msgs[msgAt++]!,
          raw,
          node: spec.node,
        };
        const p = recInt[i + INT.pattern]!;
        engine.feedMatched(record, p >= 0 ? { pattern: this.patterns[p]!, fields: fields[recInt[i + INT.fields]!]! } : null, base + recNum[d + NUM.ord]!);
        r++;
      } else {
        const ord = base + runOrd[q]!;
        const off = runOff[q]!;
        const len = runLen[q]!;
        const at = runAt[q]!;
        if (!engine.foldRun(spec.rel, ord, at, f.subjects[runIp[q]!]!, this.patterns[runPat[q]!]!)) {
          const line = off >= 0 ? this.lineAt(f, off, len) : b.runRaw.slice(rawAt, rawAt + len);
          const record = f.reader.read(line);
          if (!record || record.at !== at) throw new Error(`${spec.abs}: the file changed while it was read`);
          engine.feedMatched(record, this.matcher.match(record), ord);
        }
        if (off < 0) rawAt += len;
        q++;
      }
    }
    engine.dropped(spec.rel, b.dropped, base + b.end, b.maxAt, b.maxUntimed);
  }

  /** A line of the file being fed, read again from where the thread found it (ASCII: one byte a character). */
  private lineAt(f: Feeding, off: number, len: number): string {
    f.fd ??= fs.openSync(f.spec.abs, 'r');
    const buf = Buffer.allocUnsafe(len);
    const n = fs.readSync(f.fd, buf, 0, len, off);
    return buf.toString('latin1', 0, n);
  }

  /** Stops the threads (every file fed, or the analysis failed). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
