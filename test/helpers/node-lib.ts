// Shared by the node/xtriage.sh tests: the three shells, a fake MN (syslog over UDP and TCP,
// xcatd's install monitor), an HTTP server laid out like the MN's /install, and runners.
import { spawn, spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { bindSomewhere } from './ports';

export const ROOT = path.resolve(__dirname, '..', '..');
// XTRIAGE_TEST_LIB runs the tests against another copy (e.g. an older one, to see them fail).
export const LIB = process.env.XTRIAGE_TEST_LIB ?? path.join(ROOT, 'node', 'xtriage.sh');
export const KS = path.join(ROOT, 'node', 'kickstart-post.sh');
export const PATTERNS = path.join(ROOT, 'patterns');
export const SYS_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function which(cmd: string, p = SYS_PATH): string | null {
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

export interface Shell {
  name: string;
  argv: string[];
  /** PATH for this shell: the system's, or busybox's applets only. */
  path: string;
  /** Same, without logger. */
  pathNoLogger: string;
}

export let work: string;
export let shells: Shell[];

/** A directory of symlinks: every executable of `dirs` (first wins) except `without`. */
export function linkDir(dir: string, dirs: string[], without: string[]): string {
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

export function busyboxDir(dir: string, without: string[]): string {
  const bb = which('busybox')!;
  fs.mkdirSync(dir, { recursive: true });
  const list = spawnSync(bb, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const a of list) if (!without.includes(a)) fs.symlinkSync(bb, path.join(dir, a));
  return dir;
}

export function useShells(): void {
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
}

// ---------------------------------------------------------------------------------------
// The MN: syslog over UDP and TCP on one port number, xcatd's install monitor on another.

export interface Rx {
  via: 'udp' | 'tcp';
  bytes: number;
  text: string;
}

export interface Mn {
  port: number;
  iport: number;
  lines: Rx[];
  xcatd: string[];
  close(): Promise<void>;
}

export async function listenUdp(): Promise<dgram.Socket> {
  return bindSomewhere(
    (port) =>
      new Promise<dgram.Socket | null>((res) => {
        const u = dgram.createSocket('udp4');
        u.once('error', () => {
          u.close();
          res(null);
        });
        u.bind(port, '127.0.0.1', () => res(u));
      }),
  );
}

/** A TCP server listening on 127.0.0.1 (in XT_TEST_PORTS when set). */
export async function listenAny(server: net.Server): Promise<number> {
  return bindSomewhere(async (port) => ((await listenTcp(server, port)) ? (server.address() as net.AddressInfo).port : null));
}

export async function listenTcp(server: net.Server, port: number): Promise<boolean> {
  return new Promise((res) => {
    server.once('error', () => res(false));
    server.listen(port, '127.0.0.1', () => res(true));
  });
}

/**
 * `forwardTo`: every line received is also sent on, as it arrives, by UDP to that port on
 * 127.0.0.1 (a real xtriaged), so a test sees both the exact lines and the diagnosis.
 */
export async function startMn(opts: { forwardTo?: number } = {}): Promise<Mn> {
  const lines: Rx[] = [];
  const relay = opts.forwardTo ? dgram.createSocket('udp4') : null;
  const receive = (rx: Rx): void => {
    lines.push(rx);
    relay?.send(Buffer.from(rx.text, 'latin1'), opts.forwardTo!, '127.0.0.1');
  };
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
          receive({ via: 'tcp', bytes: Buffer.byteLength(text, 'latin1'), text });
        }
      });
      c.on('error', () => undefined);
      c.on('close', () => sockets.delete(c));
    });
    if (!(await listenTcp(syslogTcp, port))) {
      udp.close();
      continue;
    }
    udp.on('message', (m) => receive({ via: 'udp', bytes: m.length, text: m.toString('latin1') }));
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
    const iport = await listenAny(monitor);
    return {
      port,
      iport,
      lines,
      xcatd,
      close: async () => {
        for (const s of sockets) s.destroy();
        udp.close();
        relay?.close();
        await Promise.all([new Promise((r) => syslogTcp.close(r)), new Promise((r) => monitor.close(r))]);
      },
    };
  }
  throw new Error('no free port pair for UDP+TCP syslog');
}

