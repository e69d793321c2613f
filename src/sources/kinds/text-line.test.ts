// The prefixes real node text carries, one line each, as parseTextLine peels them: the forms
// xCAT's node scripts, console servers, journalctl, xdsh and xcatprobe write.

import { YearTracker } from '../timestamps';
import { parseDate1, parseTextLine } from './text-line';

const years = (): YearTracker => new YearTracker(Date.UTC(2025, 11, 31));
const read = (line: string): ReturnType<typeof parseTextLine> => parseTextLine(line, years());

describe('date(1) stamps', () => {
  test.each([
    ['Tue Mar  4 09:12:07 CET 2025 msg', '2025-03-04T08:12:07.000Z'],
    ['Thu Jan 14 05:41:15 EST 2016 postscript syncfiles return with 0', '2016-01-14T10:41:15.000Z'],
    ['Tue Mar  4 09:12:07 PM UTC 2025 msg', '2025-03-04T21:12:07.000Z'],
    ['Tue Mar  4 12:05:00 AM UTC 2025 msg', '2025-03-04T00:05:00.000Z'],
    ['Tue 04 Mar 2025 09:12:07 AM CET msg', '2025-03-04T08:12:07.000Z'],
    ['Fri Feb 15 01:02:09 EST 2019 [info]: xcat.deployment: Executing post.xcat to prepare for firstbooting ...', '2019-02-15T06:02:09.000Z'],
  ])('%s', (line, iso) => {
    expect(new Date(parseDate1(line)!.t).toISOString()).toBe(iso);
  });

  test('the newer level-and-tag form gives severity and program', () => {
    const t = read('Fri Feb 15 01:02:57 EST 2019 [error]: xcat.deployment.postbootscript: postbootscript otherpkgs return with 1');
    expect(t).toMatchObject({ severity: 3, program: 'xcat.deployment.postbootscript', message: 'postbootscript otherpkgs return with 1' });
  });
});

describe('console and journal prefixes', () => {
  test('conserver stamp, then a dmesg stamp', () => {
    const t = read('[Tue Mar  4 09:12:07 2025] [   42.518003] dracut-initqueue[612]: Warning: dracut-initqueue timeout');
    expect(t.consoleStamp).toBe(true);
    expect(t.claimed).not.toBeNull();
    expect(t.uptime).toBe(42.518003);
    expect(t.program).toBe('dracut-initqueue');
  });

  test('goconserver stamp', () => {
    const t = read('[2025-03-04T09:12:07+01:00] Kernel panic - not syncing: Attempted to kill init!');
    expect(new Date(t.claimed!).toISOString()).toBe('2025-03-04T08:12:07.000Z');
    expect(t.message).toBe('Kernel panic - not syncing: Attempted to kill init!');
  });

  test.each([
    ['short', 'Mar 04 09:12:07 cn01 xcatpostinit1[1203]: node booted successfully, reporting status...'],
    ['short-precise', 'Mar 04 09:12:07.123456 cn01 xcatpostinit1[1203]: node booted successfully, reporting status...'],
    ['short-iso', '2025-03-04T09:12:07+0100 cn01 xcatpostinit1[1203]: node booted successfully, reporting status...'],
  ])('journalctl -o %s', (_fmt, line) => {
    const t = read(line);
    expect(t).toMatchObject({ host: 'cn01', program: 'xcatpostinit1', pid: 1203, message: 'node booted successfully, reporting status...' });
    expect(t.claimed).not.toBeNull();
  });

  test('journalctl -o cat and separators', () => {
    expect(read('node booted successfully, reporting status...')).toMatchObject({ claimed: null, message: 'node booted successfully, reporting status...' });
    expect(read('-- Reboot --').separator).toBe(true);
    expect(read('-- Logs begin at Tue 2025-03-04 09:00:01 CET, end at Tue 2025-03-04 10:00:01 CET. --').separator).toBe(true);
  });
});

