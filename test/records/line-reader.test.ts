import { LineReader } from '../../src/records/line-reader';
import { ISO_TS, parseIso } from '../../src/sources/timestamps';

const ref = Date.UTC(2026, 10, 25, 0, 0, 0);

describe('line readers', () => {
  test('messages: dhcpd line', () => {
    const r = new LineReader('messages', 'messages', ref).read('Nov 24 10:00:43 mn01 dhcpd[1234]: DHCPACK on 10.0.0.11 to 52:54:00:aa:bb:01 via ens4')!;
    expect(r.channel).toBe('dhcpd');
    expect(r.program).toBe('dhcpd');
    expect(r.pid).toBe(1234);
    expect(r.host).toBe('mn01');
    expect(r.message).toBe('DHCPACK on 10.0.0.11 to 52:54:00:aa:bb:01 via ens4');
    expect(new Date(r.at).toISOString()).toBe('2026-11-24T10:00:43.000Z');
  });
  test('messages: RFC 3339 rsyslog timestamps and tftpd', () => {
    const r = new LineReader('messages', 'syslog', ref).read(
      '2026-11-24T10:00:43.123456+01:00 mn01 in.tftpd[2345]: RRQ from ::ffff:10.0.0.11 filename xcat/xnba.kpxe',
    )!;
    expect(r.channel).toBe('tftpd');
    expect(new Date(r.at).toISOString()).toBe('2026-11-24T09:00:43.123Z');
  });
  test('messages: MN xcat line is xcatd', () => {
    const r = new LineReader('messages', 'messages', ref).read('Nov 24 10:00:04 mn01 xcat[4133]: xcat.updatestatus - cn01: changing status=powering-on')!;
    expect(r.channel).toBe('xcatd');
    expect(r.message).toBe('xcat.updatestatus - cn01: changing status=powering-on');
  });
  test('cluster.log: MN and node lines', () => {
    const rd = new LineReader('cluster', 'xcat/cluster.log', ref);
    const a = rd.read('Nov 24 10:02:10 mn01 xcat[4300]: INFO xcat.updatestatus - cn01: changing status=installing')!;
    expect(a.channel).toBe('xcatd');
    expect(a.severity).toBe(6);
    expect(a.message).toBe('xcat.updatestatus - cn01: changing status=installing');
    const b = rd.read('Nov 24 10:02:10 localhost xcat.deployment: INFO ============deployment starting============')!;
    expect(b.channel).toBe('node');
    expect(b.program).toBe('xcat.deployment');
    expect(b.host).toBe('localhost');
  });
  test('computes.log: both spacing variants', () => {
    const rd = new LineReader('computes', 'xcat/computes.log', ref);
    const a = rd.read(
      'Nov 24 12:10:21 cn03 xcat.deployment: ERR  failed to download postscripts from http://10.0.0.1/install/postscripts/, check /tmp/download.log on the node,  halt ...',
    )!;
    expect(a.program).toBe('xcat.deployment');
    expect(a.severity).toBe(3);
    expect(a.message.startsWith('failed to download')).toBe(true);
    const b = rd.read('Nov 24 12:10:21 localhost xcat.deployment INFO Running postscript: syslog')!;
    expect(b.program).toBe('xcat.deployment');
    expect(b.message).toBe('Running postscript: syslog');
    const c = rd.read('Nov 24 12:10:21 10.0.0.13 xcat.deployment: INFO hello')!;
    expect(c.from).toBe('10.0.0.13');
  });
  test('access_log: combined format, // folded', () => {
    const r = new LineReader('access', 'httpd/access_log', ref).read(
      '10.0.0.13 - - [24/Nov/2026:22:01:06 +0000] "GET //install/netboot/rhels9.4/x86_64/compute/rootimg.cpio.gz HTTP/1.1" 404 196 "-" "curl/7.76.1"',
    )!;
    expect(r.channel).toBe('http');
    expect(r.from).toBe('10.0.0.13');
    expect(r.message).toBe('GET /install/netboot/rhels9.4/x86_64/compute/rootimg.cpio.gz 404 196');
  });
  test('error_log: client and message', () => {
    const r = new LineReader('error', 'httpd/error_log', ref).read(
      '[Tue Nov 24 12:10:20.123456 2026] [core:error] [pid 1234:tid 5678] (13)Permission denied: [client 10.0.0.13:51234] AH00132: file permissions deny server access: /install/postscripts/mysite_tuning',
    )!;
    expect(r.channel).toBe('httperror');
    expect(r.from).toBe('10.0.0.13');
    expect(r.severity).toBe(3);
    expect(r.message).toBe('(13)Permission denied: AH00132: file permissions deny server access: /install/postscripts/mysite_tuning');
  });
  test('commands.log blocks', () => {
    const rd = new LineReader('commands', 'xcat/commands.log', ref);
    const lines = [
      '====================================================',
      '[Date]       2026-11-24 09:59:00',
      '[ClientType] cli',
      '[Request]    nodeset cn05 osimage=rhels9.4-x86_64-install-compute',
      '[Response]',
      'cn05: Error: Install image not found in /install/rhels9.4/x86_64',
      '[NumberNodes] 1',
      '[ElapsedTime] 0.234 s',
    ];
    const recs = lines.map((l) => rd.read(l)).filter((r) => r !== null);
    expect(recs.map((r) => r!.message)).toEqual([
      'nodeset cn05 osimage=rhels9.4-x86_64-install-compute',
      'cn05: Error: Install image not found in /install/rhels9.4/x86_64',
    ]);
    expect(recs[1]!.program).toBe('nodeset');
    expect(recs[1]!.severity).toBe(3);
  });
  test('remote: RFC 5424 and RFC 3164 without hostname', () => {
    const rd = new LineReader('remote', 'remote', ref);
    const a = rd.read(
      '<166>1 2026-11-24T08:04:05.078926+00:00 localhost xcat.deployment - - [timeQuality tzKnown="1" isSynced="0"] Running postscript: syslog',
      1000,
      '::ffff:10.0.0.5',
    )!;
    expect(a.from).toBe('10.0.0.5');
    expect(a.program).toBe('xcat.deployment');
    expect(a.severity).toBe(6);
    expect(a.message).toBe('Running postscript: syslog');
    expect(a.at).toBe(1000);
    const b = rd.read('<163>Nov 24 10:02:10 xcat.deployment: failed to download postscripts\0', 2000, '10.0.0.6')!;
    expect(b.program).toBe('xcat.deployment');
    expect(b.host).toBe(null);
    expect(b.severity).toBe(3);
    expect(b.message).toBe('failed to download postscripts');
  });
  test('console: escapes and carriage returns stripped', () => {
    const r = new LineReader('console', 'consoles/cn01', ref, 'cn01').read('\x1b[1;31mKernel panic\x1b[0m - not syncing: VFS\r')!;
    expect(r.message).toBe('Kernel panic - not syncing: VFS');
    expect(r.node).toBe('cn01');
  });
  test('years stay monotonic across New Year', () => {
    const rd = new LineReader('messages', 'messages', Date.UTC(2027, 0, 2));
    const a = rd.read('Dec 31 23:59:59 mn01 sshd[1]: x')!;
    const b = rd.read('Jan  1 00:00:01 mn01 sshd[1]: y')!;
    expect(new Date(a.at).getUTCFullYear()).toBe(2026);
    expect(new Date(b.at).getUTCFullYear()).toBe(2027);
  });
});

