// A preparation thread of an offline analysis: reads the files it is given, one after another,
// parses and matches every line (prepare-file.ts), and sends the main thread only what the
// engine needs, in compact batches:
// - records that matched a pattern or look like errors, as numbers written in the thread's
//   shared slots (batch-slots.ts), no object or string per record: their raw lines one after
//   another in one string (those past Latin-1 apart); the message, nearly always the raw line's
//   tail, as where it starts there; channel, client, host and program, which repeat, as indexes
//   into the batch's own list of them; the match's fields as an index into the main thread's list
//   of the field objects this thread sent, each sent once however many lines share it;
// - lines of runs (see isRunLine) that continue their client's run in this file: their place,
//   time, client address and pattern in the slot too, and where the line is in the file, in case
//   the engine does not fold it after all (a gzipped file's lines: their text, in one string);
// - of the lines dropped here (no pattern, no error), only how many and their latest times.
// It runs at most AHEAD batches ahead of what the main thread has fed (a shared counter), so a
// slow engine does not leave the whole input queued in memory, and the slot it writes is free.
//
// Protocol (see prepare.ts): in → {type:'file', file, spec}; out → batch | end | error. The main
// thread terminates the thread when every file is fed.

import { parentPort, workerData } from 'node:worker_threads';
import type { LogRecord, Match, Pattern } from '../types';
import { Matcher } from '../patterns/match';
import { statesItsTime, worthKeeping } from './entry';
import { isRunLine, prepareFile, type FileDone, type FileSpec } from './prepare-file';
import { GarbageBound } from '../util/garbage-bound';
import { AHEAD, BATCH_LINES, INT, NULL_CLAIMED, NULL_PID, NUM, REC_INTS, REC_NUMS, SLOTS, slotViews } from './batch-slots';

export interface WorkerInit {
  patterns: Pattern[];
  /** Int32Array over it: [0] batches the main thread has fed. */
  fed: SharedArrayBuffer;
  /** Where the batches' numbers are written (batch-slots.ts). */
  slots: SharedArrayBuffer;
  /** Field objects the main thread keeps for this thread (see Batch.fields); past this it starts again. */
  fieldsKept: number;
}

export interface Batch {
  type: 'batch';
  file: number;
  /** The slot (batch-slots.ts) this batch's numbers are in, until the main thread has fed it. */
  slot: number;
  /** Records in this batch (the slot's recNum and recInt), and its run lines (the slot's run arrays). */
  nRec: number;
  nRun: number;
  /** The records' raw lines one after another (each recInt's length long). */
  raws: string;
  /**
   * The raw lines with a character past Latin-1, in record order (their length in recInt is -1):
   * one such line in `raws` would make the whole string two bytes a character, and every line
   * copied out of it too.
   */
  wides: string[];
  /** The messages that are not their raw line's tail, in record order. */
  msgs: string[];
  /** The text of the run lines with no place in the file, one after another (runLen long each). */
  runRaw: string;
  ips: string[];
  /** The channels, clients, hosts and programs of this batch's records (Batch.rec holds indexes; -1: null). */
  strs: string[];
  /**
   * Match fields not sent before: the main thread appends them to its list for this thread
   * (emptied first when `fieldsReset`), and a record's fields are an index into that list. The
   * matcher shares one object between equal lines: each goes once, not once per record.
   */
  fields: Record<string, string>[];
  fieldsReset: boolean;
  dropped: number;
  /** The place after the last line this batch covers (dropped lines included). */
  end: number;
  maxAt: number;
  maxUntimed: number;
  bytes: number;
}

export type WorkerOut = Batch | { type: 'end'; file: number; done: FileDone } | { type: 'error'; file: number; message: string };

const BEYOND_LATIN1 = /[^\u0000-\u00ff]/;

/**
 * The thread's garbage is bounded (GarbageBound), checked every GC_EVERY batches: 10,000 nodes,
 * the thread's heap 88 → 46 MB and the peak RSS 660 → 625 MiB, for 132 collections of ~6 ms.
 */
const GC_EVERY = 16;
const GC_FLOOR = 32 * 1024 * 1024;

