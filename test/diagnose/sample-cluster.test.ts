// The bundled sample (examples/sample-cluster: what the README tells a new user to run) is right
// node by node against its truth.json, earlier attempts included, with "now" taken from the input
// (no --now): a stall is measured against the sample's own last line, never the wall clock.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../src/analyze';
import { loadKb } from '../../src/patterns/kb';
import { renderReport, exitStatusOf } from '../../src/cli/report';
import { parseIso } from '../../src/sources/timestamps';
import { score, type TruthNode } from '../helpers/score';

const dir = path.join(__dirname, '..', '..', 'examples', 'sample-cluster');
interface Truth {
  start: string;
  end: string;
  nodes: (TruthNode & { previous: { mac: string; outcome: string; rootCause: { match: string } | null }[] })[];
}

test('the bundled sample: every node right against truth.json, earlier attempts too, stalls from the input time', async () => {
  const truth = JSON.parse(fs.readFileSync(path.join(dir, 'truth.json'), 'utf8')) as Truth;
  const { doc } = await analyze({ paths: [path.join(dir, 'log')], captures: [], kb: loadKb([], { local: false }), warn: () => {} });
  const s = score(doc, truth.nodes);
  expect(s.misses).toEqual([]);
  expect(s.outcomeRight).toBe(truth.nodes.length);

  // An earlier attempt that failed is its own session with its own cause (cn05: sent as localhost).
  const earlier: string[] = [];
  for (const t of truth.nodes) {
    for (const p of t.previous) {
      const mine = doc.sessions.filter((x) => x.mac === p.mac).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
      const first = mine[0];
      if (first?.outcome !== p.outcome) earlier.push(`${t.node}: earlier attempt ${first?.outcome ?? 'missing'}, expected ${p.outcome}`);
      const line = first?.rootCause?.evidence[0]?.line ?? '';
      if (p.rootCause && !line.includes(p.rootCause.match)) earlier.push(`${t.node}: earlier root ${JSON.stringify(line)}, expected ${p.rootCause.match}`);
    }
  }
  expect(earlier).toEqual([]);

  // Waited times are bounded by the sample's own span, not by how old the files are.
  const span = (parseIso(truth.end)! - parseIso(truth.start)!) / 1000;
  for (const x of doc.sessions) if (x.stall) expect(x.stall.waitedS).toBeLessThanOrEqual(span);

  const report = renderReport(doc, { color: false, width: 200 });
  expect(report).toMatch(/cn05 succeeded on its 2nd attempt; the 1st failed .*site_tuning/);
  // "Shared" means two nodes or more.
  const shared = report.split('CAUSES SHARED ACROSS THE CLUSTER')[1]?.split(/\n[A-Z]{4,}/)[0] ?? '';
  expect(shared).not.toMatch(/✗ 1 node:/);
  expect(exitStatusOf(doc)).toBe(1);
});

// A git checkout, a `cp` or a package install gives the files today's mtime (or 1970): the
// November stamps without a year must still be November of the year the access_log states, or
// every machine splits in two (86 sessions instead of 43, seen on an RPM-installed copy).
test("the sample gives the same diagnosis whatever its files' modification times", async () => {
  const kb = loadKb([], { local: false });
  const essence = (d: Awaited<ReturnType<typeof analyze>>['doc']): string[] =>
    d.sessions.map((s) => `${s.mac ?? s.node} ${s.outcome} ${s.startedAt} ${s.rootCause?.evidence[0]?.line ?? ''}`).sort();
  const want = essence((await analyze({ paths: [path.join(dir, 'log')], captures: [], kb, warn: () => {} })).doc);
  for (const when of [Date.UTC(2029, 1, 1), 86_400_000]) {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'xt-sample-'));
    try {
      fs.cpSync(path.join(dir, 'log'), copy, { recursive: true });
      const walk = (d: string): void => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          const p = path.join(d, e.name);
          if (e.isDirectory()) walk(p);
          else fs.utimesSync(p, when / 1000, when / 1000);
        }
      };
      walk(copy);
      expect({ when: new Date(when).toISOString(), sessions: essence((await analyze({ paths: [copy], captures: [], kb, warn: () => {} })).doc) }).toEqual({
        when: new Date(when).toISOString(),
        sessions: want,
      });
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  }
});
