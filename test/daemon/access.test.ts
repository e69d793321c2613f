// The daemon says what it cannot do (#18 item 3): a real xtriaged, run as a user who cannot
// read parts of the log tree, names each unreadable file and directory at start and whenever
// that changes, and counts them in /v1/health and /metrics; a configuration with several bad
// values is refused with every one named by file, line and key; a listen address that cannot
// be bound names where it was set.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { DIST, freePort } from '../helpers/daemon';

jest.setTimeout(60_000);

const ROOT_RUN = process.getuid?.() === 0;
const NOBODY = 65534;

function get(socket: string, p: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath: socket, path: p }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Make a path unreadable to the daemon: root's 0600/0700 (daemon runs as nobody), else mode 000. */
function lock(p: string, dir = false): void {
  fs.chmodSync(p, ROOT_RUN ? (dir ? 0o700 : 0o600) : 0);
}

describe('unreadable logs', () => {
  let base: string;
  let logs: string;
  let socket: string;
  let proc: ChildProcess;
  let err = '';

  beforeAll(async () => {
    base = fs.mkdtempSync('/tmp/h18-access-');
    fs.chmodSync(base, 0o755);
    logs = path.join(base, 'log');
    fs.mkdirSync(path.join(logs, 'xcat'), { recursive: true });
    fs.mkdirSync(path.join(logs, 'consoles'));
    fs.mkdirSync(path.join(logs, 'httpd'));
    fs.chmodSync(logs, 0o755);
    for (const d of ['xcat', 'consoles', 'httpd']) fs.chmodSync(path.join(logs, d), 0o755);
    fs.writeFileSync(path.join(logs, 'messages'), 'Nov 24 10:00:41 mn01 dhcpd[1234]: DHCPDISCOVER from 52:54:00:aa:bb:01 via ens4\n');
    fs.writeFileSync(path.join(logs, 'xcat', 'cluster.log'), '');
    fs.writeFileSync(path.join(logs, 'httpd', 'access_log'), '');
    fs.writeFileSync(path.join(logs, 'consoles', 'cn01'), 'Loading kernel\n');
    fs.writeFileSync(path.join(logs, 'consoles', 'cn02'), 'Loading kernel\n');
    for (const f of ['messages', 'xcat/cluster.log', 'httpd/access_log', 'consoles/cn01', 'consoles/cn02']) fs.chmodSync(path.join(logs, f), 0o644);
    lock(path.join(logs, 'messages'));
    lock(path.join(logs, 'xcat'), true);
    lock(path.join(logs, 'consoles', 'cn01'));
    const state = path.join(base, 'state');
    fs.mkdirSync(state, { mode: 0o755 });
    if (ROOT_RUN) fs.chownSync(state, NOBODY, NOBODY);
    socket = path.join(state, 'xtriaged.sock');
    const port = await freePort();
    proc = spawn(
      process.execPath,
      [path.join(DIST, 'xtriaged.js'), '--state', state, '--socket', socket, '--udp', `127.0.0.1:${port}`, '--tcp', `127.0.0.1:${port}`, '--logs', logs],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, TZ: 'UTC', HOME: state },
        ...(ROOT_RUN ? { uid: NOBODY, gid: NOBODY } : {}),
      },
    );
    proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    await until('ready', () => /^xtriaged: ready: /m.test(err) || proc.exitCode !== null, 20_000);
    if (proc.exitCode !== null) throw new Error(`xtriaged exited: ${err}`);
  });

  afterAll(async () => {
    if (proc && proc.exitCode === null) {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });

  const health = async (): Promise<{ unreadable: { count: number; paths: { path: string; reason: string }[] } }> => JSON.parse(await get(socket, '/v1/health'));

  test('at start: each unreadable file and directory is named in the log before ready, and counted', async () => {
    const before = err.slice(0, err.indexOf('xtriaged: ready: '));
    const named = before.split('\n').filter((l) => l.includes('cannot read '));
    expect(named.map((l) => /cannot read (\S+):/.exec(l)![1]).sort()).toEqual(
      [path.join(logs, 'consoles', 'cn01'), path.join(logs, 'messages'), path.join(logs, 'xcat')].sort(),
    );
    for (const l of named) expect(l).toMatch(/: permission denied \(EACCES\); its lines are not read/);
    const h = await health();
    expect(h.unreadable.count).toBe(3);
    expect(h.unreadable.paths.map((p) => p.path)).toContain(path.join(logs, 'messages'));
    expect(await get(socket, '/metrics')).toMatch(/^xtriage_unreadable_paths 3$/m);
    // The health line of the TUI's cluster screen (and of `xtriage status`) says so first.
    const st = spawnSync(process.execPath, [path.join(DIST, 'xtriage.js'), 'status', '--socket', socket], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 20_000,
    });
    expect(st.stdout.split('\n')[1]).toMatch(/^cannot read 3 log paths \(journalctl -u xtriaged\)  reception: /);
  });

  test('on change: a file made readable and one made unreadable are both said, and the count follows', async () => {
    fs.chmodSync(path.join(logs, 'messages'), 0o644);
    lock(path.join(logs, 'consoles', 'cn02'));
    await until(
      'the change to be logged',
      () => err.includes(`${path.join(logs, 'messages')} can be read again`) && err.includes(`cannot read ${path.join(logs, 'consoles', 'cn02')}:`),
    );
    const h = await health();
    expect(h.unreadable.paths.map((p) => p.path).sort()).toEqual(
      [path.join(logs, 'consoles', 'cn01'), path.join(logs, 'consoles', 'cn02'), path.join(logs, 'xcat')].sort(),
    );
    expect(h.unreadable.count).toBe(3);
    // Said once per change, not at every check.
    await new Promise((r) => setTimeout(r, 3500));
    expect(err.split(`cannot read ${path.join(logs, 'consoles', 'cn02')}:`).length - 1).toBe(1);
  });
});

