// node/xtriage.sh and node/kickstart-post.sh, run for real under bash, dash and busybox sh
// against real sockets on loopback: a UDP (and TCP) syslog listener standing in for the MN
// and a TCP listener speaking xcatd's install-monitor protocol (port 3002: `ready`, one
// command line, `done`). Every scenario runs the three shells at once, each with its own
// temp dir and listeners. No root needed: every path is overridable.

import { spawn, spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadKnowledgeBase } from '../src/patterns/load';
import { checkExamples } from '../src/patterns/examples';
import { Matcher } from '../src/patterns/match';
import { LineReader } from '../src/records';
import { Engine } from '../src/engine';

jest.setTimeout(40_000);

const ROOT = path.resolve(__dirname, '..');
const LIB = path.join(ROOT, 'node', 'xtriage.sh');
const KS = path.join(ROOT, 'node', 'kickstart-post.sh');
const PATTERNS = path.join(ROOT, 'patterns');
const SYS_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function which(cmd: string, p = SYS_PATH): string | null {
  for (const d of p.split(':')) {
    const f = path.join(d, cmd);
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return f;
    } catch {
      /* next */
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------
// Shells and PATHs

interface Shell {
  name: string;
  argv: string[];
  /** PATH for this shell: the system's, or busybox's applets only. */
  path: string;
  /** Same, without logger. */
  pathNoLogger: string;
}

let work: string;
let shells: Shell[];

/** A directory of symlinks: every executable of `dirs` (first wins) except `without`. */
function linkDir(dir: string, dirs: string[], without: string[]): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const d of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) {
      if (without.includes(n)) continue;
      const to = path.join(dir, n);
      if (fs.existsSync(to)) continue;
      try {
        fs.symlinkSync(path.join(d, n), to);
      } catch {
        /* duplicate */
      }
    }
  }
  return dir;
}

function busyboxDir(dir: string, without: string[]): string {
  const bb = which('busybox')!;
  fs.mkdirSync(dir, { recursive: true });
  const list = spawnSync(bb, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const a of list) if (!without.includes(a)) fs.symlinkSync(bb, path.join(dir, a));
  return dir;
}

beforeAll(() => {
  for (const s of ['bash', 'dash', 'busybox']) {
    if (!which(s)) throw new Error(`${s} is not installed: apt-get install -y bash dash busybox`);
  }
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'xt-node-'));
  const sysDirs = SYS_PATH.split(':');
  shells = [
    { name: 'bash', argv: [which('bash')!], path: SYS_PATH, pathNoLogger: linkDir(path.join(work, 'bin-nolog'), sysDirs, ['logger']) },
    { name: 'dash', argv: [which('dash')!], path: SYS_PATH, pathNoLogger: path.join(work, 'bin-nolog') },
    {
      name: 'busybox',
      argv: [which('busybox')!, 'sh'],
      path: busyboxDir(path.join(work, 'bb'), []),
      pathNoLogger: busyboxDir(path.join(work, 'bb-nolog'), ['logger']),
    },
  ];
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------
// The MN: syslog over UDP and TCP on one port number, xcatd's install monitor on another.

interface Rx {
  via: 'udp' | 'tcp';
  bytes: number;
  text: string;
}

interface Mn {
  port: number;
  iport: number;
  lines: Rx[];
  xcatd: string[];
  close(): Promise<void>;
}

async function listenUdp(): Promise<dgram.Socket> {
  const u = dgram.createSocket('udp4');
  await new Promise<void>((res, rej) => {
    u.once('error', rej);
    u.bind(0, '127.0.0.1', () => res());
  });
  return u;
}

async function listenTcp(server: net.Server, port: number): Promise<boolean> {
  return new Promise((res) => {
    server.once('error', () => res(false));
    server.listen(port, '127.0.0.1', () => res(true));
  });
}

async function startMn(): Promise<Mn> {
  const lines: Rx[] = [];
  const xcatd: string[] = [];
  const sockets = new Set<net.Socket>();
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = await listenUdp();
    const port = udp.address().port;
    const syslogTcp = net.createServer((c) => {
      sockets.add(c);
      let buf = '';
      c.on('data', (d) => {
        buf += d.toString('latin1');
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const text = buf.slice(0, i);
          buf = buf.slice(i + 1);
          lines.push({ via: 'tcp', bytes: Buffer.byteLength(text, 'latin1'), text });
        }
      });
      c.on('error', () => undefined);
      c.on('close', () => sockets.delete(c));
    });
    if (!(await listenTcp(syslogTcp, port))) {
      udp.close();
      continue;
    }
    udp.on('message', (m) => lines.push({ via: 'udp', bytes: m.length, text: m.toString('latin1') }));
    const monitor = net.createServer((c) => {
      sockets.add(c);
      c.write('ready\n');
      let buf = '';
      c.on('data', (d) => {
        buf += d.toString();
        const i = buf.indexOf('\n');
        if (i >= 0) {
          xcatd.push(buf.slice(0, i));
          c.end('done\n');
        }
      });
      c.on('error', () => undefined);
      c.on('close', () => sockets.delete(c));
    });
    await listenTcp(monitor, 0);
    const iport = (monitor.address() as net.AddressInfo).port;
    return {
      port,
      iport,
      lines,
      xcatd,
      close: async () => {
        for (const s of sockets) s.destroy();
        udp.close();
        await Promise.all([new Promise((r) => syslogTcp.close(r)), new Promise((r) => monitor.close(r))]);
      },
    };
  }
  throw new Error('no free port pair for UDP+TCP syslog');
}

