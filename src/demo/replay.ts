// Replays a generated cluster into a live xtriaged the way a real MN would feed it: node
// lines as UDP datagrams, each from its node's own address (127.0.x.y on loopback; or, where
// those cannot be bound, through loopback as a trusted relay with the RFC 5424 origin
// element), and MN lines appended to a /var/log-shaped tree the daemon tails. Time is moved
// to now and compressed: a line is stamped with, and sent at, the wall-clock time it maps to.
// rsyslog's files get its high-precision timestamps (RSYSLOG_FileFormat), as many sites
// configure, so order within a compressed second survives.

import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderDatagrams, renderMnLines, type ClusterEvent, type GeneratedCluster } from './sim/cluster';

export interface ReplayOptions {
  cluster: GeneratedCluster;
  /** The tailed /var/log-shaped directory. */
  logs: string;
  udpPort: number;
  /** Simulated seconds per wall-clock second. */
  compression: number;
  /** Send each node's datagrams from its own loopback address (else through a relay wrapper). */
  perNodeSource: boolean;
  mnName?: string;
  /** Stop after this many wall-clock seconds (the rest of the cluster's story is not sent). */
  cutAfterS?: number;
}

export interface ReplayCounters {
  datagrams: number;
  lines: number;
  sendErrors: number;
}

/** Files whose timestamps have one-second resolution (Apache %t, xcatd's command log). */
const COARSE = new Set(['httpd/access_log', 'xcat/commands.log']);
/** Files rsyslog writes; the demo uses its high-precision format (RSYSLOG_FileFormat). */
const SYSLOG_FILES = new Set(['messages', 'xcat/cluster.log', 'xcat/computes.log']);

/**
 * A view of the cluster whose every time is mapped to the wall clock. Compressing time puts
 * many seconds of a node's story into one wall-clock second, where a one-second timestamp
 * cannot say what came first: a line of a coarse file that follows one of the node's own
 * datagrams within the same second is moved to the next second (and the node's later lines
 * after it), so the daemon sees each node's lines in the order they happened.
 */
function shifted(c: GeneratedCluster, map: (t: number) => number): GeneratedCluster {
  return {
    ...c,
    events: function* () {
      const lastDatagram = new Map<string, number>();
      const notBefore = new Map<string, number>();
      for (const ev of c.events()) {
        let at = map(ev.at);
        const who = ev.about;
        if (who) {
          const floor = notBefore.get(who);
          if (floor !== undefined && at < floor) at = floor;
          if (ev.type === 'syslog' && ev.origin === 'node' && ev.wire) {
            lastDatagram.set(who, at);
            notBefore.set(who, at);
          } else {
            const dg = lastDatagram.get(who);
            if (COARSE.has(ev.file) && dg !== undefined && Math.floor(at / 1000) <= Math.floor(dg / 1000)) at = (Math.floor(dg / 1000) + 1) * 1000;
            notBefore.set(who, at + 1);
          }
        }
        const e = { ...ev, at } as ClusterEvent & { startedAt?: number };
        if ('startedAt' in ev && typeof ev.startedAt === 'number') e.startedAt = Math.min(at, map(ev.startedAt) + (at - map(ev.at)));
        if (ev.type === 'syslog' && ev.wire) (e as typeof ev).wire = { ...ev.wire, clock: map(ev.wire.clock) + (at - map(ev.at)) };
        yield e;
      }
    },
  };
}

/** Re-sorts a nearly sorted stream (items moved later by at most `windowMs`). */
function* sortedWithin<T extends { at: number }>(items: Iterable<T>, windowMs: number): Generator<T> {
  const heap: T[] = [];
  const up = (i: number): void => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p]!.at <= heap[i]!.at) break;
      [heap[p], heap[i]] = [heap[i]!, heap[p]!];
      i = p;
    }
  };
  const pop = (): T => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l]!.at < heap[m]!.at) m = l;
        if (r < heap.length && heap[r]!.at < heap[m]!.at) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i]!, heap[m]!];
        i = m;
      }
    }
    return top;
  };
  let newest = -Infinity;
  for (const it of items) {
    heap.push(it);
    up(heap.length - 1);
    if (it.at > newest) newest = it.at;
    while (heap.length && heap[0]!.at <= newest - windowMs) yield pop();
  }
  while (heap.length) yield pop();
}

const p2 = (n: number): string => String(n).padStart(2, '0');

