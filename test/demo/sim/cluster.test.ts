// The cluster generator (src/demo/sim): deterministic, every file kind rendered in its real format,
// truth for every node with root-cause lines that really are in the tree, valid datagrams, and a
// 5,000-node cluster streamed to disk (time printed, not asserted). Also checks the hand-reviewed
// fixture corpus (test/fixtures/*/expected.json) against its own log files.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  FAILURE_KINDS,
  generateCluster,
  renderDatagrams,
  renderMnLines,
  renderTree,
  type ClusterEvent,
  type GeneratedCluster,
  type RenderResult,
} from '../../../src/demo/sim/cluster';
import { run as runCli } from '../../../src/demo/sim/cli';

const START = new Date('2026-11-24T10:00:00Z');
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TS = `${MONTH} [ 123]\\d \\d\\d:\\d\\d:\\d\\d`;
const SEVW = '(?:EMERG|ALERT|CRIT|ERR|WARNING|NOTICE|INFO|DEBUG)';

const RE = {
  messages: new RegExp(`^${TS} mn01 [A-Za-z][\\w.-]*(?:\\[\\d+\\])?: \\S.*$`),
  /** xCAT template, MN-local xcat[pid] lines: one space after the severity word. */
  xcatMn: new RegExp(`^${TS} mn01 xcat\\[\\d+\\]: ${SEVW} \\S.*$`),
  /** xCAT template, remote RFC 3164 sender: `tag: SEV  msg` (colon, two spaces). */
  node3164: new RegExp(`^${TS} (\\S+) [\\w.-]+(?:\\[\\d+\\])?: ${SEVW}  .*$`),
  /** xCAT template, remote RFC 5424 sender: `tag SEV msg` (no colon). */
  node5424: new RegExp(`^${TS} (\\S+) [\\w.-]+ ${SEVW} \\S.*$`),
  access: new RegExp(
    `^(\\d{1,3}(?:\\.\\d{1,3}){3}) - - \\[\\d\\d/${MONTH}/\\d{4}:\\d\\d:\\d\\d:\\d\\d \\+0000\\] "(GET|HEAD) (\\S+) HTTP/1\\.[01]" (\\d{3}) (\\d+|-) "[^"]*" "[^"]*"$`,
  ),
  error: new RegExp(`^\\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} \\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6} \\d{4}\\] \\[\\w+:\\w+\\] \\[pid \\d+:tid \\d+\\] .+$`),
  rfc5424:
    /^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d) (\S+) ([\w.-]+) (\d+|-) - (\[timeQuality tzKnown="1" isSynced="[01]"(?: syncAccuracy="\d+")?\]) (.*)$/s,
  rfc3164: new RegExp(`^<(\\d{1,3})>(${TS}) (?:([\\w.-]+) )?([\\w.-]+(?:\\[\\d+\\])?):( .*)?$`, 's'),
};

function tmp(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `xtriage-gen-${name}-`));
}

function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

function lines(file: string): string[] {
  const text = fs.readFileSync(file, 'latin1');
  return text ? text.replace(/\n$/, '').split('\n') : [];
}