/** A port nothing listens on (UDP and TCP). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await listenTcp(s, 0);
  const p = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

// ---------------------------------------------------------------------------------------
// Running a script

interface Run {
  sh: Shell;
  dir: string;
  log: string;
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  hung: boolean;
}

function baseEnv(sh: Shell, dir: string, mn: { port: number; iport: number } | null): Record<string, string> {
  const cmdline = path.join(dir, 'cmdline');
  if (!fs.existsSync(cmdline)) fs.writeFileSync(cmdline, 'BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro\n');
  return {
    PATH: sh.path,
    HOME: dir,
    LANG: 'C',
    TMPDIR: dir,
    XTRIAGE_LOG: path.join(dir, 'node.log'),
    XTRIAGE_CMDLINE: cmdline,
    XTRIAGE_XCATINFO: path.join(dir, 'no-xcatinfo'),
    XTRIAGE_KILL_GRACE: '1',
    XTRIAGE_NET_TIMEOUT: '2',
    XTRIAGE_XCATD_TRIES: '1',
    ...(mn ? { MASTER_IP: '127.0.0.1', XTRIAGE_PORT: String(mn.port), XTRIAGE_IPORT: String(mn.iport) } : {}),
  };
}

async function run(sh: Shell, script: string, env: Record<string, string>, limitMs = 25_000): Promise<Run> {
  const dir = env.TMPDIR!;
  const file = path.join(dir, `script-${Math.random().toString(36).slice(2)}.sh`);
  fs.writeFileSync(file, `. '${LIB}'\n${script}\n`);
  const r = await spawnAsync([...sh.argv, file], env, dir, limitMs);
  const log = env.XTRIAGE_LOG && fs.existsSync(env.XTRIAGE_LOG) ? fs.readFileSync(env.XTRIAGE_LOG, 'latin1') : '';
  return { sh, dir, log, code: r.status, stdout: r.stdout, stderr: r.stderr, ms: r.ms, hung: r.hung };
}

/** Runs a command without blocking the event loop (the test's servers must keep answering). */
function spawnAsync(argv: string[], env: Record<string, string>, cwd: string, limitMs = 25_000): Promise<{ status: number | null; stdout: string; stderr: string; hung: boolean; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, limitMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, hung, ms: Date.now() - t0 });
    });
  });
}

function tmpFor(name: string): string {
  return fs.mkdtempSync(path.join(work, `${name}-`));
}

/** Waits until `pred` holds or the time is up (datagrams arrive asynchronously). */
async function until(pred: () => boolean, ms = 1500): Promise<void> {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

/** The xtriage message of a received syslog line (the key=value text). */
function msgOf(rx: Rx): string {
  const i = rx.text.indexOf('step=');
  return i >= 0 ? rx.text.slice(i).replace(/[\r\n\0]+$/, '') : '';
}

function fieldsOf(msg: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /(\w+)=("(?:[^"\\]|\\.)*"|\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(msg))) out[m[1]!] = m[2]!.startsWith('"') ? m[2]!.slice(1, -1) : m[2]!;
  return out;
}

function events(mn: Mn): Record<string, string>[] {
  return mn.lines.map((l) => fieldsOf(msgOf(l)));
}

/** Reverses the library's escaping. */
function unescape(s: string): string {
  return s.replace(/\\(x[0-9a-f]{2}|.)/g, (_, e: string) => {
    if (e.startsWith('x') && e.length === 3) return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[e] ?? e;
  });
}

/** PIDs whose command line contains `needle` (leftover steps). */
function processesWith(needle: string): number[] {
  const out: number[] = [];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'latin1').replace(/\0/g, ' ');
      if (cmd.includes(needle)) out.push(Number(p));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Runs the scenario for every shell at once; failures name the shell. */
async function eachShell(body: (sh: Shell, i: number) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(shells.map((sh, i) => body(sh, i)));
  const failed = results
    .map((r, i) => (r.status === 'rejected' ? `[${shells[i]!.name}] ${(r.reason as Error)?.message ?? String(r.reason)}` : null))
    .filter(Boolean);
  if (failed.length) throw new Error(failed.join('\n\n'));
}

/** expect(), with the shell and context in the message. */
function check(cond: boolean, what: string, r?: Run, extra?: unknown): void {
  if (cond) return;
  const ctx = r ? `\n--- exit ${r.code} in ${r.ms} ms\n--- stdout (tail)\n${r.stdout.slice(-1500)}\n--- stderr (tail)\n${r.stderr.slice(-1500)}\n--- node.log (tail)\n${r.log.slice(-3000)}` : '';
  throw new Error(`${what}${extra !== undefined ? `\n--- ${JSON.stringify(extra, null, 1).slice(0, 3000)}` : ''}${ctx}`);
}

// ---------------------------------------------------------------------------------------

