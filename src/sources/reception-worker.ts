// The reception thread: the syslog sockets and the capture spool, nothing else. It runs apart
// from the engine so a diagnosis that takes a while never leaves datagrams waiting in the kernel
// buffer (where they would be dropped): every message is spooled here first, then handed to the
// main thread in batches (batch.ts), every BATCH_MS or when one is full.
//
// Protocol (see reception.ts): in → {type:'close'|'pause'|'resume'}; out → ready | error |
// batch | notice | stats | closed.

import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { SyslogReceiver, type ReceivedMessage, type ReceiverOptions, type Transport } from './syslog-receiver';
import { Spool, type SpoolOptions } from './spool';
import { currentThreadId } from '../util/thread-priority';
import { BatchBuilder, flagsOf } from './batch';

export interface ReceptionConfig {
  receiver: Omit<ReceiverOptions, 'onMessage' | 'onNotice' | 'onBytes' | 'udpGate'>;
  spool: Omit<SpoolOptions, 'onNotice' | 'onPressure'>;
  /** How often stats are sent to the main thread. */
  statsMs: number;
}

/** This thread's V8 heap (for /v1/health: the process's RSS includes it). */
export interface ReceptionHeap {
  totalBytes: number;
  usedBytes: number;
}

/** Longest a message waits in a batch (ms). */
const BATCH_MS = 5;
/**
 * At close, what senders already sent is read into the spool for at most this long (until
 * nothing arrived for 300 ms): under the 5 s the daemon and Reception.close() allow a stop.
 */
const DRAIN_MS = 2000;

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
        await receiver?.close(DRAIN_MS);
        post();
        await sendStats();
        await spool?.close();
        port.postMessage({ type: 'closed', spool: spool?.stats() ?? null, receiver: receiver?.stats() ?? null });
        port.close();
      })();
    }
  });

  void (async () => {
    try {
      // Past pressureBytes waiting to be written, TCP is not read (its senders wait); past the
      // memory budget UDP datagrams are dropped at the socket, counted and logged with the cause.
      spool = await Spool.open({
        ...cfg.spool,
        onNotice: notice,
        onPressure: (on) => (on ? receiver?.pause('spool') : receiver?.resume('spool')),
      });
      // Where replay of what came before stops: everything after it also arrives in batches.
      const boundary = await spool.boundary();
      const sp = spool;
      receiver = await SyslogReceiver.start({ ...cfg.receiver, onMessage, onBytes, onNotice: notice, udpGate: () => sp.refusal() });
      if (sp.pressured) receiver.pause('spool');
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
