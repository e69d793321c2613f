// MAC ⇄ IP ⇄ node name over time, learned only from what the logs say (DHCP leases given,
// boot files fetched by name from an IP, xcatd matching an IP to a node). No DNS, ever.
// Every binding has a time: an IP handed to another MAC later does not merge two machines.

import { detach } from '../util/detach';
import { usableName } from '../sources/node-name';

/**
 * What the logs said one key (an IP, a name, a MAC) was bound to, and when: every observation,
 * sorted by time (then value), exact repeats dropped. Kept whole, not as the runs of one value,
 * so the result never depends on the order lines were read in: live, a line from one file can
 * arrive before an earlier line of another, and an observation between two of the same value
 * splits their run.
 */
class Timeline {
  readonly t: number[] = [];
  readonly v: string[] = [];
  /** The latest observation, on the object itself: most lookups need only it (fewer cache misses). */
  lastT = Infinity; // empty: never answers from here
  lastV = '';

  /** True when the value in force at some time changed (a new run, or a run that starts earlier). */
  add(t: number, v: string): boolean {
    const ts = this.t;
    const vs = this.v;
    // Most observations arrive in time order: search from the end.
    let i = ts.length;
    while (i > 0 && (ts[i - 1]! > t || (ts[i - 1] === t && vs[i - 1]! > v))) i--;
    if (i > 0 && ts[i - 1] === t && vs[i - 1] === v) return false;
    ts.splice(i, 0, t);
    vs.splice(i, 0, v);
    if (ts.length > MAX_OBSERVATIONS) {
      ts.shift();
      vs.shift();
      i--;
    }
    this.lastT = ts[ts.length - 1]!;
    this.lastV = vs[vs.length - 1]!;
    // Inside a run of the same value, it changes nothing of what `at` answers.
    return !(i > 0 && vs[i - 1] === v);
  }

  /** The value in force at t: the latest at or before t, else the first one shortly after. */
  at(t: number, afterWindow: number): string | null {
    // Most lines come after their machine's latest binding: no search.
    if (this.lastT <= t + SLACK) return this.lastV;
    const i = lastAtOrBefore(this.t, t + SLACK);
    if (i >= 0) return this.v[i]!;
    return this.t.length && this.t[0]! - t <= afterWindow ? this.v[0]! : null;
  }

  /** The times its value changes (each run's first observation). */
  changes(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.t.length; i++) if (i === 0 || this.v[i] !== this.v[i - 1]) out.push(this.t[i]!);
    return out;
  }
}

