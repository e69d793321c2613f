// The session filter the TUI's `/` prompt, `xtriage status NODE` and `analyze --node` share:
// names and noderanges, MACs in any notation, IPs, session IDs; a filtered document keeps only
// the groups and unknown lines of what it kept.
import { filterDoc, sessionMatcher } from '../../src/view/filter';
import type { AnalysisDoc, SessionDoc } from '../../src/contract';

const s = (id: string, node: string | null, mac: string | null, ip: string): SessionDoc => ({
  id,
  node,
  mac,
  ips: [ip],
  identity: mac ? 'mac' : 'ip',
  outcome: 'failed',
  stage: 'postscripts',
  startedAt: '2026-11-24T10:00:00+00:00',
  endedAt: null,
  rootCause: null,
  symptoms: [],
  milestones: [],
  attempts: 1,
  unknownErrors: [],
});
const a = s('a-1', 'cn01', '52:54:00:00:00:01', '10.0.0.11');
const b = s('b-1', 'cn02', '52:54:00:00:00:02', '10.0.0.12');
const c = s('c-1', null, null, '10.0.0.99');

test('names, noderanges, MACs in any notation, IPs and session IDs select sessions', () => {
  const m = (spec: string) => [a, b, c].filter(sessionMatcher(spec)).map((x) => x.id);
  expect(m('cn01')).toEqual(['a-1']);
  expect(m('CN02')).toEqual(['b-1']);
  expect(m('cn[01-02]')).toEqual(['a-1', 'b-1']);
  expect(m('5254.0000.0002')).toEqual(['b-1']);
  expect(m('52-54-00-00-00-01')).toEqual(['a-1']);
  expect(m('10.0.0.99')).toEqual(['c-1']);
  expect(m('c-1')).toEqual(['c-1']);
  expect(m('cn03')).toEqual([]);
});

test('a filtered document keeps the groups and unknown lines of what it kept, nothing else', () => {
  const ev = { at: '2026-11-24T10:00:00+00:00', source: 'messages', line: 'x' };
  const doc: AnalysisDoc = {
    sessions: [a, b, c],
    groups: [
      { pattern: 'p1', title: 't1', remedy: '', evidence: [ev], sessions: ['a-1', 'b-1'], nodes: ['cn01', 'cn02'], scope: 'cluster' },
      { pattern: 'p2', title: 't2', remedy: '', evidence: [ev], sessions: ['c-1'], nodes: [], scope: 'cluster' },
    ],
    unknownErrors: [
      { template: 'u1', count: 2, sessions: ['b-1'], failingSessions: 1, succeededSessions: 0, example: ev },
      { template: 'u2', count: 1, sessions: ['a-1'], failingSessions: 1, succeededSessions: 0, example: ev },
    ],
  };
  const f = filterDoc(doc, 'cn01');
  expect(f.sessions.map((x) => x.id)).toEqual(['a-1']);
  expect(f.groups.map((g) => [g.pattern, g.sessions])).toEqual([['p1', ['a-1']]]);
  expect(f.unknownErrors.map((u) => u.template)).toEqual(['u2']);
});
