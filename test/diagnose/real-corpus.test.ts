// The real corpus: log excerpts people pasted into public xCAT threads and docs
// (test/fixtures/real/<case>/: case.yaml with the source URL and the stated cause, and the lines
// verbatim). Every case is analysed as an admin would (`xtriage analyze FILES`), and scored:
// outcome right, root-cause line right. Two things must hold for every case, always: a control
// (a clean provision) raises no alarm, and a failing case never ends "no session, exit 0".
// The scores are printed and must not fall below the floor measured when they were last raised.
// A case whose lines do not show the outcome the thread states (`notShown`: the hang or the loop
// is in the reporter's words only) is scored apart: its right answer is "unknown" (rule 7 of the
// real-logs issue), and the outcome score counts the cases that show one, as the issue measures.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { analyze } from '../../src/analyze';
import { loadKb } from '../../src/patterns/kb';
import { exitStatusOf } from '../../src/cli/report';
import { KIND_NAMES } from '../../src/sources/kinds';
import type { AnalysisDoc, SessionDoc } from '../../src/contract';
import type { FileKind } from '../../src/records/line-reader';

interface Case {
  source: string;
  outcome: string;
  rootCause: string | null;
  node?: string;
  confidence: string;
  files?: Record<string, string>;
  /** Why the lines do not show the thread's outcome (decided from the lines, before any run). */
  notShown?: string;
}

const root = path.join(__dirname, '..', 'fixtures', 'real');
const names = fs
  .readdirSync(root)
  .filter((d) => fs.existsSync(path.join(root, d, 'case.yaml')))
  .sort();
const kb = loadKb([], { local: false });
/** Context an admin would not feed to the analyser (xCAT object tables). */
const CONTEXT_ONLY = /^(?:case\.yaml|lsdef.*\.txt|README.*)$/;

/**
 * Cases where an invariant below does not hold yet, each with why: tracked, not hidden. Such a
 * case must still fail it (a case that starts passing must leave this list), so the list only
 * shrinks.
 */
const KNOWN_MISSES: Record<string, string> = {
  'xcat-core-1222-uefi-dhcp-relay-offer-never-requested':
    'DISCOVER and OFFER three times in 11 s and no REQUEST: telling a node that never takes the offer from one still choosing needs a rule over a longer window than the excerpt holds',
  'docs-kvm-faq-vm-nic-link-not-ready':
    "one bare kernel line, 'link is not ready', that every boot logs before the link comes up: claiming it would alarm on clean boots",
  'docs-manual-discovery-undef-node': 'only a nodediscoverls table (undef columns): a table is not a log',
  'xcat-core-7149-discovery-getcredentials-loop':
    'one cycle of the loop the thread describes, and that cycle is a discovery that found its node; the line the case blames, getcredentials from an unnamed peer, opens the discovery of the #645 control too',
  'xcat-core-2746-ubuntu1404-diskless-mypostscript-404':
    "the thread states no cause; the 404 on mypostscript.<node> is xcatdsklspost's first try before getpostscript.awk (the node's own next line says so), and the excerpt ends mid-postbootscripts",
};

/**
 * Raised as the corpus score rises; never lowered to make a code change pass. New cases are
 * added as they are found, misses included, so a bigger corpus may bring it down, never below
 * the real-logs issue's own bar (90 %): 16 cases added at 155 took the cause line from 92 % to
 * 86 %, and the fixes they asked for brought it back to 91 % (78/86). 20 more at 171: 88 % on
 * first run, 90 % (85/94) with their fixes; outcome 93 % (167/179). 11 more at 191: 88 %, then
 * 91 % (90/99); outcome 94 % (175/187). 10 more at 202: 88 %, then 92 % (97/106); outcome 93 %
 * (184/197). 17 more at 212: 90 %, then 92 % (105/114); outcome 94 % (200/213). 21 more at 229:
 * 88 %, then 92 % (116/126); outcome 94 % (218/233). 18 more at 250: 89 %, then 92 % (122/132);
 * outcome 93 % (233/250). 14 more at 268: 92 %, then 93 % (129/139); outcome 94 % (247/264). 13
 * more at 282 (genesis retry loops, a console that lost its BMC): outcome 92 % (255/276) with
 * their fixes, cause line 92 % (135/147); the outcome floor follows the corpus to 0.92. 7 more at
 * 295: 93 % (260/281), cause line 92 % (137/149).
 */
const FLOOR = { outcome: 0.92, rootCause: 0.9 };

export function sessionOf(doc: AnalysisDoc, c: Case): SessionDoc | undefined {
  const byStart = [...doc.sessions].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  if (c.node) {
    const want = c.node.toLowerCase().split('.')[0];
    const mine = byStart.filter((s) => s.node === want);
    if (mine.length) return mine.find((s) => s.outcome === c.outcome) ?? mine[mine.length - 1];
  }
  // A session that shows a failure before one whose lines decide nothing (a fragment of harmless lines).
  const bad = [
    ...byStart.filter((s) => s.outcome !== 'succeeded' && s.outcome !== 'running' && s.outcome !== 'unknown'),
    ...byStart.filter((s) => s.outcome === 'unknown'),
  ];
  return (c.outcome === 'succeeded' ? undefined : (bad.find((s) => s.outcome === c.outcome) ?? bad[0])) ?? byStart[byStart.length - 1];
}

