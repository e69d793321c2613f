// The reception thread: the syslog sockets and the capture spool, nothing else. It runs apart
// from the engine so a diagnosis that takes a while never leaves datagrams waiting in the kernel
// buffer (where they would be dropped): every message is spooled here first, then handed to the
// main thread in batches, one per turn of this thread's event loop.
//
// Protocol (see reception.ts): in → {type:'close'|'pause'|'resume'}; out → ready | error |
// batch | notice | stats | closed.

import { parentPort, workerData } from 'node:worker_threads';
import { SyslogReceiver, type ReceivedMessage, type ReceiverOptions } from './syslog-receiver';
import { Spool, type SpoolOptions } from '../store/spool';
import { currentThreadId } from '../thread-priority';

export interface ReceptionConfig {
  receiver: Omit<ReceiverOptions, 'onMessage' | 'onNotice'>;
  spool: Omit<SpoolOptions, 'onNotice'>;
  /** How often stats are sent to the main thread. */
  statsMs: number;
}

/**
 * Messages in columns, the texts joined into one string: one structured clone of a few large
 * values per batch costs far less than one per message (measured: the clone was a fifth of
 * this thread's time per message).
 */
export interface Batch {
  type: 'batch';
  at: Float64Array;
  /** Sender addresses, each once; `fromIdx` points into it per message. */
  froms: string[];
  fromIdx: Uint32Array;
  /** All message texts concatenated; `lens` gives each one's length in UTF-16 units. */
  text: string;
  lens: Uint32Array;
  /** Bit 0: TCP (else UDP); bit 1: cut at the size limit. */
  flags: Uint8Array;
}

const MAX_BATCH = 4096;

function main(): void {
  const port = parentPort;
  if (!port) throw new Error('reception-worker must run in a worker thread');
  const cfg = workerData as ReceptionConfig;
  const notice = (line: string): void => port.postMessage({ type: 'notice', line });

  let at: number[] = [];
  let froms = new Map<string, number>();
  let fromIdx: number[] = [];
  let msg: string[] = [];
  let lens: number[] = [];
  let flags: number[] = [];
  let scheduled = false;
  const post = (): void => {
    scheduled = false;
    if (!msg.length) return;
    const b: Batch = {
      type: 'batch',
      at: Float64Array.from(at),
      froms: [...froms.keys()],
      fromIdx: Uint32Array.from(fromIdx),
      text: msg.join(''),
      lens: Uint32Array.from(lens),
      flags: Uint8Array.from(flags),
    };
    at = [];
    froms = new Map();
    fromIdx = [];
    msg = [];
    lens = [];
    flags = [];
    port.postMessage(b, [b.at.buffer, b.fromIdx.buffer, b.lens.buffer, b.flags.buffer] as ArrayBuffer[]);
  };

  let spool: Spool | null = null;
  let receiver: SyslogReceiver | null = null;
  let statsTimer: NodeJS.Timeout | null = null;

  const onMessage = (m: ReceivedMessage): void => {
    spool!.append({ at: m.at, from: m.from, msg: m.msg });
    at.push(m.at);
    let k = froms.get(m.from);
    if (k === undefined) froms.set(m.from, (k = froms.size));
    fromIdx.push(k);
    msg.push(m.msg);
    lens.push(m.msg.length);
    flags.push((m.transport === 'tcp' ? 1 : 0) | (m.truncated ? 2 : 0));
    if (msg.length >= MAX_BATCH) post();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(post);
    }
  };

  const sendStats = async (): Promise<void> => {
    if (!receiver || !spool) return;
    const kernelDrops = await receiver.kernelDrops();
    port.postMessage({ type: 'stats', receiver: receiver.stats(), spool: spool.stats(), kernelDrops });
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
      receiver = await SyslogReceiver.start({ ...cfg.receiver, onMessage, onNotice: notice });
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
