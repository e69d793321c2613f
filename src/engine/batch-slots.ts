// The shared memory a preparation thread writes its batches' numbers in: AHEAD + 1 slots, used
// in turn. The thread is never more than AHEAD batches ahead of what the engine has fed (see
// prepare-worker.ts), so the slot it writes is one the engine is done with. Allocated once per
// thread: typed arrays made per batch in the thread and freed on the main thread took the peak
// RSS of 5,000 nodes to 797 MiB (556 with these slots), far more than the batches held at once.

/**
 * Lines per batch (records, run lines and dropped lines together). Small enough that a batch's
 * text (one string) is allocated young and dies young: at 8,192 lines it went straight to V8's
 * large-object space, old generation, 43 MB of garbage on 5,000 nodes. Paired runs against 8,192
 * lines 4 ahead: 5,000 nodes 7.8-8.0 s against 8.2-9.1 s, peak 455-460 against 480 MB.
 */
export const BATCH_LINES = 2048;
/** Batches a preparation thread sends ahead of what the engine has fed, at most. */
export const AHEAD = 16;
export const SLOTS = AHEAD + 1;

/** Where each number of a record is among its REC_NUMS in recNum (`claimed` and `pid`: see NULL_*). */
export const NUM = { ord: 0, at: 1, claimed: 2, pid: 3 } as const;
export const REC_NUMS = 4;
/**
 * Where each integer of a record is among its REC_INTS in recInt: channel, client, host and
 * program as indexes into the batch's strs (-1: null); severity (-1: null); where the message
 * starts in the raw line (-1: it is the batch's next `msgs`); the raw line's length (-1: it is
 * the batch's next `wides`); pattern; fields; which values are null (NULL_*).
 */
export const INT = { channel: 0, from: 1, host: 2, program: 3, severity: 4, tail: 5, rawLen: 6, pattern: 7, fields: 8, nulls: 9 } as const;
export const REC_INTS = 10;
export const NULL_CLAIMED = 1;
export const NULL_PID = 2;

/** One slot's views: a batch's records (REC_NUMS and REC_INTS values each) and its run lines. */
export interface Slot {
  recNum: Float64Array;
  recInt: Int32Array;
  runOrd: Float64Array;
  runAt: Float64Array;
  /** Where each run line starts in the file (-1: its text is in the batch's runRaw). */
  runOff: Float64Array;
  /** Index into the file's client addresses (the `ips` of this batch and the ones before it). */
  runIp: Int32Array;
  runPat: Int32Array;
  runLen: Int32Array;
}

const F64 = BATCH_LINES * (REC_NUMS + 3);
const I32 = BATCH_LINES * (REC_INTS + 3);
const SLOT_BYTES = F64 * 8 + I32 * 4;

export function slotMemory(): SharedArrayBuffer {
  return new SharedArrayBuffer(SLOTS * SLOT_BYTES);
}

export function slotViews(memory: SharedArrayBuffer): Slot[] {
  const slots: Slot[] = [];
  for (let s = 0; s < SLOTS; s++) {
    const f = new Float64Array(memory, s * SLOT_BYTES, F64);
    const i = new Int32Array(memory, s * SLOT_BYTES + F64 * 8, I32);
    const n = BATCH_LINES;
    slots.push({
      recNum: f.subarray(0, n * REC_NUMS),
      runOrd: f.subarray(n * REC_NUMS, n * (REC_NUMS + 1)),
      runAt: f.subarray(n * (REC_NUMS + 1), n * (REC_NUMS + 2)),
      runOff: f.subarray(n * (REC_NUMS + 2), n * (REC_NUMS + 3)),
      recInt: i.subarray(0, n * REC_INTS),
      runIp: i.subarray(n * REC_INTS, n * (REC_INTS + 1)),
      runPat: i.subarray(n * (REC_INTS + 1), n * (REC_INTS + 2)),
      runLen: i.subarray(n * (REC_INTS + 2), n * (REC_INTS + 3)),
    });
  }
  return slots;
}