describe('node/xtriage.sh under bash, dash and busybox sh', () => {
  test('a passing step: start and end lines, output in the local log', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const dir = tmpFor(`ok-${sh.name}`);
        const r = await run(sh, `xt_run hello 10 sh -c 'echo visible-out; echo visible-err >&2'; echo "rc=$?"`, baseEnv(sh, dir, mn));
        await until(() => mn.lines.length >= 2);
        check(r.code === 0 && r.stdout.includes('rc=0'), 'script should end with rc=0', r);
        check(r.stdout.includes('visible-out') && r.stderr.includes('visible-err'), 'step output is echoed to the caller', r);
        const ev = events(mn);
        check(ev.length === 2, 'exactly two lines reach the MN', r, mn.lines);
        check(ev[0]!.step === 'hello' && ev[0]!.event === 'start' && ev[0]!.timeout === '10', 'start line', r, ev);
        const end = ev[1]!;
        check(end.event === 'end' && end.result === 'ok' && end.rc === '0' && /^\d+\.\d\ds$/.test(end.dur!) && !('err' in end), 'end line', r, ev);
        check(/^step=hello event=end phase=postboot result=ok rc=0 dur=\d+\.\d\ds timeout=10$/.test(msgOf(mn.lines[1]!)), 'exact end format', r, mn.lines);
        for (const l of mn.lines) check(/^<166>/.test(l.text) && / xtriage /.test(l.text), 'local4.info, tag xtriage', r, l);
        check(mn.lines.every((l) => l.via === (sh.name === 'busybox' ? 'tcp' : 'udp')), 'UDP via logger (busybox: TCP, its nc has no UDP)', r, mn.lines);
        check(r.log.includes('out| visible-out') && r.log.includes('err| visible-err'), 'local log has the output', r);
        check(r.log.includes('step=hello event=end phase=postboot result=ok'), 'local log has the end line', r);
        check(mn.xcatd.length === 0, 'xcatd is not contacted for a passing step', r, mn.xcatd);
      } finally {
        await mn.close();
      }
    });
  });

  test('a failing step: its stderr arrives escaped, it is the root cause; fail-fast off lets the script go on', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const dir = tmpFor(`fail-${sh.name}`);
        const script = [
          `check_disk() { echo 'probing disks'; echo 'E: disk "sdz" not found' >&2; printf 'back\\\\slash\\tTAB\\n' >&2; return 3; }`,
          'XTRIAGE_FAILFAST=0',
          'xt_run check-disk 10 check_disk; echo "rc=$?"',
          'xt_run after 10 true; echo "rc2=$?"',
        ].join('\n');
        const r = await run(sh, script, baseEnv(sh, dir, mn));
        await until(() => mn.lines.length >= 4);
        check(r.stdout.includes('rc=3') && r.stdout.includes('rc2=0'), 'rc 3, and the next step still runs', r);
        const end = mn.lines.map(msgOf).find((m) => m.includes('event=end') && m.includes('check-disk'));
        check(
          end === 'step=check-disk event=end phase=postboot result=failed rc=3 dur=' + fieldsOf(end ?? '').dur + ' timeout=10 err="E: disk \\"sdz\\" not found\\nback\\\\slash\\tTAB"',
          'failed end line with escaped stderr',
          r,
          mn.lines,
        );
        const raw = mn.lines.find((l) => l.text.includes('step=check-disk event=end'))!;
        check(raw.text.startsWith('<163>'), 'failed step is local4.err', r, raw);
        check(mn.xcatd.length === 0 && !mn.lines.some((l) => l.text.includes('event=failfast')), 'no fail-fast with XTRIAGE_FAILFAST=0', r, mn.xcatd);

        // The datagram as received is the root cause of the node's session, with its stderr.
        const kb = loadKnowledgeBase({ paths: [PATTERNS] });
        const engine = new Engine(kb);
        const reader = new LineReader('remote', 'remote', Date.now());
        const t0 = Date.now();
        mn.lines.forEach((l, i) => {
          const rec = reader.read(l.text, t0 + i * 10, '10.0.0.11');
          if (rec) engine.feed(rec);
        });
        const doc = engine.snapshot(t0 + 1000);
        const session = doc.sessions.find((s) => s.ips.includes('10.0.0.11'));
        check(!!session, 'a session for the node', r, doc);
        check(session!.rootCause?.pattern === 'xtriage.step-failed', 'root cause is the failed step', r, session);
        check(session!.rootCause!.title === 'Step check-disk failed with exit code 3', 'title names step and rc', r, session!.rootCause);
        check(session!.rootCause!.evidence[0]!.line.includes('err="E: disk \\"sdz\\" not found'), 'its stderr is the evidence', r, session!.rootCause);
      } finally {
        await mn.close();
      }
    });
  });

  test('a step that would hang is killed at its timeout, reported hung, and fails fast', async () => {
    await eachShell(async (sh, i) => {
      const mn = await startMn();
      const needle = `sleep 9710${i}`;
      try {
        const dir = tmpFor(`hang-${sh.name}`);
        const script = [`xt_run stuck 1 ${needle}; echo "rc=$?"`, 'xt_run never 10 touch ran-anyway; echo "rc2=$?"', 'xt_stopped && echo stopped'].join('\n');
        const r = await run(sh, script, baseEnv(sh, dir, mn));
        await until(() => mn.lines.length >= 3);
        check(r.ms < 8000, `finished in ${r.ms} ms (timeout 1 s + kill grace 1 s)`, r);
        check(r.stdout.includes('rc=124') && r.stdout.includes('rc2=125') && r.stdout.includes('stopped'), 'rc 124, then later steps are not run (125)', r);
        check(!fs.existsSync(path.join(dir, 'ran-anyway')), 'the step after a fail-fast did not run', r);
        check(processesWith(needle).length === 0, 'the hung process is gone', r, processesWith(needle));
        const ev = events(mn);
        const end = ev.find((e) => e.event === 'end')!;
        check(end.step === 'stuck' && end.result === 'hung' && end.rc === '124' && end.timeout === '1' && parseFloat(end.dur!) >= 1, 'hung end line', r, ev);
        const ff = ev.find((e) => e.event === 'failfast');
        check(!!ff && ff.step === 'stuck' && ff.rc === '124' && ff.xcatd === 'ok', 'failfast line after xcatd answered', r, ev);
        check(JSON.stringify(mn.xcatd) === JSON.stringify(['installstatus failed']), 'xcatd receives exactly `installstatus failed`', r, mn.xcatd);
        check(!ev.some((e) => e.step === 'never'), 'nothing sent for the skipped step', r, ev);
        check(r.log.includes('step=never not run'), 'the skip is in the local log', r);
      } finally {
        await mn.close();
      }
    });
  });

  test('a hung step that ignores SIGTERM (program or shell function) gets SIGKILL; without fail-fast the script goes on', async () => {
    await eachShell(async (sh, i) => {
      const mn = await startMn();
      const n1 = `sleep 9720${i}`;
      const n2 = `sleep 9730${i}`;
      try {
        const dir = tmpFor(`kill-${sh.name}`);
        const script = [
          'XTRIAGE_FAILFAST=0',
          `xt_run stubborn 1 sh -c 'trap "" TERM; echo waiting for the repo; ${n1}'; echo "rc=$?"`,
          `hangfn() { echo in-function; ${n2}; }`,
          'xt_run fnhang 1 hangfn; echo "rc2=$?"',
          'xt_run after 10 true; echo "rc3=$?"',
        ].join('\n');
        const r = await run(sh, script, baseEnv(sh, dir, mn));
        await until(() => mn.lines.length >= 6);
        check(r.stdout.includes('rc=124') && r.stdout.includes('rc2=124') && r.stdout.includes('rc3=0'), 'both hung, the script goes on', r);
        check(processesWith(n1).length === 0 && processesWith(n2).length === 0, 'no step process left', r, [processesWith(n1), processesWith(n2)]);
        const ev = events(mn);
        const stub = ev.find((e) => e.step === 'stubborn' && e.event === 'end')!;
        check(stub.result === 'hung' && unescape(stub.err!) === 'waiting for the repo', 'err has what it printed before it was killed', r, ev);
        check(ev.find((e) => e.step === 'fnhang' && e.event === 'end')?.result === 'hung', 'a function step is killed too', r, ev);
        check(mn.xcatd.length === 0 && !ev.some((e) => e.event === 'failfast'), 'no fail-fast', r, ev);
        check(r.ms < 12_000, `finished in ${r.ms} ms`, r);
      } finally {
        await mn.close();
      }
    });
  });

  test('quotes, newlines, ESC and 100 KB of output: the datagram stays under the cap, the local log keeps all', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const dir = tmpFor(`big-${sh.name}`);
        const script = [
          'noisy() {',
          '  i=0; while [ $i -lt 2000 ]; do echo "line $i: fifty-odd characters of ordinary output text"; i=$((i+1)); done',
          "  head -c 100000 /dev/zero | tr '\\000' x >&2",
          "  printf '\\nshe said \"hi\" \\\\ back\\n\\033[31mred\\033[0m\\tend\\n' >&2",
          '  return 1',
          '}',
          'XTRIAGE_FAILFAST=0 xt_run noisy 20 noisy; echo "rc=$?"',
          "bell=$(printf '\\007')",
          String.raw`xt_log err "multi-line
message with \"quotes\" and \\ and a bell $bell"`,
        ].join('\n');
        const r = await run(sh, script, baseEnv(sh, dir, mn));
        await until(() => mn.lines.length >= 3);
        check(r.stdout.includes('rc=1'), 'rc 1', r);
        for (const l of mn.lines) {
          check(l.bytes <= 1024, `datagram of ${l.bytes} bytes is over 1024`, r, l.text.slice(0, 200));
          check(Buffer.byteLength(msgOf(l), 'latin1') <= 800, 'message within XTRIAGE_MAXMSG (800)', r, msgOf(l).length);
          check(!/[\x00-\x1f\x7f-\xff]/.test(msgOf(l)), 'message is printable ASCII', r, msgOf(l));
        }
        const end = events(mn).find((e) => e.step === 'noisy' && e.event === 'end')!;
        check(end.err!.startsWith('...'), 'err was cut at its beginning', r, end);
        const wanted = `${'x'.repeat(100000)}\nshe said "hi" \\ back\n\x1b[31mred\x1b[0m\tend`;
        const got = unescape(end.err!.slice(3));
        check(got.length > 500 && wanted.endsWith(got), 'err unescapes to the end of stderr', r, got.slice(-120));
        check(end.err!.endsWith('she said \\"hi\\" \\\\ back\\n\\x1b[31mred\\x1b[0m\\tend'), 'exact escapes', r, end.err!.slice(-80));
        const logline = events(mn).find((e) => e.event === 'log')!;
        check(logline.msg === 'multi-line\\nmessage with \\"quotes\\" and \\\\ and a bell \\x07', 'xt_log message escaped', r, logline);
        check(unescape(logline.msg!) === 'multi-line\nmessage with "quotes" and \\ and a bell \x07', 'xt_log message unescapes', r, logline);
        check(r.log.includes(`  err| ${'x'.repeat(100000)}\n`), 'the local log has the 100 KB line whole', r);
        check(r.log.includes('  out| line 0: ') && r.log.includes('  out| line 1999: fifty-odd'), 'the local log has every stdout line', r);
        check(r.log.includes('err| \x1b[31mred\x1b[0m\tend'), 'the local log keeps the raw bytes', r);
      } finally {
        await mn.close();
      }
    });
  });

  test('MN unreachable (closed ports, then an address that does not answer): nothing hangs, the local log has everything', async () => {
    await eachShell(async (sh) => {
      const closed = await deadPort();
      const iclosed = await deadPort();
      for (const [label, env] of [
        ['closed ports', { MASTER_IP: '127.0.0.1', XTRIAGE_PORT: String(closed), XTRIAGE_IPORT: String(iclosed) }],
        ['no answer', { MASTER_IP: '192.0.2.1', XTRIAGE_PORT: '514', XTRIAGE_IPORT: '3002', XTRIAGE_NET_TIMEOUT: '1' }],
      ] as const) {
        const dir = tmpFor(`down-${sh.name}`);
        const script = ['xt_run will-fail 5 sh -c "echo reason-on-stderr >&2; exit 7"; echo "rc=$?"', 'xt_log info still-here'].join('\n');
        const r = await run(sh, script, { ...baseEnv(sh, dir, null), ...env }, 20_000);
        check(!r.hung && r.ms < 12_000, `${label}: finished in ${r.ms} ms`, r);
        check(r.stdout.includes('rc=7'), `${label}: rc 7`, r);
        for (const want of [
          'step=will-fail event=start',
          'step=will-fail event=end phase=postboot result=failed rc=7',
          'err="reason-on-stderr"',
          'err| reason-on-stderr',
          'step=will-fail event=failfast phase=postboot rc=7 xcatd=error',
          'installstatus failed',
          'msg="still-here"',
        ]) {
          check(r.log.includes(want), `${label}: local log has ${want}`, r);
        }
      }
    });
  });

  test('no logger on the PATH: the fallbacks deliver the line (bash /dev/udp, nc -u, busybox nc over TCP)', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const dir = tmpFor(`nolog-${sh.name}`);
        const env = { ...baseEnv(sh, dir, mn), PATH: sh.pathNoLogger };
        const r = await run(sh, 'command -v logger || echo no-logger\nxt_run fallback 10 true\nxt_log notice "sent without logger"', env);
        await until(() => mn.lines.length >= 3);
        check(r.stdout.includes('no-logger'), 'logger is hidden', r);
        const via = { bash: 'devudp', dash: 'nc-udp', busybox: 'nc-tcp' }[sh.name]!;
        check(new RegExp(`via=${via}\\b`).test(r.log), `first transport is ${via}`, r);
        check(mn.lines.length === 3, 'all three lines arrived', r, mn.lines);
        for (const l of mn.lines) {
          check(l.via === (via === 'nc-tcp' ? 'tcp' : 'udp'), `over ${via}`, r, l);
          check(/^<16[56]>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \S+ xtriage - - - step=/.test(l.text), 'RFC 5424 datagram of the fallback', r, l.text);
        }
        check(mn.lines.some((l) => l.text.startsWith('<165>') && l.text.endsWith('msg="sent without logger"')), 'xt_log notice as local4.notice', r, mn.lines);
        check(!r.log.includes('could not send'), 'no send failure noted', r);
      } finally {
        await mn.close();
      }
    });
  });

  test('finding the MN: by IP from xcatinfo or the kernel command line, never by name', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const probe = 'xt_log info probe';
        const noMaster = (dir: string): Record<string, string> => {
          const e = baseEnv(sh, dir, mn);
          delete e.MASTER_IP;
          return e;
        };
        // Only a name: nothing is sent, the local log says why.
        let dir = tmpFor(`name-${sh.name}`);
        let r = await run(sh, probe, { ...noMaster(dir), MASTER: 'mn01', XCATMASTER: 'mn01.cluster' });
        await new Promise((res) => setTimeout(res, 200));
        check(mn.lines.length === 0, 'nothing sent when the MN is known only by name', r, mn.lines);
        check(r.log.includes("known only by the name 'mn01.cluster' (from XCATMASTER)") && r.log.includes('msg="probe"'), 'the local log says so and keeps the line', r);
        // xcatinfo (XCATSERVER may carry a port).
        dir = tmpFor(`info-${sh.name}`);
        fs.writeFileSync(path.join(dir, 'xcatinfo'), 'INSTALLDIR=/install\nXCATSERVER=127.0.0.1:3001\n');
        r = await run(sh, probe, { ...noMaster(dir), MASTER: 'mn01', XTRIAGE_XCATINFO: path.join(dir, 'xcatinfo') });
        await until(() => mn.lines.length >= 1);
        check(mn.lines.length === 1 && r.log.includes('mn=127.0.0.1 (from '), 'from xcatinfo', r, mn.lines);
        // Kernel command line (diskless: XCAT=ip:port).
        dir = tmpFor(`cmdline-${sh.name}`);
        fs.writeFileSync(path.join(dir, 'cmdline'), 'imgurl=http://127.0.0.1//install/rootimg.cpio.gz XCAT=127.0.0.1:3001 NODE=cn01 FC=0\n');
        r = await run(sh, probe, noMaster(dir));
        await until(() => mn.lines.length >= 2);
        check(mn.lines.length === 2 && r.log.includes('(from kernel XCAT=)'), 'from the kernel command line', r, mn.lines);
      } finally {
        await mn.close();
      }
    });
  });

  test('in %post (target root), the log goes into the installed system and the phase is post', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const dir = tmpFor(`root-${sh.name}`);
        const sysimage = path.join(dir, 'sysimage');
        fs.mkdirSync(path.join(sysimage, 'etc'), { recursive: true });
        const env = baseEnv(sh, dir, mn);
        delete env.XTRIAGE_LOG;
        const r = await run(sh, 'xt_run in-post 5 echo hi', { ...env, XTRIAGE_ROOT: sysimage });
        await until(() => mn.lines.length >= 2);
        const log = path.join(sysimage, 'var/log/xtriage/node.log');
        check(fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('out| hi'), 'log under the target root', r);
        check(msgOf(mn.lines[0]!) === 'step=in-post event=start phase=post timeout=5', 'phase post', r, mn.lines);
      } finally {
        await mn.close();
      }
    });
  });

  test('works under set -eu; a child script sharing the chain fails fast only once', async () => {
    await eachShell(async (sh, i) => {
      const mn = await startMn();
      try {
        const dir = tmpFor(`nested-${sh.name}`);
        fs.writeFileSync(path.join(dir, 'child.sh'), `. '${LIB}'\nxt_run child-step 5 sh -c 'echo child-broke >&2; exit 4' || exit $?\necho not-reached\n`);
        const script = [
          'set -eu',
          'xt_init',
          'xt_log info "strict mode"',
          'XTRIAGE_FAILFAST=0',
          `xt_run slow 1 sleep 9740${i} || echo "slow rc=$?"`,
          'XTRIAGE_FAILFAST=1',
          'xt_run outer 10 sh ./child.sh || echo "outer rc=$?"',
          'xt_run later 5 true || echo "later rc=$?"',
          'echo end-of-script',
        ].join('\n');
        const r = await run(sh, script, baseEnv(sh, dir, mn));
        await until(() => mn.lines.length >= 8);
        check(r.code === 0 && r.stdout.includes('end-of-script'), 'set -eu script runs to its end', r);
        check(r.stdout.includes('slow rc=124') && processesWith(`sleep 9740${i}`).length === 0, 'a hung step is killed under set -e too', r);
        check(r.stdout.includes('outer rc=4') && r.stdout.includes('later rc=125') && !r.stdout.includes('not-reached'), 'child and outer fail, later is skipped', r);
        const ev = events(mn);
        check(ev.filter((e) => e.event === 'failfast').length === 1, 'one failfast line', r, ev);
        check(ev.find((e) => e.event === 'failfast')!.step === 'child-step', 'named after the step that failed first', r, ev);
        check(JSON.stringify(mn.xcatd) === JSON.stringify(['installstatus failed']), 'xcatd told once', r, mn.xcatd);
        check(ev.find((e) => e.step === 'outer' && e.event === 'end')?.result === 'failed', 'outer step failed too', r, ev);
      } finally {
        await mn.close();
      }
    });
  });

  test('NODESTATUS=n: fail-fast does not send installstatus (as xCAT), says xcatd=off', async () => {
    const sh = shells[1]!;
    const mn = await startMn();
    try {
      const dir = tmpFor('nodestatus');
      const r = await run(sh, 'xt_run broken 5 false', { ...baseEnv(sh, dir, mn), NODESTATUS: 'n' });
      await until(() => mn.lines.length >= 3);
      check(mn.xcatd.length === 0, 'xcatd not contacted', r, mn.xcatd);
      check(events(mn).some((e) => e.event === 'failfast' && e.xcatd === 'off'), 'xcatd=off', r, mn.lines);
    } finally {
      await mn.close();
    }
  });
});

