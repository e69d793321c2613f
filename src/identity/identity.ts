// MAC ⇄ IP ⇄ node name over time, learned only from what the logs say (DHCP leases given,
// boot files fetched by name from an IP, xcatd matching an IP to a node). No DNS, ever.
// Every binding has a time: an IP handed to another MAC later does not merge two machines.

import { detach } from '../util/detach';
import { usableName } from '../sources/node-name';

/** A binding value with the time it was learned. */
interface Timed {
  t: number;
  v: string;
}

/** Lines of one attempt are seconds to minutes apart; a binding learned a little later still applies. */
const AFTER_WINDOW_IP = 10 * 60_000;
const AFTER_WINDOW_NODE = 3 * 3600_000;
const SLACK = 5_000;

class TimedMap {
  private readonly m = new Map<string, Timed[]>();

  add(key: string, v: string, t: number): boolean {
    let list = this.m.get(key);
    if (!list) {
      list = [];
      this.m.set(key, list);
    }
    // Most bindings arrive in time order; skip a repeat of the current value.
    let i = list.length;
    while (i > 0 && list[i - 1]!.t > t) i--;
    const prev = list[i - 1];
    if (prev && prev.v === v) return false;
    const next = list[i];
    if (next && next.v === v) {
      next.t = t; // learned earlier than we thought
      return true;
    }
    list.splice(i, 0, { t, v });
    if (list.length > 64) list.splice(0, list.length - 64); // bounded history per key
    return true;
  }

  /** The value in force at t: the latest at or before t, else the first one shortly after. */
  at(key: string, t: number, afterWindow: number): string | null {
    const list = this.m.get(key);
    if (!list || !list.length) return null;
    let best: Timed | null = null;
    for (const e of list) {
      if (e.t <= t + SLACK) best = e;
      else break;
    }
    if (best) return best.v;
    const first = list[0]!;
    return first.t - t <= afterWindow ? first.v : null;
  }

  latest(key: string): string | null {
    const list = this.m.get(key);
    return list && list.length ? list[list.length - 1]!.v : null;
  }

  all(key: string): string[] {
    return (this.m.get(key) ?? []).map((e) => e.v);
  }

  get size(): number {
    return this.m.size;
  }
}

export type { Subject } from '../types';
import type { Subject } from '../types';

export { usableName } from '../sources/node-name';

export class Identity {
  private readonly ipMac = new TimedMap();
  private readonly ipNode = new TimedMap();
  /** Names the logs tie to an address. */
  private readonly ipsByNode = new Set<string>();
  private readonly nodeMac = new TimedMap();
  private readonly macNode = new TimedMap();
  private readonly macIps = new Map<string, Set<string>>();
  /** Bumped whenever a binding is learned: pending records may now resolve. */
  generation = 0;
  /** IPs (`ip:…`) and names (`node:…`) whose bindings changed since takeChanges(). */
  private readonly changes = new Set<string>();

  /** Learn from a line whose fields belong together (pattern `binds: true`). */
  bind(s: Subject, t: number): void {
    const node = usableName(s.node);
    if (s.mac && s.ip) {
      if (this.ipMac.add(s.ip, s.mac, t)) this.changed(`ip:${s.ip}`);
      let ips = this.macIps.get(s.mac);
      if (!ips) this.macIps.set(s.mac, (ips = new Set()));
      ips.add(s.ip);
      const n = node ?? this.ipNode.at(s.ip, t, AFTER_WINDOW_IP);
      if (n && !node) this.linkNodeMac(n, s.mac, t);
    }
    if (s.ip && node) {
      if (this.ipNode.add(s.ip, node, t)) this.changed(`ip:${s.ip}`);
      this.ipsByNode.add(node);
      const m = s.mac ?? this.ipMac.at(s.ip, t, AFTER_WINDOW_IP);
      if (m) this.linkNodeMac(node, m, t);
    }
    if (s.mac && node) this.linkNodeMac(node, s.mac, t);
    if (this.changedNow) this.generation++;
    this.changedNow = false;
  }

  private changedNow = false;

  private changed(key: string | null): void {
    if (key !== null) this.changes.add(detach(key));
    this.changedNow = true;
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
      for (const m of this.ipMac.all(ip)) out.add(m);
      for (const n of this.ipNode.all(ip)) for (const m of this.nodeMac.all(n)) out.add(m);
    } else if (key.startsWith('node:')) {
      for (const m of this.nodeMac.all(key.slice(5))) out.add(m);
    }
    return [...out];
  }

  /** Static knowledge (an /etc/hosts line, the xCAT mac table): valid from the beginning of time. */
  bindStatic(s: Subject): void {
    this.bind(s, 0);
  }

  private linkNodeMac(node: string, mac: string, t: number): void {
    const a = this.nodeMac.add(node, mac, t);
    const b = this.macNode.add(mac, node, t);
    if (a || b) this.changed(a ? `node:${node}` : null);
  }

  macOfIp(ip: string, t: number): string | null {
    const m = this.ipMac.at(ip, t, AFTER_WINDOW_IP);
    if (m) return m;
    const n = this.ipNode.at(ip, t, AFTER_WINDOW_IP);
    return n ? this.nodeMac.at(n, t, AFTER_WINDOW_NODE) : null;
  }

  macOfNode(node: string, t: number): string | null {
    return this.nodeMac.at(node, t, AFTER_WINDOW_NODE);
  }

  /** The logs tie this name to some address (an /etc/hosts line, xcatd matching an IP to it). */
  hasIps(node: string): boolean {
    return this.ipsByNode.has(node);
  }

  nodeOfIp(ip: string, t: number): string | null {
    return this.ipNode.at(ip, t, AFTER_WINDOW_IP);
  }

  nodeOfMac(mac: string): string | null {
    return this.macNode.latest(mac);
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
    return { ips: this.ipMac.size, nodes: this.nodeMac.size, macs: this.macNode.size };
  }
}
