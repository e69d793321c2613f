// The main thread's handle on the reception thread (reception-worker.ts): starts it, turns its
// batches back into messages, keeps its latest stats for /v1/health, and restarts it if it dies
// (a bug there must not end reception for good).

import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ReceiverStats, ListenerInfo, KernelDrops } from './syslog-receiver';
import type { SpoolBoundary, SpoolStats } from './spool';
import type { ReceptionConfig, ReceptionHeap } from './reception-worker';
import { BatchReader, type Batch } from './batch';

export interface ReceptionOptions extends Omit<ReceptionConfig, 'statsMs'> {
  /** A batch of messages, already spooled; decoded one by one as the engine takes them. */
  onBatch: (batch: BatchReader) => void;
  onNotice: (line: string) => void;
  statsMs?: number;
}

type Out =
  | Batch
  | { type: 'ready'; listeners: ListenerInfo[]; boundary: SpoolBoundary; tid: number | null }
  | { type: 'error'; message: string }
  | { type: 'notice'; line: string }
  | { type: 'stats'; receiver: ReceiverStats; spool: SpoolStats; kernelDrops: KernelDrops; heap: ReceptionHeap }
  | { type: 'closed'; spool: SpoolStats | null; receiver: ReceiverStats | null };

const RESTART_MS = 1000;

export class Reception {
  private worker!: Worker;
  private info: ListenerInfo[] = [];
  private receiverStats: ReceiverStats | null = null;
  private spoolStats: SpoolStats | null = null;
  private drops: KernelDrops = { drops: 0, source: 'unavailable' };
  private heapStats: ReceptionHeap | null = null;
  /** Counters of worker incarnations that died, so totals never go backwards. */
  private base = { udpReceived: 0, tcpReceived: 0, appended: 0, written: 0 };
  /** Messages handed to the engine side, per transport: exact, where the thread's stats lag. */
  private readonly delivered = { udp: 0, tcp: 0 };
  private closing = false;
  private closedWaiters: (() => void)[] = [];
  private paused = false;
  restarts = 0;
  /** The reception thread's kernel thread ID (Linux), for giving it the CPU first. */
  tid: number | null = null;

  private constructor(private readonly o: ReceptionOptions) {}

  /**
   * Start the thread: it opens the spool and binds every address. Resolves with the spool's end
   * before anything new arrived (for replay); rejects with the one-line reason it could not start.
   */
  static async start(o: ReceptionOptions): Promise<{ reception: Reception; boundary: SpoolBoundary }> {
    const r = new Reception(o);
    const boundary = await r.spawn();
    return { reception: r, boundary };
  }

  private spawn(): Promise<SpoolBoundary> {
    const cfg: ReceptionConfig = { receiver: this.o.receiver, spool: this.o.spool, statsMs: this.o.statsMs ?? 500 };
    // A large young generation: every datagram leaves a little garbage (its Buffer, its sender
    // info), and fewer scavenges leave more of this thread's time for the socket.
    const w = new Worker(path.join(__dirname, 'reception-worker.js'), { workerData: cfg, resourceLimits: { maxYoungGenerationSizeMb: 128 } });
    this.worker = w;
    return new Promise((resolve, reject) => {
      let started = false;
      w.on('message', (m: Out) => {
        switch (m.type) {
          case 'batch': {
            this.o.onBatch(received(m, this.delivered));
            break;
          }
          case 'ready':
            started = true;
            this.info = m.listeners;
            this.tid = m.tid;
            if (this.paused) w.postMessage({ type: 'pause' });
            resolve(m.boundary);
            break;
          case 'error':
            reject(new Error(m.message));
            break;
          case 'notice':
            this.o.onNotice(m.line);
            break;
          case 'stats':
            this.receiverStats = m.receiver;
            this.spoolStats = m.spool;
            this.drops = m.kernelDrops;
            this.heapStats = m.heap;
            break;
          case 'closed':
            if (m.spool) this.spoolStats = m.spool;
            if (m.receiver) this.receiverStats = m.receiver;
            break;
        }
      });
      w.on('error', (e) => this.o.onNotice(`reception thread failed: ${e.stack ?? e.message}`));
      w.on('exit', (code) => {
        if (!started) {
          reject(new Error(`reception thread exited (${code}) before it was ready`));
          return;
        }
        if (this.closing) {
          for (const f of this.closedWaiters.splice(0)) f();
          return;
        }
        // Died: keep what it counted, start a new one on the same addresses.
        this.foldCounters();
        this.restarts++;
        this.o.onNotice(`reception thread exited (${code}); restarting in ${RESTART_MS} ms`);
        setTimeout(() => {
          if (this.closing) return;
          this.spawn().catch((e: Error) => this.o.onNotice(`reception thread could not restart: ${e.message}`));
        }, RESTART_MS);
      });
    });
  }

  private foldCounters(): void {
    this.base.udpReceived += this.receiverStats?.udpReceived ?? 0;
    this.base.tcpReceived += this.receiverStats?.tcpReceived ?? 0;
    this.base.appended += this.spoolStats?.appended ?? 0;
    this.base.written += this.spoolStats?.written ?? 0;
    this.receiverStats = null;
    this.spoolStats = null;
  }

  listeners(): ListenerInfo[] {
    return this.info;
  }

  /** The receiver's counters (refreshed every statsMs), summed over restarts; received counts are never behind what was delivered. */
  stats(): ReceiverStats | null {
    const r = this.receiverStats;
    if (!r) return null;
    return {
      ...r,
      udpReceived: Math.max(r.udpReceived + this.base.udpReceived, this.delivered.udp),
      tcpReceived: Math.max(r.tcpReceived + this.base.tcpReceived, this.delivered.tcp),
    };
  }

  spool(): SpoolStats | null {
    const s = this.spoolStats;
    return s ? { ...s, appended: s.appended + this.base.appended, written: s.written + this.base.written } : null;
  }

  kernelDrops(): KernelDrops {
    return this.drops;
  }

  /** The reception thread's heap (its last stats). */
  heap(): ReceptionHeap | null {
    return this.heapStats;
  }

  /** TCP backpressure: stop reading connections while the engine is far behind. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.worker.postMessage({ type: 'pause' });
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.worker.postMessage({ type: 'resume' });
  }

  /** Read what senders already sent (at most 2 s), close the sockets, deliver the last batch, flush and close the spool. */
  close(): Promise<void> {
    this.closing = true;
    return new Promise((resolve) => {
      this.closedWaiters.push(resolve);
      const t = setTimeout(() => void this.worker.terminate(), 5000);
      t.unref();
      this.worker.postMessage({ type: 'close' });
    });
  }
}

/** Counts a batch's messages per transport into `delivered` and returns its reader. */
function received(b: Batch, delivered: Record<'udp' | 'tcp', number>): BatchReader {
  const f = b.flags;
  let tcp = 0;
  for (let i = 0; i < f.length; i++) tcp += f[i]! & 1;
  delivered.tcp += tcp;
  delivered.udp += f.length - tcp;
  return new BatchReader(b);
}