// ---------------------------------------------------------------------------------------
// kickstart-post.sh against an HTTP server laid out like the MN's /install and /tftpboot.

interface Site {
  files: Record<string, string>;
  forbidden: string[];
}

async function startHttp(site: Site): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    if (site.forbidden.includes(url)) {
      res.writeHead(403).end('<html><body>Forbidden</body></html>');
      return;
    }
    if (url.endsWith('/')) {
      const names = new Set<string>();
      for (const f of Object.keys(site.files)) {
        if (!f.startsWith(url)) continue;
        const rest = f.slice(url.length);
        names.add(rest.includes('/') ? `${rest.split('/')[0]}/` : rest);
      }
      for (const f of site.forbidden) if (f.startsWith(url) && !f.slice(url.length).includes('/')) names.add(f.slice(url.length));
      if (!names.size) {
        res.writeHead(404).end('not found');
        return;
      }
      const rows = [...names].map((n) => `<tr><td><a href="${n}">${n}</a></td></tr>`).join('\n');
      res.writeHead(200, { 'content-type': 'text/html' }).end(
        `<html><body><h1>Index of ${url}</h1><table><tr><th><a href="?C=N;O=D">Name</a></th></tr>\n<tr><td><a href="/install/">Parent Directory</a></td></tr>\n${rows}\n</table></body></html>\n`,
      );
      return;
    }
    const body = site.files[url];
    if (body === undefined) res.writeHead(404).end('not found');
    else res.writeHead(200).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}

