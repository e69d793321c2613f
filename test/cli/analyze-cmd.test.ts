// `xtriage analyze` as an admin runs it: real files, real tarballs, real gzip, the real binary.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { AnalysisDoc } from '../../src/contract';
import { DIST } from '../helpers/daemon';

jest.setTimeout(60_000);

function xtriage(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(DIST, 'xtriage.js'), ...args], {
    encoding: 'utf8',
    input,
    env: { ...process.env, TZ: 'UTC', XTRIAGE_PATTERNS_D: '/nonexistent' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const CLUSTER = [
  'Nov 24 10:00:01 mn01 xcat[4101]: INFO xCAT: Allowing rinstall to cn[01-02] osimage=rhels9.4-x86_64-install-compute for root from localhost',
  'Nov 24 10:00:04 mn01 xcat[4133]: INFO xcat.updatestatus - cn01: changing status=powering-on',
  'Nov 24 10:00:04 mn01 xcat[4133]: INFO xcat.updatestatus - cn02: changing status=powering-on',
  'Nov 24 10:02:10 mn01 xcat[4300]: INFO xcat.updatestatus - cn01: changing status=installing',
  'Nov 24 10:02:11 mn01 xcat[4300]: INFO xcat.updatestatus - cn02: changing status=installing',
  'Nov 24 10:10:31 mn01 xcat[4300]: INFO xcat.updatestatus - cn01: changing status=booting',
  'Nov 24 10:12:30 mn01 xcat[4300]: INFO xcat.updatestatus - cn01: changing status=postbooting',
  'Nov 24 10:13:05 mn01 xcat[4300]: INFO xcat.updatestatus - cn01: changing status=booted',
  'Nov 24 10:10:21 mn01 xcat[4300]: INFO xcat.updatestatus - cn02: changing status=failed',
];
const MESSAGES_OLD = [
  'Nov 24 10:00:41 mn01 dhcpd[1234]: DHCPDISCOVER from 52:54:00:aa:bb:01 via ens4',
  'Nov 24 10:00:43 mn01 dhcpd[1234]: DHCPACK on 10.0.0.11 to 52:54:00:aa:bb:01 via ens4',
];
const MESSAGES = [
  'Nov 24 10:00:44 mn01 dhcpd[1234]: DHCPACK on 10.0.0.12 to 52:54:00:aa:bb:02 via ens4',
  'Nov 24 10:00:45 mn01 in.tftpd[2345]: RRQ from 10.0.0.12 filename xcat/xnba.kpxe',
  'Nov 24 10:00:45 mn01 in.tftpd[2345]: RRQ from 10.0.0.11 filename xcat/xnba.kpxe',
];
const ACCESS = [
  '10.0.0.11 - - [24/Nov/2026:10:00:46 +0000] "GET /tftpboot/xcat/xnba/nodes/cn01 HTTP/1.1" 200 500 "-" "iPXE"',
  '10.0.0.12 - - [24/Nov/2026:10:00:46 +0000] "GET /tftpboot/xcat/xnba/nodes/cn02 HTTP/1.1" 200 500 "-" "iPXE"',
  '10.0.0.12 - - [24/Nov/2026:10:10:20 +0000] "GET /install/postscripts/mysite_tuning HTTP/1.1" 403 199 "-" "curl/7.76.1"',
];

function makeTree(root: string): void {
  fs.mkdirSync(path.join(root, 'xcat'), { recursive: true });
  fs.mkdirSync(path.join(root, 'httpd'), { recursive: true });
  fs.writeFileSync(path.join(root, 'xcat/cluster.log'), `${CLUSTER.join('\n')}\n`);
  fs.writeFileSync(path.join(root, 'messages-20261124'), zlib.gzipSync(`${MESSAGES_OLD.join('\n')}\n`));
  fs.renameSync(path.join(root, 'messages-20261124'), path.join(root, 'messages-20261124.gz'));
  fs.writeFileSync(path.join(root, 'messages'), `${MESSAGES.join('\n')}\n`);
  fs.writeFileSync(path.join(root, 'httpd/access_log'), `${ACCESS.join('\n')}\n`);
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'xta-'));
}