/** A port nothing listens on (UDP and TCP). */
export async function deadPort(): Promise<number> {
  const s = net.createServer();
  const p = await listenAny(s);
  await new Promise((r) => s.close(r));
  return p;
}

// ---------------------------------------------------------------------------------------
// Running a script

export interface Run {
  sh: Shell;
  dir: string;
  log: string;
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  hung: boolean;
}

export function baseEnv(sh: Shell, dir: string, mn: { port: number; iport: number } | null): Record<string, string> {
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

/** Runs `script` after sourcing the library; `wrap` is a command put in front of the shell. */
export async function run(sh: Shell, script: string, env: Record<string, string>, limitMs = 25_000, wrap: string[] = [], dir = env.TMPDIR!): Promise<Run> {
  const file = path.join(dir, `script-${Math.random().toString(36).slice(2)}.sh`);
  fs.writeFileSync(file, `. '${LIB}'\n${script}\n`);
  const r = await spawnAsync([...wrap, ...sh.argv, file], env, dir, limitMs);
  const log = env.XTRIAGE_LOG && fs.existsSync(env.XTRIAGE_LOG) ? fs.readFileSync(env.XTRIAGE_LOG, 'latin1') : '';
  return { sh, dir, log, code: r.status, stdout: r.stdout, stderr: r.stderr, ms: r.ms, hung: r.hung };
}

/** Runs a command without blocking the event loop (the test's servers must keep answering). */
export function spawnAsync(
  argv: string[],
  env: Record<string, string>,
  cwd: string,
  limitMs = 25_000,
): Promise<{ status: number | null; stdout: string; stderr: string; hung: boolean; ms: number }> {
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

export function tmpFor(name: string): string {
  return fs.mkdtempSync(path.join(work, `${name}-`));
}

/** Waits until `pred` holds or the time is up (datagrams arrive asynchronously). */
export async function until(pred: () => boolean, ms = 1500): Promise<void> {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

/** The xtriage message of a received syslog line (the key=value text). */
export function msgOf(rx: Rx): string {
  const i = rx.text.indexOf('step=');
  return i >= 0 ? rx.text.slice(i).replace(/[\r\n\0]+$/, '') : '';
}

export function fieldsOf(msg: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /(\w+)=("(?:[^"\\]|\\.)*"|\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(msg))) out[m[1]!] = m[2]!.startsWith('"') ? m[2]!.slice(1, -1) : m[2]!;
  return out;
}

export function events(mn: Mn): Record<string, string>[] {
  return mn.lines.map((l) => fieldsOf(msgOf(l)));
}

/** Reverses the library's escaping. */
export function unescape(s: string): string {
  return s.replace(/\\(x[0-9a-f]{2}|.)/g, (_, e: string) => {
    if (e.startsWith('x') && e.length === 3) return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[e] ?? e;
  });
}

/** PIDs whose command line contains `needle` (leftover steps). */
export function processesWith(needle: string): number[] {
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
export async function eachShell(body: (sh: Shell, i: number) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(shells.map((sh, i) => body(sh, i)));
  const failed = results
    .map((r, i) => (r.status === 'rejected' ? `[${shells[i]!.name}] ${(r.reason as Error)?.message ?? String(r.reason)}` : null))
    .filter(Boolean);
  if (failed.length) throw new Error(failed.join('\n\n'));
}

/** expect(), with the shell and context in the message. */
export function check(cond: boolean, what: string, r?: Run, extra?: unknown): void {
  if (cond) return;
  const ctx = r
    ? `\n--- exit ${r.code} in ${r.ms} ms\n--- stdout (tail)\n${r.stdout.slice(-1500)}\n--- stderr (tail)\n${r.stderr.slice(-1500)}\n--- node.log (tail)\n${r.log.slice(-3000)}`
    : '';
  throw new Error(`${what}${extra !== undefined ? `\n--- ${JSON.stringify(extra, null, 1).slice(0, 3000)}` : ''}${ctx}`);
}

export interface Site {
  files: Record<string, string>;
  forbidden: string[];
}

export async function startHttp(site: Site): Promise<{ port: number; close(): Promise<void> }> {
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
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          `<html><body><h1>Index of ${url}</h1><table><tr><th><a href="?C=N;O=D">Name</a></th></tr>\n<tr><td><a href="/install/">Parent Directory</a></td></tr>\n${rows}\n</table></body></html>\n`,
        );
      return;
    }
    const body = site.files[url];
    if (body === undefined) res.writeHead(404).end('not found');
    else res.writeHead(200).end(body);
  });
  const port = await listenAny(server);
  return { port, close: () => new Promise((r) => server.close(() => r())) };
}

