// Issue 15 item 5: no node speaks for another. A real xtriaged on real sockets; the victims cn05
// (127.0.0.5) and cn06 (127.0.0.6) are known by /etc/hosts and install cleanly, each from its
// own address. An attacker at 127.0.0.67 (not a trusted relay: trustedRelays is 127.0.0.1 only)
// sends failure lines whose HOSTNAME is a victim's: RFC 3164 over UDP, RFC 5424 over TCP, an
// RFC 5424 `[origin ip=victim]` element of its own, and through the trusted relay (127.0.0.1,
// as rsyslog forwards: its own `[origin ip="127.0.0.67"]` with the datagram after it) a payload
// that carries a nested `[origin ip=victim]` and the victim's hostname.
//
// The rule: the sender's address (or the origin a trusted relay vouches for, one level only)
// decides the machine; the payload's hostname is a naming hint and can never move a line to
// another machine or change another machine's outcome.
//
// Two halves: reception (what `from` each line is spooled and fed with) and the engine (a
// network line's subject is its sender address only, src/engine/engine.ts subjectsOf(); a payload name
// already tied to another machine is not even shown as the attacker session's name).
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { getJson } from '../../src/api/client';
import { readCapture } from '../../src/sources/spool';
import type { AnalysisDoc, SessionDoc } from '../../src/contract';
import { startDaemon, sendUdp, type RunningDaemon } from '../helpers/daemon';

jest.setTimeout(90_000);

const VICTIMS = { cn05: '127.0.0.5', cn06: '127.0.0.6' } as const;
const ATTACKER = '127.0.0.67';
const RELAY = '127.0.0.1';

function bsd(d: Date): string {
  const m = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${m} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}
const iso = (d: Date): string => d.toISOString();
const at = (s: number): Date => new Date(Date.now() - 120_000 + s * 1000);

/** A node-library failure line (pattern xtriage.step-failed) as its message part, tagged so it can be found. */
const FAILED = (tag: string): string => `ERR step=${tag} event=end phase=postboot result=failed rc=1 dur=1.00s timeout=1800 err="spoofed ${tag}"`;

/** One octet-counted TCP connection from `from`, sending each message, then closed. */
function sendTcp(port: number, msgs: string[], from: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = net.createConnection({ host: '127.0.0.1', port, localAddress: from }, () => {
      for (const m of msgs) c.write(`${Buffer.byteLength(m)} ${m}`);
      c.end();
    });
    c.on('error', reject);
    c.on('close', () => resolve());
  });
}

/** The relay's wrapper, as the shipped rsyslog template forwards a datagram it received from `origin`. */
const relayed = (origin: string, raw: string): string => `<166>1 ${iso(new Date())} mn01 rsyslogd - - [origin ip="${origin}"] ${raw}`;

let d: RunningDaemon;
let dir: string;
/** Each victim's outcomes before the attacks. */
const before: Record<string, string[]> = {};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xt-spoof-'));
  const hosts = path.join(dir, 'hosts');
  fs.writeFileSync(hosts, `${VICTIMS.cn05} cn05\n${VICTIMS.cn06} cn06\n`);
  const cfg = path.join(dir, 'x.yaml');
  fs.writeFileSync(cfg, `trustedRelays: ["${RELAY}"]\nidentityFiles: ["${hosts}"]\n`);
  d = await startDaemon({ dir, extra: ['--config', cfg] });
  // The victims install cleanly, each from its own address, naming itself.
  for (const [name, ip] of Object.entries(VICTIMS)) {
    await sendUdp(
      d.port,
      [
        `<14>${bsd(at(0))} ${name} xtriage: INFO step=otherpkgs event=start phase=postboot timeout=1800`,
        `<14>${bsd(at(5))} ${name} xtriage: INFO step=otherpkgs event=end phase=postboot result=ok rc=0 dur=5.00s timeout=1800`,
      ],
      ip,
    );
  }
  const clean = await waitSessions((doc) => Object.keys(VICTIMS).every((n) => doc.sessions.some((s) => s.node === n)), 600);
  for (const n of Object.keys(VICTIMS)) before[n] = clean.sessions.filter((s) => s.node === n).map((s) => s.outcome);

  // The attacks, each tagged.
  // 1. RFC 3164 over UDP, HOSTNAME cn06.
  await sendUdp(d.port, [`<11>${bsd(at(10))} cn06 xtriage: ${FAILED('rfc3164')}`], ATTACKER);
  // 2. RFC 5424 over TCP, HOSTNAME cn06.
  await sendTcp(d.port, [`<11>1 ${iso(at(11))} cn06 xtriage - - - ${FAILED('rfc5424')}`], ATTACKER);
  // 3. RFC 5424 with its own origin element, from an address that is not a trusted relay.
  await sendTcp(
    d.port,
    [`<11>1 ${iso(at(12))} cn05 xtriage - - [origin ip="${VICTIMS.cn05}"] <11>${bsd(at(12))} cn05 xtriage: ${FAILED('untrusted-origin')}`],
    ATTACKER,
  );
  // 4. Through the trusted relay: the attacker's datagram names cn05 as its HOSTNAME.
  await sendTcp(d.port, [relayed(ATTACKER, `<11>${bsd(at(13))} cn05 xtriage: ${FAILED('relayed')}`)], RELAY);
  // 5. Through the trusted relay, a nested origin: the attacker's datagram is itself an RFC 5424
  //    message with [origin ip=cn05's address] around a line from "cn05".
  await sendTcp(
    d.port,
    [relayed(ATTACKER, `<11>1 ${iso(at(14))} cn05 rsyslogd - - [origin ip="${VICTIMS.cn05}"] <11>${bsd(at(14))} cn05 xtriage: ${FAILED('nested')}`)],
    RELAY,
  );
  // Everything arrived and was diagnosed.
  await waitSessions(() => true, 1500);
}, 60_000);