describe('xtriage analyze', () => {
  test('a log tree with rotated and gzipped siblings: JSON per the contract, exit 1 on a failure', () => {
    const root = tmp();
    makeTree(root);
    const r = xtriage(['analyze', root, '--json']);
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout) as AnalysisDoc;
    const cn01 = doc.sessions.find((s) => s.node === 'cn01')!;
    const cn02 = doc.sessions.find((s) => s.node === 'cn02')!;
    expect(cn01.outcome).toBe('succeeded');
    expect(cn01.mac).toBe('52:54:00:aa:bb:01'); // learned from the gzipped rotation
    expect(cn02.outcome).toBe('failed');
    expect(cn02.rootCause!.evidence[0]!.line).toBe(ACCESS[2]);
    expect(cn02.rootCause!.evidence[0]!.source).toBe('httpd/access_log');
    for (const s of doc.sessions) {
      expect(Object.keys(s)).toEqual(
        expect.arrayContaining(['id', 'mac', 'ips', 'node', 'outcome', 'stage', 'startedAt', 'endedAt', 'rootCause', 'symptoms', 'milestones']),
      );
      expect(s.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(?:[+-]\d\d:\d\d|Z)$/);
    }
    expect(doc.groups.some((g) => g.sessions.includes(cn02.id) && g.title.includes('mysite_tuning'))).toBe(true);
    // The text report: groups first, the failing node with its evidence and remedy.
    const text = xtriage(['analyze', root]);
    expect(text.status).toBe(1);
    expect(text.stdout.indexOf('CAUSES SHARED')).toBeLessThan(text.stdout.indexOf('NODES THAT DID NOT PROVISION'));
    expect(text.stdout).toContain(ACCESS[2]);
    expect(text.stdout).toMatch(/SUCCEEDED 1: cn01/);
  });

  test('--threads: worker threads give the same JSON as none; a bad value is a usage error', () => {
    const root = tmp();
    makeTree(root);
    const none = xtriage(['analyze', root, '--json', '--threads', '0']);
    const two = xtriage(['analyze', root, '--json', '--threads', '2']);
    expect(none.status).toBe(1);
    expect(two.status).toBe(1);
    expect(two.stdout).toBe(none.stdout);
    const bad = xtriage(['analyze', root, '--threads', 'many']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--threads: not a number of threads/);
  });

  test('--node takes a name, a noderange, a MAC or an IP', () => {
    const root = tmp();
    makeTree(root);
    for (const spec of ['cn01', 'cn[01-01]', '52:54:00:AA:BB:01', '10.0.0.11']) {
      const doc = JSON.parse(xtriage(['analyze', root, '--json', '--node', spec]).stdout) as AnalysisDoc;
      expect(doc.sessions.map((s) => s.node)).toEqual(['cn01']);
    }
    const r = xtriage(['analyze', root, '--json', '--node', 'cn01']);
    expect(r.status).toBe(0);
  });

  test('an xcatsnap tarball with the tree under a top folder, and a truncated one', () => {
    const root = tmp();
    const top = path.join(root, 'xcatsnap-mn01', 'var', 'log');
    makeTree(top);
    fs.mkdirSync(path.join(top, 'consoles'));
    fs.writeFileSync(path.join(top, 'consoles', 'cn01'), 'Loading kernel ...\n'.repeat(20_000));
    const tarball = path.join(root, 'snap.tar.gz');
    const t = spawnSync('tar', ['-czf', tarball, '-C', root, 'xcatsnap-mn01']);
    expect(t.status).toBe(0);
    const r = xtriage(['analyze', tarball, '--json']);
    const doc = JSON.parse(r.stdout) as AnalysisDoc;
    expect(doc.sessions.find((s) => s.node === 'cn02')?.outcome).toBe('failed');
    // Cut the tarball: what could be read is analysed, the damage reported.
    const cut = path.join(root, 'cut.tar');
    spawnSync('tar', ['-cf', cut, '-C', root, 'xcatsnap-mn01']);
    const buf = fs.readFileSync(cut);
    fs.writeFileSync(cut, buf.subarray(0, Math.floor(buf.length * 0.6)));
    const r2 = xtriage(['analyze', cut, '--json']);
    expect([0, 1]).toContain(r2.status);
    expect(() => JSON.parse(r2.stdout)).not.toThrow();
    expect(r2.stderr).toMatch(/^xtriage: \S*cut\.tar: damaged archive: .*Truncated input.*; analysing the 1 file that could be unpacked\n$/);
  });

  test('bad input: missing path, empty tree, corrupt gzip, binary file, a 10 MB line', () => {
    const missing = xtriage(['analyze', '/nonexistent/logs']);
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/nonexistent\/logs: no such file or directory/);
    const bad = xtriage(['analyze', '--bogus', tmp()]);
    expect(bad.status).toBe(2);
    // A directory with no log in it is no input (exit 2, saying why), not a clean cluster.
    const emptyDir = tmp();
    const empty = xtriage(['analyze', emptyDir, '--json']);
    expect(empty.status).toBe(2);
    expect(empty.stdout).toBe('');
    expect(empty.stderr).toBe(
      `xtriage: nothing could be read: ${emptyDir}: no log file in it (nothing named or read like messages, xcat/, httpd/, consoles/)\n`,
    );

    const root = tmp();
    makeTree(root);
    // A corrupt .gz rotation, a binary "log", and a 10 MB line in the live file.
    const filler = Array.from({ length: 3000 }, (_, i) => `Nov 24 10:00:50 mn01 sshd[${1000 + i}]: session opened for user u${(i * 7919) % 1000}`).join('\n');
    const gz = zlib.gzipSync(`${MESSAGES_OLD.join('\n')}\n${filler}\n`);
    fs.writeFileSync(path.join(root, 'messages-20261124.gz'), gz.subarray(0, gz.length - 20));
    fs.mkdirSync(path.join(root, 'consoles'));
    fs.writeFileSync(path.join(root, 'consoles', 'cn09'), Buffer.alloc(4096, 0));
    fs.appendFileSync(
      path.join(root, 'messages'),
      `Nov 24 10:05:00 mn01 app[1]: ${'y'.repeat(10 * 1024 * 1024)}\nNov 24 10:05:01 mn01 dhcpd[1234]: DHCPACK on 10.0.0.13 to 52:54:00:aa:bb:03 via ens4\n`,
    );
    const r = xtriage(['analyze', root, '--json']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/messages-20261124\.gz: .*(?:unexpected end|Z_BUF_ERROR|incorrect|invalid)/i);
    expect(r.stderr).toMatch(/consoles\/cn09: binary file, skipped/);
    const doc = JSON.parse(r.stdout) as AnalysisDoc;
    // The lines after the 10 MB one were read, and the rotation's good part too.
    expect(doc.sessions.find((s) => s.node === 'cn01')?.mac).toBe('52:54:00:aa:bb:01');
    expect(doc.sessions.find((s) => s.node === 'cn02')?.outcome).toBe('failed');
  });

  test('a capture file (the daemon spool format) as input', () => {
    const root = tmp();
    makeTree(root);
    const cap = path.join(root, 'capture-20261124-100000.jsonl');
    const lines = [
      {
        at: '2026-11-24T10:10:21.000+00:00',
        from: '10.0.0.12',
        msg: '<163>1 2026-11-24T10:10:21.000000+00:00 localhost xcat.deployment - - - failed to download postscripts from http://10.0.0.1/install/postscripts/, check /tmp/download.log on the node,  halt ...',
      },
    ];
    fs.writeFileSync(cap, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n{not json\n`);
    const r = xtriage(['analyze', root, '--capture', cap, '--json']);
    const doc = JSON.parse(r.stdout) as AnalysisDoc;
    const cn02 = doc.sessions.find((s) => s.node === 'cn02')!;
    expect(cn02.rootCause!.evidence[0]!.line).toBe(ACCESS[2]);
    expect(cn02.symptoms.some((y) => y.evidence.some((e) => e.source === 'remote' && e.line.includes('failed to download')))).toBe(true);
    expect(r.stderr).toMatch(/1 damaged line/);
  });

  test('--now makes a quiet install stalled, and names what never came', () => {
    const root = tmp();
    fs.mkdirSync(path.join(root, 'xcat'));
    fs.writeFileSync(path.join(root, 'messages'), 'Nov 24 10:00:43 mn01 dhcpd[1234]: DHCPACK on 10.0.0.16 to 52:54:00:aa:bb:06 via ens4\n');
    fs.mkdirSync(path.join(root, 'httpd'));
    fs.writeFileSync(
      path.join(root, 'httpd/access_log'),
      [
        '10.0.0.16 - - [24/Nov/2026:10:00:46 +0000] "GET /tftpboot/xcat/xnba/nodes/cn06 HTTP/1.1" 200 500 "-" "iPXE"',
        '10.0.0.16 - - [24/Nov/2026:10:00:47 +0000] "GET /tftpboot/xcat/osimage/rhels8.8-x86_64-install-compute/vmlinuz HTTP/1.1" 200 11020584 "-" "iPXE"',
        '',
      ].join('\n'),
    );
    const running = JSON.parse(xtriage(['analyze', root, '--json', '--now', '2026-11-24T10:01:00Z']).stdout) as AnalysisDoc;
    expect(running.sessions[0]!.outcome).toBe('running');
    const r = xtriage(['analyze', root, '--json', '--now', '2026-11-24T10:30:00Z']);
    expect(r.status).toBe(1);
    const s = (JSON.parse(r.stdout) as AnalysisDoc).sessions[0]!;
    expect(s.outcome).toBe('stalled');
    expect(s.stage).toBe('kernel');
    expect(s.stall?.next).toBe('initrd');
    expect(s.rootCause?.title).toMatch(/initrd/i);
    expect(xtriage(['analyze', root, '--now', 'yesterday']).status).toBe(2);
  });

  // Real lines (test/fixtures/real): what admins actually paste.
  test('a pasted fragment on standard input: a session of its own, its cause, exit 1; never "nothing wrong"', () => {
    // xcat-core#2281: updatenode output copied from the MN's terminal (the node's name, no MAC).
    const paste = [
      '[root@c910f03c17k27 ~]# updatenode c910f03c17k28 -P setupntp1',
      'c910f03c17k28: Wed Dec  7 01:54:47 EST 2016 Running postscript: setupntp1',
      'c910f03c17k28: postscript: setupntp1 exited with code 1',
      '',
    ].join('\n');
    const r = xtriage(['analyze', '-', '--json'], paste);
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout) as AnalysisDoc;
    expect(doc.sessions).toHaveLength(1);
    expect(doc.sessions[0]).toMatchObject({ node: 'c910f03c17k28', identity: 'name', outcome: 'failed' });
    expect(doc.sessions[0]!.rootCause!.evidence[0]).toMatchObject({ source: 'stdin', line: 'c910f03c17k28: postscript: setupntp1 exited with code 1' });
    // The admin's own prompt is not a log line of the node.
    expect(JSON.stringify(doc)).not.toContain('[root@c910f03c17k27');
  });

  test('a console log of any name, and --as to force a kind; a fragment that shows no outcome is unknown', () => {
    const root = tmp();
    // xcat-core#5984 (CentOS 6 dracut on the console), saved under a name of the admin's choice.
    const file = path.join(root, 'n01-console.log');
    fs.writeFileSync(file, ['[    6.048876] dracut: FATAL: No or empty root= argument', '[    6.050124] dracut: Refusing to continue', ''].join('\n'));
    const r = xtriage(['analyze', file, '--json']);
    expect(r.status).toBe(1);
    const s = (JSON.parse(r.stdout) as AnalysisDoc).sessions[0]!;
    expect(s).toMatchObject({ node: 'n01', identity: 'name', outcome: 'failed' });
    expect(s.rootCause!.evidence[0]!.line).toBe('[    6.048876] dracut: FATAL: No or empty root= argument');
    // The same text forced as a node's xcat.log still finds it; an unknown kind is a usage error.
    expect(xtriage(['analyze', file, '--as', 'node-xcatlog']).status).toBe(1);
    const bad = xtriage(['analyze', file, '--as', 'nonsense']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--as: unknown kind "nonsense"/);
    // A fragment of a clean run that stops before any end: no alarm, and not "succeeded" either.
    const mid = path.join(root, 'xcat.log');
    fs.writeFileSync(
      mid,
      ['Thu Jan 14 05:41:10 EST 2016 Running postscript: syslog', 'Thu Jan 14 05:41:15 EST 2016 postscript syncfiles return with 0', ''].join('\n'),
    );
    const u = xtriage(['analyze', mid, '--json']);
    expect(u.status).toBe(0);
    expect((JSON.parse(u.stdout) as AnalysisDoc).sessions.map((x) => x.outcome)).toEqual(['unknown']);
  });

  // Never silence on a paste: lines nothing knows still make a row that says so (xcat-core#5421, a
  // clean systemd boot), and a paste cut inside a step says where it stops (xcat-core#5838).
  test('a fragment nothing recognises gets a row with no outcome and a note; one cut inside a step says where', () => {
    const root = tmp();
    const boot = path.join(root, 'boot.txt');
    fs.writeFileSync(boot, ['Red Hat Enterprise Linux Server 7.6 (Maipo)', '         Starting Hold until boot process finishes up...', ''].join('\n'));
    const r = xtriage(['analyze', boot, '--json']);
    expect(r.status).toBe(0);
    const [s] = (JSON.parse(r.stdout) as AnalysisDoc).sessions;
    expect(s).toMatchObject({ outcome: 'unknown', rootCause: null, note: '2 lines of boot.txt, none that says how provisioning went' });
    expect(xtriage(['analyze', boot]).stdout).toContain('2 lines of boot.txt, none that says how provisioning went');
    const cut = path.join(root, 'computes.log');
    fs.writeFileSync(
      cut,
      [
        'computes.log:Nov 27 06:20:02 bybc0609 xcat.deployment.postscript INFO postscript end...: syslog return with 0',
        'computes.log:Nov 27 06:20:02 bybc0609 xcat.deployment.postscript INFO postscript start..: remoteshell',
        '',
      ].join('\n'),
    );
    const c = xtriage(['analyze', cut, '--json']);
    expect(c.status).toBe(0);
    const [t] = (JSON.parse(c.stdout) as AnalysisDoc).sessions;
    expect(t).toMatchObject({ node: 'bybc0609', outcome: 'unknown', note: expect.stringContaining('stops while this step was under way') });
    expect(t!.note).toContain('remoteshell');
  });

  test('a log tree: a file of no known name is read when its lines parse, one that does not is left alone', () => {
    const root = tmp();
    makeTree(root);
    fs.mkdirSync(path.join(root, 'remote'));
    // A node's own xcat.log copied into the tree under its name (date(1) stamps, newer level-and-tag form).
    fs.writeFileSync(
      path.join(root, 'remote', 'cn03.log'),
      [
        'Tue Nov 24 10:05:07 UTC 2026 [info]: xcat.deployment.postscript: Running postscript: mysite_tuning',
        'Tue Nov 24 10:05:09 UTC 2026 [info]: xcat.deployment.postscript: postscript mysite_tuning return with 3',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(root, 'remote', 'notes.txt'), 'call Bob about the rack\nfailed to order coffee\n');
    const doc = JSON.parse(xtriage(['analyze', root, '--json']).stdout) as AnalysisDoc;
    const cn03 = doc.sessions.find((x) => x.node === 'cn03')!;
    expect(cn03.outcome).toBe('failed');
    expect(cn03.rootCause!.evidence[0]!.line).toContain('postscript mysite_tuning return with 3');
    expect(JSON.stringify(doc)).not.toContain('coffee');
  });

  test('a folder of pastes (no MN tree in it) is read as its files one by one, never "nothing could be read"', () => {
    // What an admin gathers in a folder: wget's log copied off the node (xcat-core#5751), a note.
    const dir = tmp();
    fs.writeFileSync(
      path.join(dir, 'wget.log'),
      [
        '--2018-10-30 05:33:14--  http://10.3.9.3/install/postscripts/xcatdsklspost',
        'Connecting to 10.3.9.3:80... connected.',
        'HTTP request sent, awaiting response... 404 Not Found',
        '2018-10-30 05:33:14 ERROR 404: Not Found.',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(dir, 'inventory.json'), '{"nodes": ["cn01"]}\n');
    fs.writeFileSync(path.join(dir, 'case.yaml'), 'cause: the install failed\n');
    fs.writeFileSync(path.join(dir, 'README.md'), '# Notes\nerror: the rack was down\n');
    fs.mkdirSync(path.join(dir, '.git'));
    fs.writeFileSync(path.join(dir, '.git', 'HEAD'), 'error: not a log\n');
    // And a colleague's paste in a sub-folder, with the same file name as another one.
    fs.mkdirSync(path.join(dir, 'cn07'));
    fs.writeFileSync(path.join(dir, 'cn07', 'wget.log'), 'Running postscript: mysite_tuning\npostscript mysite_tuning return with 3\n');
    const r = xtriage(['analyze', dir, '--json']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${dir}: no MN log tree in it; reading its 2 text files as fragments`);
    const doc = JSON.parse(r.stdout) as AnalysisDoc;
    expect(doc.sessions).toHaveLength(2);
    expect(doc.sessions.every((s) => s.outcome === 'failed')).toBe(true);
    const lines = doc.sessions.map((s) => `${s.rootCause!.evidence[0]!.source}: ${s.rootCause!.evidence[0]!.line}`).sort();
    expect(lines[0]).toMatch(/^cn07\/wget\.log: .*mysite_tuning return with 3/);
    expect(lines[1]).toMatch(/^wget\.log: .*404 Not Found/);
    // A folder of documents only is still no input.
    fs.rmSync(path.join(dir, 'wget.log'));
    fs.rmSync(path.join(dir, 'cn07'), { recursive: true });
    const none = xtriage(['analyze', dir]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/nothing could be read: .*no log file in it/);
  });

  test('a loose MN file is a fragment: a node still in progress at its end is unknown, not running', () => {
    const root = tmp();
    const file = path.join(root, 'messages');
    fs.writeFileSync(file, `${[...MESSAGES_OLD, ...MESSAGES].join('\n')}\n`);
    const r = xtriage(['analyze', file, '--json']);
    expect(r.status).toBe(0);
    const outcomes = (JSON.parse(r.stdout) as AnalysisDoc).sessions.map((s) => s.outcome);
    expect(outcomes.length).toBeGreaterThan(0);
    expect(outcomes.every((o) => o === 'unknown')).toBe(true);
    // The same lines in a log tree are an MN's logs: running.
    fs.mkdirSync(path.join(root, 'tree'));
    fs.copyFileSync(file, path.join(root, 'tree', 'messages'));
    const t = JSON.parse(xtriage(['analyze', path.join(root, 'tree'), '--json']).stdout) as AnalysisDoc;
    expect(t.sessions.every((s) => s.outcome === 'running')).toBe(true);
  });

  test('loose files date each other: a BSD stamp takes the year the other files state, not this year', () => {
    const root = tmp();
    // A node's 2016 xcat.log (date(1) with the year) and a computes.log fragment (no year) of the same run.
    fs.writeFileSync(path.join(root, 'xcat.log'), 'Thu Jan 14 05:41:10 UTC 2016 Running postscript: syncfiles\n');
    fs.writeFileSync(path.join(root, 'computes.log'), 'Jan 14 05:41:15 cn01 xcat.deployment.postscript: INFO  postscript syncfiles return with 1\n');
    const doc = JSON.parse(xtriage(['analyze', path.join(root, 'xcat.log'), path.join(root, 'computes.log'), '--json']).stdout) as AnalysisDoc;
    const ats = doc.sessions.flatMap((x) => [x.startedAt, ...(x.rootCause?.evidence.map((e) => e.at) ?? [])]);
    expect(ats.length).toBeGreaterThan(0);
    for (const at of ats) expect(at.slice(0, 4)).toBe('2016');
  });

  test('an updatenode transcript: completed is succeeded, unless a postscript failed or printed an error first', () => {
    const root = tmp();
    const run = (middle: string[]): { status: number | null; outcome: string | undefined } => {
      const file = path.join(root, 'updatenode.txt');
      const lines = [
        'cn01: xcatdsklspost: downloaded postscripts successfully',
        'cn01: Wed Oct 25 16:31:54 EDT 2017 Running postscript: setroute',
        ...middle,
        'cn01: Running of postscripts has completed.',
      ];
      fs.writeFileSync(file, `${lines.join('\n')}\n`);
      const r = xtriage(['analyze', file, '--json']);
      return { status: r.status, outcome: (JSON.parse(r.stdout) as AnalysisDoc).sessions.find((s) => s.node === 'cn01')?.outcome };
    };
    expect(run(['cn01: postscript: setroute exited with code 0'])).toEqual({ status: 0, outcome: 'succeeded' });
    expect(run(['cn01: postscript: setroute exited with code 1'])).toEqual({ status: 1, outcome: 'failed' });
    // xcat-core#4181: the script printed its error and still returned 0.
    expect(run(['cn01: Error: invalid format of netmask .', 'cn01: postscript: setroute exited with code 0'])).toEqual({ status: 1, outcome: 'failed' });
  });

  test("loose files' mtimes do not decide: pastes saved a month apart are not a month's stall, in either order", () => {
    // xcat-core#1270: a nodeset paste and a dhcpd.leases excerpt, neither with a time of its own.
    const real = path.join(__dirname, '..', 'fixtures', 'real', 'xcat-core-1270-discovery-noip-nodeset-unresolved');
    const root = tmp();
    const files = ['paste.txt', 'dhcpd.leases'].map((f) => {
      fs.copyFileSync(path.join(real, f), path.join(root, f));
      return path.join(root, f);
    });
    const month = 30 * 86_400;
    const answers = [0, month, -month].map((shift) => {
      fs.utimesSync(files[0]!, 1_780_000_000 + shift, 1_780_000_000 + shift);
      fs.utimesSync(files[1]!, 1_780_000_000, 1_780_000_000);
      const doc = JSON.parse(xtriage(['analyze', ...files, '--json']).stdout) as AnalysisDoc;
      return doc.sessions.map((s) => `${s.outcome} ${s.rootCause?.evidence[0]?.line ?? '-'}`).sort();
    });
    expect(answers[0]).toContain('failed Error: The c712f4n04-pvt can not be resolved');
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  test('an input that is all binary is no input: exit 2 with one line, not "nothing wrong"', () => {
    const root = tmp();
    const file = path.join(root, 'random.bin');
    fs.writeFileSync(file, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) % 256)));
    const r = xtriage(['analyze', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/nothing could be read: the input is binary or unreadable/);
  });

  describe('exit statuses (#18)', () => {
    let root: string;
    let tree: string;
    beforeAll(() => {
      root = fs.mkdtempSync('/tmp/h18-analyze-');
      tree = path.join(root, 'snap', 'var', 'log');
      makeTree(tree);
    });
    afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

    test('a file that is not a log (JSON): exit 2 with the reason, nothing on stdout', () => {
      const file = path.join(root, 'inventory.json');
      fs.writeFileSync(file, `${JSON.stringify({ nodes: [{ name: 'cn01', mac: '52:54:00:aa:bb:01' }], site: { master: '10.0.0.1' } }, null, 2)}\n`);
      const r = xtriage(['analyze', file]);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`xtriage: nothing could be read: ${file}: JSON, not a log\n`);
      // Beside a log, it is left out and the log analysed.
      const both = xtriage(['analyze', file, path.join(tree, 'httpd', 'access_log')]);
      expect(both.status).toBe(1);
      expect(both.stdout).toMatch(/^xtriage: \d+ sessions?/);
      expect(r.status).toBe(2);
    });

    test('--node that matches nothing: exit 2 naming the nearest machines', () => {
      for (const json of [[], ['--json']]) {
        const r = xtriage(['analyze', tree, '--node', 'cn[001-010]', ...json]);
        expect(r.stdout).toBe('');
        expect(r.stderr).toBe('xtriage: --node cn[001-010] matches none of the 2 machines in the input; nearest: cn01, cn02\n');
        expect(r.status).toBe(2);
      }
      // One that matches still works.
      expect(xtriage(['analyze', tree, '--node', 'cn[01-02]']).status).toBe(1);
    });

    test('a malformed noderange: exit 2 saying what is wrong with it', () => {
      for (const [spec, why] of [
        ['cn[01-', "a '[' without its ']'"],
        ['cn01]', "a ']' without its '['"],
        ['cn[a-z]', '[a-z] is not a numeric range like [001-064]'],
        ['cn[09-01]', '[09-01] runs backwards'],
      ] as const) {
        const r = xtriage(['analyze', tree, '--node', spec]);
        expect(r.stderr).toBe(`xtriage: --node: malformed noderange ${JSON.stringify(spec)}: ${why}\n`);
        expect(r.status).toBe(2);
      }
    });

    test('.tar.gz, .tar.xz, .tar.bz2 and a plain .tar give the same diagnosis, silently', () => {
      const results = new Map<string, string>();
      for (const [name, flag] of [
        ['snap.tar.gz', '-z'],
        ['snap.tar.xz', '-J'],
        ['snap.tar.bz2', '-j'],
        ['snap.tar', ''],
      ] as const) {
        const file = path.join(root, name);
        expect(spawnSync('tar', ['-c', ...(flag ? [flag] : []), '-f', file, '-C', root, 'snap']).status).toBe(0);
        const r = xtriage(['analyze', file, '--json']);
        expect([name, r.stderr]).toEqual([name, '']);
        expect(r.status).toBe(1);
        const doc = JSON.parse(r.stdout) as AnalysisDoc;
        results.set(
          name,
          doc.sessions
            .map((s) => `${s.node} ${s.outcome} ${s.rootCause?.pattern ?? '-'}`)
            .sort()
            .join('\n'),
        );
      }
      expect(results.get('snap.tar.gz')).toMatch(/cn02 failed http\.postscript-forbidden/);
      expect(new Set(results.values()).size).toBe(1);
    });

    test('a truncated .tar.gz: what could be read is analysed, one line about the damage, no temporary directory left', () => {
      // The logs first, then a large console that does not compress: the cut falls in it.
      const big = path.join(root, 'big');
      fs.mkdirSync(path.join(big, 'snap2', 'var', 'log', 'consoles'), { recursive: true });
      makeTree(path.join(big, 'snap2', 'var', 'log'));
      let x = 12345;
      const noise = Array.from(
        { length: 40_000 },
        () => ((x = (x * 1103515245 + 12345) & 0x7fffffff), `Loading ${x.toString(36)} ${(x >> 7).toString(36)}`),
      ).join('\n');
      fs.writeFileSync(path.join(big, 'snap2', 'var', 'log', 'consoles', 'zz-cn09'), noise);
      const file = path.join(root, 'cut.tar.gz');
      const t = spawnSync('tar', ['-czf', file, '-C', big, 'snap2/var/log/xcat', 'snap2/var/log/httpd', 'snap2/var/log/messages', 'snap2/var/log/consoles']);
      expect(t.status).toBe(0);
      const buf = fs.readFileSync(file);
      fs.writeFileSync(file, buf.subarray(0, Math.floor(buf.length * 0.7)));
      const tmpdir = fs.mkdtempSync(path.join(root, 'tmp-'));
      const r = spawnSync(process.execPath, [path.join(DIST, 'xtriage.js'), 'analyze', file, '--json'], {
        encoding: 'utf8',
        env: { ...process.env, TZ: 'UTC', XTRIAGE_PATTERNS_D: '/nonexistent', TMPDIR: tmpdir },
      });
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^xtriage: ${file}: damaged archive: unexpected end of file.*; analysing the \\d+ files that could be unpacked$`));
      expect(r.status).toBe(1);
      const doc = JSON.parse(r.stdout) as AnalysisDoc;
      expect(doc.sessions.find((s) => s.node === 'cn02')?.rootCause?.pattern).toBe('http.postscript-forbidden');
      expect(fs.readdirSync(tmpdir)).toEqual([]);
    });

    test('a damaged archive with nothing readable in it: exit 2', () => {
      const file = path.join(root, 'garbage.tar.gz');
      fs.writeFileSync(file, Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.alloc(200, 7)]));
      const r = xtriage(['analyze', file]);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/damaged archive/);
      expect(r.stderr).toMatch(/nothing could be read: .*garbage\.tar\.gz: no log file in it/);
      expect(r.status).toBe(2);
    });

    test('stalls are timed from the input (no --now): never from the wall clock', () => {
      const r = xtriage(['analyze', path.join(__dirname, '..', '..', 'examples', 'sample-cluster', 'log')]);
      const durations = [...r.stdout.matchAll(/\((\d+(?:\.\d+)?)(h|m)\b/g)].map((m) => Number(m[1]) * (m[2] === 'h' ? 60 : 1));
      expect(durations.length).toBeGreaterThan(3);
      // The sample spans under an hour; a wall-clock stall would be weeks.
      expect(Math.max(...durations)).toBeLessThan(60);
    });
  });
});
