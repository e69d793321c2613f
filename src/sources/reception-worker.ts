// The reception thread: the syslog sockets and the capture spool, nothing else. It runs apart
// from the engine so a diagnosis that takes a while never leaves datagrams waiting in the kernel
// buffer (where they would be dropped): every message is spooled here first, then handed to the
// main thread in batches, one per turn of this thread's event loop.
//
// Protocol (see reception.ts): in → {type:'close'|'pause'|'resume'}; out → ready | error |
// batch | notice | stats | closed.

import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { SyslogReceiver, type ReceivedMessage, type ReceiverOptions, type Transport } from './syslog-receiver';
import { Spool, type SpoolOptions } from '../store/spool';
import { currentThreadId } from '../thread-priority';

export interface ReceptionConfig {
  receiver: Omit<ReceiverOptions, 'onMessage' | 'onNotice'>;
  spool: Omit<SpoolOptions, 'onNotice'>;
  /** How often stats are sent to the main thread. */
  statsMs: number;
}

/**
 * Messages in columns, their bytes one after another: one transfer of a few buffers per batch,
 * no string per message here (this thread must keep up with the socket; the main thread
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

/** This thread's V8 heap (for /v1/health: the process's RSS includes it). */
export interface ReceptionHeap {
  totalBytes: number;
  usedBytes: number;
}

/** Batch.flags of a message. */
function flagsOf(transport: Transport, truncated: boolean): number {
  return (transport === 'tcp' ? 1 : 0) | (truncated ? 2 : 0);
}

const MAX_BATCH = 4096;
/** Longest a message waits in a batch (ms). */
const BATCH_MS = 5;
/** A batch is posted early when its bytes reach this. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/** Fills batches in scratch arrays it keeps; each batch posted gets copies of just the used part. */
class BatchBuilder {
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

function main(): void {
  const port = parentPort;
  if (!port) throw new Error('reception-worker must run in a worker thread');
  const cfg = workerData as ReceptionConfig;
  const notice = (line: string): void => port.postMessage({ type: 'notice', line });

  const batch = new BatchBuilder();
  // A batch goes out when full or BATCH_MS after its first message: under a flood that is a few
  // hundred messages per post, not the few dozen one turn of the event loop reads (each post
  // costs both threads a wake-up and a message).
  let timer: NodeJS.Timeout | null = null;
  const post = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!batch.n) return;
    const { batch: b, transfer } = batch.take();
    port.postMessage(b, transfer);
  };
  const add = (at: number, from: string, msg: Uint8Array, flags: number): void => {
    if (batch.add(at, from, msg, flags)) post();
    else if (!timer) timer = setTimeout(post, BATCH_MS);
  };

  let spool: Spool | null = null;
  let receiver: SyslogReceiver | null = null;
  let statsTimer: NodeJS.Timeout | null = null;

  // Spooled first, then batched. Messages that needed unwrapping (a relay's origin) arrive as strings.
  const onMessage = (m: ReceivedMessage): void => {
    spool!.append({ at: m.at, from: m.from, msg: m.msg });
    add(m.at, m.from, Buffer.from(m.msg, 'utf8'), flagsOf(m.transport, m.truncated === true));
  };
  const onBytes = (at: number, from: string, bytes: Buffer, transport: Transport, truncated: boolean): void => {
    spool!.appendPlain(at, from, bytes);
    add(at, from, bytes, flagsOf(transport, truncated));
  };

  const sendStats = async (): Promise<void> => {
    if (!receiver || !spool) return;
    const kernelDrops = await receiver.kernelDrops();
    const h = getHeapStatistics();
    const heap: ReceptionHeap = { totalBytes: h.total_heap_size, usedBytes: h.used_heap_size };
    port.postMessage({ type: 'stats', receiver: receiver.stats(), spool: spool.stats(), kernelDrops, heap });
  };

  port.on('message', (m: { type: string }) => {
    if (m.type === 'pause') receiver?.pause();
    else if (m.type === 'resume') receiver?.resume();
    else if (m.type === 'close') {
      void (async () => {
        if (statsTimer) clearInterval(statsTimer);
        await receiver?.close();
        post();
        await sendStats();
        await spool?.close();
        port.postMessage({ type: 'closed', spool: spool?.stats() ?? null });
        port.close();
      })();
    }
  });

  void (async () => {
    try {
      spool = await Spool.open({ ...cfg.spool, onNotice: notice });
      // Where replay of what came before stops: everything after it also arrives in batches.
      const boundary = await spool.boundary();
      receiver = await SyslogReceiver.start({ ...cfg.receiver, onMessage, onBytes, onNotice: notice });
      statsTimer = setInterval(() => void sendStats(), cfg.statsMs);
      port.postMessage({ type: 'ready', listeners: receiver.listeners(), boundary, tid: currentThreadId() });
      await sendStats();
    } catch (e) {
      await spool?.close().catch(() => undefined);
      port.postMessage({ type: 'error', message: (e as Error).message });
      port.close();
    }
  })();
}

main();
