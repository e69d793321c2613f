// Received messages on their way from the reception thread to the engine: built in columns
// there (BatchBuilder), transferred as a few buffers, read back one message at a time here
// (BatchReader), so nothing per message is made until the engine takes it.

import type { ReceivedMessage, Transport } from './syslog-receiver';

/**
 * Messages in columns, their bytes one after another: one transfer of a few buffers per batch,
 * no string per message in the reception thread (it must keep up with the socket; the main thread
 * decodes). Measured at 150k datagrams/s: a string per message, its JSON line and the joined
 * batch text were half of this thread's time.
 */
export interface Batch {
  type: 'batch';
  at: Float64Array;
  /** Sender addresses, each once; `fromIdx` points into it per message. */
  froms: string[];
  fromIdx: Uint32Array;
  /** Every message's bytes (UTF-8 as received), one after another; `lens` gives each one's length. */
  bytes: Uint8Array;
  lens: Uint32Array;
  /** Bit 0: TCP (else UDP); bit 1: cut at the size limit. */
  flags: Uint8Array;
}

/** Batch.flags of a message. */
export function flagsOf(transport: Transport, truncated: boolean): number {
  return (transport === 'tcp' ? 1 : 0) | (truncated ? 2 : 0);
}

const MAX_BATCH = 4096;
/** A batch is posted early when its bytes reach this. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/** Fills batches in scratch arrays it keeps; each batch posted gets copies of just the used part. */
export class BatchBuilder {
  n = 0;
  private at = new Float64Array(MAX_BATCH);
  private froms = new Map<string, number>();
  private fromIdx = new Uint32Array(MAX_BATCH);
  private bytes = new Uint8Array(256 * 1024);
  private used = 0;
  private lens = new Uint32Array(MAX_BATCH);
  private flags = new Uint8Array(MAX_BATCH);

  /** Adds a message; true when the batch is full and must be posted. */
  add(at: number, from: string, msg: Uint8Array, flags: number): boolean {
    const i = this.n++;
    this.at[i] = at;
    let k = this.froms.get(from);
    if (k === undefined) this.froms.set(from, (k = this.froms.size));
    this.fromIdx[i] = k;
    if (this.used + msg.length > this.bytes.length) {
      const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.used + msg.length));
      bigger.set(this.bytes.subarray(0, this.used));
      this.bytes = bigger;
    }
    this.bytes.set(msg, this.used);
    this.used += msg.length;
    this.lens[i] = msg.length;
    this.flags[i] = flags;
    return this.n >= MAX_BATCH || this.used >= MAX_BATCH_BYTES;
  }

  /** The batch filled so far (its own buffers, to transfer); the builder starts over. */
  take(): { batch: Batch; transfer: ArrayBuffer[] } {
    const n = this.n;
    const batch: Batch = {
      type: 'batch',
      at: this.at.slice(0, n),
      froms: [...this.froms.keys()],
      fromIdx: this.fromIdx.slice(0, n),
      bytes: this.bytes.slice(0, this.used),
      lens: this.lens.slice(0, n),
      flags: this.flags.slice(0, n),
    };
    this.n = 0;
    this.used = 0;
    this.froms = new Map();
    return { batch, transfer: [batch.at.buffer, batch.fromIdx.buffer, batch.bytes.buffer, batch.lens.buffer, batch.flags.buffer] as ArrayBuffer[] };
  }
}

/**
 * The messages of one batch, decoded when taken: a flood waits for the engine as the batch's
 * bytes and columns (~140 B a message), not as a string and two objects per message that the
 * garbage collector would copy and promote while they wait.
 */
export class BatchReader {
  private i = 0;
  private off = 0;
  private readonly bytes: Buffer;

  constructor(private readonly b: Batch) {
    this.bytes = Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength);
  }

  get size(): number {
    return this.b.lens.length;
  }

  /** Messages not taken yet. */
  get left(): number {
    return this.b.lens.length - this.i;
  }

  /** The next message (call only while `left` > 0). */
  next(): ReceivedMessage {
    const b = this.b;
    const i = this.i++;
    const f = b.flags[i]!;
    const end = this.off + b.lens[i]!;
    const m: ReceivedMessage = {
      at: b.at[i]!,
      from: b.froms[b.fromIdx[i]!]!,
      msg: this.bytes.toString('utf8', this.off, end),
      transport: f & 1 ? 'tcp' : 'udp',
    };
    this.off = end;
    if (f & 2) m.truncated = true;
    return m;
  }
}