function mypostscript(postscripts: string[], postbootscripts: string[]): string {
  return [
    '#!/bin/bash',
    "MASTER_IP='127.0.0.1'",
    'export MASTER_IP',
    "MASTER='mn01'",
    'export MASTER',
    "NODE='cn01'",
    'export NODE',
    "NODESTATUS='1'",
    'export NODESTATUS',
    '# postscripts-start-here',
    ...postscripts,
    '# postscripts-end-here',
    '# postbootscripts-start-here',
    ...postbootscripts,
    '# postbootscripts-end-here',
    '',
  ].join('\n');
}

function baseSite(): Site {
  const ps = '/install/postscripts/';
  return {
    forbidden: [],
    files: {
      [`${ps}xtriage.sh`]: fs.readFileSync(LIB, 'utf8'),
      [`${ps}xcatlib.sh`]: '# stub of xCAT\'s xcatlib.sh\nmsgutil_r() { echo "msgutil_r: $3" >> "$XTKS_POST/../msgutil.log"; }\n',
      [`${ps}getpostscript.awk`]: '#!/bin/sh\n# stub: xcatd sends nothing (reverse DNS broken)\nexit 0\n',
      [`${ps}syslog`]: '#!/bin/sh\necho "syslog configured"\n',
      [`${ps}remoteshell`]: '#!/bin/sh\necho "ssh keys installed"\n',
      [`${ps}mysite`]: '#!/bin/sh\necho "tuning /dev/sdz" ; echo "mysite: /dev/sdz: No such device" >&2; exit 2\n',
      [`${ps}otherpkgs`]: '#!/bin/sh\necho otherpkgs\n',
      [`${ps}custom/helper.sh`]: '#!/bin/sh\necho helper\n',
      '/tftpboot/mypostscripts/mypostscript.cn01': mypostscript(['syslog', 'remoteshell'], ['otherpkgs']),
    },
  };
}

