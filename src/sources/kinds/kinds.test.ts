// Every kind's sample lines, run as lnav checks its formats' samples at load: each reads as a
// record of its kind (with a time when the sample has one), a kind known by its lines is
// recognised from that line alone, and a kind's names lead back to it.

import { LineReader } from '../../records/line-reader';
import { KIND_NAMES, LOG_KINDS } from './index';
import { sniff } from './sniff';

describe('log kinds', () => {
  for (const k of LOG_KINDS) {
    test(`${k.kind}: names, samples`, () => {
      expect(k.samples.length).toBeGreaterThan(0);
      for (const n of k.names) expect(KIND_NAMES[n]).toBe(k.kind);
      for (const s of k.samples) {
        const rec = new LineReader(k.kind, `sample/${k.kind}`, Date.UTC(2026, 11, 31), k.kind === 'console' ? 'cn01' : null).read(
          s.line,
          k.kind === 'remote' ? Date.UTC(2026, 11, 31) : undefined,
          k.kind === 'remote' ? '10.0.0.9' : null,
        );
        expect({ line: s.line, read: rec !== null }).toEqual({ line: s.line, read: true });
        if (s.claimed) expect({ line: s.line, claimed: rec!.claimed !== null }).toEqual({ line: s.line, claimed: true });
        if (k.line) {
          expect(k.line.test(s.line) || k.kind === 'console').toBe(true);
          if (k.line.test(s.line)) expect({ line: s.line, sniffed: sniff([s.line], 'unnamed').kind }).toEqual({ line: s.line, sniffed: k.kind });
        }
      }
    });
  }
});

// xcat-core#1824: the node's script logged `date` output through logger; the pattern must see the
// message, and the line keeps the syslog header's time (the MN's clock, 4 hours from the node's).
test("a syslog message that starts with the sender's own date(1) stamp reads without it", () => {
  const line = 'Sep 12 21:17:15 c910f03c17k20 xcat:  Tue Sep 13 01:18:52 EDT 2016 Running postscript: otherpkgs';
  for (const kind of ['computes', 'messages'] as const) {
    const rec = new LineReader(kind, `sample/${kind}`, Date.UTC(2016, 11, 31), null).read(line);
    expect({ kind, message: rec?.message, at: rec && new Date(rec.claimed!).getUTCHours() }).toEqual({
      kind,
      message: 'Running postscript: otherpkgs',
      at: new Date(2016, 8, 12, 21).getUTCHours(),
    });
  }
  const rec = new LineReader('remote', 'sample/remote', Date.UTC(2016, 11, 31), null).read(
    '<134>Sep 12 21:17:15 localhost xcat: Tue Sep 13 01:18:52 EDT 2016 postscript otherpkgs return with 0',
    Date.UTC(2016, 8, 12),
    '10.0.0.9',
  );
  expect(rec?.message).toBe('postscript otherpkgs return with 0');
});

// xcat-core#5635: updatenode lines that a copy from a rendered thread ran together, and a web
// table's time column.
test('a pasted line that holds several xdsh lines reads as those lines', () => {
  const r = new LineReader('text', 'paste', Date.UTC(2018, 11, 31), null);
  expect(
    r.lines(
      'c910f04x35v06: pkgsarray: xcat/xcat-core/xCATsn, 2c910f04x35v06: yum: 0, apt: 0, zypper: 1c910f04x35v06: postscript: otherpkgs exited with code 8',
    ),
  ).toEqual([
    'c910f04x35v06: pkgsarray: xcat/xcat-core/xCATsn, 2',
    'c910f04x35v06: yum: 0, apt: 0, zypper: 1',
    'c910f04x35v06: postscript: otherpkgs exited with code 8',
  ]);
  expect(r.lines('c910f04x35v06: Running of postscripts has completed. | 3:12:30 PM')).toEqual(['c910f04x35v06: Running of postscripts has completed.']);
  // A message that names the node again (with a space before it) is one line.
  expect(r.lines('cn01: Error: cn01: ssh: connect to host cn01 port 22: Connection refused')).toEqual([
    'cn01: Error: cn01: ssh: connect to host cn01 port 22: Connection refused',
  ]);
  expect(new LineReader('computes', 'computes.log', Date.UTC(2018, 11, 31), null).lines('cn01: a cn01: b')).toEqual(['cn01: a cn01: b']);
});

// Log text is hostile: every kind's reader (and the paste splitter) on 16 KiB lines built to make
// a regex backtrack. A linear reader takes a few ms; a quadratic one took 200 ms (the web-table
// time column) and more. The bound is a guard against super-linear parsing, not a speed figure.
test('no kind reads a hostile 16 KiB line super-linearly', () => {
  const bases = [' ', '.', 'a', ':', '|', '[', '<1>', 'cn01: ', 'Nov 24 ', '[  1.0] ', '==> ', 'x.log:'];
  const slow: string[] = [];
  for (const k of LOG_KINDS) {
    const r = new LineReader(k.kind, `hostile/${k.kind}`, Date.UTC(2026, 11, 31), null);
    for (const b of bases) {
      for (const tail of ['x', '| 3:12:30 PM', '...']) {
        const line = `${b.repeat(Math.ceil(16_000 / b.length))}${tail}`;
        const t = process.hrtime.bigint();
        for (const piece of r.lines(line)) r.read(piece, k.kind === 'remote' ? Date.UTC(2026, 11, 31) : undefined);
        const ms = Number(process.hrtime.bigint() - t) / 1e6;
        if (ms > 100) slow.push(`${k.kind}: ${ms.toFixed(0)} ms on ${JSON.stringify(b)}…${tail}`);
      }
    }
  }
  expect(slow).toEqual([]);
});

// xcat-core#5838: `grep PATTERN FILE…` names the file before each line. Every kind reads the line
// behind it (the evidence keeps the line as pasted), and content sniffing sees through it too.
test('a grep file prefix is read through by every kind, and by sniffing', () => {
  const line = 'computes.log:Nov 27 06:20:02 bybc0609 xcat.deployment.postscript INFO postscript start..: remoteshell';
  for (const kind of ['computes', 'text'] as const) {
    const rec = new LineReader(kind, `grep/${kind}`, Date.UTC(2018, 11, 31), null).read(line)!;
    expect({ kind, message: rec.message, claimed: rec.claimed !== null, raw: rec.raw }).toEqual({
      kind,
      message: 'postscript start..: remoteshell',
      claimed: true,
      raw: line,
    });
  }
  const abs = new LineReader('messages', 'grep/abs', Date.UTC(2018, 11, 31), null).read(
    '/var/log/messages:Nov 27 06:20:02 mn01 dhcpd[1234]: DHCPACK on 10.0.0.11 to 52:54:00:aa:bb:01 via ens4',
  )!;
  expect(abs.program).toBe('dhcpd');
  expect(sniff([line, line], 'unnamed').timed).toBe(2);
});
