// A preparation thread of an offline analysis: reads the files it is given, one after another,
// parses and matches every line (prepare-file.ts), and sends the main thread only what the
// engine needs, in compact batches:
// - records that matched a pattern or look like errors, as flat values (no object per record);
// - lines of runs (see isRunLine): their place, time, client address and pattern, as typed
//   arrays, with their text in one string in case the engine does not fold them after all;
// - of the lines dropped here (no pattern, no error), only how many and their latest times.
// It runs at most AHEAD batches ahead of what the main thread has fed (a shared counter), so a
// slow engine does not leave the whole input queued in memory.
//
// Protocol (see prepare.ts): in → {type:'file', file, spec} | {type:'close'}; out → batch | end | error.

import { parentPort, workerData } from 'node:worker_threads';
import type { LogRecord, Match, Pattern } from '../types';
import { Matcher } from '../patterns/match';
import { looksLikeError } from './entry';
import { AHEAD, isRunLine, prepareFile, type FileDone, type FileSpec } from './prepare-file';

/** Lines per batch (records, run lines and dropped lines together). */
const BATCH_LINES = 8192;

export interface WorkerInit {
  patterns: Pattern[];
  /** Int32Array over it: [0] batches the main thread has fed. */
  fed: SharedArrayBuffer;
}

export interface Batch {
  type: 'batch';
  file: number;
  rec: unknown[];
  runOrd: Float64Array;
  runAt: Float64Array;
  /** Index into the file's client addresses (`ips` of this batch and the ones before). */
  runIp: Int32Array;
  runPat: Int32Array;
  /** The run lines' text, one after another; runEnd[i] is where line i ends. */
  runRaw: string;
  runEnd: Int32Array;
  ips: string[];
  dropped: number;
  /** The place after the last line this batch covers (dropped lines included). */
  end: number;
  maxAt: number;
  maxUntimed: number;
  bytes: number;
}

export type WorkerOut = Batch | { type: 'end'; file: number; done: FileDone } | { type: 'error'; file: number; message: string };

function main(): void {
  const port = parentPort!;
  const init = workerData as WorkerInit;
  const fed = new Int32Array(init.fed);
  const matcher = new Matcher(init.patterns);
  const indexOf = new Map<Pattern, number>(init.patterns.map((p, i) => [p, i]));
  let sent = 0;
  const queue: { file: number; spec: FileSpec }[] = [];
  let busy = false;
  let closing = false;

  const run = async (file: number, spec: FileSpec): Promise<void> => {
    let rec: unknown[] = [];
    let runOrd: number[] = [];
    let runAt: number[] = [];
    let runIp: number[] = [];
    let runPat: number[] = [];
    let runRaw: string[] = [];
    let runEnd: number[] = [];
    let rawLen = 0;
    let ips: string[] = [];
    const ipIndex = new Map<string, number>();
    let dropped = 0;
    let lines = 0;
    let end = 0;
    let maxAt = -Infinity;
    let maxUntimed = -Infinity;
    let bytes = 0;
    const flush = (): void => {
      // Wait for the main thread to catch up: it feeds batches in order, so it never waits on us.
      for (;;) {
        const done = Atomics.load(fed, 0);
        if (sent - done < AHEAD) break;
        Atomics.wait(fed, 0, done, 1000);
      }
      const b: Batch = {
        type: 'batch',
        file,
        rec,
        runOrd: Float64Array.from(runOrd),
        runAt: Float64Array.from(runAt),
        runIp: Int32Array.from(runIp),
        runPat: Int32Array.from(runPat),
        runRaw: runRaw.join(''),
        runEnd: Int32Array.from(runEnd),
        ips,
        dropped,
        end,
        maxAt,
        maxUntimed,
        bytes,
      };
      port.postMessage(
        b,
        [b.runOrd, b.runAt, b.runIp, b.runPat, b.runEnd].map((a) => a.buffer as ArrayBuffer),
      );
      sent++;
      rec = [];
      runOrd = [];
      runAt = [];
      runIp = [];
      runPat = [];
      runRaw = [];
      runEnd = [];
      rawLen = 0;
      ips = [];
      dropped = lines = bytes = 0;
      maxAt = maxUntimed = -Infinity;
    };
    const record = (r: LogRecord, m: Match | null, ord: number): void => {
      end = ord + 1;
      lines++;
      if (isRunLine(r, m, spec.kind)) {
        let ip = ipIndex.get(r.from!);
        if (ip === undefined) {
          ipIndex.set(r.from!, (ip = ipIndex.size));
          ips.push(r.from!);
        }
        runOrd.push(ord);
        runAt.push(r.at);
        runIp.push(ip);
        runPat.push(indexOf.get(m!.pattern)!);
        runRaw.push(r.raw);
        rawLen += r.raw.length;
        runEnd.push(rawLen);
      } else if (!m && !looksLikeError(r)) {
        // As Engine.feedMatched() counts a dropped record.
        dropped++;
        if (r.claimed !== null || r.source === 'remote') {
          if (r.at > maxAt) maxAt = r.at;
        } else if (r.at > maxUntimed) maxUntimed = r.at;
      } else {
        rec.push(
          ord,
          r.at,
          r.claimed,
          r.channel,
          r.from,
          r.host,
          r.program,
          r.pid,
          r.severity,
          r.message,
          r.raw,
          m ? indexOf.get(m.pattern)! : -1,
          m ? m.fields : null,
        );
      }
      if (lines >= BATCH_LINES) flush();
    };
    try {
      const done = await prepareFile(spec, matcher, { record, bytes: (n) => (bytes += n) });
      flush();
      port.postMessage({ type: 'end', file, done } satisfies WorkerOut);
    } catch (e) {
      port.postMessage({ type: 'error', file, message: (e as Error).stack ?? String(e) } satisfies WorkerOut);
    }
  };

  const next = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    while (queue.length) {
      const { file, spec } = queue.shift()!;
      await run(file, spec);
    }
    busy = false;
    if (closing) port.close();
  };

  port.on('message', (m: { type: 'file'; file: number; spec: FileSpec } | { type: 'close' }) => {
    if (m.type === 'close') {
      closing = true;
      if (!busy) port.close();
      return;
    }
    queue.push({ file: m.file, spec: m.spec });
    void next();
  });
}

// Type imports of this module (prepare.ts) load nothing; only a thread runs it.
if (parentPort) main();