/** Index of the last time ≤ t in a sorted list, or -1. */
function lastAtOrBefore(ts: number[], t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ts[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Lines of one attempt are seconds to minutes apart; a binding learned a little later still applies. */
const AFTER_WINDOW_IP = 10 * 60_000;
const AFTER_WINDOW_NODE = 3 * 3600_000;
const SLACK = 5_000;
/** Per key: DHCP renewals over weeks must not grow it without bound (the oldest go first). */
const MAX_OBSERVATIONS = 64;

/** A name ⇄ MAC link at a time: said by one line (direct), or derived through an IP. */
interface Link {
  t: number;
  node: string;
  mac: string;
}

/**
 * The value a name (or MAC) had at t, from what lines said of it and the links derived through
 * its IPs: the latest at or before t (ties by value, so reading order never decides), else the
 * first shortly after.
 */
function valueAt(
  said: Timeline | undefined,
  ips: Set<string> | undefined,
  derived: Map<string, Link[]>,
  want: 'mac' | 'node',
  key: string,
  t: number,
  afterWindow: number,
): string | null {
  const by = want === 'mac' ? 'node' : 'mac';
  let bestT = -Infinity;
  let best: string | null = null;
  let firstT = Infinity;
  let first: string | null = null;
  const consider = (at: number, v: string): void => {
    if (at <= t + SLACK && (at > bestT || (at === bestT && v > best!))) {
      bestT = at;
      best = v;
    }
    if (at < firstT || (at === firstT && v < first!)) {
      firstT = at;
      first = v;
    }
  };
  if (said) {
    const i = lastAtOrBefore(said.t, t + SLACK);
    if (i >= 0) consider(said.t[i]!, said.v[i]!);
    if (said.t.length) consider(said.t[0]!, said.v[0]!);
  }
  if (ips) for (const ip of ips) for (const l of derived.get(ip) ?? []) if (l[by] === key) consider(l.t, l[want]);
  if (best !== null) return best;
  return first !== null && firstT - t <= afterWindow ? first : null;
}

function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

export type { Subject } from '../types';
import type { Subject } from '../types';

export { usableName } from '../sources/node-name';

export class Identity {
  private readonly ipMac = new Map<string, Timeline>();
  private readonly ipNode = new Map<string, Timeline>();
  /** Name ⇄ MAC said by one line (a lease with the client's name, the xCAT mac table). */
  private readonly macOfName = new Map<string, Timeline>();
  private readonly nameOfMac = new Map<string, Timeline>();
  /**
   * Name ⇄ MAC through an IP: at each moment the IP's MAC or name changes, the name and MAC it
   * then had. Derived again from the IP's whole timelines whenever they change, never from
   * what was known when a line arrived (that would depend on which file was read first).
   */
  private readonly derived = new Map<string, Link[]>();
  /** IPs whose derived links ever named this node / this MAC. */
  private readonly derivedIpsOfNode = new Map<string, Set<string>>();
  private readonly derivedIpsOfMac = new Map<string, Set<string>>();
  /** Every MAC a name was ever linked to, even by a link since derived away (to move its lines back). */
  private readonly macsEver = new Map<string, Set<string>>();
  /** Names the logs tie to an address. */
  private readonly ipsByNode = new Set<string>();
  private readonly macIps = new Map<string, Set<string>>();
  /** Bumped whenever a binding is learned: pending records may now resolve. */
  generation = 0;
  /** IPs (`ip:…`) and names (`node:…`) whose bindings changed since takeChanges(). */
  private readonly changes = new Set<string>();

  /** Learn from a line whose fields belong together (pattern `binds: true`). */
  bind(s: Subject, t: number): void {
    const node = usableName(s.node);
    if (s.ip && (s.mac || node)) {
      // Kept for the run: flat copies, not slices that would hold the line they came from.
      const ip = detach(s.ip);
      let changedIp = false;
      if (s.mac) {
        const mac = detach(s.mac);
        changedIp = this.timeline(this.ipMac, ip).add(t, mac) || changedIp;
        addTo(this.macIps, mac, ip);
      }
      if (node) {
        changedIp = this.timeline(this.ipNode, ip).add(t, node) || changedIp;
        this.ipsByNode.add(node);
      }
      if (changedIp) {
        this.changed(`ip:${ip}`);
        this.derive(ip);
      }
    }
    if (s.mac && node) this.linkDirect(node, s.mac, t);
    if (this.changedNow) this.generation++;
    this.changedNow = false;
  }

  private changedNow = false;

  private changed(key: string | null): void {
    if (key !== null) this.changes.add(detach(key));
    this.changedNow = true;
  }

  private timeline(m: Map<string, Timeline>, key: string): Timeline {
    let tl = m.get(key);
    if (!tl) m.set(key, (tl = new Timeline()));
    return tl;
  }

  /** The IPs and names whose bindings changed since the last call (each `ip:…` or `node:…`). */
  takeChanges(): string[] {
    const out = [...this.changes];
    this.changes.clear();
    return out;
  }

  /** Every MAC an IP or a name (`ip:…` / `node:…`) was ever bound to, directly or through the other. */
  macsOf(key: string): string[] {
    const out = new Set<string>();
    if (key.startsWith('ip:')) {
      const ip = key.slice(3);
      const macs = this.ipMac.get(ip);
      if (macs) for (const m of macs.v) out.add(m);
      const nodes = this.ipNode.get(ip);
      if (nodes) for (const n of new Set(nodes.v)) for (const m of this.macsEver.get(n) ?? []) out.add(m);
    } else if (key.startsWith('node:')) {
      for (const m of this.macsEver.get(key.slice(5)) ?? []) out.add(m);
    }
    return [...out];
  }

  /** Static knowledge (an /etc/hosts line, the xCAT mac table): valid from the beginning of time. */
  bindStatic(s: Subject): void {
    this.bind(s, 0);
  }

  private linkDirect(node: string, mac: string, t: number): void {
    node = detach(node);
    mac = detach(mac);
    const a = this.timeline(this.macOfName, node).add(t, mac);
    this.timeline(this.nameOfMac, mac).add(t, node);
    addTo(this.macsEver, node, mac);
    if (a) this.changed(`node:${node}`);
  }

  /** The name ⇄ MAC links an IP's two timelines imply, anew; the names whose links changed are told. */
  private derive(ip: string): void {
    const macs = this.ipMac.get(ip);
    const nodes = this.ipNode.get(ip);
    const links: Link[] = [];
    if (macs && nodes) {
      const times = [...new Set([...macs.changes(), ...nodes.changes()])].sort((a, b) => a - b);
      for (const t of times) {
        const node = nodes.at(t, AFTER_WINDOW_IP);
        const mac = macs.at(t, AFTER_WINDOW_IP);
        const last = links[links.length - 1];
        if (node && mac && !(last && last.node === node && last.mac === mac)) links.push({ t, node, mac });
      }
    }
    const old = this.derived.get(ip) ?? [];
    if (old.length === links.length && old.every((l, i) => l.t === links[i]!.t && l.node === links[i]!.node && l.mac === links[i]!.mac)) return;
    if (links.length) this.derived.set(ip, links);
    else this.derived.delete(ip);
    for (const l of [...old, ...links]) this.changed(`node:${l.node}`);
    for (const l of links) {
      addTo(this.derivedIpsOfNode, l.node, ip);
      addTo(this.derivedIpsOfMac, l.mac, ip);
      addTo(this.macsEver, l.node, l.mac);
    }
  }

  macOfIp(ip: string, t: number): string | null {
    const m = this.ipMac.get(ip)?.at(t, AFTER_WINDOW_IP);
    if (m) return m;
    const n = this.nodeOfIp(ip, t);
    return n ? this.macOfNode(n, t) : null;
  }

  macOfNode(node: string, t: number): string | null {
    return valueAt(this.macOfName.get(node), this.derivedIpsOfNode.get(node), this.derived, 'mac', node, t, AFTER_WINDOW_NODE);
  }

  /** The logs tie this name to some address (an /etc/hosts line, xcatd matching an IP to it). */
  hasIps(node: string): boolean {
    return this.ipsByNode.has(node);
  }

  nodeOfIp(ip: string, t: number): string | null {
    return this.ipNode.get(ip)?.at(t, AFTER_WINDOW_IP) ?? null;
  }

  /** The name a MAC was last linked to. */
  nodeOfMac(mac: string): string | null {
    return valueAt(this.nameOfMac.get(mac), this.derivedIpsOfMac.get(mac), this.derived, 'node', mac, Infinity, 0);
  }

  ipsOfMac(mac: string): string[] {
    return [...(this.macIps.get(mac) ?? [])];
  }

  /**
   * The machine a line is about, at time t: its MAC when one can be known, else a pending key
   * (`node:NAME` or `ip:ADDR`) that a later binding may still resolve.
   */
  resolve(s: Subject, t: number): string | null {
    if (s.mac) return s.mac;
    const node = usableName(s.node);
    if (s.ip) {
      const m = this.macOfIp(s.ip, t);
      if (m) return m;
    }
    if (node) {
      const m = this.macOfNode(node, t);
      if (m) return m;
    }
    if (s.ip) {
      const n = this.nodeOfIp(s.ip, t);
      if (n) return `node:${n}`;
    }
    if (node) return `node:${node}`;
    if (s.ip) return `ip:${s.ip}`;
    return null;
  }

  get stats(): { ips: number; nodes: number; macs: number } {
    return { ips: this.ipMac.size, nodes: this.macsEver.size, macs: this.macIps.size };
  }
}
