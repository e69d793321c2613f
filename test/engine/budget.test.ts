// Live snapshots rebuild only what fits in a time budget: machines whose new lines may change an
// outcome first, the rest in later snapshots. However the work is spread, once nothing is
// pending the document must be exactly the one a single full snapshot gives.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../../src/engine/engine';
import { diagnose } from '../../src/diagnose/diagnose';
import { LineReader } from '../../src/records/line-reader';
import { loadKnowledgeBase } from '../../src/patterns/load';
import { findMnFiles } from '../../src/analyze';
import { readLines } from '../../src/sources/read-lines';
import type { LogRecord } from '../../src/types';

const PATTERNS = path.join(__dirname, '..', '..', 'patterns');
const SAMPLE = path.join(__dirname, '..', '..', 'examples', 'sample-cluster');
const kb = loadKnowledgeBase({ paths: [PATTERNS] });

async function treeRecords(dir: string): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for (const f of findMnFiles(dir, (m) => {
    throw new Error(m);
  })) {
    const abs = path.join(dir, f.rel);
    const reader = new LineReader(f.kind, f.rel, fs.statSync(abs).mtimeMs, f.node);
    await readLines(abs, (line) => {
      const r = reader.read(line);
      if (r) out.push(r);
    });
  }
  return out;
}

test.each([
  ['the sample cluster', SAMPLE, 20],
  ['an MN-side cause (tftpd down) explaining sessions', path.join(__dirname, '..', 'fixtures', 'cluster-tftpd-down', 'log'), 5],
])('budgeted snapshots converge to the full snapshot: %s', async (_name, dir, minSessions) => {
  const recs = await treeRecords(dir);
  const now = Math.max(...recs.map((r) => r.at)) + 60_000;

  const full = new Engine(kb, diagnose);
  for (const r of recs) full.feed(r);
  const expected = JSON.stringify(full.snapshot(now));
  expect(JSON.parse(expected).sessions.length).toBeGreaterThanOrEqual(minSessions);

  // Lines about no machine (MN-side causes) come last here: they change sessions whose own
  // lines did not change, which must then be redone too.
  const clusterLines = new Set((full as unknown as { cluster: { rec: LogRecord }[] }).cluster.map((e) => `${e.rec.source}\u0000${e.rec.raw}`));
  const isCluster = (r: LogRecord): boolean => clusterLines.has(`${r.source}\u0000${r.raw}`);
  const ordered = [...recs.filter((r) => !isCluster(r)), ...recs.filter(isCluster)];

  const budgeted = new Engine(kb, diagnose);
  let snapshots = 0;
  let partial = false;
  let doc = budgeted.snapshot(now, 0);
  const settle = (): void => {
    while (budgeted.pendingMachines > 0 && snapshots < 10_000) {
      doc = budgeted.snapshot(now, 0);
      snapshots++;
    }
  };
  // Budget 0: one machine per snapshot, many snapshots taken while lines still arrive.
  for (let i = 0; i < ordered.length; i++) {
    const r = ordered[i]!;
    if (isCluster(r) && !isCluster(ordered[i - 1]!)) settle();
    budgeted.feed(r);
    if (i % 500 === 0) {
      doc = budgeted.snapshot(now, 0);
      snapshots++;
      if (budgeted.pendingMachines > 0) partial = true;
    }
  }
  doc = budgeted.snapshot(now, 0);
  settle();
  expect(partial).toBe(true); // the budget did leave machines for later
  expect(budgeted.pendingMachines).toBe(0);
  expect(JSON.stringify(doc)).toEqual(expected);
});

test('an error on a running machine is diagnosed before routine lines of many others', () => {
  const T = Date.parse('2026-11-25T15:00:00Z');
  const rm = new LineReader('remote', 'remote', T);
  const line = (at: number, ip: string, pri: number, text: string): LogRecord =>
    rm.read(`<${pri}>1 ${new Date(at).toISOString().replace('Z', '+00:00')} localhost xcat.deployment - - - ${text}`, at, ip)!;
  const e = new Engine(kb, diagnose);
  const ips = Array.from({ length: 30 }, (_, i) => `10.9.0.${i + 1}`);
  for (const ip of ips) e.feed(line(T, ip, 166, 'Running Anaconda Pre-Installation script...'));
  const before = e.snapshot(T + 1000).sessions.find((s) => s.ips.includes(ips[0]!))!.stage;
  expect(e.pendingMachines).toBe(0);
  // Routine progress on 29 machines, then the failure of the last one.
  for (const ip of ips.slice(0, 29)) e.feed(line(T + 2000, ip, 166, 'Executing post.xcat to prepare for firstbooting ...'));
  e.feed(
    line(T + 3000, ips[29]!, 163, 'failed to download postscripts from http://10.0.0.1/install/postscripts/, check /tmp/download.log on the node,  halt ...'),
  );
  expect(e.pendingMachines).toBe(30);
  const doc = e.snapshot(T + 4000, 0);
  expect(e.pendingMachines).toBe(29);
  const failed = doc.sessions.find((s) => s.ips.includes(ips[29]!));
  expect(failed?.outcome).toBe('failed');
  expect(failed?.rootCause?.pattern).toBe('post.download-failed');
  // The others still show their last diagnosis until their turn comes.
  expect(doc.sessions.find((s) => s.ips.includes(ips[0]!))?.stage).toBe(before);
  let d2 = doc;
  for (let k = 0; k < 40 && e.pendingMachines; k++) d2 = e.snapshot(T + 4000, 0);
  expect(e.pendingMachines).toBe(0);
  expect(d2.sessions.find((s) => s.ips.includes(ips[0]!))?.stage).not.toBe(before);
});