afterAll(async () => {
  await d?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function waitSessions(ok: (doc: AnalysisDoc) => boolean, settleMs = 0): Promise<AnalysisDoc> {
  if (settleMs) await new Promise((r) => setTimeout(r, settleMs));
  const end = Date.now() + 15_000;
  for (;;) {
    const doc = await getJson<AnalysisDoc>(d.socket, '/v1/sessions').catch(() => null);
    if (doc && ok(doc)) return doc;
    if (Date.now() > end) throw new Error(`timed out: ${JSON.stringify(doc)?.slice(0, 1500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every capture record the daemon spooled. */
async function captured(): Promise<{ from: string; msg: string }[]> {
  const spool = path.join(d.state, 'spool');
  const out: { from: string; msg: string }[] = [];
  for (const f of fs
    .readdirSync(spool)
    .filter((x) => /\.jsonl(\.gz)?$/.test(x))
    .sort()) {
    for await (const r of readCapture(path.join(spool, f))) out.push({ from: r.from, msg: r.msg });
  }
  return out;
}

async function victimSessions(name: keyof typeof VICTIMS): Promise<{ sessions: SessionDoc[]; lines: { line: string; source: string }[] }> {
  const doc = await getJson<AnalysisDoc>(d.socket, '/v1/sessions');
  const sessions = doc.sessions.filter((s) => s.node === name || s.ips.includes(VICTIMS[name]));
  const lines: { line: string; source: string }[] = [];
  for (const s of sessions) {
    const one = await getJson<{ timeline: { line: string; source: string }[] }>(d.socket, `/v1/sessions/${encodeURIComponent(s.id)}`);
    lines.push(...one.timeline);
  }
  return { sessions, lines };
}

describe('reception: the sender address, or one level of a trusted relay, is `from`', () => {
  const cases: [string, string][] = [
    ['RFC 3164 over UDP, HOSTNAME cn06', 'rfc3164'],
    ['RFC 5424 over TCP, HOSTNAME cn06', 'rfc5424'],
    ['RFC 5424 with an origin element from an untrusted sender', 'untrusted-origin'],
    ['relayed, HOSTNAME cn05', 'relayed'],
    ['relayed, a nested origin naming cn05', 'nested'],
  ];
  test.each(cases)('%s: spooled from the attacker', async (_what, tag) => {
    const recs = (await captured()).filter((r) => r.msg.includes(`spoofed ${tag}`));
    expect(recs).toHaveLength(1);
    expect(recs[0]!.from).toBe(ATTACKER);
  });

  test('a relayed message is spooled as the datagram the relay received (its own origin removed, the nested one kept as text)', async () => {
    const [rec] = (await captured()).filter((r) => r.msg.includes('spoofed nested'));
    expect(rec!.msg.startsWith(`<11>1 `)).toBe(true);
    expect(rec!.msg).toContain(`[origin ip="${VICTIMS.cn05}"]`);
  });

  test('the attacker machine has the lines (they are not dropped either)', async () => {
    const doc = await getJson<AnalysisDoc>(d.socket, '/v1/sessions');
    const health = await getJson<{ receiver: { relayed: number; originIgnored: number } }>(d.socket, '/v1/health');
    expect(health.receiver.relayed).toBe(2);
    expect(health.receiver.originIgnored).toBe(1);
    expect(doc.sessions.length).toBeGreaterThanOrEqual(2);
  });
});

describe('the engine: a payload hostname never moves a line to another machine', () => {
  test("cn06 is not failed and its timeline has none of the attacker's lines (RFC 3164, RFC 5424)", async () => {
    const v = await victimSessions('cn06');
    expect(v.sessions.map((s) => s.outcome)).toEqual(before.cn06);
    expect(v.sessions.map((s) => s.outcome)).not.toContain('failed');
    expect(v.sessions.flatMap((s) => s.ips)).toEqual([VICTIMS.cn06]);
    expect(v.lines.filter((l) => /spoofed/.test(l.line))).toEqual([]);
  });

  test("cn05 is not failed and its timeline has none of the attacker's lines (own origin, relayed, nested origin)", async () => {
    const v = await victimSessions('cn05');
    expect(v.sessions.map((s) => s.outcome)).toEqual(before.cn05);
    expect(v.sessions.map((s) => s.outcome)).not.toContain('failed');
    expect(v.sessions.flatMap((s) => s.ips)).toEqual([VICTIMS.cn05]);
    expect(v.lines.filter((l) => /spoofed/.test(l.line))).toEqual([]);
  });

  test("the attacker's failures land on the attacker's machine (127.0.0.67)", async () => {
    const doc = await getJson<AnalysisDoc>(d.socket, '/v1/sessions');
    const mine = doc.sessions.filter((s) => s.ips.includes(ATTACKER));
    expect(mine.length).toBeGreaterThan(0);
    // Its own machine: no victim's address or name on it.
    for (const s of mine) {
      expect(s.ips).toEqual([ATTACKER]);
      expect(Object.keys(VICTIMS)).not.toContain(s.node);
    }
    const lines: string[] = [];
    for (const s of mine) {
      const one = await getJson<{ timeline: { line: string }[] }>(d.socket, `/v1/sessions/${encodeURIComponent(s.id)}`);
      lines.push(...one.timeline.map((l) => l.line));
    }
    for (const tag of ['rfc3164', 'rfc5424', 'untrusted-origin', 'relayed', 'nested'])
      expect([tag, lines.some((l) => l.includes(`spoofed ${tag}`))]).toEqual([tag, true]);
  });
});
