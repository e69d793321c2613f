// One syslog message in every form a node sends or rsyslog writes: RFC 5424 (with structured
// data and an origin a relay vouches for), RFC 3164 with and without hostname or PRI, FQDN and
// `(none)`-less hosts, a file line with an ISO or BSD stamp; never throws on garbage.
import { parseSyslog, normalizeIp, normalizeMac } from '../../src/sources/syslog-parse';
import { YearTracker } from '../../src/sources/timestamps';

const ref = Date.UTC(2026, 10, 24, 12, 0, 0);
const years = (): YearTracker => new YearTracker(ref);

test('RFC 5424 from a node: PRI, time, host, app, structured data with a relay-vouched origin, BOM', () => {
  const f = parseSyslog(
    '<166>1 2026-11-24T10:02:10.078926+00:00 localhost xcat.deployment - - [timeQuality tzKnown="1"][origin ip="10.0.0.11"] \uFEFFRunning Anaconda Pre-Installation script...\n',
    years(),
  );
  expect(f).toEqual({
    facility: 20,
    severity: 6,
    claimed: Date.UTC(2026, 10, 24, 10, 2, 10, 78),
    host: 'localhost',
    program: 'xcat.deployment',
    pid: null,
    message: 'Running Anaconda Pre-Installation script...',
    originIp: '10.0.0.11',
  });
});

test('RFC 3164 with hostname and pid, an FQDN host, and without a hostname', () => {
  const a = parseSyslog('<30>Nov 24 10:13:05 cn01.cluster.example xcat[2469]: INFO ready', years());
  expect([a.severity, a.host, a.program, a.pid, a.message]).toEqual([6, 'cn01.cluster.example', 'xcat', 2469, 'INFO ready']);
  expect(new Date(a.claimed!).getUTCFullYear()).toBe(2026);
  const b = parseSyslog('<13>Nov 24 10:13:05 logger: hello', years());
  expect([b.host, b.program, b.message]).toEqual([null, 'logger', 'hello']);
});

test("a file line as rsyslog writes it (no PRI), BSD or RFC 3339 stamp; xCAT's 'host tag SEVERITY msg'", () => {
  const a = parseSyslog('Nov 24 10:02:10 cn01 xcat.deployment: INFO  Found /dev/sda, generate partition file...', years());
  expect([a.facility, a.host, a.program, a.message]).toEqual([null, 'cn01', 'xcat.deployment', 'INFO  Found /dev/sda, generate partition file...']);
  const b = parseSyslog('2026-11-24T10:02:10+00:00 mn01 dhcpd[812]: DHCPACK on 10.0.0.11 to 52:54:00:00:00:01 via eth1', years());
  expect([b.claimed, b.host, b.program, b.pid]).toEqual([Date.UTC(2026, 10, 24, 10, 2, 10), 'mn01', 'dhcpd', 812]);
  const c = parseSyslog('Nov 24 11:01:05 localhost xcat.deployment INFO =============deployment starting====================', years());
  // The colon-less tag of computes.log's template is the computes kind's to read (kinds/computes-log.ts).
  expect([c.host, c.program, c.message]).toEqual(['localhost', null, 'xcat.deployment INFO =============deployment starting====================']);
});

test('real oddities: a bracketed word before the tag (genesis as the MN keeps it), an ident with spaces (xCAT 2.0)', () => {
  // xcat-core#4860
  const a = parseSyslog('Feb 28 03:01:11 mid05tor12cn16 [localhost] xcat.genesis.dodiscovery: Beginning node discovery process...', years());
  expect([a.host, a.program, a.message]).toEqual(['mid05tor12cn16', 'xcat.genesis.dodiscovery', 'Beginning node discovery process...']);
  // the xCAT 2 SourceForge wiki: an unpadded day and "xCAT node discovery" as the ident
  const b = parseSyslog('Oct 9 13:22:55 mgt xCAT node discovery: n46 has been discovered', years());
  expect([b.host, b.program, b.message]).toEqual(['mgt', null, 'xCAT node discovery: n46 has been discovered']);
  // xcat2-task-management#498: genesis, no hostname yet
  const n = parseSyslog('2019-02-18T02:49:41.764231+00:00 (none) rpc.statd[1620]: Running as root.', years());
  expect([n.host, n.program, n.pid, n.message]).toEqual(['(none)', 'rpc.statd', 1620, 'Running as root.']);
  const c = parseSyslog('Oct 9 13:22:55 Starting the discovery service: done', years());
  expect([c.host, c.message]).toEqual([null, 'Starting the discovery service: done']);
});

test('what it cannot read stays in the message; never throws', () => {
  for (const junk of ['', '<999>x', '<12>1 - - - - - -', '\u0000\u001b[2J<script>', 'x'.repeat(100_000), '<14>Feb 30 99:99:99 ']) {
    const f = parseSyslog(junk, years());
    expect(typeof f.message).toBe('string');
  }
  expect(parseSyslog('<999>x', years())).toMatchObject({ facility: null, message: '<999>x' });
  expect(parseSyslog('<12>1 - - - - - -', years())).toMatchObject({ claimed: null, host: null, program: null, message: '' });
});

test('addresses: IPv4-mapped and bracketed IPs, MACs in every notation xCAT and switches print', () => {
  expect(normalizeIp('::FFFF:10.0.0.11')).toBe('10.0.0.11');
  expect(normalizeIp('[FE80::1]')).toBe('fe80::1');
  for (const m of ['52:54:00:AA:BB:01', '52-54-00-aa-bb-01', '5254.00aa.bb01', '525400aabb01', '52:54:0:aa:bb:1'])
    expect(normalizeMac(m)).toBe('52:54:00:aa:bb:01');
  expect(normalizeMac('52:54:00:aa:bb')).toBeNull();
  expect(normalizeMac('zz:54:00:aa:bb:01')).toBeNull();
});