/** `2026-11-25T15:01:38.612000+00:00`: rsyslog's RFC 3339 file timestamp, in UTC. */
function rfc3339(at: number): string {
  const d = new Date(Math.floor(at));
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}T${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}000+00:00`;
}

const BSD_STAMP = /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?= )/;

/** Can this process send from 127.0.x.y addresses other than 127.0.0.1? (Linux: yes.) */
export async function canBindLoopback(ip = '127.0.1.10'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind(0, ip, () => s.close(() => resolve(true)));
  });
}

export class Replay {
  readonly counters: ReplayCounters = { datagrams: 0, lines: 0, sendErrors: 0 };
  readonly simStart: number;
  readonly simEnd: number;
  wallStart = 0;
  done = false;
  private stopped = false;
  private wake: (() => void) | null = null;
  private readonly sockets = new Map<string, Promise<dgram.Socket>>();
  private readonly pending = new Map<string, string[]>();
  private readonly madeDirs = new Set<string>();

  constructor(private readonly opts: ReplayOptions) {
    this.simStart = opts.cluster.start.getTime();
    this.simEnd = opts.cluster.end.getTime();
  }

  /** Wall-clock seconds the whole replay takes. */
  get totalS(): number {
    const all = (this.simEnd - this.simStart) / 1000 / this.opts.compression;
    return Math.min(all, this.opts.cutAfterS ?? Infinity);
  }

  get elapsedS(): number {
    return this.wallStart ? (Date.now() - this.wallStart) / 1000 : 0;
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  async run(): Promise<void> {
    this.wallStart = Date.now();
    const k = this.opts.compression;
    const map = (t: number): number => this.wallStart + (t - this.simStart) / k;
    const c = shifted(this.opts.cluster, map);
    const dgs = sortedWithin(renderDatagrams(c), 60_000);
    const mn = sortedWithin(
      (function* () {
        for (const l of renderMnLines(c)) yield SYSLOG_FILES.has(l.file) ? { ...l, line: l.line.replace(BSD_STAMP, () => rfc3339(l.at)) } : l;
      })(),
      60_000,
    );
    const stopAt = this.opts.cutAfterS !== undefined ? this.wallStart + this.opts.cutAfterS * 1000 : Infinity;
    let d = dgs.next();
    let m = mn.next();
    let lastFlush = Date.now();
    try {
      while (!this.stopped && (!d.done || !m.done)) {
        const takeDatagram = !d.done && (m.done || d.value.at <= m.value.at);
        const due = takeDatagram ? (d.value as { at: number }).at : (m.value as { at: number }).at;
        if (due > stopAt) break;
        const wait = due - Date.now();
        if (wait > 2) {
          this.flush();
          lastFlush = Date.now();
          await this.sleep(Math.min(wait, 250));
          continue;
        }
        if (takeDatagram && !d.done) {
          // MN lines that came before it reach the daemon first (DHCP before the node speaks).
          this.flush();
          await this.send(d.value.from, d.value.datagram);
          d = dgs.next();
        } else if (!m.done) {
          let list = this.pending.get(m.value.file);
          if (!list) this.pending.set(m.value.file, (list = []));
          list.push(m.value.line);
          m = mn.next();
        }
        if (Date.now() - lastFlush > 100) {
          this.flush();
          lastFlush = Date.now();
        }
      }
      this.flush();
      this.done = !this.stopped;
    } finally {
      for (const s of this.sockets.values()) s.then((x) => x.close()).catch(() => undefined);
      this.sockets.clear();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  private flush(): void {
    for (const [file, lines] of this.pending) {
      if (!lines.length) continue;
      const full = path.join(this.opts.logs, file);
      const dir = path.dirname(full);
      if (!this.madeDirs.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        this.madeDirs.add(dir);
      }
      fs.appendFileSync(full, `${lines.join('\n')}\n`);
      this.counters.lines += lines.length;
      lines.length = 0;
    }
  }

  private socketFor(ip: string): Promise<dgram.Socket> {
    const key = this.opts.perNodeSource ? ip : '127.0.0.1';
    let p = this.sockets.get(key);
    if (!p) {
      p = new Promise((resolve, reject) => {
        const s = dgram.createSocket('udp4');
        s.once('error', reject);
        s.bind(0, key, () => {
          s.off('error', reject);
          s.on('error', () => this.counters.sendErrors++);
          resolve(s);
        });
      });
      this.sockets.set(key, p);
    }
    return p;
  }

  private async send(from: string, datagram: string): Promise<void> {
    let msg = datagram;
    if (!this.opts.perNodeSource) {
      // What our rsyslog relay drop-in forwards: the datagram inside RFC 5424 with its origin.
      msg = `<46>1 ${new Date().toISOString()} ${this.opts.mnName ?? 'mn01'} rsyslogd - - [origin ip="${from}"] ${datagram}`;
    }
    try {
      const s = await this.socketFor(from);
      s.send(msg, this.opts.udpPort, '127.0.0.1', (err) => {
        if (err) this.counters.sendErrors++;
      });
      this.counters.datagrams++;
    } catch {
      this.counters.sendErrors++;
    }
  }
}
