// Every shipped pattern's example lines, run as fail2ban runs its sample logs.
import * as path from 'node:path';
import { loadKnowledgeBase, patternFilesIn } from '../../src/patterns/load';
import { checkExamples, exampleRecord, fileKindOf } from '../../src/patterns/examples';
import { Matcher } from '../../src/patterns/match';

const dir = path.join(__dirname, '..', '..', 'patterns');

describe('shipped knowledge base', () => {
  const kb = loadKnowledgeBase({ paths: [dir] });

  test('loads without problems (schema, regexes, references, cycles)', () => {
    expect(kb.problems).toEqual([]);
  });

  test('has patterns and rules', () => {
    expect(kb.patterns.length).toBeGreaterThan(0);
  });

  // Log text is hostile: a 16 KiB line built to make a regex backtrack (a lazy `\S+?` before
  // `\.{3,}`, an unanchored lazy run before a literal) took 0.6 s per line before its pattern was
  // fixed; a linear regex takes well under 10 ms. The bound is 40× that: a guard against
  // quadratic patterns, not a speed measurement.
  test('no pattern backtracks super-linearly on a hostile 16 KiB line', () => {
    const bases = ['.', 'a', ' ', ':', '/', '-', '0', 'x.', '. ', 'a ', '=', '│', '[', '(', ',', '_', 'aa:'];
    const prefixes = ['', 'http://', 'Filename: http://', 'xcat.discovery.x: (52:54:00:aa:bb:cc) ', 'Running postscript: ', 'postscript '];
    const slow: string[] = [];
    for (const p of kb.patterns) {
      for (const pre of prefixes) {
        for (const b of bases) {
          const line = `${pre}${b.repeat(Math.ceil(16_000 / b.length))}\u0001`;
          const t = process.hrtime.bigint();
          p.regex.test(line);
          const ms = Number(process.hrtime.bigint() - t) / 1e6;
          if (ms > 400) slow.push(`${p.id}: ${ms.toFixed(0)} ms on ${JSON.stringify(pre + b)}…`);
        }
      }
    }
    expect(slow).toEqual([]);
  });

  test('the matcher remembers results by channel, program and text, and gives what a fresh match gives', () => {
    const shared = new Matcher(kb.patterns);
    const view = (m: ReturnType<Matcher['match']>): unknown => (m ? [m.pattern.id, { ...m.fields }] : null);
    let n = 0;
    let programs = 0;
    for (const p of kb.patterns) {
      for (const ex of p.examples) {
        const kind = fileKindOf(ex.source, p.sources[0]!);
        const rec = kind ? exampleRecord(ex.line, kind, ex.program) : null;
        if (!rec) continue;
        // The same text under another program: a program filter must still decide.
        const other = { ...rec, program: rec.program ? `${rec.program}x` : 'other' };
        for (const r of [rec, other, rec, other]) {
          expect([ex.line, view(shared.match(r))]).toEqual([ex.line, view(new Matcher(kb.patterns).match(r))]);
          n++;
        }
        if (view(shared.match(rec)) !== null && JSON.stringify(view(shared.match(rec))) !== JSON.stringify(view(shared.match(other)))) programs++;
      }
    }
    expect(n).toBeGreaterThan(1000);
    expect(programs).toBeGreaterThan(0); // some examples do depend on their program
    // A remembered result cannot be changed by whoever received it.
    const m = shared.match(exampleRecord('Nov 24 10:00:07 mn01 dhcpd[2113]: DHCPACK on 10.0.0.11 to 52:54:00:aa:bb:01 (cn01) via eth1', 'messages')!);
    expect(m && Object.isFrozen(m.fields)).toBe(true);
  });

  for (const file of patternFilesIn(dir)) {
    test(`examples of ${path.basename(file)}`, () => {
      const problems = checkExamples(kb.patterns).filter((p) => p.startsWith(`${file}:`));
      expect(problems).toEqual([]);
      const own = kb.patterns.filter((p) => p.file === file);
      for (const p of own) expect(p.examples.length).toBeGreaterThan(0);
    });
  }
});
