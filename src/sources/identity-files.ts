// Static identity knowledge an MN has besides its logs: /etc/hosts (written by makehosts),
// dhcpd.leases (OMAPI host entries written by makedhcp, dynamic leases), and xCAT table dumps
// (mac.csv, hosts.csv from dumpxCATdb / xcatsnap). They link a MAC to a name for nodes that
// never fetched anything by name (a TFTP file missing, tftpd down, an unknown segment).

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Subject } from '../types';
import { normalizeIp, normalizeMac, isIpv4 } from './syslog-parse';

/** Is this file (by name) one of the identity sources? */
export function isIdentityFile(rel: string): boolean {
  const base = path.posix.basename(rel);
  return (
    /(?:^|\/)etc\/hosts$/.test(rel) || base === 'hosts' || base === 'dhcpd.leases' || base === 'kea-leases4.csv' || base === 'mac.csv' || base === 'hosts.csv'
  );
}

function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (q) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Parse one identity file's text into subjects (each a set of facts that belong together). */
export function parseIdentity(name: string, text: string): Subject[] {
  const base = path.basename(name);
  const out: Subject[] = [];
  if (base === 'dhcpd.leases') {
    // host cn01 { dynamic; hardware ethernet 52:54:00:aa:bb:01; fixed-address 10.0.0.11; … }
    // lease 10.0.200.31 { … hardware ethernet …; client-hostname "x"; }
    const block = /\b(host|lease)\s+(\S+)\s*\{([^}]*)\}/g;
    for (const m of text.matchAll(block)) {
      const [, kind, id, body] = m;
      if (/\bdeleted;/.test(body!)) continue;
      const mac = /hardware ethernet ([0-9a-fA-F:]+);/.exec(body!)?.[1];
      const fixed = /fixed-address ([\d.]+);/.exec(body!)?.[1];
      const client = /client-hostname "([^"]+)";/.exec(body!)?.[1];
      const s: Subject = {};
      const nm = mac ? normalizeMac(mac) : null;
      if (nm) s.mac = nm;
      if (kind === 'host') {
        s.node = id!.replace(/^"|"$/g, '');
        if (fixed) s.ip = fixed;
      } else {
        if (isIpv4(id!)) s.ip = id!;
        if (client) s.node = client;
      }
      if (Object.keys(s).length >= 2) out.push(s);
    }
    return out;
  }
  if (base === 'mac.csv' || base === 'hosts.csv') {
    const lines = text.split('\n');
    const header = (lines[0] ?? '')
      .replace(/^#/, '')
      .split(',')
      .map((h) => h.trim());
    const col = (n: string): number => header.indexOf(n);
    for (const line of lines.slice(1)) {
      if (!line.trim() || line.startsWith('#')) continue;
      const f = csvFields(line);
      const node = f[col('node')];
      if (!node) continue;
      if (base === 'mac.csv') {
        // mac1|mac2!hostname|mac3!*NOIP*
        for (const part of (f[col('mac')] ?? '').split('|')) {
          const mac = normalizeMac(part.split('!')[0] ?? '');
          if (mac) out.push({ mac, node });
        }
      } else {
        const ip = f[col('ip')];
        if (ip && isIpv4(ip)) out.push({ ip, node });
      }
    }
    return out;
  }
  if (base === 'kea-leases4.csv') {
    // address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,…
    for (const line of text.split('\n').slice(1)) {
      const f = line.split(',');
      const mac = normalizeMac(f[1] ?? '');
      const ip = f[0];
      if (mac && ip && isIpv4(ip)) out.push({ mac, ip, ...(f[8] ? { node: f[8] } : {}) });
    }
    return out;
  }
  // hosts(5): IP canonical-name [aliases…]
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [ip, ...names] = line.split(/\s+/);
    if (!ip || !names.length) continue;
    const addr = normalizeIp(ip);
    if (!isIpv4(addr) || addr === '127.0.0.1' || /^localhost/i.test(names[0]!)) continue;
    out.push({ ip: addr, node: names[0]! });
  }
  return out;
}

export function readIdentityFile(file: string, warn: (m: string) => void): Subject[] {
  try {
    return parseIdentity(file, fs.readFileSync(file, 'utf8'));
  } catch (e) {
    warn(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    return [];
  }
}