export function mypostscript(postscripts: string[], postbootscripts: string[]): string {
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

export function baseSite(): Site {
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

export async function runKickstart(sh: Shell, site: Site, mn: Mn, name: string): Promise<Run & { root: string }> {
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
    const r: Run = {
      sh,
      dir,
      log: fs.existsSync(logf) ? fs.readFileSync(logf, 'latin1') : '',
      code: x.status,
      stdout: x.stdout,
      stderr: x.stderr,
      ms: x.ms,
      hung: x.hung,
    };
    await new Promise((res) => setTimeout(res, 300));
    return { ...r, root };
  } finally {
    await web.close();
  }
}

/** Renders a file the way xCAT's Template.pm does (includes, ENV, TABLE, XCATVAR, WRITEREPO). */
/** What xCAT's template engine includes into the RHEL 9 kickstart's %post: the library, its %post, stubs. */
export function kickstartIncludes(): Record<string, string> {
  return {
    '/install/custom/install/rh/xtriage-post.sh': fs.readFileSync(KS, 'utf8'),
    '/install/postscripts/xtriage.sh': fs.readFileSync(LIB, 'utf8'),
    '/opt/xcat/share/xcat/install/scripts/scriptlib': 'msgutil_r() { echo "msgutil_r $2: $3"; }\n',
    '/install/postscripts/xcatpostinit1.service': '[Unit]\nDescription=xcat service on compute node\n',
    '/install/postscripts/xcatpostinit1.install': '#!/bin/bash\necho xcatpostinit1\n',
    '/install/postscripts/xcatinstallpost': '#!/bin/bash\necho xcatinstallpost\n',
    '/install/postscripts/xcatdsklspost': '#!/bin/bash\necho xcatdsklspost\n',
  };
}

/** The site and node values the kickstart template asks for (cn01, RHEL 9.4, the fake MN's ports). */
export function kickstartVariables(iport: number, httpPort: number): Record<string, string> {
  return {
    MASTER_IP: '127.0.0.1',
    XCATROOT: '/opt/xcat',
    XCATMASTER: '127.0.0.1',
    NODESTATUS: '1',
    'site:key=xcatiport:value': String(iport),
    'site:key=installdir:value': '/install',
    'site:key=tftpdir:value': '/tftpboot',
    'site:key=httpport:value': String(httpPort),
    'nodelist:THISNODE:node': 'cn01',
    'nodetype:THISNODE:os': 'rhels9.4',
    'nodetype:THISNODE:arch': 'x86_64',
  };
}

export function renderLikeXcat(text: string, files: Record<string, string>, vars: Record<string, string>): string {
  // Template.pm includefile(): comment and empty lines verbatim, other lines right-trimmed.
  const includefile = (f: string): string =>
    files[f] === undefined
      ? `#INCLUDEBAD:cannot open ${f}#`
      : files[f]!.replace(/\n$/, '')
          .split('\n')
          .map((l) => (/^\s*(#|$)/.test(l) ? l : l.replace(/\s+$/, '')))
          .join('\n');
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
