// The prefilter a pattern's regex gets: a literal every match contains, or, for an alternation,
// literals one of which every match contains. A wrong one would hide matches, so: known shapes,
// and every shipped pattern's examples pass their own prefilter.
import { requiredAnyOf, requiredLiteral } from '../../src/patterns/literal';
import { loadKb } from '../../src/patterns/kb';
import { LineReader } from '../../src/records/line-reader';

test('a run of text every match contains', () => {
  expect(requiredLiteral('^postscript end\\.\\.\\.: ?(?<script>\\S+) return with (?<rc>0)$')).toBe('postscript end...:');
  expect(requiredLiteral('^(?:a|b)x')).toBeNull();
});

test('alternations: one literal per branch, at the top level or in the first group every match goes through', () => {
  expect(requiredAnyOf('^(?<reply>ready|done)$')).toEqual(['ready', 'done']);
  expect(requiredAnyOf('(?:Reached target Switch Root\\.|Starting Switch Root\\.\\.\\.)')).toEqual(['Reached target Switch Root.', 'Starting Switch Root...']);
  expect(requiredAnyOf('Kernel panic|Oops: \\d+')).toEqual(['Kernel panic', 'Oops: ']);
  // An optional group, a lookahead, or a branch with no literal of 3 characters: no prefilter.
  expect(requiredAnyOf('^(?:foo|bar)?baz')).toBeNull();
  expect(requiredAnyOf('^(?=abc|def)x')).toBeNull();
  expect(requiredAnyOf('^(?:foo|\\d+)$')).toBeNull();
});

test("every shipped pattern's examples pass its prefilter", () => {
  const kb = loadKb([], { local: false });
  const misses: string[] = [];
  for (const p of kb.patterns) {
    for (const ex of p.examples) {
      const rec = new LineReader(p.sources[0] === 'node' ? 'text' : 'messages', 'x', Date.UTC(2026, 10, 24)).read(ex.line);
      const msg = rec?.message ?? ex.line;
      for (const text of [msg, ex.line]) {
        if (!p.regex.test(text)) continue;
        const ok = p.literal !== null ? text.includes(p.literal) : p.anyOf === null || p.anyOf.some((l) => text.includes(l));
        if (!ok) misses.push(`${p.id}: ${text}`);
      }
    }
  }
  expect(misses).toEqual([]);
});
