// Every shipped pattern's example lines, run as fail2ban runs its sample logs.
import * as path from 'node:path';
import { loadKnowledgeBase, patternFilesIn } from '../src/patterns/load';
import { checkExamples } from '../src/patterns/examples';

const dir = path.join(__dirname, '..', 'patterns');

describe('shipped knowledge base', () => {
  const kb = loadKnowledgeBase({ paths: [dir] });

  test('loads without problems (schema, regexes, references, cycles)', () => {
    expect(kb.problems).toEqual([]);
  });

  test('has patterns and rules', () => {
    expect(kb.patterns.length).toBeGreaterThan(0);
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
