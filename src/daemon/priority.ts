// Thread priorities: the reception thread keeps the service's own priority; every other thread
// (the analysis, libuv's pool, V8's helpers) runs `analysisNice` steps below it, `floodNice`
// while the analysis is far behind, so that in a flood the sockets are still read first.

import * as os from 'node:os';
import { lowerOtherThreads, setOtherThreads } from '../util/thread-priority';

export class AnalysisPriority {
  /** Nice value of the analysis thread (null: not read). */
  nice: number | null = null;
  /** The backlog passed BEHIND and has not drained since: analysis threads at floodNice. */
  flooded = false;
  private niceBackWarned = false;

  constructor(
    private readonly cfg: { analysisNice: number; floodNice: number },
    /** The reception thread's ID, null while there is none. */
    private readonly receptionThread: () => number | null,
    private readonly log: (line: string) => void,
  ) {}

  /** The reception thread's ID when the other threads' priority is ours to set (Linux, analysisNice on). */
  tid(): number | null {
    return this.cfg.analysisNice && process.platform === 'linux' ? this.receptionThread() : null;
  }

  /** Every thread but the reception thread gets `analysisNice`, `floodNice` while flooded (see thread-priority.ts). */
  lower(): void {
    const tid = this.tid();
    if (tid === null) return;
    lowerOtherThreads(tid, this.flooded ? this.cfg.floodNice : this.cfg.analysisNice);
    this.readNice();
  }

  /** Far behind (or caught up again): analysis threads to floodNice (or back to analysisNice). */
  setFlooded(on: boolean): void {
    const tid = this.tid();
    if (on === this.flooded || tid === null || this.cfg.floodNice <= this.cfg.analysisNice) return;
    this.flooded = on;
    const ok = setOtherThreads(tid, on ? this.cfg.floodNice : this.cfg.analysisNice);
    this.readNice();
    // Both settings count steps below the reception thread (whose nice is the service's, -5 in the unit).
    if (!ok && !on && !this.niceBackWarned) {
      this.niceBackWarned = true;
      this.log(
        `analysis threads stay at nice ${this.nice ?? '?'} after a flood: going back to ${this.cfg.analysisNice} steps below the reception thread is not permitted (the unit's LimitNICE= or CAP_SYS_NICE allows it)`,
      );
    }
  }

  private readNice(): void {
    try {
      this.nice = os.getPriority(0);
    } catch {
      /* not reported */
    }
  }
}