async function runKickstart(sh: Shell, site: Site, mn: Mn, name: string): Promise<Run & { root: string }> {
  const web = await startHttp(site);
  try {
    const dir = tmpFor(`ks-${name}-${sh.name}`);
    const root = path.join(dir, 'sysroot');
    fs.mkdirSync(root);
    let p = sh.path;
    if (sh.name !== 'busybox' && !which('curl') && !which('wget')) {
      // CI without curl/wget: busybox's wget stands in.
      const extra = path.join(dir, 'extra-bin');
      fs.mkdirSync(extra);
      fs.symlinkSync(which('busybox')!, path.join(extra, 'wget'));
      p = `${extra}:${p}`;
    }
    const env: Record<string, string> = {
      ...baseEnv(sh, dir, mn),
      PATH: p,
      HTTPPORT: String(web.port),
      XCATIPORT: String(mn.iport),
      NODE: 'cn01',
      XTRIAGE_LIB: LIB,
      XTRIAGE_KS_PREFIX: root,
      XTRIAGE_HALT: '0',
      XTRIAGE_KS_MAXSLEEP: '0',
      XTRIAGE_KS_RETRY: '0',
      XTRIAGE_KS_GETPS_TRIES: '1',
      XTRIAGE_KS_GETPS_SLEEP: '0',
      XTRIAGE_KS_NEXT_TRIES: '1',
    };
    delete env.XTRIAGE_LOG;
    delete env.XTRIAGE_IPORT;
    const x = await spawnAsync([...sh.argv, KS], env, dir);
    const logf = path.join(root, 'var/log/xtriage/node.log');
    const r: Run = { sh, dir, log: fs.existsSync(logf) ? fs.readFileSync(logf, 'latin1') : '', code: x.status, stdout: x.stdout, stderr: x.stderr, ms: x.ms, hung: x.hung };
    await new Promise((res) => setTimeout(res, 300));
    return { ...r, root };
  } finally {
    await web.close();
  }
}

