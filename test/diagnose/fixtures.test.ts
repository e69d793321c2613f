// Diagnosis quality on the hand-written corpus: every fixture tree in test/fixtures/ with an
// expected.json is analysed and each expected node's outcome, root-cause line, symptoms and
// cluster groups are checked.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze } from '../../src/analyze';
import { loadKb } from '../../src/patterns/kb';
import type { AnalysisDoc, SessionDoc } from '../../src/diagnose/diagnose';
import { parseIso } from '../../src/sources/timestamps';

interface Expected {
  description?: string;
  now?: string;
  /** The time the corpus was cut off (its reference "now"). */
  end?: string;
  nodes: { node: string; mac?: string; outcome: string; rootCause?: { match: string } | null; symptoms?: string[] }[];
  groups?: { match: string; nodes: string[] }[];
}

const root = path.join(__dirname, '..', 'fixtures');
const fixtures = fs.existsSync(root) ? fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'expected.json'))) : [];
const kb = loadKb([], { local: false });

export function latestSession(doc: AnalysisDoc, node: string, mac?: string): SessionDoc | undefined {
  const mine = doc.sessions.filter((s) => (mac && s.mac === mac.toLowerCase()) || s.node === node);
  return mine.sort((a, b) => a.startedAt.localeCompare(b.startedAt)).pop();
}

describe('fixture corpus', () => {
  test('there are fixtures', () => {
    expect(fixtures.length).toBeGreaterThan(0);
  });
  for (const name of fixtures) {
    test(name, async () => {
      const dir = path.join(root, name);
      const exp = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
      const warnings: string[] = [];
      const { doc } = await analyze({
        paths: [path.join(dir, 'log')],
        captures: [],
        kb,
        now: (exp.now ?? exp.end) ? (parseIso((exp.now ?? exp.end)!) ?? undefined) : undefined,
        warn: (m) => warnings.push(m),
      });
      const problems: string[] = [];
      for (const n of exp.nodes) {
        const s = latestSession(doc, n.node, n.mac);
        if (!s) {
          problems.push(`${n.node}: no session`);
          continue;
        }
        if (s.outcome !== n.outcome)
          problems.push(`${n.node}: outcome ${s.outcome}, expected ${n.outcome} (root: ${s.rootCause?.pattern} ${s.rootCause?.title})`);
        if (n.rootCause) {
          const line = s.rootCause?.evidence[0]?.line ?? '';
          if (!line.includes(n.rootCause.match))
            problems.push(
              `${n.node}: root cause line ${JSON.stringify(line)} (${s.rootCause?.pattern}), expected one containing ${JSON.stringify(n.rootCause.match)}`,
            );
        } else if (n.rootCause === null && s.rootCause) {
          problems.push(`${n.node}: unexpected root cause ${s.rootCause.pattern}`);
        }
        for (const sym of n.symptoms ?? []) {
          const hit = s.symptoms.some((y) => y.title.includes(sym) || y.evidence.some((e) => e.line.includes(sym)));
          if (!hit) problems.push(`${n.node}: no symptom containing ${JSON.stringify(sym)} (have: ${s.symptoms.map((y) => y.pattern).join(', ')})`);
        }
      }
      for (const g of exp.groups ?? []) {
        const group = doc.groups.find((x) => x.title.includes(g.match) || x.evidence.some((e) => e.line.includes(g.match)));
        if (!group) {
          problems.push(`no group matching ${JSON.stringify(g.match)} (groups: ${doc.groups.map((x) => x.title).join(' | ')})`);
          continue;
        }
        // Members by name, or by MAC where the logs never tie the machine to its name
        // (a node that never got past DHCP).
        const members = group.sessions.map((id) => doc.sessions.find((s) => s.id === id));
        const names = new Set([...group.nodes, ...members.map((s) => s?.node ?? '')]);
        const macs = new Set(members.map((s) => s?.mac ?? ''));
        for (const n of g.nodes) {
          const mac = exp.nodes.find((x) => x.node === n)?.mac?.toLowerCase();
          if (!names.has(n) && !(mac && macs.has(mac))) problems.push(`group ${JSON.stringify(g.match)} lacks ${n}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }
});