async function run(name: string): Promise<{ c: Case; doc: AnalysisDoc; exit: number }> {
  const dir = path.join(root, name);
  const c = parse(fs.readFileSync(path.join(dir, 'case.yaml'), 'utf8')) as Case;
  const files = fs
    .readdirSync(dir)
    .filter((f) => !CONTEXT_ONLY.test(f))
    .sort();
  let doc: AnalysisDoc = { sessions: [], groups: [], unknownErrors: [] };
  // Each file as the admin would give it; several files of one case are analysed together.
  const forced = new Set(Object.values(c.files ?? {}));
  const as = forced.size === 1 && files.length === 1 ? (KIND_NAMES[[...forced][0]!] as FileKind | 'capture' | undefined) : undefined;
  ({ doc } = await analyze({ paths: files.map((f) => path.join(dir, f)), captures: [], kb, warn: () => {}, ...(as ? { as } : {}) }));
  return { c, doc, exit: exitStatusOf(doc) };
}

const results: { name: string; outcomeOk: boolean; rootOk: boolean | null; confidence: string; shown: boolean; threadOk: boolean }[] = [];

describe('real corpus', () => {
  test('has at least 40 cases, each with a source and an outcome', () => {
    expect(names.length).toBeGreaterThanOrEqual(40);
    for (const n of names) {
      const c = parse(fs.readFileSync(path.join(root, n, 'case.yaml'), 'utf8')) as Case;
      expect(c.source).toMatch(/^https:\/\//);
      expect(['failed', 'succeeded', 'stalled', 'looping', 'unknown']).toContain(c.outcome);
      if (c.rootCause) {
        const text = fs
          .readdirSync(path.join(root, n))
          .filter((f) => f !== 'case.yaml')
          .map((f) => fs.readFileSync(path.join(root, n, f), 'utf8'))
          .join('\n');
        expect(text).toContain(c.rootCause);
      }
    }
  });

  for (const name of names) {
    test(name, async () => {
      const { c, doc, exit } = await run(name);
      const s = sessionOf(doc, c);
      // Not shown: the honest answer is a session (or group) with no outcome claimed.
      let outcomeOk = c.notShown
        ? doc.sessions.length + doc.groups.length > 0 && doc.sessions.every((x) => x.outcome === 'unknown')
        : c.outcome === 'succeeded'
          ? exit === 0 && !doc.sessions.some((x) => x.outcome === 'failed' || x.outcome === 'looping')
          : s?.outcome === c.outcome;
      let line = s?.rootCause?.evidence[0]?.line ?? '';
      // An MN-side fault that no node's lines show (dhcpd refusing its configuration, a command
      // failing on the MN) is a cause of its own: a group, exit 1.
      const g = doc.groups[0];
      if ((!s || (s.outcome === 'unknown' && !c.notShown)) && g) {
        // No node outcome either way: the MN's fault is the whole diagnosis.
        if (c.outcome === 'failed') outcomeOk = exit === 1;
        else if (c.outcome === 'unknown') outcomeOk = doc.sessions.length === 0;
        line = g.evidence[0]?.line ?? '';
      }
      const rootOk = c.rootCause ? line.includes(c.rootCause) : null;
      results.push({ name, outcomeOk, rootOk, confidence: c.confidence, shown: !c.notShown, threadOk: s?.outcome === c.outcome });
      // Never "nothing wrong here" on a node that failed; never an alarm on a clean provision.
      const failing = c.outcome === 'failed' || c.outcome === 'looping' || c.outcome === 'stalled';
      const holds = c.notShown
        ? outcomeOk
        : failing
          ? exit === 1 && doc.sessions.length + doc.groups.length > 0
          : c.outcome === 'succeeded'
            ? exit === 0
            : true;
      if (KNOWN_MISSES[name]) expect({ name, holds, known: KNOWN_MISSES[name] }).toEqual({ name, holds: false, known: KNOWN_MISSES[name] });
      else
        expect({ name, exit, sessions: doc.sessions.map((x) => `${x.outcome} ${x.rootCause?.pattern ?? ''}`), holds }).toEqual({
          name,
          exit,
          sessions: expect.any(Array),
          holds: true,
        });
    });
  }

  afterAll(() => {
    if (!results.length) return;
    const withRoot = results.filter((r) => r.rootOk !== null);
    const shown = results.filter((r) => r.shown);
    const apart = results.filter((r) => !r.shown);
    const o = shown.filter((r) => r.outcomeOk).length / shown.length;
    const rc = withRoot.length ? withRoot.filter((r) => r.rootOk).length / withRoot.length : 1;
    const lines = [
      `real corpus: ${results.length} cases — outcome right ${shown.filter((r) => r.outcomeOk).length}/${shown.length} (${(o * 100).toFixed(0)} %) of those whose lines show one, ` +
        `root-cause line right ${withRoot.filter((r) => r.rootOk).length}/${withRoot.length} (${(rc * 100).toFixed(0)} %); ` +
        `lines show no outcome: ${apart.filter((r) => r.outcomeOk).length}/${apart.length} answered unknown; ` +
        `the thread's own outcome over all cases: ${results.filter((r) => (r.shown ? r.outcomeOk : r.threadOk)).length}/${results.length}`,
      ...results
        .filter((r) => !r.outcomeOk || r.rootOk === false)
        .map((r) => `  miss ${r.name}: ${r.outcomeOk ? '' : 'outcome '}${r.rootOk === false ? 'root-cause' : ''}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (process.env.XT_CORPUS_SCORE) fs.writeFileSync(process.env.XT_CORPUS_SCORE, JSON.stringify({ outcome: o, rootCause: rc, results }, null, 1));
    if (results.length === names.length) {
      expect(o).toBeGreaterThanOrEqual(FLOOR.outcome);
      expect(rc).toBeGreaterThanOrEqual(FLOOR.rootCause);
    }
  });
});