/** Renders a file the way xCAT's Template.pm does (includes, ENV, TABLE, XCATVAR, WRITEREPO). */
function renderLikeXcat(text: string, files: Record<string, string>, vars: Record<string, string>): string {
  // Template.pm includefile(): comment and empty lines verbatim, other lines right-trimmed.
  const includefile = (f: string): string =>
    files[f] === undefined
      ? `#INCLUDEBAD:cannot open ${f}#`
      : files[f]!.replace(/\n$/, '').split('\n').map((l) => (/^\s*(#|$)/.test(l) ? l : l.replace(/\s+$/, ''))).join('\n');
  const v = (k: string): string => vars[k] ?? '';
  let done = false;
  while (!done) {
    done = true;
    text = text.replace(/#ENV:([^#]+)#/g, (_, k: string) => v(k));
    if (/#INCLUDE:[^\n]+#/.test(text)) {
      done = false;
      text = text.replace(/#INCLUDE:([^#^\n]+)#/g, (_, f: string) => includefile(f));
    }
    text = text.replace(/#TABLE:([^:]+):([^:]+):([^#]+)#/g, (_, t: string, k: string, f: string) => v(`${t}:${k}:${f}`));
    text = text.replace(/#TABLEBLANKOKAY:([^:]+):([^:]+):([^#]+)#/g, (_, t: string, k: string, f: string) => v(`${t}:${k}:${f}`));
    text = text.replace(/#XCATVAR:([^#]+)#/g, (_, k: string) => v(k));
    text = text.replace(/#ENV:([^#]+)#/g, (_, k: string) => v(k));
    text = text.replace(/#WRITEREPO#/g, '');
  }
  return text;
}

describe('node/kickstart-post.sh', () => {
  test('a 403 on a postscript fails fast at the download, with the URL and status', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const site = baseSite();
        site.forbidden.push('/install/postscripts/mysite_tuning');
        const r = await runKickstart(sh, site, mn, '403');
        check(r.code === 1 && !r.hung, 'exits 1 (XTRIAGE_HALT=0) instead of going on', r);
        const ev = events(mn);
        const end = ev.find((e) => e.step === 'ps-download' && e.event === 'end');
        check(end?.result === 'failed', 'ps-download failed', r, ev);
        const err = unescape(end!.err!);
        check(/403/.test(err) && err.includes('/install/postscripts/mysite_tuning'), 'err names the URL and the 403', r, err);
        check(ev.some((e) => e.event === 'failfast' && e.step === 'ps-download' && e.xcatd === 'ok'), 'failfast line', r, ev);
        check(JSON.stringify(mn.xcatd) === JSON.stringify(['installstatus failed']), 'xcatd gets installstatus failed, no next', r, mn.xcatd);
        check(!ev.some((e) => e.step === 'ps-mypostscript'), 'nothing after the download', r, ev);
      } finally {
        await mn.close();
      }
    });
  });

  test('an empty mypostscript fails fast with the reason', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const site = baseSite();
        delete site.files['/tftpboot/mypostscripts/mypostscript.cn01'];
        const r = await runKickstart(sh, site, mn, 'empty');
        check(r.code === 1, 'exits 1', r);
        const ev = events(mn);
        check(ev.find((e) => e.step === 'ps-download' && e.event === 'end')?.result === 'ok', 'download ok', r, ev);
        const end = ev.find((e) => e.step === 'ps-mypostscript' && e.event === 'end');
        check(end?.result === 'failed' && unescape(end.err!).includes('mypostscript is empty'), 'ps-mypostscript failed: empty', r, ev);
        check(JSON.stringify(mn.xcatd) === JSON.stringify(['installstatus failed']), 'xcatd gets installstatus failed', r, mn.xcatd);
        check(r.log.includes('no precreated mypostscript.cn01'), 'the local log tells the 404 was tried', r);
      } finally {
        await mn.close();
      }
    });
  });

  test('a clean run: every part and every postscript is a step, then `next`', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const r = await runKickstart(sh, baseSite(), mn, 'ok');
        check(r.code === 0, 'exits 0', r);
        const ev = events(mn).filter((e) => e.event === 'end');
        const steps = ev.map((e) => `${e.step}:${e.result}`);
        check(
          JSON.stringify(steps) === JSON.stringify(['ps-download:ok', 'ps-mypostscript:ok', 'syslog:ok', 'remoteshell:ok', 'mypostscript:ok', 'xcatd-next:ok']),
          'steps in order',
          r,
          steps,
        );
        check(JSON.stringify(mn.xcatd) === JSON.stringify(['next']), 'xcatd gets next', r, mn.xcatd);
        check(fs.readFileSync(path.join(r.root, 'xcatpost/custom/helper.sh'), 'utf8').includes('helper'), 'sub-directories downloaded', r);
        const post = fs.readFileSync(path.join(r.root, 'xcatpost/mypostscript.post'), 'utf8');
        check(post.includes('run_ps postbootscript otherpkgs') && !post.includes('run_ps postscript syslog'), 'mypostscript.post keeps the postbootscripts', r, post);
        check(/^XCATSERVER=127\.0\.0\.1$/m.test(fs.readFileSync(path.join(r.root, 'opt/xcat/xcatinfo'), 'utf8')), 'xcatinfo written', r);
        check(r.log.includes('out| syslog configured'), "postscripts' output in the installed system's node.log", r);
      } finally {
        await mn.close();
      }
    });
  });

  test('rendered by xCAT\'s template engine into a %post, it is valid bash and runs from the inlined library', async () => {
    const sh = shells[0]!;
    const mn = await startMn();
    const web = await startHttp(baseSite());
    try {
      const dir = tmpFor('ks-rendered');
      const root = path.join(dir, 'sysroot');
      fs.mkdirSync(root);
      const body = renderLikeXcat(
        `%post --interpreter=/bin/bash\n{\necho "Running Kickstart Post-installation script..."\n#INCLUDE:/install/custom/install/rh/xtriage-post.sh#\n} &>>${dir}/xcat.log\n%end\n`,
        {
          '/install/custom/install/rh/xtriage-post.sh': fs.readFileSync(KS, 'utf8'),
          '/install/postscripts/xtriage.sh': fs.readFileSync(LIB, 'utf8'),
          '/opt/xcat/share/xcat/install/scripts/scriptlib': 'msgutil_r() { echo "msgutil_r $2: $3"; }\n',
          '/install/postscripts/xcatpostinit1.service': '[Unit]\nDescription=xcat service on compute node\n',
          '/install/postscripts/xcatpostinit1.install': '#!/bin/bash\necho xcatpostinit1\n',
          '/install/postscripts/xcatinstallpost': '#!/bin/bash\necho xcatinstallpost\n',
          '/install/postscripts/xcatdsklspost': '#!/bin/bash\necho xcatdsklspost\n',
        },
        {
          MASTER_IP: '127.0.0.1',
          XCATROOT: '/opt/xcat',
          XCATMASTER: '127.0.0.1',
          NODESTATUS: '1',
          'site:key=xcatiport:value': String(mn.iport),
          'site:key=installdir:value': '/install',
          'site:key=tftpdir:value': '/tftpboot',
          'site:key=httpport:value': String(web.port),
          'nodelist:THISNODE:node': 'cn01',
          'nodetype:THISNODE:os': 'rhels9.4',
          'nodetype:THISNODE:arch': 'x86_64',
        },
      );
      expect(body).not.toMatch(/#(INCLUDEBAD|INCLUDE|ENV|TABLE|TABLEBLANKOKAY|XCATVAR|WRITEREPO)[#:]/);
      const script = body.split('\n').slice(1, -2).join('\n');
      const file = path.join(dir, 'post.sh');
      fs.writeFileSync(file, script);
      const syntax = spawnSync(which('bash')!, ['-n', file], { encoding: 'utf8' });
      expect(syntax.stderr).toBe('');
      expect(syntax.status).toBe(0);
      const env: Record<string, string> = {
        PATH: sh.path,
        HOME: dir,
        LANG: 'C',
        TMPDIR: dir,
        XTRIAGE_PORT: String(mn.port),
        XTRIAGE_CMDLINE: path.join(dir, 'cmdline'),
        XTRIAGE_KS_PREFIX: root,
        XTRIAGE_HALT: '0',
        XTRIAGE_KS_MAXSLEEP: '0',
        XTRIAGE_KS_RETRY: '0',
        XTRIAGE_KS_NEXT_TRIES: '1',
        XTRIAGE_XCATD_TRIES: '1',
      };
      fs.writeFileSync(env.XTRIAGE_CMDLINE!, 'inst.ks=http://127.0.0.1/install/autoinst/cn01 inst.repo=http://127.0.0.1/install/rhels9.4/x86_64\n');
      const r = await spawnAsync([which('bash')!, file], env, dir);
      await new Promise((res) => setTimeout(res, 300));
      const xcatlog = fs.readFileSync(path.join(dir, 'xcat.log'), 'latin1');
      const steps = events(mn).filter((e) => e.event === 'end').map((e) => `${e.step}:${e.result}`);
      expect({ status: r.status, steps, xcatd: mn.xcatd, tail: r.status === 0 ? '' : xcatlog.slice(-2000) }).toEqual({
        status: 0,
        steps: ['ps-download:ok', 'ps-mypostscript:ok', 'syslog:ok', 'remoteshell:ok', 'mypostscript:ok', 'xcatd-next:ok'],
        xcatd: ['next'],
        tail: '',
      });
      expect(xcatlog).toContain('msgutil_r info: Executing post.xcat to prepare for firstbooting ...');
      expect(fs.readFileSync(path.join(root, 'etc/systemd/system/xcatpostinit1.service'), 'utf8')).toContain('xcat service on compute node');
    } finally {
      await web.close();
      await mn.close();
    }
  });

  test('a failing postscript stops the install at once: one installstatus failed, no next', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const site = baseSite();
        site.files['/tftpboot/mypostscripts/mypostscript.cn01'] = mypostscript(['syslog', 'mysite', 'remoteshell'], ['otherpkgs']);
        const r = await runKickstart(sh, site, mn, 'psfail');
        check(r.code === 1, 'exits 1', r);
        const ev = events(mn);
        const mysite = ev.find((e) => e.step === 'mysite' && e.event === 'end');
        check(mysite?.result === 'failed' && mysite.rc === '2' && unescape(mysite.err!) === 'mysite: /dev/sdz: No such device', 'the postscript failed with its stderr', r, ev);
        check(!ev.some((e) => e.step === 'remoteshell'), 'the next postscript did not run', r, ev);
        check(ev.filter((e) => e.event === 'failfast').length === 1, 'one failfast line', r, ev);
        check(JSON.stringify(mn.xcatd) === JSON.stringify(['installstatus failed']), 'xcatd: installstatus failed, no next', r, mn.xcatd);
      } finally {
        await mn.close();
      }
    });
  });
});

