// Shared, deterministic context for emitting a plan's events: process ids over time and the
// MN-side state the nodes' lines depend on (which install-monitor process answers, is tftpd up).

import type { ClusterPlan } from './plan';
import { Rng, hash32 } from './prng';

export interface EmitCtx {
  plan: ClusterPlan;
  mnName: string;
  dhcpdPid: number;
  /** Pid of xcatd's install monitor (port 3002) at a time; it changes when xcatd restarts. */
  imPid(at: number): number;
  /** A fresh process id (a forked xcatd child, an in.tftpd child) at a time: grows with time. */
  pidAt(at: number, r: Rng): number;
  /** Pid of the xcatd process that ran a batch's command. */
  batchPid(batch: number): number;
  /** xcatd restarts: [at, new install monitor pid]. */
  restarts: Array<{ at: number; pids: [number, number, number] }>;
  tftpDownAt(t: number): boolean;
  /** Cap on package downloads per install. */
  packages: number | undefined;
  stats: { reordered: number };
}

export function makeCtx(plan: ClusterPlan): EmitCtx {
  const base = plan.start;
  const r = Rng.of(plan.seed, 'ctx');
  const firstIm = 2400 + r.int(0, 300); // xcatd started at boot, long before the logs begin
  const pidAt = (at: number, rr: Rng) => 3000 + Math.max(0, Math.floor((at - base) / 50)) + rr.int(0, 9);
  const restarts: EmitCtx['restarts'] = [];
  const down = plan.faults.tftpdDown;
  if (down) {
    const a = down.from + 4000;
    const p = pidAt(a, r);
    restarts.push({ at: a, pids: [p, p + 1, p + 3] });
    const b = down.until + 4000;
    const q = pidAt(b, r);
    restarts.push({ at: b, pids: [q, q + 1, q + 3] });
  }
  return {
    plan,
    mnName: plan.mnName,
    dhcpdPid: 1800 + r.int(0, 200),
    imPid(at: number): number {
      let pid = firstIm;
      for (const rs of restarts) if (at >= rs.at) pid = rs.pids[1];
      return pid;
    },
    pidAt,
    batchPid(batch: number): number {
      const b = plan.batches[batch];
      return b ? pidAt(b.at, Rng.of(plan.seed, 'bpid', batch)) : 3000 + (hash32(batch) % 1000);
    },
    restarts,
    tftpDownAt(t: number): boolean {
      return !!down && t >= down.from && t <= down.until;
    },
    packages: plan.options.packages,
    stats: { reordered: 0 },
  };
}