function main(): void {
  const port = parentPort!;
  const init = workerData as WorkerInit;
  const fed = new Int32Array(init.fed);
  const slots = slotViews(init.slots);
  const matcher = new Matcher(init.patterns);
  const garbage = new GarbageBound(GC_FLOOR);
  const indexOf = new Map<Pattern, number>(init.patterns.map((p, i) => [p, i]));
  let sent = 0;
  /** Field objects sent so far, by their index in the main thread's list (see Batch.fields). */
  let fieldsSent = new Map<Record<string, string>, number>();
  let newFields: Record<string, string>[] = [];
  let fieldsReset = false;
  const fieldsIndex = (f: Record<string, string>): number => {
    let i = fieldsSent.get(f);
    if (i === undefined) {
      fieldsSent.set(f, (i = fieldsSent.size));
      newFields.push(f);
    }
    return i;
  };
  const queue: { file: number; spec: FileSpec }[] = [];
  let busy = false;

  const run = async (file: number, spec: FileSpec): Promise<void> => {
    let nRec = 0;
    let raws: string[] = [];
    let wides: string[] = [];
    let msgs: string[] = [];
    let nRun = 0;
    let slot = slots[sent % SLOTS]!;
    let runRaw: string[] = [];
    let ips: string[] = [];
    let nextIp = 0;
    let strs: string[] = [];
    let strIndex = new Map<string, number>();
    const str = (v: string | null): number => {
      if (v === null) return -1;
      let i = strIndex.get(v);
      if (i === undefined) {
        strIndex.set(v, (i = strs.length));
        strs.push(v);
      }
      return i;
    };
    /** Per client address: its index among the batches' `ips` (-1: not sent yet), the pattern of its last record here. */
    const clients = new Map<string, { index: number; pattern: number }>();
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
        slot: sent % SLOTS,
        nRec,
        raws: raws.join(''),
        wides,
        msgs,
        nRun,
        runRaw: runRaw.join(''),
        ips,
        strs,
        fields: newFields,
        fieldsReset,
        dropped,
        end,
        maxAt,
        maxUntimed,
        bytes,
      };
      port.postMessage(b);
      sent++;
      if (sent % GC_EVERY === 0) garbage.check();
      slot = slots[sent % SLOTS]!;
      nRec = 0;
      raws = [];
      wides = [];
      msgs = [];
      nRun = 0;
      runRaw = [];
      ips = [];
      strs = [];
      strIndex = new Map();
      newFields = [];
      // Only between batches: a batch's records may point to any field object it sent.
      fieldsReset = fieldsSent.size >= init.fieldsKept;
      if (fieldsReset) fieldsSent = new Map();
      dropped = lines = bytes = 0;
      maxAt = maxUntimed = -Infinity;
    };
    const record = (r: LogRecord, m: Match | null, ord: number, at: number): void => {
      end = ord + 1;
      lines++;
      const pat = m ? indexOf.get(m.pattern)! : -1;
      // A run line goes as one when its client's previous line here had the same pattern: the
      // first of a run opens an entry (sent whole), the rest nearly always fold.
      let run = false;
      let client: { index: number; pattern: number } | undefined;
      if (r.from !== null && r.channel === 'http') {
        client = clients.get(r.from);
        if (!client) clients.set(r.from, (client = { index: -1, pattern: -2 }));
        // (A raw line ending in CR would not read back as itself from its bytes.)
        run = client.pattern === pat && isRunLine(r, m, spec.kind) && r.raw.charCodeAt(r.raw.length - 1) !== 13;
        client.pattern = pat;
      }
      if (run) {
        if (client!.index < 0) {
          client!.index = nextIp++;
          ips.push(r.from!);
        }
        slot.runIp[nRun] = client!.index;
        slot.runOrd[nRun] = ord;
        slot.runAt[nRun] = r.at;
        slot.runPat[nRun] = pat;
        slot.runOff[nRun] = at;
        slot.runLen[nRun] = r.raw.length;
        nRun++;
        if (at < 0) runRaw.push(r.raw);
      } else if (!worthKeeping(r, m)) {
        // As Engine.feedMatched() counts a dropped record.
        dropped++;
        if (statesItsTime(r)) {
          if (r.at > maxAt) maxAt = r.at;
        } else if (r.at > maxUntimed) maxUntimed = r.at;
      } else {
        const tail = r.message.length && r.raw.endsWith(r.message) ? r.raw.length - r.message.length : -1;
        const { recNum, recInt } = slot;
        const d = nRec * REC_NUMS;
        recNum[d + NUM.ord] = ord;
        recNum[d + NUM.at] = r.at;
        recNum[d + NUM.claimed] = r.claimed ?? 0;
        recNum[d + NUM.pid] = r.pid ?? 0;
        const i = nRec * REC_INTS;
        recInt[i + INT.channel] = str(r.channel);
        recInt[i + INT.from] = str(r.from);
        recInt[i + INT.host] = str(r.host);
        recInt[i + INT.program] = str(r.program);
        recInt[i + INT.severity] = r.severity ?? -1;
        recInt[i + INT.tail] = tail;
        recInt[i + INT.rawLen] = r.raw.length;
        recInt[i + INT.pattern] = pat;
        recInt[i + INT.fields] = m ? fieldsIndex(m.fields) : -1;
        recInt[i + INT.nulls] = (r.claimed === null ? NULL_CLAIMED : 0) | (r.pid === null ? NULL_PID : 0);
        nRec++;
        // A line of an ASCII block of a plain file (a place in the file) needs no test.
        if (at < 0 && BEYOND_LATIN1.test(r.raw)) {
          recInt[i + INT.rawLen] = -1;
          wides.push(r.raw);
        } else raws.push(r.raw);
        if (tail < 0) msgs.push(r.message);
      }
      if (lines >= BATCH_LINES) flush();
    };
    try {
      const done = await prepareFile(spec, matcher, { record, bytes: (n) => (bytes += n) });
      flush();
      port.postMessage({ type: 'end', file, done } satisfies WorkerOut);
    } catch (e) {
      port.postMessage({ type: 'error', file, message: (e as Error).message ?? String(e) } satisfies WorkerOut);
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
  };

  port.on('message', (m: { type: 'file'; file: number; spec: FileSpec }) => {
    queue.push({ file: m.file, spec: m.spec });
    void next();
  });
}

// Type imports of this module (prepare.ts) load nothing; only a thread runs it.
if (parentPort) main();