describe('cluster generator', () => {
  let cluster: GeneratedCluster;
  let dir: string;
  let result: RenderResult;

  beforeAll(() => {
    cluster = generateCluster({ nodes: 300, seed: 3, start: START });
    dir = tmp('tree');
    result = renderTree(cluster, dir);
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('is deterministic: same seed, same bytes; another seed, other bytes', () => {
    const a = tmp('a');
    const b = tmp('b');
    const c = tmp('c');
    try {
      renderTree(generateCluster({ nodes: 120, seed: 11, start: START }), a);
      renderTree(generateCluster({ nodes: 120, seed: 11, start: START }), b);
      renderTree(generateCluster({ nodes: 120, seed: 12, start: START }), c);
      const ha = hashTree(a);
      expect(Object.keys(ha).length).toBeGreaterThan(6);
      expect(hashTree(b)).toEqual(ha);
      expect(hashTree(c)['httpd/access_log']).not.toEqual(ha['httpd/access_log']);
      const d1 = [...renderDatagrams(generateCluster({ nodes: 30, seed: 5, start: START }))].map((d) => d.datagram);
      const d2 = [...renderDatagrams(generateCluster({ nodes: 30, seed: 5, start: START }))].map((d) => d.datagram);
      expect(d2).toEqual(d1);
    } finally {
      for (const d of [a, b, c]) fs.rmSync(d, { recursive: true, force: true });
    }
  });

  test('events come in time order, per-node phases never needed reordering', () => {
    let last = -Infinity;
    let n = 0;
    for (const ev of cluster.events()) {
      expect(ev.at).toBeGreaterThanOrEqual(last);
      last = ev.at;
      n++;
    }
    expect(n).toBe(result.events);
    expect(cluster.stats.reordered).toBe(0);
    expect(last).toBe(cluster.end.getTime());
  });

  test('renders every file kind', () => {
    for (const f of ['messages', 'xcat/cluster.log', 'xcat/computes.log', 'xcat/commands.log', 'httpd/access_log', 'httpd/error_log']) {
      expect(result.files[f]?.lines ?? 0).toBeGreaterThan(0);
      expect(fs.statSync(path.join(dir, f)).size).toBeGreaterThan(0);
    }
    expect(fs.readdirSync(path.join(dir, 'consoles')).length).toBeGreaterThan(10);
  });

  test('messages lines are RFC 3164 as rsyslog writes them', () => {
    const ls = lines(path.join(dir, 'messages'));
    const bad = ls.filter((l) => !RE.messages.test(l));
    expect(bad.slice(0, 5)).toEqual([]);
    // xcatd lines also go to messages (without the severity word); remote node lines never do.
    expect(ls.some((l) => / xcat\[\d+\]: xcat\.updatestatus - /.test(l))).toBe(true);
    expect(ls.some((l) => / xcat\[\d+\]: (INFO|ERR) /.test(l))).toBe(false);
    expect(ls.some((l) => / mn01 (dhcpd|in\.tftpd|sshd|CROND|systemd|chronyd|NetworkManager)\[?/.test(l))).toBe(true);
    expect(ls.every((l) => l.includes(' mn01 '))).toBe(true);
  });

  test('cluster.log and computes.log follow the xCAT template in all three shapes', () => {
    const cl = lines(path.join(dir, 'xcat/cluster.log'));
    const cp = lines(path.join(dir, 'xcat/computes.log'));
    const shape = (l: string) => (RE.xcatMn.test(l) ? 'mn' : RE.node3164.test(l) ? '3164' : RE.node5424.test(l) ? '5424' : 'bad');
    const clShapes = new Set(cl.map(shape));
    const cpShapes = new Set(cp.map(shape));
    expect(cl.filter((l) => shape(l) === 'bad').slice(0, 5)).toEqual([]);
    expect(cp.filter((l) => shape(l) === 'bad').slice(0, 5)).toEqual([]);
    expect([...clShapes].sort()).toEqual(['3164', '5424', 'mn']);
    expect(cpShapes.has('mn')).toBe(false);
    // cluster.log holds only programs xcat / xcat.* (MN and remote); computes.log only remote lines.
    for (const l of cl) expect(l.split(' ').filter(Boolean)[4]).toMatch(/^xcat(?:\[\d+\]:|:|\.[\w.]+:?)$/);
    for (const l of cp) expect(l).not.toMatch(/ mn01 /);
    // Every remote xcat* line is in both files.
    const remoteXcat = cp.filter((l) => / xcat(?:\.[\w.]+)?:? [A-Z]/.test(l));
    const inCluster = new Set(cl);
    expect(remoteXcat.length).toBeGreaterThan(100);
    expect(remoteXcat.every((l) => inCluster.has(l))).toBe(true);
    // Installer lines with hostname localhost, header-less RHEL 7 lines (rsyslog's fromhost), booted nodes' kernel lines.
    expect(cp.some((l) => / localhost xcat\.deployment /.test(l))).toBe(true);
    expect(cp.some((l) => / kernel: (NOTICE|INFO) {2}Linux version /.test(l))).toBe(true);
    expect(cp.some((l) => / systemd\[1\]: INFO {2}/.test(l))).toBe(true);
  });

  test('access_log is Apache combined format, ordered by completion, with the normal and abnormal statuses', () => {
    const ls = lines(path.join(dir, 'httpd/access_log'));
    expect(ls.filter((l) => !RE.access.test(l)).slice(0, 5)).toEqual([]);
    const statuses = new Set(ls.map((l) => (RE.access.exec(l) as RegExpExecArray)[4]));
    expect([...statuses].sort()).toEqual(expect.arrayContaining(['200', '403', '404']));
    expect(ls.some((l) => /GET \/tftpboot\/mypostscripts\/mypostscript\.\S+ HTTP\/1\.1" 404 /.test(l))).toBe(true);
    expect(ls.some((l) => /"GET \/\/install\/netboot\/\S+\/rootimg\.cpio\.gz HTTP\/1\.1" 200 /.test(l))).toBe(true);
    expect(ls.some((l) => /"GET \/install\/postscripts\/\?C=N;O=D HTTP\/1\.1" 200/.test(l))).toBe(true);
    // %t is the request start: long downloads make the timestamps go backwards now and then.
    const times = ls.map((l) => l.slice(l.indexOf('[') + 1, l.indexOf(']')));
    expect(times.some((t, i) => i > 0 && t < (times[i - 1] as string))).toBe(true);
  });

  test('error_log lines and commands.log blocks are well formed', () => {
    const el = lines(path.join(dir, 'httpd/error_log'));
    expect(el.filter((l) => !RE.error.test(l))).toEqual([]);
    expect(el.some((l) => l.includes('AH00132: file permissions deny server access: /install/postscripts/'))).toBe(true);
    const cl = lines(path.join(dir, 'xcat/commands.log'));
    let blocks = 0;
    for (let i = 0; i < cl.length;) {
      expect(cl[i]).toBe('====================================================');
      expect(cl[i + 1]).toMatch(/^\[Date\] {7}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      expect(cl[i + 2]).toBe('[ClientType] cli ');
      expect(cl[i + 3]).toMatch(/^\[Request\] {4}\S+ .* $/);
      expect(cl[i + 4]).toBe('[Response]');
      let j = i + 5;
      while (j < cl.length && !(cl[j] as string).startsWith('[NumberNodes] ')) j++;
      expect(cl[j]).toMatch(/^\[NumberNodes\] \d+ $/);
      expect(cl[j + 1]).toMatch(/^\[ElapsedTime\] \d+\.\d{3} s$/);
      i = j + 2;
      blocks++;
    }
    expect(blocks).toBeGreaterThan(10);
    expect(cl.some((l) => /^\[Request\] {4}rinstall \S+ 'osimage=rhels9\.4-x86_64-install-compute' $/.test(l))).toBe(true);
    expect(cl.some((l) => /: Error: Install image not found in /.test(l))).toBe(true);
  });

  test('console logs are CR LF lines', () => {
    const files = fs.readdirSync(path.join(dir, 'consoles'));
    for (const f of files.slice(0, 20)) {
      const text = fs.readFileSync(path.join(dir, 'consoles', f), 'latin1');
      expect(text.endsWith('\r\n')).toBe(true);
      expect(
        text
          .split('\n')
          .slice(0, -1)
          .every((l) => l.endsWith('\r')),
      ).toBe(true);
    }
  });

  test('truth covers every node, every catalogue kind, and names root-cause lines that are in the tree', () => {
    const names = cluster.nodes.map((n) => n.name);
    expect(cluster.truth.nodes.map((t) => t.node)).toEqual(names);
    const kinds = new Set(cluster.truth.nodes.map((t) => t.kind));
    for (const k of [...FAILURE_KINDS, 'clean', 'running', 'reinstalled', 'nic-replaced']) expect([k, kinds.has(k as never)]).toEqual([k, true]);
    const outcomes = new Set(cluster.truth.nodes.map((t) => t.outcome));
    expect([...outcomes].sort()).toEqual(['failed', 'looping', 'running', 'stalled', 'succeeded']);
    for (const t of cluster.truth.nodes) {
      if (t.outcome === 'failed') expect([t.node, t.rootCause === null]).toEqual([t.node, false]);
      if (!t.rootCause) continue;
      const seen = result.causes[t.node];
      expect([t.node, t.kind, seen?.line.includes(t.rootCause.match)]).toEqual([t.node, t.kind, true]);
      expect(seen?.file).toBe(t.rootCause.file);
    }
    // Cluster groups: their line is in the file they name; F1 has no session at all.
    const text: Record<string, string> = {};
    for (const g of cluster.truth.groups) {
      text[g.file] ??= fs.readFileSync(path.join(dir, g.file), 'latin1');
      expect([g.kind, (text[g.file] as string).includes(g.match)]).toEqual([g.kind, true]);
    }
    expect(cluster.truth.groups.map((g) => g.kind)).toEqual(expect.arrayContaining(['F1', 'tftpd-down', 'F22', 'F5']));
    expect(cluster.truth.groups.find((g) => g.kind === 'F1')?.nodes).toEqual([]);
    // The MN-side faults come before any node they affect.
    const tftpd = result.groups['tftpd-down'];
    const firstAffected = Math.min(...cluster.nodes.filter((n) => n.kind === 'tftpd-down').map((n) => n.attempts[0]?.schedule.pxe.dhcp.discover ?? Infinity));
    expect(Date.parse(tftpd?.at ?? '')).toBeLessThan(firstAffected);
  });

  test('outcomes mean what they say', () => {
    const end = cluster.end.getTime();
    const per = new Map<string, { last: number; kickstarts: number; completed: boolean; failedStatus: boolean }>();
    for (const ev of cluster.events()) {
      if (!ev.about) continue;
      const p = per.get(ev.about) ?? { last: 0, kickstarts: 0, completed: false, failedStatus: false };
      p.last = ev.at;
      if (ev.type === 'http' && ev.path === `/install/autoinst/${ev.about}`) p.kickstarts++;
      if (ev.type === 'syslog' && ev.message === `provision completed.(${ev.about})`) p.completed = true;
      if (ev.type === 'syslog' && ev.message === `xcat.updatestatus - ${ev.about}: changing status=failed`) p.failedStatus = true;
      per.set(ev.about, p);
    }
    for (const t of cluster.truth.nodes) {
      const p = per.get(t.node);
      switch (t.outcome) {
        case 'succeeded':
          expect([t.node, p?.completed]).toEqual([t.node, true]);
          break;
        case 'looping':
          expect([t.node, (p?.kickstarts ?? 0) >= 2, p?.completed ?? false]).toEqual([t.node, true, false]);
          break;
        case 'stalled':
          expect([t.node, end - (p?.last ?? 0) >= 15 * 60_000]).toEqual([t.node, true]);
          break;
        case 'running':
          expect([t.node, end - (p?.last ?? 0) < 5 * 60_000, p?.completed ?? false]).toEqual([t.node, true, false]);
          break;
        case 'failed':
          expect([t.node, p?.completed ?? false]).toEqual([t.node, false]);
          break;
      }
    }
    // Distractors: the same IP given to two MACs; a node that failed, was reinstalled and succeeded.
    const swapped = cluster.truth.nodes.find((t) => t.kind === 'nic-replaced');
    expect(swapped?.previous[0]?.ip).toBe(swapped?.ip);
    expect(swapped?.previous[0]?.mac).not.toBe(swapped?.mac);
    const re = cluster.truth.nodes.find((t) => t.kind === 'reinstalled');
    expect(re?.previous[0]?.outcome).toBe('failed');
    expect(re?.outcome).toBe('succeeded');
  });

  test('datagrams are valid RFC 5424 / RFC 3164, from the node IPs, in both styles', () => {
    const ips = new Set(cluster.truth.nodes.map((t) => t.ip));
    for (const n of cluster.nodes) for (const a of n.attempts) ips.add(a.ip);
    const hosts = new Map<string, number>();
    let n5424 = 0;
    let n3164 = 0;
    let nul = 0;
    let count = 0;
    for (const d of renderDatagrams(cluster)) {
      count++;
      expect(ips.has(d.from)).toBe(true);
      let m = RE.rfc5424.exec(d.datagram);
      if (m) {
        n5424++;
        expect(Number(m[1])).toBeLessThanOrEqual(191);
        hosts.set(m[3] as string, (hosts.get(m[3] as string) ?? 0) + 1);
        continue;
      }
      const body = d.datagram.endsWith('\0') ? d.datagram.slice(0, -1) : d.datagram;
      m = RE.rfc3164.exec(body);
      expect([d.datagram, !!m]).toEqual([d.datagram, true]);
      if (!m) continue;
      n3164++;
      expect(Number(m[1])).toBeLessThanOrEqual(191);
      if (d.datagram.endsWith('\0')) {
        nul++;
        expect(m[3]).toBeUndefined(); // RHEL 7 util-linux: no hostname, trailing NUL
      }
    }
    expect(count).toBe(result.files['xcat/computes.log']?.lines);
    expect(n5424).toBeGreaterThan(100);
    expect(n3164).toBeGreaterThan(100);
    expect(nul).toBeGreaterThan(10);
    expect(hosts.get('localhost') ?? 0).toBeGreaterThan(10);
  });

  test('renderMnLines gives the MN-side files in time order (remote lines only on request)', () => {
    let last = -Infinity;
    const files = new Set<string>();
    let n = 0;
    for (const l of renderMnLines(cluster)) {
      expect(l.at).toBeGreaterThanOrEqual(last);
      last = l.at;
      files.add(l.file);
      n++;
    }
    expect(files.has('xcat/computes.log')).toBe(false);
    expect([...files]).toEqual(expect.arrayContaining(['messages', 'xcat/cluster.log', 'xcat/commands.log', 'httpd/access_log', 'httpd/error_log']));
    const all = [...renderMnLines(generateCluster({ nodes: 20, seed: 3, start: START }), { includeRemote: true })];
    expect(all.some((l) => l.file === 'xcat/computes.log')).toBe(true);
    expect(n).toBeGreaterThan(0);
  });

  test('scenario mode: explicit nodes and faults', () => {
    const c = generateCluster({
      nodes: 2,
      seed: 9,
      start: START,
      packages: 10,
      scenario: {
        nodes: [
          { name: 'cn01', at: 1, ip: '10.0.0.11', mac: '52:54:00:aa:bb:01' },
          { name: 'cn03', at: 5, kind: 'F22', ip: '10.0.0.13', mac: '52:54:00:aa:bb:03' },
        ],
        postscript403: { file: 'mysite_tuning', from: 0, until: 3600 },
      },
    });
    const d = tmp('scenario');
    try {
      const r = renderTree(c, d);
      expect(c.truth.nodes.map((t) => [t.node, t.outcome])).toEqual([
        ['cn01', 'succeeded'],
        ['cn03', 'failed'],
      ]);
      expect(r.causes['cn03']?.line).toMatch(/^10\.0\.0\.13 - - \[.*\] "GET \/install\/postscripts\/mysite_tuning HTTP\/1\.1" 403 199 /);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  test('the CLI writes log/, truth.json and capture.jsonl', () => {
    const d = tmp('cli');
    try {
      runCli(['--nodes', '25', '--seed', '4', '--out', d, '--capture', '--packages', '20']);
      const truth = JSON.parse(fs.readFileSync(path.join(d, 'truth.json'), 'utf8')) as { nodes: unknown[]; rendered: { causes: object } };
      expect(truth.nodes).toHaveLength(25);
      expect(fs.statSync(path.join(d, 'log', 'xcat', 'cluster.log')).size).toBeGreaterThan(0);
      const cap = fs.readFileSync(path.join(d, 'capture.jsonl'), 'utf8').trim().split('\n');
      const first = JSON.parse(cap[0] as string) as { at: string; from: string; msg: string };
      expect(first.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
      expect(first.msg).toMatch(/^<\d+>/);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  test('5,000 nodes stream to disk', () => {
    const d = tmp('5k');
    try {
      const t0 = Date.now();
      const big = generateCluster({ nodes: 5000, seed: 1, start: START });
      const r = renderTree(big, d);
      const seconds = (Date.now() - t0) / 1000;
      const mb = Object.values(r.files).reduce((s, f) => s + f.bytes, 0) / 1e6;
      console.log(
        `5,000 nodes: ${r.events} events, ${mb.toFixed(0)} MB in ${seconds.toFixed(1)} s (heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB)`,
      );
      expect(big.truth.nodes).toHaveLength(5000);
      expect(r.events).toBeGreaterThan(1_000_000);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  }, 300_000);
});

// ---------------------------------------------------------------------------------------------
// The fixture corpus must be consistent with its own logs (the diagnosis scorer relies on it).

interface FixtureExpected {
  description: string;
  catalogue: string[];
  nodes: Array<{ node: string; mac: string; outcome: string; rootCause?: { match: string; file?: string } | null; symptoms?: string[] }>;
  groups?: Array<{ match: string; nodes: string[]; file?: string }>;
}

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures');
const fixtureDirs = fs.existsSync(FIXTURES) ? fs.readdirSync(FIXTURES).filter((d) => fs.existsSync(path.join(FIXTURES, d, 'expected.json'))) : [];

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'latin1');
    }
  };
  walk(dir);
  return out;
}

describe('fixture corpus', () => {
  test('covers S1–S14 and more', () => {
    const cats = new Set<string>();
    for (const d of fixtureDirs)
      for (const c of (JSON.parse(fs.readFileSync(path.join(FIXTURES, d, 'expected.json'), 'utf8')) as FixtureExpected).catalogue) cats.add(c);
    for (let i = 1; i <= 14; i++) expect([`S${i}`, cats.has(`S${i}`)]).toEqual([`S${i}`, true]);
    expect(fixtureDirs.length).toBeGreaterThanOrEqual(30);
  });

  for (const name of fixtureDirs) {
    test(name, () => {
      const dir = path.join(FIXTURES, name);
      const exp = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as FixtureExpected;
      const tree = readTree(path.join(dir, 'log'));
      expect(Object.keys(tree)).toEqual(expect.arrayContaining(['messages', 'xcat/cluster.log', 'xcat/commands.log', 'httpd/access_log']));
      const all = Object.values(tree).join('\n');
      for (const n of exp.nodes) {
        if (n.rootCause) {
          const file = n.rootCause.file ?? '';
          const text = tree[file] ?? all;
          expect([n.node, text.includes(n.rootCause.match)]).toEqual([n.node, true]);
        }
        for (const s of n.symptoms ?? []) expect([n.node, s, all.includes(s)]).toEqual([n.node, s, true]);
        if (n.outcome !== 'failed' || n.rootCause) continue;
        throw new Error(`${name}: ${n.node} failed without a root cause`);
      }
      for (const g of exp.groups ?? []) expect([g.match, all.includes(g.match)]).toEqual([g.match, true]);
      // Files end with a newline and hold ASCII only (consoles may carry ANSI escapes).
      for (const [f, text] of Object.entries(tree)) {
        if (text) expect([f, text.endsWith('\n')]).toEqual([f, true]);
        expect([f, /[^\x00-\x7f]/.test(text)]).toEqual([f, false]);
      }
    });
  }
});

// Keep the event type in use for readers of this file.
export type { ClusterEvent };
