// The demo cluster: N nodes (64 by default) in racks of 16 reinstalled one rack a minute,
// most of them clean, with the failures an admin meets first: one postscript that httpd
// refuses to several nodes (a shared root cause), a MAC dhcpd has no lease for, a node that
// stalls after DHCP, and a node that reinstalls itself in a loop. Built on the cluster
// generator (src/demo/sim), which also says what really happened (ground truth).

import { generateCluster, type GeneratedCluster, type Kind, type ScenarioNode } from './sim/cluster';

export interface DemoOptions {
  nodes: number;
  seed?: number;
  start: Date;
  /** Node IPs on loopback (127.0.R.H), so each node can send from its own address. */
  loopbackIps: boolean;
}

export interface DemoPlan {
  cluster: GeneratedCluster;
  /** One line per planted failure, for the summary at the end. */
  story: string[];
}

/** A postscript every node downloads (it must exist in the generator's /install/postscripts). */
export const DEMO_SCRIPT = 'mlnxofed_ib_install';

export function demoCluster(opts: DemoOptions): DemoPlan {
  const n = Math.max(8, Math.min(2000, Math.floor(opts.nodes)));
  const width = Math.max(2, String(n).length);
  const name = (i: number): string => `cn${String(i).padStart(width, '0')}`;
  const kinds = new Map<number, Kind>();
  const at = (frac: number): number => {
    // The first free node at or after the fraction of the cluster.
    let i = Math.min(n, Math.max(1, Math.round(frac * n)));
    while (kinds.has(i)) i = (i % n) + 1;
    return i;
  };
  // Early in the first rack, so the stall shows within the first two minutes.
  kinds.set(at(0.17), 'F9');
  kinds.set(at(0.11), 'F5');
  const shared = n >= 32 ? 6 : Math.max(2, Math.floor(n / 8));
  const first403 = at(0.31);
  for (let k = 0; k < shared; k++) kinds.set(at((first403 + k) / n), 'F22');
  kinds.set(at(0.62), 'F29');
  const nodes: ScenarioNode[] = [];
  for (let i = 1; i <= n; i++) {
    const rack = Math.floor((i - 1) / 16);
    const node: ScenarioNode = { name: name(i), kind: kinds.get(i) ?? 'clean', at: rack * 60, batch: `rack${rack + 1}` };
    if (node.kind === 'F22') node.script = DEMO_SCRIPT;
    if (opts.loopbackIps) node.ip = `127.0.${1 + Math.floor((i - 1) / 200)}.${10 + ((i - 1) % 200)}`;
    nodes.push(node);
  }
  const cluster = generateCluster({
    nodes: n,
    seed: opts.seed ?? 2026,
    start: opts.start,
    consoles: 0,
    scenario: {
      description: `xtriage demo: ${n} nodes`,
      nodes,
      postscript403: { file: DEMO_SCRIPT, from: 0, until: 24 * 3600 },
    },
  });
  const byKind = (k: Kind): string[] => nodes.filter((x) => x.kind === k).map((x) => x.name);
  const ids = (k: Kind): string =>
    cluster.truth.nodes
      .filter((t) => t.kind === k)
      .map((t) => `${t.node} (MAC ${t.mac}, IP ${t.ip})`)
      .join(', ');
  const story = [
    `${byKind('F22').join(' ')}: httpd refuses postscript \`${DEMO_SCRIPT}\` (403) — one root cause shared by ${byKind('F22').length} nodes`,
    `${ids('F5')}: boots from a NIC whose MAC dhcpd does not know — "no free leases"; nothing in the logs ties that MAC to the name`,
    `${ids('F9')}: gets its address by DHCP, then never asks for its boot loader — stalled (shown after 2 minutes of silence)`,
    `${ids('F29')}: the MN cannot resolve its IP back to a name — reinstalls in a loop`,
    `the other ${n - kinds.size} nodes install cleanly`,
  ];
  return { cluster, story };
}