describe('configuration problems', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync('/tmp/h18-config-');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('every bad value is named with file, line and key, and the daemon refuses to start (exit 2)', () => {
    const file = path.join(dir, 'xtriaged.yaml');
    fs.writeFileSync(
      file,
      ['# site config', 'udp: ["mn01:514"]', `state: ${dir}/state`, 'socketGroup: no-such-group-h18', 'tcpIdleTimeoutS: 0', 'socketMode: "0666"', ''].join(
        '\n',
      ),
    );
    const r = spawnSync(process.execPath, [path.join(DIST, 'xtriaged.js'), '--config', file], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      'xtriaged: refusing to start: 4 problems in the configuration:',
      `xtriaged:   ${file}:2: key "udp": bad listen address "mn01:514": "mn01" is not an IP address (a host name is never resolved: give the address)`,
      `xtriaged:   ${file}:4: key "socketGroup": group "no-such-group-h18" does not exist (create it: groupadd -r no-such-group-h18; the packages do)`,
      `xtriaged:   ${file}:5: key "tcpIdleTimeoutS": 0 is below the minimum 1 s`,
      `xtriaged:   ${file}:6: key "socketMode": mode 0666 gives other users access: the socket is the access boundary (owner and group bits only, e.g. "0660")`,
    ]);
  });

  test('YAML syntax errors: every one named with its line', () => {
    const file = path.join(dir, 'syntax.yaml');
    fs.writeFileSync(file, 'udp: ["127.0.0.1:0"]\nstate: /tmp/x\nstate: /tmp/y\nlogs: /var/log\nlogs: /tmp\n');
    const r = spawnSync(process.execPath, [path.join(DIST, 'xtriaged.js'), '--config', file], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe('xtriaged: refusing to start: 2 problems in the configuration:');
    expect(lines.slice(1).map((l) => /^xtriaged: {3}(\S+?:\d+): Map keys must be unique/.exec(l)?.[1])).toEqual([`${file}:3`, `${file}:5`]);
  });

  test('a listen address that cannot be bound names the key and line it came from', async () => {
    const port = await freePort();
    const file = path.join(dir, 'bind.yaml');
    // 192.0.2.1 (TEST-NET-1) is on no interface here.
    fs.writeFileSync(file, [`state: ${dir}/state2`, `socket: ${dir}/x.sock`, `tcp: ["127.0.0.1:${port}"]`, 'udp: ["192.0.2.1:5514"]', ''].join('\n'));
    const r = spawnSync(process.execPath, [path.join(DIST, 'xtriaged.js'), '--config', file], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`cannot start: cannot listen on udp 192\\.0\\.2\\.1:5514: .*\\(key "udp" at ${file.replace(/[.]/g, '\\.')}:4\\)\\n$`));
  });
});
