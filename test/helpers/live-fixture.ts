// A small live cluster for the TUI and live-CLI tests, stamped relative to now: MN lines
// (dhcpd, tftpd in messages; httpd access_log) appended to a /var/log-shaped tree the daemon
// tails, node lines sent as UDP datagrams from each node's own loopback address
// (127.0.5.x), one of them hostile (terminal escapes, a blessed tag, a bidi override).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sendUdp } from './daemon';

export const HOSTILE = 'ERROR postscript mysite failed: \x1b]0;pwned\x07 \x1b[2J {red-fg}RED{/red-fg} \u202eevil';

export interface FixtureNode {
  name: string;
  mac: string;
  ip: string;
}

export const NODES: FixtureNode[] = [1, 2, 3, 4].map((i) => ({ name: `cn0${i}`, mac: `52:54:00:05:00:0${i}`, ip: `127.0.5.1${i}` }));
export const UNREGISTERED_MAC = '52:54:00:05:00:99';

const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');
const bsd = (t: number): string => {
  const d = new Date(t);
  return `${MON[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
};
const clf = (t: number): string => {
  const d = new Date(t);
  return `${p2(d.getUTCDate())}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
};
const iso = (t: number): string => new Date(t).toISOString().replace('Z', '+00:00');

export interface Fixture {
  messages: string[];
  access: string[];
  udp: { from: string; msg: string }[];
}

export function liveFixture(now = Date.now()): Fixture {
  const t0 = now - 10 * 60_000;
  const messages: string[] = [];
  const access: string[] = [];
  const udp: { from: string; msg: string }[] = [];
  const img = 'rhels9.4-x86_64-install-compute';
  messages.push(`${bsd(t0)} mn01 xcat[4101]: INFO xCAT: Allowing rinstall to cn[01-04] osimage=${img} for root from localhost`);
  messages.push(`${bsd(t0 + 20_000)} mn01 dhcpd[1234]: DHCPDISCOVER from ${UNREGISTERED_MAC} via ens4: network ens4: no free leases`);
  NODES.forEach((n, i) => {
    const t = t0 + 30_000 + i * 1000;
    messages.push(`${bsd(t)} mn01 dhcpd[1234]: DHCPDISCOVER from ${n.mac} via ens4`);
    messages.push(`${bsd(t + 1000)} mn01 dhcpd[1234]: DHCPACK on ${n.ip} to ${n.mac} (${n.name}) via ens4`);
    messages.push(`${bsd(t + 1000)} mn01 in.tftpd[2345]: RRQ from ${n.ip} filename xcat/xnba.kpxe`);
    access.push(`${n.ip} - - [${clf(t + 3000)}] "GET /tftpboot/xcat/xnba/nodes/${n.name} HTTP/1.1" 200 1123 "-" "iPXE/1.21.1+ (g988d2)"`);
    access.push(`${n.ip} - - [${clf(t + 4000)}] "GET /tftpboot/xcat/osimage/${img}/vmlinuz HTTP/1.1" 200 11020584 "-" "iPXE/1.21.1+"`);
    access.push(`${n.ip} - - [${clf(t + 6000)}] "GET /tftpboot/xcat/osimage/${img}/initrd.img HTTP/1.1" 200 80123456 "-" "iPXE/1.21.1+"`);
    access.push(`${n.ip} - - [${clf(t + 40_000)}] "GET /install/autoinst/${n.name} HTTP/1.1" 200 4711 "-" "curl/7.76.1"`);
  });
  const [cn01, cn02, cn03, cn04] = NODES as [FixtureNode, FixtureNode, FixtureNode, FixtureNode];
  for (const n of [cn01, cn02, cn03]) {
    udp.push({ from: n.ip, msg: `<166>1 ${iso(now - 60_000)} localhost xcat.deployment - - - ============deployment starting============` });
  }
  // cn01, cn02: the shared postscript 403, then the node's own complaint (a symptom).
  for (const [i, n] of [cn01, cn02].entries()) {
    access.push(`${n.ip} - - [${clf(now - 50_000 + i * 1000)}] "GET /install/postscripts/mlnx HTTP/1.1" 403 199 "-" "curl/7.76.1"`);
    udp.push({
      from: n.ip,
      msg: `<163>1 ${iso(now - 49_000)} localhost xcat.deployment - - - failed to download postscripts from http://10.0.0.1/install/postscripts/, check /tmp/download.log on the node,  halt ...`,
    });
  }
  // cn03 goes all the way.
  access.push(`${cn03.ip} - - [${clf(now - 45_000)}] "GET /install/postscripts/syslog HTTP/1.1" 200 6120 "-" "curl/7.76.1"`);
  udp.push({ from: cn03.ip, msg: `<166>1 ${iso(now - 5000)} cn03 xcat.deployment.postbootscript - - - provision completed.(cn03)` });
  // cn04: a hostile error line over the network.
  udp.push({ from: cn04.ip, msg: `<163>1 ${iso(now - 30_000)} localhost mysite - - - ${HOSTILE}` });
  return { messages, access, udp };
}

/** Lay out an empty /var/log-shaped tree for the daemon to tail. */
export function makeLogTree(dir: string): string {
  const logs = path.join(dir, 'log');
  fs.mkdirSync(path.join(logs, 'httpd'), { recursive: true });
  fs.mkdirSync(path.join(logs, 'xcat'), { recursive: true });
  fs.writeFileSync(path.join(logs, 'messages'), '');
  fs.writeFileSync(path.join(logs, 'httpd', 'access_log'), '');
  return logs;
}

/** Feed the fixture: MN lines appended to the tailed files, node lines as UDP from each node's IP. */
export async function feedFixture(logs: string, udpPort: number, fx: Fixture): Promise<void> {
  fs.appendFileSync(path.join(logs, 'messages'), fx.messages.map((l) => `${l}\n`).join(''));
  fs.appendFileSync(path.join(logs, 'httpd', 'access_log'), fx.access.map((l) => `${l}\n`).join(''));
  // Node lines after the MN lines that bind their IPs have been read.
  await new Promise((r) => setTimeout(r, 700));
  for (const u of fx.udp) await sendUdp(udpPort, [u.msg], u.from);
}
