// A pattern file is validated entry by entry: a broken entry is reported with its file and line
// and dropped, the others load. Each mistake below is one an admin writing a local pattern makes.
import { loadPatternFile } from '../../src/patterns/load';

const entry = (extra: string): string =>
  `patterns:\n  - id: site.ok\n    sources: [node]\n    regex: 'lustre: mount failed'\n    severity: error\n    title: 'Lustre did not mount'\n    meaning: x\n    remedy: y\n    examples:\n      - line: 'Nov 24 10:00:00 cn01 xcat: lustre: mount failed'\n        file: computes.log\n  - id: site.bad\n    sources: [node]\n    severity: error\n    title: t\n    meaning: x\n    remedy: y\n${extra}`;

test('a good entry loads; a broken one is reported with its line and dropped', () => {
  const r = loadPatternFile('/etc/xtriage/patterns.d/site.yaml', entry("    regex: '(unclosed'\n"));
  expect(r.patterns.map((p) => p.id)).toEqual(['site.ok']);
  expect(r.problems.join('\n')).toMatch(/site\.yaml:1\d: pattern site\.bad: .*regex/);
});

test('a program filter that is not a string (a YAML map or list) is refused, not compiled to "[object Object]"', () => {
  const r = loadPatternFile('site.yaml', entry("    regex: 'x'\n    program: {name: dhcpd}\n"));
  expect(r.patterns.map((p) => p.id)).toEqual(['site.ok']);
  expect(r.problems.join('\n')).toMatch(/pattern site\.bad: program must be a string/);
  const ok = loadPatternFile(
    'site.yaml',
    entry("    regex: 'x'\n    program: '^dhcpd$'\n    examples:\n      - line: 'Nov 24 10:00:00 mn01 dhcpd[12]: x'\n        file: messages\n"),
  );
  expect(ok.problems.join('\n')).not.toMatch(/program/);
  expect(ok.patterns.find((p) => p.id === 'site.bad')?.program?.source).toBe('^dhcpd$');
});

test('not YAML at all, or the wrong shape: one problem, nothing loaded, no throw', () => {
  expect(loadPatternFile('x.yaml', 'patterns: [').problems.length).toBeGreaterThan(0);
  expect(loadPatternFile('x.yaml', '- just a list').problems.join('\n')).toMatch(/expected a mapping/);
});