describe('syslog lines as pasted', () => {
  test('FQDN and (none) hosts, a tag cut at 32 characters', () => {
    expect(read('Mar  4 09:12:07 cn01.cluster.example.com xcat.deployment: INFO  Running postscript: syslog')).toMatchObject({
      host: 'cn01.cluster.example.com',
      program: 'xcat.deployment',
      severity: 6,
    });
    expect(read('Mar  4 09:12:07 (none) xcat.deployment: Running postscript: syslog').host).toBe('(none)');
    expect(read('Mar  4 09:12:07 cn01 xcat.deployment.postbootscrip: postbootscript otherpkgs return with 1').program).toBe('xcat.deployment.postbootscrip');
  });

  test('a bracketed word between host and tag (genesis lines as the MN keeps them, xcat-core#4860)', () => {
    expect(read('Feb 28 03:01:11 mid05tor12cn16 [localhost] xcat.genesis.dodiscovery: Discovery packet file is ready.')).toMatchObject({
      host: 'mid05tor12cn16',
      program: 'xcat.genesis.dodiscovery',
      message: 'Discovery packet file is ready.',
    });
  });

  test('a timestamp cut off, rsyslog repeats, a priority with no host', () => {
    expect(read(' mid08tor03cn01.pok.stglabs.ibm.com xcat.mypostscript: INFO  postbootscript syncfiles return with 1')).toMatchObject({
      syslog: true,
      severity: 6,
      message: 'postbootscript syncfiles return with 1',
    });
    expect(read('Apr 11 22:30:05 cs3-0867 xcat: INFO  message repeated 7 times: [ Retrying flag update]')).toMatchObject({
      repeated: 7,
      message: 'Retrying flag update',
    });
    // xcat-core#6935: date and host both cut; xCAT's tag and severity word left.
    expect(read('xcat.updatenode.postscript INFO postscript end...:otherpkgs return with 2')).toMatchObject({
      program: 'xcat.updatenode.postscript',
      severity: 6,
      message: 'postscript end...:otherpkgs return with 2',
    });
    // Only xCAT's tags: another "word WORD text" line stays text.
    expect(read('ospkgs INFO something').message).toBe('ospkgs INFO something');
    expect(read('<166>Sep  2 14:28:57 xcat.genesis.bmcsetup: Enabling ARP responses: OK')).toMatchObject({
      severity: 6,
      program: 'xcat.genesis.bmcsetup',
      host: null,
    });
  });
});

describe('what an admin pastes around the log', () => {
  test('set -x traces, shell prompts and systemctl headers are not log lines', () => {
    // A traced logging call is what the script logged, at its level (xcat-core#2560).
    expect(read("+ logger -n 10.3.5.23 -t xcat -p local4.info 'mypostscript returned'")).toMatchObject({
      trace: false,
      program: 'xcat',
      severity: 6,
      message: 'mypostscript returned',
    });
    expect(read("+ logger -t xcat -p local4.err './syncfiles: Perform Syncing File action encountered error'")).toMatchObject({ severity: 3 });
    expect(read("++ msgutil_r 10.10.0.1 info 'postscript syncfiles return with 0' /var/log/xcat/xcat.log").message).toBe('postscript syncfiles return with 0');
    expect(read('+ exit 0').trace).toBe(true);
    expect(read("++ '[' '!' -d /var/log/xcat ']'").trace).toBe(true);
    expect(read('[root@c910f03c17k27 ~]# updatenode c910f03c17k28 -P setupntp1').trace).toBe(true);
    // xcat-core#4259: systemctl status' header around the journal lines.
    expect(read('● dhcpd.service - ISC DHCPv4 Server').trace).toBe(true);
    expect(read('   Active: failed (Result: exit-code) since Tue 2017-11-07 11:03:44 GMT; 8s ago').trace).toBe(true);
    expect(read('Nov 07 11:03:44 sn1 systemd[1]: Failed to start ISC DHCPv4 Server.').trace).toBe(false);
  });

  test('xdsh/updatenode and xcatprobe name the node; device names and error codes do not', () => {
    expect(read('c910f03c17k28: postscript: setupntp1 exited with code 1').prefixNode).toBe('c910f03c17k28');
    expect(read(" c910f04x36: chmod: cannot access 'with': No such file or directory").prefixNode).toBe('c910f04x36');
    expect(read('[c910f03fsp03v04] Node status is changed to booted').prefixNode).toBe('c910f03fsp03v04');
    expect(read('[mynode] 10:21:09 Via HTTP get /install/x').prefixNode).toBe('mynode');
    expect(read('eth0: link up').prefixNode).toBeNull();
    expect(read('PXE-E53: No boot filename received').prefixNode).toBeNull();
    expect(read('sda1: unknown partition table').prefixNode).toBeNull();
  });

  test('a severity word is no hostname', () => {
    expect(read('2018-10-30 05:33:14 ERROR 404: Not Found.').host).toBeNull();
  });
});

describe('hostile lines', () => {
  // Log text is hostile: a 64 KiB token must cost what its length costs, not its square.
  test.each([
    ['a long name-like token', 'a1'.repeat(32 * 1024)],
    ['a long bracketed token', `[${'a1'.repeat(32 * 1024)}`],
    ['a long repeated message', `message repeated 3 times: [ ${'x '.repeat(32 * 1024)}`],
    ['a long prompt-like line', `[${'a'.repeat(64 * 1024)}`],
  ])('%s is read in linear time', (_what, line) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 5; i++) parseTextLine(line, years());
    // Quadratic backtracking over 64 KiB takes minutes; linear work, a few milliseconds.
    expect(Number(process.hrtime.bigint() - t0) / 1e6).toBeLessThan(2000);
  });
});