describe('RFC 3339 times', () => {
  // The reading the memoised parseIso must agree with: the regex and Date, line by line.
  function reference(s: string): number | null {
    const m = ISO_TS.exec(s);
    if (!m) return null;
    const [, y, mo, d, h, mi, se, frac, zone] = m;
    const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
    if (!zone) return new Date(+y!, +mo! - 1, +d!, +h!, +mi!, +se!, ms).getTime();
    const base = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +se!, ms);
    if (zone === 'Z') return base;
    const digits = zone.slice(1).replace(':', '');
    const t = base - (zone[0] === '-' ? -1 : 1) * (+digits.slice(0, 2) * 60 + +digits.slice(2, 4)) * 60000;
    return Number.isFinite(t) ? t : null;
  }

  test('memoised seconds give the same time as a full reading, fractions, zones and junk included', () => {
    const zones = ['', 'Z', '+00:00', '-05:00', '+0530', '+01', 'Zjunk', ' x', '.', '+99:99', '1234'];
    const p2 = (n: number): string => String(n).padStart(2, '0');
    let n = 0;
    for (let k = 0; k < 5_000; k++) {
      let frac = '';
      if (k % 12)
        frac =
          (k % 3 ? '.' : ',') +
          String((k * 7919) % 1e9)
            .padStart(10, '0')
            .slice(0, k % 12);
      if (k % 17 === 0) frac = '.';
      const s = `${2020 + (k % 8)}-${p2(1 + (k % 12))}-${p2(1 + (k % 28))}${k % 5 ? 'T' : ' '}${p2(k % 24)}:${p2(k % 60)}:${p2((k * 7) % 60)}${frac}${zones[k % zones.length]}`;
      for (const x of [s, `${s}junk`, s.slice(0, 21), s.slice(0, 18)]) {
        expect([x, parseIso(x)]).toEqual([x, reference(x)]);
        n++;
      }
    }
    expect(n).toBe(20_000);
    expect(parseIso('2026-11-25T10:00:00.250+01:00')).toBe(Date.UTC(2026, 10, 25, 9, 0, 0, 250));
  });

  // xcat-core#5636: the node's clock was set back 4 h between two lines of its xcat.log; the file's
  // order is what happened. A multi-writer file (computes.log) keeps each line's own time.
  test('one-writer files keep their order when the clock is set back; others keep their times', () => {
    const rd = new LineReader('text', 'xcat.log', ref);
    const a = rd.read('Mon Sep 17 08:37:02 EDT 2018 [info]: xcat.mypostscript: Running postbootscript: otherpkgs')!;
    const b = rd.read('Mon Sep 17 04:38:09 EDT 2018 [info]: xcat.mypostscript: postbootscript otherpkgs return with 0')!;
    const c = rd.read('Mon Sep 17 04:38:10 EDT 2018 [info]: xcat.mypostscript: Running postbootscript: syslog')!;
    expect([b.at - a.at, c.at - b.at]).toEqual([0, 1000]);
    expect(b.claimed! - a.claimed!).toBe(-(3 * 3600 + 58 * 60 + 53) * 1000);
    const m = new LineReader('computes', 'xcat/computes.log', ref);
    const x = m.read('Nov 24 10:00:04 cn01 xcat: Running postscript: syslog')!;
    const y = m.read('Nov 24 06:00:04 cn02 xcat: Running postscript: syslog')!;
    expect(y.at - x.at).toBe(-4 * 3600 * 1000);
  });
  // xcat-core#2275: behind a conserver stamp the node's date(1) is the node's clock (5 h off before
  // ntpdate): the console server's time places the line; a `^M` shown as text ends it.
  test('console: the console stamp places a line, not the node date behind it', () => {
    const rd = new LineReader('console', 'consoles/cn01', ref, 'cn01');
    const r = rd.read('[Tue Dec  6 04:44:03 2016]Tue Dec  6 09:47:14 EST 2016 Running postbootscript: setupntp^M')!;
    expect(r.message).toBe('Running postbootscript: setupntp');
    expect(r.at).toBe(new Date(2016, 11, 6, 4, 44, 3).getTime());
  });
});
