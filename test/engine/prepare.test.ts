// Files read and matched in worker threads ahead of the engine (src/engine/prepare*.ts) must
// give the analysis that reading them on the engine's own thread gives: the same document, byte
// for byte, the same counters and the same warnings. Every real-corpus case, every fixture tree
// and generated clusters (with a rotated gzip access_log, a binary file and an empty one beside
// them) are analysed both ways. A difference names the input and the first differing line.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { analyze } from '../../src/analyze';
import { loadKb } from '../../src/patterns/kb';
import { generateCluster, renderTree } from '../../src/demo/sim/cluster';
import { PreparedFiles } from '../../src/engine/prepare';

const kb = loadKb([], { local: false });
const FIXTURES = path.join(__dirname, '..', 'fixtures');
const REAL = path.join(FIXTURES, 'real');
const CONTEXT_ONLY = /^(?:case\.yaml|lsdef.*\.txt|README.*)$/;

async function both(paths: string[], now?: number, threads = 1): Promise<string | null> {
  const once = async (threads: number): Promise<string> => {
    const warnings: string[] = [];
    const r = await analyze({ paths, captures: [], kb, threads, warn: (w) => warnings.push(w), ...(now !== undefined ? { now } : {}) });
    const timelines = r.doc.sessions.map((s) => r.engine.timelineOf(s.id));
    const { filesRead, linesRead, bytesRead } = r;
    return JSON.stringify({ doc: r.doc, timelines, counters: r.engine.counters, warnings, filesRead, linesRead, bytesRead }, null, 1);
  };
  const [here, threaded] = [await once(0), await once(threads)];
  if (here === threaded) return null;
  const a = here.split('\n');
  const b = threaded.split('\n');
  const i = a.findIndex((l, k) => l !== b[k]);
  return `${paths.join(' ')}: line ${i}: ${a[i]} ≠ ${b[i]}`;
}

test('every real-corpus case: the same analysis with files prepared in a thread', async () => {
  const diffs: string[] = [];
  const cases = fs.readdirSync(REAL).filter((d) => fs.existsSync(path.join(REAL, d, 'case.yaml')));
  expect(cases.length).toBeGreaterThan(100);
  for (const c of cases) {
    const dir = path.join(REAL, c);
    const files = fs
      .readdirSync(dir)
      .filter((f) => !CONTEXT_ONLY.test(f))
      .sort();
    const d = await both(files.map((f) => path.join(dir, f)));
    if (d) diffs.push(d);
  }
  expect(diffs).toEqual([]);
}, 300_000);

test('every fixture tree: the same analysis with files prepared in a thread', async () => {
  const diffs: string[] = [];
  const trees = fs.readdirSync(FIXTURES).filter((d) => d !== 'real' && d !== 'generated' && fs.statSync(path.join(FIXTURES, d)).isDirectory());
  expect(trees.length).toBeGreaterThan(20);
  for (const t of trees) {
    const d = await both([path.join(FIXTURES, t)]);
    if (d) diffs.push(d);
  }
  expect(diffs).toEqual([]);
}, 120_000);

test('generated clusters with rotated gzip, binary and empty files: the same analysis with files prepared in threads', async () => {
  for (const seed of [1, 3]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `xt-prepare-${seed}-`));
    try {
      const cluster = generateCluster({ nodes: 300, seed, start: new Date('2026-11-24T10:00:00Z') });
      const log = path.join(dir, 'log');
      renderTree(cluster, log);
      // The first half of access_log as yesterday's rotated, gzipped file; the rest as today's.
      const access = fs.readFileSync(path.join(log, 'httpd', 'access_log'), 'utf8').split('\n');
      const half = Math.floor(access.length / 2);
      fs.writeFileSync(path.join(log, 'httpd', 'access_log-20261123.gz'), zlib.gzipSync(`${access.slice(0, half).join('\n')}\n`));
      fs.writeFileSync(path.join(log, 'httpd', 'access_log'), access.slice(half).join('\n'));
      fs.writeFileSync(path.join(log, 'xcat', 'computes.log.1'), Buffer.alloc(8192, 0));
      fs.writeFileSync(path.join(log, 'xcat', 'commands.log.1'), '');
      expect(await both([log], cluster.end.getTime())).toBeNull();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}, 120_000);

test('threads that start their list of field objects again every few objects: the same analysis', async () => {
  // Each thread sends a field object once and a record names it by its place in the main
  // thread's list for that thread; a thread that starts its list again must not leave a record
  // (of its own or of the other thread) pointing at another object.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xt-prepare-fields-'));
  const kept = PreparedFiles.fieldsKept;
  try {
    const cluster = generateCluster({ nodes: 200, seed: 5, start: new Date('2026-11-24T10:00:00Z') });
    const log = path.join(dir, 'log');
    renderTree(cluster, log);
    PreparedFiles.fieldsKept = 7;
    expect(await both([log], cluster.end.getTime(), 2)).toBeNull();
  } finally {
    PreparedFiles.fieldsKept = kept;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

test('a run line the engine does not fold is read again, from the file or (gzipped) from its text: the same analysis', async () => {
  // Two addresses of one machine: 10.0.0.12's kickstart GET comes between two package GETs of
  // 10.0.0.11, so the second continues 10.0.0.11's run in the file but not the machine's last
  // entry, and must be fed whole.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xt-prepare-fold-'));
  try {
    const log = path.join(dir, 'log');
    fs.mkdirSync(path.join(log, 'httpd'), { recursive: true });
    fs.writeFileSync(
      path.join(log, 'messages'),
      [
        'Nov 24 10:01:18 mn01 dhcpd[1994]: DHCPACK on 10.0.0.11 to 52:54:00:aa:bb:01 via ens4',
        'Nov 24 10:01:19 mn01 dhcpd[1994]: DHCPACK on 10.0.0.12 to 52:54:00:aa:bb:01 via ens4',
        '',
      ].join('\n'),
    );
    const get = (ip: string, t: string, p: string): string =>
      `${ip} - - [24/Nov/2026:10:${t} +0000] "GET ${p} HTTP/1.1" 200 1480619 "-" "libdnf (Red Hat Enterprise Linux 9.4; generic; Linux.x86_64)"`;
    const pkg = (n: string): string => `/install/rhels9.4/x86_64/BaseOS/Packages/${n}-1.0-1.el9.x86_64.rpm`;
    const day = (k: number): string[] => [
      get('10.0.0.11', `0${k}:01`, pkg(`acl${k}`)),
      get('10.0.0.11', `0${k}:02`, pkg(`bind${k}`)),
      get('10.0.0.12', `0${k}:03`, '/install/autoinst/cn01'),
      get('10.0.0.11', `0${k}:04`, pkg(`curl${k}`)),
      get('10.0.0.11', `0${k}:05`, pkg(`dnf${k}`)),
    ];
    // Yesterday's rotation gzipped (its lines have no place in the file to be read from), today's plain.
    fs.writeFileSync(path.join(log, 'httpd', 'access_log-20261124.gz'), zlib.gzipSync(`${day(2).join('\n')}\n`));
    fs.writeFileSync(path.join(log, 'httpd', 'access_log'), `${day(4).join('\n')}\n`);
    expect(await both([log])).toBeNull();
    const { doc } = await analyze({ paths: [log], captures: [], kb, threads: 1, warn: () => undefined });
    expect(doc.sessions.map((x) => x.mac)).toContain('52:54:00:aa:bb:01');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
