// Reception first: under a flood the two cores of a small MN are shared by the senders' relay,
// our reception thread, the analysis thread and V8's GC helpers. Linux keeps a nice value per
// thread (setpriority on a thread ID changes that thread only), so every thread of this process
// except the reception thread is lowered: the kernel buffer is emptied first, the analysis
// catches up from the backlog afterwards. Ten threads at nice 10 still weigh about as much as one
// at 0, so while the analysis is far behind (a flood) they go to 19, and back when it caught up.

import * as fs from 'node:fs';
import * as os from 'node:os';

/**
 * node's flags the daemon needs (the unit's ExecStart= and the demo pass them). V8's helper
 * threads serve every thread of the process and are lowered with the analysis: without this the
 * reception thread's young-generation collections wait for them in a flood, and datagrams are lost.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--no-parallel-scavenge'];

/** This thread's kernel thread ID (Linux), or null. */
export function currentThreadId(): number | null {
  try {
    const m = /\/task\/(\d+)$/.exec(fs.readlinkSync('/proc/thread-self'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Every other thread of this process, and the nice value `by` steps below `keep`'s (capped at
 * 19); null when /proc or getpriority cannot tell.
 */
function othersAndTarget(keep: number | null, by: number): { tids: number[]; want: number } | null {
  try {
    const tids = fs
      .readdirSync('/proc/self/task')
      .map(Number)
      .filter((t) => t !== keep);
    return { tids, want: Math.min(19, os.getPriority(keep ?? process.pid) + by) };
  } catch {
    return null;
  }
}

/**
 * Raise the nice value of every thread of this process but `keep` to `by` above `keep`'s.
 * Returns how many threads were lowered; threads already lowered are left as they are.
 */
export function lowerOtherThreads(keep: number | null, by: number): number {
  const o = othersAndTarget(keep, by);
  if (!o) return 0;
  let n = 0;
  for (const tid of o.tids) {
    try {
      if (os.getPriority(tid) < o.want) {
        os.setPriority(tid, o.want);
        n++;
      }
    } catch {
      /* the thread ended meanwhile */
    }
  }
  return n;
}

/**
 * Set every thread of this process but `keep` to `by` above `keep`'s nice value, up or down.
 * Going back up (a lower value) needs CAP_SYS_NICE or RLIMIT_NICE (systemd: LimitNICE=);
 * returns false when a thread could not be set.
 */
export function setOtherThreads(keep: number | null, by: number): boolean {
  const o = othersAndTarget(keep, by);
  if (!o) return false;
  let ok = true;
  for (const tid of o.tids) {
    try {
      if (os.getPriority(tid) !== o.want) os.setPriority(tid, o.want);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') ok = false;
    }
  }
  return ok;
}