// ---------------------------------------------------------------------------------------

describe('static checks', () => {
  test('shellcheck -s sh node/*.sh is clean', () => {
    const sc = which('shellcheck');
    if (!sc) {
      console.warn('shellcheck is not installed: skipping the lint of node/*.sh (CI installs it: apt-get install -y shellcheck)');
      return;
    }
    const files = fs.readdirSync(path.join(ROOT, 'node')).filter((f) => f.endsWith('.sh')).map((f) => path.join(ROOT, 'node', f));
    expect(files.length).toBeGreaterThanOrEqual(2);
    const r = spawnSync(sc, ['-s', 'sh', ...files], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test("xCAT's template engine leaves the library alone and fills in only kickstart-post.sh's marked directives", () => {
    // Template.pm substitutes #NAME# and #NAME:...# anywhere in an included file, comments too.
    const directive = /#[A-Z][A-Z0-9_]*[#:]/g;
    expect(fs.readFileSync(LIB, 'utf8').match(directive)).toBeNull();
    const ks = fs.readFileSync(KS, 'utf8').split('\n');
    const found = ks.flatMap((l, i) => ((l.match(directive) ?? []).length ? [`${i + 1}`] : []));
    for (const n of found) {
      const line = ks[Number(n) - 1]!;
      const marked = ks.slice(Math.max(0, Number(n) - 12), Number(n)).some((x) => /# template:/.test(x));
      expect({ line, marked }).toEqual({ line, marked: true });
    }
    expect(ks.join('\n')).toContain('#INCLUDE:/install/postscripts/xtriage.sh#');
  });

  test('the patterns of node-library.yaml pass the example checker and match what the library really sends', async () => {
    const kb = loadKnowledgeBase({ paths: [PATTERNS] });
    const file = path.join(PATTERNS, 'node-library.yaml');
    expect(kb.problems.filter((p) => p.startsWith(file))).toEqual([]);
    expect(checkExamples(kb.patterns).filter((p) => p.startsWith(`${file}:`))).toEqual([]);
    const mine = kb.patterns.filter((p) => p.file === file);
    expect(mine.map((p) => p.id).sort()).toEqual(
      ['xtriage.fail', 'xtriage.failfast', 'xtriage.log', 'xtriage.log-warning', 'xtriage.step-failed', 'xtriage.step-hung', 'xtriage.step-ok', 'xtriage.step-start', 'xtriage.step-start-post', 'xtriage.step-start-postboot'].sort(),
    );
    for (const p of mine) expect(p.examples.length).toBeGreaterThan(0);

    // Lines from a real run (bash, logger) are won by the right pattern with the right fields.
    const sh = shells[0]!;
    const mn = await startMn();
    try {
      const dir = tmpFor('patterns');
      const script = [
        'xt_run ok-step 5 true',
        'XTRIAGE_FAILFAST=0 xt_run bad-step 5 sh -c \'echo "oops: \\"x\\"" >&2; exit 9\'',
        'xt_log warning careful',
        'xt_log info fine',
        'XTRIAGE_PHASE=initrd xt_run dracut-step 5 true',
        'XTRIAGE_FAILFAST=0 xt_run hung-step 1 sleep 30',
        'xt_fail "giving up"',
      ].join('\n');
      const r = await run(sh, script, baseEnv(sh, dir, mn));
      await until(() => mn.lines.length >= 12);
      const matcher = new Matcher(kb.patterns);
      const reader = new LineReader('remote', 'remote', Date.now());
      const got = mn.lines.map((l) => {
        const rec = reader.read(l.text, Date.now(), '10.0.0.11')!;
        const m = matcher.match(rec);
        return `${m?.pattern.id ?? 'NONE'} ${m ? JSON.stringify(m.fields) : rec.message}`;
      });
      const expected = [
        /^xtriage\.step-start-postboot \{"step":"ok-step","timeout":"5"\}$/,
        /^xtriage\.step-ok \{"step":"ok-step","phase":"postboot","rc":"0","dur":"\d+\.\d\d","timeout":"5"\}$/,
        /^xtriage\.step-start-postboot \{"step":"bad-step"/,
        /^xtriage\.step-failed \{"step":"bad-step","phase":"postboot","rc":"9","dur":"[\d.]+","timeout":"5","err":"oops: \\\\\\"x\\\\\\""\}$/,
        /^xtriage\.log-warning \{"step":"-","phase":"postboot","level":"warning","msg":"careful"\}$/,
        /^xtriage\.log \{"step":"-","phase":"postboot","level":"info","msg":"fine"\}$/,
        /^xtriage\.step-start \{"step":"dracut-step","phase":"initrd","timeout":"5"\}$/,
        /^xtriage\.step-ok \{"step":"dracut-step","phase":"initrd"/,
        /^xtriage\.step-start-postboot \{"step":"hung-step"/,
        /^xtriage\.step-hung \{"step":"hung-step","phase":"postboot","rc":"124",/,
        /^xtriage\.fail \{"step":"hung-step","phase":"postboot","rc":"124","xcatd":"ok","msg":"giving up"\}$/,
      ];
      check(got.length === expected.length, `${got.length} lines`, r, got);
      expected.forEach((re, i) => check(re.test(got[i]!), `line ${i}: ${got[i]}`, r, got));
      check(JSON.stringify(mn.xcatd) === JSON.stringify(['installstatus failed']), 'xt_fail told xcatd', r, mn.xcatd);
    } finally {
      await mn.close();
    }
  });
});
