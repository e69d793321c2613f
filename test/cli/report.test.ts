// What a person reads (#18 items 5, 6), on documents built by hand so each rule is pinned:
// symptoms folded with ×N and never repeating the root cause (report and node screen), a
// machine known by its MAC named once, one-node faults told as MN-side, a node whose last
// attempt succeeded told as history, node rows that keep the cause at 80 columns, log lines
// without their syslog header, timelines in stage order.
import type { AnalysisDoc, SessionDoc } from '../../src/diagnose/diagnose';
import { exitStatusOf, foldSymptoms, renderReport } from '../../src/cli/report';
import { sessionLine, clusterText } from '../../src/tui/cluster';
import { nodeRows } from '../../src/tui/node';
import { displayLine } from '../../src/tui/format';
import { toPlain as plainText } from '../../src/tui/style';
import { stepsOf } from '../../src/tui/timeline';

const ev = (line: string, at = '2026-11-24T10:20:00+00:00', source = 'messages') => ({ at, source, line });

function session(over: Partial<SessionDoc> & { id: string }): SessionDoc {
  return {
    mac: null,
    ips: [],
    node: null,
    identity: 'mac',
    outcome: 'failed',
    stage: 'postscripts',
    startedAt: '2026-11-24T10:00:00+00:00',
    endedAt: null,
    rootCause: null,
    symptoms: [],
    milestones: [],
    attempts: 1,
    unknownErrors: [],
    ...over,
  };
}

const CAUSE = {
  pattern: 'http.postscript-forbidden',
  title: 'httpd refused postscript `mlnx` (403)',
  remedy: 'chmod a+r it.',
  evidence: [ev('GET /install/postscripts/mlnx 403')],
};
const HALT = {
  pattern: 'node.post-download-failed',
  title: '%post could not download the postscripts; the install halted',
  evidence: [ev('failed to download postscripts')],
};

const cn01 = session({
  id: 's1',
  node: 'cn01',
  mac: '52:54:00:00:00:01',
  ips: ['10.0.0.11'],
  rootCause: CAUSE,
  symptoms: [
    // The root cause again (its own later lines), as the engine may list it.
    { pattern: CAUSE.pattern, title: CAUSE.title, evidence: CAUSE.evidence, explained: false },
    { ...HALT, title: `${HALT.title} (×5)`, explained: true },
    { ...HALT, explained: true },
    { ...HALT, explained: true },
    { pattern: 'xcatd.credentials-not-ready', title: 'xcatd refused credentials', evidence: [ev('not ready')], explained: true },
  ],
});

