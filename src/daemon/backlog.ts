// Lines waiting for the engine, between the sources and the analysis: bounded (what does not
// fit stays in the spool, where a replay or `xtriage analyze` finds it), drained in small slices
// bounded in time too, so the event loop keeps reading the sockets between them.

import type { BatchReader } from '../sources/batch';
import type { ReceivedMessage } from '../sources/syslog-receiver';
import type { TailLine } from '../sources/tailer';

/** A batch of received messages (decoded as taken) or an MN line. */
export type Item = { kind: 'remote'; r: BatchReader } | { kind: 'mn'; l: TailLine };

const SLICE = 2000;
const SLICE_MS = 5;
const MAX_BACKLOG = 2_000_000;

export interface BacklogSink {
  remote(m: ReceivedMessage): void;
  mn(l: TailLine): void;
  /** The feed threw on a line (a bug): it is skipped, never retried. */
  error(e: unknown): void;
  /** After each slice, with the lines still waiting. */
  sliced(waiting: number): void;
  /** Everything was fed. */
  drained(): void;
}

export class Backlog {
  private readonly items: Item[] = [];
  private head = 0;
  /** Lines waiting (a batch counts its messages not taken yet). */
  count = 0;
  /** Lines that did not fit (they are in the spool). */
  dropped = 0;
  private draining = false;
  /** While false, lines wait (a restart replays the spools first). */
  open = false;

  constructor(private readonly sink: BacklogSink) {}

  push(item: Item, lines = 1): void {
    if (this.count + lines > MAX_BACKLOG) {
      // Still in the spool: a later replay or `xtriage analyze` sees it.
      this.dropped += lines;
      return;
    }
    this.items.push(item);
    this.count += lines;
    this.schedule();
  }

  schedule(): void {
    if (this.draining || !this.open) return;
    this.draining = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    // Small slices, bounded in time too: between them the event loop reads the sockets. An item
    // leaves the backlog before it is fed (a line that makes the engine throw is not retried).
    const until = Date.now() + SLICE_MS;
    let n = 0;
    while (this.head < this.items.length && n < SLICE) {
      const it = this.items[this.head]!;
      try {
        if (it.kind === 'mn') {
          this.head++;
          this.count--;
          this.sink.mn(it.l);
        } else {
          const m = it.r.next();
          if (it.r.left === 0) this.head++;
          this.count--;
          this.sink.remote(m);
        }
      } catch (e) {
        // A bug hit by one line must not stop the draining (it would never be scheduled again).
        this.sink.error(e);
      }
      if ((++n & 63) === 0 && Date.now() > until) break;
    }
    if (this.head > 10_000 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    this.sink.sliced(this.count);
    if (this.head < this.items.length) setImmediate(() => this.drain());
    else {
      this.items.length = 0;
      this.head = 0;
      this.count = 0;
      this.draining = false;
      this.sink.drained();
    }
  }
}
