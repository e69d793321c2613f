// diagnose() on machines' entries handed to it directly (src/diagnose/diagnose.ts): the root
// cause is the line that explains the others, never the generic status; an MN-side fault with
// no node line is a group of its own; an unknown error line a succeeded session also printed is
// noise, not a cause; a cached machine whose lines did not change is not rebuilt.
import { diagnose } from '../../src/diagnose/diagnose';
import { Identity } from '../../src/identity/identity';
import type { CachedMachine } from '../../src/engine/diagnoser';
import { entriesFrom, kb } from '../helpers/entries';

const now = Date.UTC(2026, 10, 24, 3, 0);
const base = { identity: new Identity(), patterns: kb.patterns, rules: kb.rules, now };
const start = (n: string): string[] => [
  `Nov 24 01:30:05 mn01 xcat[3103]: INFO xCAT: Allowing rinstall to ${n} osimage=rhels9-x86_64-install-compute for root from localhost`,
  `Nov 24 01:32:44 ${n} xcat.deployment: INFO  ============deployment starting============`,
  `Nov 24 01:32:45 mn01 xcat[2692]: INFO xcat.updatestatus - ${n}: changing status=installing`,
];

test("the root cause is the step that failed; the MN's status=failed is a symptom of it", () => {
  const cn01 = entriesFrom([
    ...start('cn01'),
    'Nov 24 01:43:06 cn01 xcat.deployment.postscript: INFO  postscript start..: site_tuning',
    'Nov 24 01:43:16 cn01 xcat.deployment.postscript: INFO  postscript end...: site_tuning return with 2',
    'Nov 24 01:43:20 mn01 xcat[2692]: INFO xcat.updatestatus - cn01: changing status=failed',
  ]);
  const { doc } = diagnose({ ...base, machines: new Map([['52:54:00:00:00:01', cn01]]), cluster: [] });
  expect(doc.sessions).toHaveLength(1);
  const s = doc.sessions[0]!;
  expect(s.outcome).toBe('failed');
  expect(s.rootCause!.evidence[0]!.line).toMatch(/site_tuning return with 2/);
  expect(s.symptoms.map((y) => y.evidence[0]?.line ?? '').join('\n')).toMatch(/status=failed/);
});

test('an MN-side fault no node line shows is a group of its own (exit 1 material)', () => {
  const cluster = entriesFrom(['Nov 24 09:40:00 mn01 dhcpd[1201]: /etc/dhcp/dhcpd.conf line 25: semicolon expected.'], 'messages', 'messages');
  const { doc } = diagnose({ ...base, machines: new Map(), cluster });
  expect(doc.sessions).toEqual([]);
  expect(doc.groups).toHaveLength(1);
  expect(doc.groups[0]!.sessions).toEqual([]);
  expect(doc.groups[0]!.evidence[0]!.line).toMatch(/semicolon expected/);
});

test('an unknown error line that a succeeded session printed too is noise: neither a cause nor listed', () => {
  const noise = 'Nov 24 01:40:00 NODE xcat.deployment: ERR  frobnicator: widget table not found';
  const ok = entriesFrom([
    ...start('cn02'),
    noise.replace('NODE', 'cn02'),
    'Nov 24 01:50:00 mn01 xcat[2692]: INFO xcat.updatestatus - cn02: changing status=booted',
  ]);
  const bad = entriesFrom([
    ...start('cn03'),
    noise.replace('NODE', 'cn03'),
    'Nov 24 01:45:00 cn03 xcat.deployment: ERR  gizmo: flux capacitor exploded',
    'Nov 24 01:50:00 mn01 xcat[2692]: INFO xcat.updatestatus - cn03: changing status=failed',
  ]);
  const machines = new Map([
    ['52:54:00:00:00:02', ok],
    ['52:54:00:00:00:03', bad],
  ]);
  const { doc } = diagnose({ ...base, machines, cluster: [] });
  expect(doc.sessions.map((s) => s.outcome).sort()).toEqual(['failed', 'succeeded']);
  const s3 = doc.sessions.find((s) => s.outcome === 'failed')!;
  expect(s3.rootCause!.recognised).toBe(false);
  expect(s3.rootCause!.evidence[0]!.line).toMatch(/flux capacitor exploded/);
  expect(doc.unknownErrors.map((u) => u.example.line).join('\n')).not.toMatch(/widget table/);
  expect(doc.unknownErrors.find((u) => /flux capacitor/.test(u.example.line))).toMatchObject({ failingSessions: 1, succeededSessions: 0 });
});

test('live: a cached machine whose lines did not change is not rebuilt; one whose lines changed is', () => {
  const cn04 = entriesFrom([...start('cn04'), 'Nov 24 01:50:00 mn01 xcat[2692]: INFO xcat.updatestatus - cn04: changing status=booted']);
  const cn05 = entriesFrom(start('cn05'));
  const machines = new Map([
    ['52:54:00:00:00:04', cn04],
    ['52:54:00:00:00:05', cn05],
  ]);
  const cache = new Map<string, CachedMachine>();
  const first = diagnose({ ...base, machines, cluster: [], cache, changed: new Set(machines.keys()) });
  expect([...first.rebuilt].sort()).toEqual(['52:54:00:00:00:04', '52:54:00:00:00:05']);
  const second = diagnose({ ...base, machines, cluster: [], cache, changed: new Set(['52:54:00:00:00:05']), memo: { sig: null } });
  expect([...second.rebuilt]).toEqual(['52:54:00:00:00:05']);
  // The untouched machine's document is the very same object: nothing was redone for it.
  const s4 = (d: typeof first) => d.doc.sessions.find((s) => s.node === 'cn04');
  expect(s4(second)).toBe(s4(first));
});

test('a cause said by several lines keeps, with its count, the error its step printed', () => {
  const step = (t: string): string[] => [
    `Nov 24 01:${t}:06 cn06 xcat.deployment.postscript: INFO  postscript start..: site_tuning`,
    `Nov 24 01:${t}:07 cn06 xcat.deployment.postscript: ERR  site_tuning: cannot open /etc/site.conf`,
    `Nov 24 01:${t}:08 cn06 xcat.deployment.postscript: INFO  postscript end...: site_tuning return with 2`,
  ];
  const cn06 = entriesFrom([
    ...start('cn06'),
    ...step('43'),
    ...step('44'),
    'Nov 24 01:45:20 mn01 xcat[2692]: INFO xcat.updatestatus - cn06: changing status=failed',
  ]);
  const { doc } = diagnose({ ...base, machines: new Map([['52:54:00:00:00:06', cn06]]), cluster: [] });
  const title = doc.sessions[0]!.rootCause!.title;
  expect(title).toMatch(/site_tuning/);
  expect(title).toMatch(/\(×2\): .*cannot open \/etc\/site\.conf/);
});