describe('symptoms', () => {
  test('folded by pattern and title with ×N; the root cause never listed as a symptom of itself', () => {
    const folded = foldSymptoms(cn01);
    expect(folded.map((y) => [y.title, y.n])).toEqual([
      [HALT.title, 7],
      ['xcatd refused credentials', 1],
    ]);
  });

  test('a symptom of the same pattern as the cause with another title stays (another postscript refused)', () => {
    const other = { ...cn01, symptoms: [{ pattern: CAUSE.pattern, title: 'httpd refused postscript `site` (403)', evidence: [], explained: true }] };
    expect(foldSymptoms(other).map((y) => y.title)).toEqual(['httpd refused postscript `site` (403)']);
  });

  test('the report and the node screen show them folded', () => {
    const report = renderReport({ sessions: [cn01], groups: [], unknownErrors: [] }, { color: false, width: 200 });
    const listed = report.split('\n').filter((l) => /^ {6}- /.test(l));
    expect(listed).toHaveLength(2);
    expect(listed[0]).toMatch(/^ {6}- %post could not download the postscripts; the install halted ×7 \(explained\)/);
    expect(report.match(/httpd refused postscript `mlnx`/g)).toHaveLength(1);

    const rows = nodeRows({ session: cn01, detail: null, medians: new Map(), open: 'all', width: 100, now: Date.parse('2026-11-24T10:30:00Z') });
    const text = rows.map((r) => plainText(r.render(100)));
    expect(text.filter((l) => /^ {2}- /.test(l))).toEqual([
      expect.stringMatching(/^ {2}- %post could not download the postscripts; the install halted ×7 {2}\(explained by the root cause\)/),
      expect.stringMatching(/^ {2}- xcatd refused credentials {2}\(explained/),
    ]);
    expect(text.find((l) => /SYMPTOMS/.test(l))).toMatch(/SYMPTOMS 2/);
    // "1 line kept", not "1 lines kept".
    const one = {
      ...cn01,
      timeline: [{ at: '2026-11-24T10:20:00+00:00', source: 'messages', line: 'x', pattern: null, severity: null, stage: null, count: 1, lastAt: null }],
      otherAttempts: [],
    };
    const hint = nodeRows({ session: cn01, detail: one, medians: new Map(), open: 'all', width: 100, now: 0 })
      .map((r) => plainText(r.render(100)))
      .find((l) => /kept for this session/.test(l));
    expect(hint).toMatch(/^ {2}1 line kept for this session/);
  });
});

describe('the report, top to bottom', () => {
  const lost = session({
    id: 's2',
    mac: 'ac:1f:6b:a1:49:f5',
    ips: ['10.0.1.32'],
    outcome: 'stalled',
    stage: 'dhcp',
    rootCause: { pattern: 'stall.dhcp', title: 'Got an address, never fetched its boot loader (21m)', remedy: '', evidence: [] },
  });
  const cn09 = session({
    id: 's3',
    node: 'cn09',
    mac: '52:54:00:00:00:09',
    ips: ['10.0.0.19'],
    rootCause: { pattern: 'post.ps-missing', title: 'Postscript x does not exist', remedy: 'Put it there.', evidence: [ev('x does NOT exist')] },
  });
  const cn05a = session({
    id: 's4',
    node: 'cn05',
    mac: '52:54:00:00:00:05',
    rootCause: { pattern: 'post.ps-failed-ng', title: 'Postscript site_tuning failed with exit code 2', remedy: '', evidence: [ev('return with 2')] },
  });
  const cn05b = session({
    id: 's5',
    node: 'cn05',
    mac: '52:54:00:00:00:05',
    outcome: 'succeeded',
    stage: 'booted',
    startedAt: '2026-11-24T10:20:00+00:00',
    endedAt: '2026-11-24T10:40:00+00:00',
  });
  const ok = ['cn12', 'cn2', 'cn10', 'cn1'].map((n, i) => session({ id: `ok${i}`, node: n, outcome: 'succeeded', stage: 'booted' }));
  const doc: AnalysisDoc = {
    sessions: [lost, cn09, cn05a, cn05b, ...ok],
    groups: [
      {
        pattern: 'post.ps-missing',
        title: 'Postscript x does not exist',
        remedy: 'Put it there.',
        evidence: [ev('x does NOT exist')],
        sessions: ['s3'],
        nodes: ['cn09'],
        scope: 'cluster',
      },
    ],
    unknownErrors: [],
  };
  const report = renderReport(doc, { color: false, width: 200 });

  test('a machine known by its MAC only is named by it once', () => {
    const head = report.split('\n').find((l) => l.startsWith('STALLED'))!;
    expect(head.split('ac:1f:6b:a1:49:f5')).toHaveLength(2);
    expect(head).toMatch(/^STALLED {2}ac:1f:6b:a1:49:f5 {2}10\.0\.1\.32 {2}stage dhcp/);
  });

  test('a fault that hit one node is MN-side, not "shared across the cluster"', () => {
    expect(report).not.toMatch(/CAUSES SHARED ACROSS THE CLUSTER/);
    expect(report).toMatch(/MN-SIDE FAULTS\n\n✗ 1 node: Postscript x does not exist/);
    expect(report).toMatch(/FAILED {3}cn09 .*\n {4}cause {4}Postscript x does not exist .*\n {13}\(MN-side fault: see above\)/);
    expect(report).not.toMatch(/shared cause: see above/);
  });

  test('a node whose last attempt succeeded is history, not a node that did not provision', () => {
    expect(report).toMatch(
      /RECOVERED \(a later attempt succeeded\)\n {2}cn05 succeeded on its 2nd attempt; the 1st failed \(2026-11-24 10:00:00\): Postscript site_tuning failed with exit code 2/,
    );
    const notProvisioned = report.split('NODES THAT DID NOT PROVISION')[1]!.split('RECOVERED')[0]!;
    expect(notProvisioned).not.toMatch(/cn05/);
  });

  test('succeeded nodes in name order', () => {
    expect(report).toMatch(/SUCCEEDED 5: cn1 cn2 cn05 cn10 cn12\n/);
  });

  test('xtriage status lists a one-node group under MN-SIDE FAULTS, not as shared', () => {
    const text = clusterText({ sessions: new Map(doc.sessions.map((s) => [s.id, s])), groups: doc.groups, health: null, rate: null, unknownErrors: [] })
      .map((l) => plainText(l))
      .join('\n');
    expect(text).not.toMatch(/ROOT CAUSES SHARED BY SEVERAL NODES/);
    expect(text).toMatch(/MN-SIDE FAULTS/);
  });
});

test('a fragment with no outcome shows the error it carried past as its lead, and is no alarm', () => {
  const lead = {
    pattern: 'unknown',
    recognised: false,
    severity: 'warning' as const,
    title: 'An error the install carried past: line 140: perl: command not found',
    remedy: '',
    evidence: [ev('line 140: perl: command not found', undefined, 'xcat.log')],
  };
  const frag = session({ id: 'f1', node: 'cn30', outcome: 'unknown', stage: 'postinstall', rootCause: lead });
  const doc: AnalysisDoc = { sessions: [frag], groups: [], unknownErrors: [] };
  const report = renderReport(doc, { color: false, width: 200 });
  expect(report).toMatch(/NO OUTCOME IN THE INPUT 1: cn30\(postinstall\)\n {2}cn30 lead An error the install carried past: line 140: perl/);
  expect(report).toMatch(/xcat\.log {2}line 140: perl: command not found/);
  expect(report).not.toMatch(/NODES THAT DID NOT PROVISION/);
  expect(exitStatusOf(doc)).toBe(0);
  // A recognised warning on a fragment is still one to act on.
  expect(exitStatusOf({ ...doc, sessions: [{ ...frag, rootCause: { ...lead, pattern: 'install.disk-detection-failed' } }] })).toBe(1);
});

describe('node rows', () => {
  const stalled = session({
    id: 'r1',
    node: 'cn07',
    mac: '52:54:00:00:00:07',
    ips: ['10.0.0.17'],
    outcome: 'stalled',
    stage: 'postbootscripts',
    rootCause: { pattern: 'stall.x', title: 'Postbootscripts started, the node never reported booted (26m)', remedy: '', evidence: [] },
  });
  const macOnly = session({
    id: 'r2',
    mac: 'ac:1f:6b:a1:49:f5',
    ips: ['10.0.1.32'],
    outcome: 'stalled',
    stage: 'dhcp',
    rootCause: { pattern: 'stall.dhcp', title: 'Got an address, never fetched its boot loader (21m)', remedy: '', evidence: [] },
  });

  test('at 80 columns the cause keeps at least 30 of them: IP, then MAC, then the stage go first', () => {
    for (const [s, nameW] of [
      [stalled, 6],
      [macOnly, 17],
    ] as const) {
      const line = plainText(sessionLine(s, { nameW, inGroup: false, width: 80 }));
      const cause = s.rootCause!.title;
      const at = line.indexOf(cause.slice(0, 20));
      expect([line, at > 0]).toEqual([line, true]);
      expect(80 - at).toBeGreaterThanOrEqual(30);
      expect(line).not.toMatch(/10\.0\./);
    }
    // MAC-only: the MAC once.
    expect(plainText(sessionLine(macOnly, { nameW: 17, inGroup: false, width: 80 })).split('ac:1f:6b:a1:49:f5')).toHaveLength(2);
  });

  test('at 200 columns everything is there, the MAC-only machine still named once', () => {
    expect(plainText(sessionLine(stalled, { nameW: 6, inGroup: false, width: 200 }))).toMatch(
      /cn07 {4}52:54:00:00:00:07 {2}10\.0\.0\.17 +postbootscripts +Postbootscripts started/,
    );
    const m = plainText(sessionLine(macOnly, { nameW: 17, inGroup: false, width: 200 }));
    expect(m.split('ac:1f:6b:a1:49:f5')).toHaveLength(2);
    expect(m).toMatch(/10\.0\.1\.32 +dhcp +Got an address/);
  });
});

describe('log lines', () => {
  test('an RFC 5424 header (priority, time, structured data) is dropped, the message kept', () => {
    expect(
      displayLine('<166>1 2026-11-24T10:20:00.123+00:00 localhost xcat.deployment - - [timeQuality tzKnown="1" isSynced="0"] running postscript mlnx'),
    ).toBe('xcat.deployment: running postscript mlnx');
    expect(displayLine('<163>1 2026-11-24T10:20:00Z cn07 mysite 4242 - - \uFEFFERROR it broke')).toBe('cn07 mysite[4242]: ERROR it broke');
    // Relayed: the node's own line is the MSG.
    expect(displayLine('<13>1 2026-11-24T10:20:00Z mn01 - - - [origin ip="10.0.0.17"] <13>Nov 24 10:20:00 cn07 root: hello')).toBe('cn07 root: hello');
    expect(displayLine('<13>1 2026-11-24T10:20:00Z - - - - [x a="]\\"b"][y] msg with ] inside')).toBe('msg with ] inside');
  });

  test("a file's syslog date goes (the time column has it); other lines are kept as they are", () => {
    expect(displayLine('Nov 24 10:00:41 mn01 dhcpd[1234]: DHCPDISCOVER from 52:54:00:aa:bb:01 via ens4')).toBe(
      'mn01 dhcpd[1234]: DHCPDISCOVER from 52:54:00:aa:bb:01 via ens4',
    );
    // rsyslog's RSYSLOG_FileFormat (high-precision ISO stamps) likewise.
    expect(displayLine('2026-12-07T09:44:22.477000+00:00 mn01 xcat[2485]: xcatd: received a connection request')).toBe(
      'mn01 xcat[2485]: xcatd: received a connection request',
    );
    const access = '10.0.0.11 - - [24/Nov/2026:10:00:46 +0000] "GET /x HTTP/1.1" 200 500 "-" "iPXE"';
    expect(displayLine(access)).toBe(access);
    expect(displayLine('<not a header')).toBe('<not a header');
  });
});

test('timeline: milestones of the same second come in stage order', () => {
  const at = '2026-11-24T10:00:05+00:00';
  const steps = stepsOf(
    {
      milestones: [
        { stage: 'bootscript', at },
        { stage: 'kernel', at },
        { stage: 'dhcp', at },
        { stage: 'poweron', at: '2026-11-24T10:00:00+00:00' },
        { stage: 'bootloader', at },
      ],
    },
    new Map(),
  );
  expect(steps.map((s) => s.stage)).toEqual(['poweron', 'dhcp', 'bootloader', 'bootscript', 'kernel']);
});
