// `xtriage status`, `show`, `watch` (dist/bin/xtriage.js) against a real xtriaged fed over
// UDP and file appends; and what they say when the daemon is not there.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DIST, startDaemon, waitFor, type RunningDaemon } from '../helpers/daemon';
import { feedFixture, liveFixture, makeLogTree } from '../helpers/live-fixture';
import type { AnalysisDoc } from '../../src/diagnose/diagnose';
import { getJson } from '../../src/api/client';
import { SERVICE_SOCKET } from '../../src/util/socket-path';
import { defaults, loadConfigFile } from '../../src/config';

jest.setTimeout(60_000);

const CLI = path.join(DIST, 'xtriage.js');
let dir: string;
let logs: string;
let d: RunningDaemon;

function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '' }, timeout: 20_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xt-cli-'));
  logs = makeLogTree(dir);
  d = await startDaemon({ dir, logs });
  await feedFixture(logs, d.port, liveFixture());
  await waitFor<AnalysisDoc>(d.socket, '/v1/sessions', (doc) => doc.groups.some((g) => g.pattern === 'http.postscript-forbidden' && g.sessions.length === 2));
});

afterAll(async () => {
  await d?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('status: the cluster screen as text, shared cause first with its nodes', () => {
  const r = cli('status', '--socket', d.socket);
  expect(r.code).toBe(0);
  expect(r.err).toBe('');
  const lines = r.out.split('\n');
  expect(lines[0]).toMatch(/^xtriage +\d+ sessions: \d+ FAILED +\d+ LOOPING +\d+ STALLED +\d+ RUNNING +\d+ SUCCEEDED$/);
  expect(lines[1]).toMatch(/^reception: .*msg\/s.*\(\d+ received\).*kernel drops \d+.*lag/);
  expect(r.out).toMatch(/ROOT CAUSES SHARED BY SEVERAL NODES[\s\S]*2 nodes — httpd refused postscript `mlnx` \(403\)/);
  expect(r.out).toMatch(/nodes +cn01 cn02\n/);
  expect(r.out).toMatch(/remedy +On the MN: `chmod -R a\+rX/);
  expect(r.out).toMatch(/NODES WITH NO SHARED CAUSE[\s\S]*cn03/);
  expect(r.out).not.toMatch(/\x1b/); // a pipe gets no escape sequences
  // The shared cause comes before the list of nodes.
  expect(r.out.indexOf('httpd refused')).toBeLessThan(r.out.indexOf('NODES WITH NO SHARED CAUSE'));
});

test('status --json prints the /v1/sessions document', async () => {
  const r = cli('status', '--json', '--socket', d.socket);
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.out) as AnalysisDoc;
  const api = await getJson<AnalysisDoc>(d.socket, '/v1/sessions');
  expect(Object.keys(doc).sort()).toEqual(Object.keys(api).sort());
  expect(doc.sessions.map((s) => s.id).sort()).toEqual(api.sessions.map((s) => s.id).sort());
  expect(doc.groups.map((g) => g.title)).toEqual(api.groups.map((g) => g.title));
});

test('show NODE|MAC|IP: the node screen as text with its timeline', () => {
  const byName = cli('show', 'cn01', '--socket', d.socket);
  expect(byName.code).toBe(0);
  const out = byName.out;
  expect(out).toMatch(/^FAILED +cn01 +stage \S+/);
  expect(out).toMatch(/mac 52:54:00:05:00:01 +ip 127\.0\.5\.11/);
  expect(out).toMatch(/ROOT CAUSE +\[http\.postscript-forbidden\]\n +cause +httpd refused postscript `mlnx` \(403\)/);
  expect(out).toMatch(/evidence +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +httpd\/access_log\n +127\.0\.5\.11 - - \[.*"GET \/install\/postscripts\/mlnx HTTP\/1\.1" 403/);
  expect(out).toMatch(/remedy +On the MN/);
  expect(out).toMatch(/SYMPTOMS/); // unfolded in the text form
  expect(out).toMatch(/failed to download postscripts/);
  expect(out).toMatch(/TIMELINE[^\n]*\n(?: +\d\d:\d\d:\d\d +\S+ +(?:start|\d+[smhd]\S*).*\n)+/);
  expect(out).toMatch(/dhcp/);
  expect(out).toMatch(/kickstart/);
  // The same machine by MAC and by IP.
  for (const spec of ['52:54:00:05:00:01', '127.0.5.11']) {
    const r = cli('show', spec, '--socket', d.socket);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe(out.split('\n')[0]);
  }
});

test('show --json: the session with its timeline; unknown node and usage errors', () => {
  const r = cli('show', 'cn02', '--json', '--socket', d.socket);
  expect(r.code).toBe(0);
  const s = JSON.parse(r.out) as { node: string; rootCause: { pattern: string }; timeline: { line: string; source: string }[]; otherAttempts: unknown[] };
  expect(s.node).toBe('cn02');
  expect(s.rootCause.pattern).toBe('http.postscript-forbidden');
  expect(s.timeline.some((t) => t.source === 'httpd/access_log' && / 403 /.test(t.line))).toBe(true);
  expect(s.timeline.some((t) => t.source === 'remote')).toBe(true);
  expect(Array.isArray(s.otherAttempts)).toBe(true);

  const none = cli('show', 'cn99', '--socket', d.socket);
  expect(none.code).toBe(1);
  expect(none.err).toMatch(/^xtriage: no session matches cn99/);
  const usage = cli('show', '--socket', d.socket);
  expect(usage.code).toBe(2);
  expect(usage.err).toMatch(/^xtriage: show needs one NODE/);
  expect(cli('status', '--bogus').code).toBe(2);
});

test('watch: one line per change as it happens, to a pipe; --json likewise', async () => {
  const run = (json: boolean): Promise<{ out: string; err: string; code: number | null }> =>
    new Promise((resolve) => {
      const p = spawn(process.execPath, [CLI, 'watch', '--socket', d.socket, ...(json ? ['--json'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (c: Buffer) => (out += c.toString()));
      p.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        if (/watching/.test(err) && !fs.existsSync(path.join(dir, `appended-${json}`))) {
          fs.writeFileSync(path.join(dir, `appended-${json}`), '');
          const n = json ? 8 : 7;
          const t = new Date(Date.now() - 3000);
          const stamp = `${t.toUTCString().slice(8, 11)} ${String(t.getUTCDate()).padStart(2, ' ')} ${t.toISOString().slice(11, 19)}`;
          fs.appendFileSync(
            path.join(logs, 'messages'),
            `${stamp} mn01 dhcpd[1234]: DHCPACK on 127.0.5.2${n} to 52:54:00:05:00:2${n} via ens4\n${stamp} mn01 in.tftpd[2345]: RRQ from 127.0.5.2${n} filename xcat/xnba.kpxe\n`,
          );
        }
      });
      const check = setInterval(() => {
        if (/52:54:00:05:00:2[78]/.test(out)) {
          clearInterval(check);
          p.kill('SIGTERM');
        }
      }, 100);
      const giveUp = setTimeout(() => p.kill('SIGTERM'), 20_000);
      p.on('exit', (code) => {
        clearInterval(check);
        clearTimeout(giveUp);
        resolve({ out, err, code });
      });
    });
  const text = await run(false);
  expect(text.code).toBe(0);
  expect(text.out).toMatch(/^\d\d:\d\d:\d\d +RUNNING +52:54:00:05:00:27 +52:54:00:05:00:27 +127\.0\.5\.27 +\S+ +new/m);
  expect(text.out).not.toMatch(/\x1b/);
  const json = await run(true);
  expect(json.code).toBe(0);
  const events = json.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; session?: { mac: string } });
  expect(events.some((e) => e.event === 'session' && e.session?.mac === '52:54:00:05:00:28')).toBe(true);
});

test('a daemon that is not there: one clear line and exit status 1', () => {
  const sock = path.join(dir, 'nobody-home.sock');
  for (const cmd of [['status'], ['status', '--json'], ['show', 'cn01'], ['watch']]) {
    const r = cli(...cmd, '--socket', sock);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(`xtriage: xtriaged is not running (no daemon at ${sock})\n`);
  }
  // The TUI needs a terminal; in a pipe it says so instead of drawing.
  const tui = cli('--socket', sock);
  expect(tui.code).toBe(2);
  expect(tui.err).toMatch(/needs a terminal/);
});

test('the CLI finds the service as the unit runs it: its socket when it exists, then $XDG_RUNTIME_DIR', () => {
  // The path looked at is where the packaged service listens.
  expect(SERVICE_SOCKET).toBe(loadConfigFile(path.join(__dirname, '..', '..', 'systemd', 'xtriaged.yaml'), defaults()).socket);
  const unit = fs.readFileSync(path.join(__dirname, '..', '..', 'systemd', 'xtriaged.service'), 'utf8');
  expect(path.dirname(SERVICE_SOCKET)).toBe(`/run/${/^RuntimeDirectory=(.*)$/m.exec(unit)![1]}`);

  const runtime = fs.mkdtempSync(path.join(dir, 'runtime-'));
  const env = (service: string): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '', XDG_RUNTIME_DIR: runtime, XTRIAGE_SERVICE_SOCKET: service };
    delete e.XTRIAGE_SOCKET;
    return e;
  };
  const status = (service: string) => spawnSync(process.execPath, [CLI, 'status'], { encoding: 'utf8', env: env(service), timeout: 20_000 });
  // Service socket there, nothing in the runtime directory: the service answers.
  let r = status(d.socket);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  // No service socket, the user's daemon in $XDG_RUNTIME_DIR answers.
  const missing = path.join(dir, 'no-service', 'xtriaged.sock');
  fs.symlinkSync(d.socket, path.join(runtime, 'xtriaged.sock'));
  r = status(missing);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  // Both there: the service first (the runtime one now leads nowhere).
  fs.unlinkSync(path.join(runtime, 'xtriaged.sock'));
  fs.symlinkSync(path.join(dir, 'gone.sock'), path.join(runtime, 'xtriaged.sock'));
  r = status(d.socket);
  expect(r.status).toBe(0);
  // Neither: the user's socket is the one named.
  r = status(missing);
  expect(r.status).toBe(1);
  expect(r.stderr).toBe(`xtriage: xtriaged is not running (no daemon at ${path.join(runtime, 'xtriaged.sock')})\n`);
});

test('a socket without permission: "permission denied: add yourself to group xtriage"', () => {
  if (process.getuid?.() === 0) {
    // Root passes every permission check: run the CLI as nobody against the real daemon's
    // socket in its 0700 directory (so nobody cannot even see that it exists).
    fs.chmodSync(dir, 0o700);
    const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '', XTRIAGE_SERVICE_SOCKET: d.socket, XDG_RUNTIME_DIR: '/nonexistent' };
    delete e.XTRIAGE_SOCKET;
    const r = spawnSync(process.execPath, [CLI, 'status'], { encoding: 'utf8', env: e, uid: 65534, gid: 65534, timeout: 20_000 });
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(`^xtriage: permission denied: add yourself to group xtriage \\(usermod -aG xtriage \\S+, then log in again\\) to use ${d.socket}\n$`),
    );
    expect(r.status).toBe(1);
    return;
  }
  const sock = path.join(dir, 'locked.sock');
  const srv = require('node:net').createServer().listen(sock);
  try {
    fs.chmodSync(sock, 0o000);
    const r = cli('status', '--socket', sock);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^xtriage: permission denied: add yourself to group \S+ /);
  } finally {
    srv.close();
  }
});
