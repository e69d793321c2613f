// Issue 15, items 6, 7, 9, 10, 11, against a real xtriaged: config values checked at load with
// file, line and key (socketMode as written, ports, addresses, relay prefixes, sizes, timeouts);
// state, spool, store and socket owner/group-only under umask 022; a session store that cannot be
// opened is a fatal start-up error (one line, exit ≠ 0); malformed API requests get a 400, HEAD
// is answered, client input leaves no stack trace in the log.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { startDaemon, sendUdp, freePort, DIST } from '../helpers/daemon';
import { readCapture } from '../../src/sources/spool';
import { defaults, loadConfigFile, parseSocketMode } from '../../src/config';

jest.setTimeout(60_000);

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'xt-loud-'));
const XTRIAGED = path.join(DIST, 'xtriaged.js');

/** xtriaged with only a config file (its own state and socket), to its exit. */
function runWithConfig(body: string): { status: number | null; stderr: string; file: string } {
  const dir = tmp();
  const file = path.join(dir, 'x.yaml');
  fs.writeFileSync(file, `state: ${path.join(dir, 'state')}\nsocket: ${path.join(dir, 'sock')}\n${body}`);
  const r = spawnSync(process.execPath, [XTRIAGED, '--config', file], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stderr: r.stderr, file };
}

describe('config: every value checked at load, with file, line and key', () => {
  // Each of these used to start (or die later with no file, line or key).
  const cases: [string, string, RegExp][] = [
    ['a bad port', 'udp: ["127.0.0.1:70000"]', /:3: key "udp": bad listen address "127\.0\.0\.1:70000": bad port/],
    ['a port that is not a number', 'tcp: "127.0.0.1:syslog"', /:3: key "tcp": .*bad port/],
    [
      'a host name where an address belongs',
      'tcp: ["mn01.cluster:5514"]',
      /:3: key "tcp": .*"mn01\.cluster" is not an IP address \(a host name is never resolved/,
    ],
    ['a bad trusted-relay prefix', 'trustedRelays: ["10.0.0.0/33"]', /:3: key "trustedRelays": bad trusted relay "10\.0\.0\.0\/33": bad prefix/],
    ['a relay given by name', 'trustedRelays: [sn01]', /:3: key "trustedRelays": bad trusted relay "sn01"/],
    ['a bad recvBufferBytes', 'recvBufferBytes: 99999999999', /:3: key "recvBufferBytes": 99999999999 is above the maximum 2147483647/],
    ['a fractional recvBufferBytes', 'recvBufferBytes: 1.5', /:3: key "recvBufferBytes": expected a whole number of bytes/],
    ['tcpIdleTimeoutS: 0', 'tcpIdleTimeoutS: 0', /:3: key "tcpIdleTimeoutS": 0 is below the minimum 1 s/],
    ['spoolMaxTotalBytes: 0', 'spoolMaxTotalBytes: 0', /:3: key "spoolMaxTotalBytes": 0 is below the minimum/],
    ['tcpMaxConnections: 0', 'tcpMaxConnections: 0', /:3: key "tcpMaxConnections": 0 is below the minimum 1/],
    [
      'a spool total below one file',
      'spoolMaxFileBytes: 67108864\nspoolMaxTotalBytes: 33554432',
      /:4: key "spoolMaxTotalBytes": spoolMaxTotalBytes \(33554432\) is below spoolMaxFileBytes/,
    ],
    ['stallScale: 0', 'stallScale: 0', /:3: key "stallScale": 0 is below the minimum/],
    ['socketMode: 79', 'socketMode: 79', /:3: key "socketMode": "79" is not an octal mode/],
    ['socketMode with world bits', 'socketMode: "0666"', /:3: key "socketMode": mode 0666 gives other users access/],
    ['socketMode 0o777', 'socketMode: 0o777', /:3: key "socketMode": mode 0777 gives other users access/],
    ['socketMode the owner cannot use', 'socketMode: "0060"', /:3: key "socketMode": mode 0060 does not let the owner/],
    ['a hook with timeout 0', 'hooks:\n  - command: "true"\n    timeout: 0', /:3: key "hooks": hook "timeout" must be/],
  ];
  test.each(cases)('%s: exit 2, one line naming file, line and key', (_what, body, want) => {
    const r = runWithConfig(body);
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`refusing to start: ${r.file}:`);
    expect(lines[0]).toMatch(want);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('flags are checked the same way', () => {
    const dir = tmp();
    const r = spawnSync(
      process.execPath,
      [XTRIAGED, '--state', path.join(dir, 's'), '--socket', path.join(dir, 'sock'), '--udp', 'mn01:514', '--tcp', '127.0.0.1:0'],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^xtriaged: refusing to start: flag --udp: bad listen address "mn01:514": "mn01" is not an IP address/);
  });

  test('socketMode is read as written: 0o660, 0660, 660 and "0660" are all 0660', () => {
    const dir = tmp();
    for (const v of ['0o660', '0660', '660', '"0660"', "'660'", '0o640', '"0600"']) {
      const f = path.join(dir, 'm.yaml');
      fs.writeFileSync(f, `socketMode: ${v}\n`);
      const want = /640/.test(v) ? 0o640 : /600/.test(v) ? 0o600 : 0o660;
      expect([v, loadConfigFile(f, defaults()).socketMode]).toEqual([v, want]);
    }
    expect(parseSocketMode('0460')).toMatch(/does not let the owner/);
    expect(parseSocketMode('0432')).toMatch(/gives other users access/);
    expect(parseSocketMode('7')).toMatch(/not an octal mode/);
  });

  test('socketMode: 0o660 in the config gives a socket of mode 0660 that other users cannot reach', async () => {
    const dir = tmp();
    const cfg = path.join(dir, 'x.yaml');
    fs.writeFileSync(cfg, 'socketMode: 0o660\n');
    const d = await startDaemon({ dir, extra: ['--config', cfg] });
    try {
      expect((fs.statSync(d.socket).mode & 0o7777).toString(8)).toBe('660');
    } finally {
      await d.stop();
    }
  });
});

/** Files under `dir` (and `dir`) whose mode gives other users anything. */
function worldAccessible(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    const st = fs.lstatSync(p);
    if (st.mode & 0o007) out.push(`${p} ${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(p, n));
  };
  walk(dir);
  return out;
}

test('under umask 022, state, spool, store, MN log spool and socket are owner/group-only', async () => {
  const dir = tmp();
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs);
  fs.writeFileSync(path.join(logs, 'messages'), 'Nov 24 10:00:00 mn01 dhcpd[1]: DHCPDISCOVER from 52:54:00:aa:bb:01 via ens4\n');
  const port = await freePort();
  const state = path.join(dir, 'state');
  const socket = path.join(dir, 'run', 'xtriaged.sock');
  const sh = `umask 022; exec ${JSON.stringify(process.execPath)} ${XTRIAGED} --state ${state} --socket ${socket} --udp 127.0.0.1:${port} --tcp 127.0.0.1:${port} --logs ${logs}`;
  const proc = spawn('/bin/sh', ['-c', sh], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise((res) => proc.on('exit', res));
  try {
    for (let i = 0; i < 200 && !/ready: /.test(err); i++) await new Promise((r) => setTimeout(r, 50));
    expect(err).toMatch(/ready: /);
    await sendUdp(port, ['<13>Nov 24 10:00:01 localhost test: one line to spool']);
    await new Promise((r) => setTimeout(r, 800));
  } finally {
    proc.kill('SIGTERM');
    await exited;
  }
  // Something was written everywhere it matters.
  const spooled = fs.readdirSync(path.join(state, 'spool'));
  expect(spooled.length).toBeGreaterThan(0);
  expect(fs.existsSync(path.join(state, 'db', 'sessions.db'))).toBe(true);
  expect(worldAccessible(state)).toEqual([]);
  expect(worldAccessible(path.join(dir, 'run'))).toEqual([]);
  // A state directory an older run left 0755 loses its world bits at the next start.
  fs.chmodSync(state, 0o755);
  const d = await startDaemon({ dir, extra: [] });
  await d.stop();
  expect(fs.statSync(state).mode & 0o007).toBe(0);
});

describe('a session store that cannot be opened is fatal: exit ≠ 0, one line naming it', () => {
  const start = (state: string, dir: string, asUser: string[] = []): { status: number | null; stderr: string } => {
    const args = [XTRIAGED, '--state', state, '--socket', path.join(dir, 'sock'), '--udp', '127.0.0.1:0', '--tcp', '127.0.0.1:0'];
    const r = asUser.length
      ? spawnSync(asUser[0]!, [...asUser.slice(1), process.execPath, ...args], { encoding: 'utf8', timeout: 20_000 })
      : spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 20_000 });
    return { status: r.status, stderr: r.stderr };
  };

  test('sessions.db is a directory', () => {
    const dir = tmp();
    const state = path.join(dir, 'state');
    fs.mkdirSync(path.join(state, 'db', 'sessions.db'), { recursive: true });
    const r = start(state, dir);
    expect(r.status).toBe(1);
    expect(r.stderr).not.toMatch(/kept running|\n\s+at /);
    const cannot = r.stderr
      .trim()
      .split('\n')
      .filter((l) => /cannot start/.test(l));
    expect(cannot).toEqual([`xtriaged: cannot start: state database ${path.join(state, 'db', 'sessions.db')} is not a regular file`]);
    expect(r.stderr).not.toMatch(/ready: /);
  });

  test('sessions.db cannot be read (EACCES)', () => {
    const dir = tmp();
    const state = path.join(dir, 'state');
    fs.mkdirSync(path.join(state, 'db'), { recursive: true });
    const db = path.join(state, 'db', 'sessions.db');
    fs.writeFileSync(db, '');
    let asUser: string[] = [];
    if (process.getuid?.() === 0) {
      // root reads everything: run the daemon as nobody, owning everything but the store.
      if (spawnSync('sh', ['-c', 'command -v setpriv']).status !== 0) return;
      fs.chmodSync(dir, 0o755);
      for (const p of [state, path.join(state, 'db')]) fs.chownSync(p, 65534, 65534);
      asUser = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
    }
    fs.chmodSync(db, 0o000);
    const r = start(state, dir, asUser);
    expect(r.status).toBe(1);
    expect(r.stderr).not.toMatch(/kept running|\n\s+at /);
    expect(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => /cannot start/.test(l)),
    ).toEqual([`xtriaged: cannot start: state database ${db} cannot be opened for reading and writing (EACCES)`]);
  });
});

/** One raw HTTP exchange over the daemon's socket: what came back before the server closed or `ms` passed. */
function raw(socket: string, request: string, ms = 3000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    const c = net.createConnection(socket, () => c.write(request));
    const timer = setTimeout(() => {
      c.destroy();
      resolve({ text, closed: false });
    }, ms);
    c.on('data', (b) => (text += b.toString('latin1')));
    c.on('error', () => undefined);
    c.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
  });
}

test('API: malformed requests get a 400 and the connection closed, HEAD is answered, no stack traces', async () => {
  const d = await startDaemon();
  try {
    // An unparseable request target: answered, closed, nothing in the log.
    for (let i = 0; i < 3; i++) {
      const r = await raw(d.socket, 'GET //[ HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(r.text).toMatch(/^HTTP\/1\.1 400 /);
      expect(r.closed).toBe(true);
    }
    const pct = await raw(d.socket, 'GET /v1/sessions/%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(pct.text).toMatch(/^HTTP\/1\.1 400 /);
    expect(pct.text).toContain('not valid percent-encoding');
    // HEAD on every endpoint, the event stream included: headers, no body, no hang.
    for (const p of ['/v1/events', '/v1/health', '/v1/sessions', '/metrics']) {
      const h = await raw(d.socket, `HEAD ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect([p, h.closed]).toEqual([p, true]);
      expect(h.text).toMatch(/^HTTP\/1\.1 200 /);
      expect(h.text.split('\r\n\r\n')[1] ?? '').toBe('');
    }
    // Not HTTP at all.
    const junk = await raw(d.socket, '\x16\x03\x01garbage\r\n\r\n');
    expect(junk.text).toMatch(/^HTTP\/1\.1 400 /);
    // A normal request still works on a new connection, and the daemon said nothing about any of it.
    const ok = await raw(d.socket, 'GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(ok.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(d.stderr()).not.toMatch(/\n\s+at |internal error/);
  } finally {
    await d.stop();
  }
});

test('the spool written under umask 022 reads back (modes did not break the format)', async () => {
  // Guards the umask change: a capture file is still a capture file.
  const dir = tmp();
  const d = await startDaemon({ dir });
  await sendUdp(d.port, ['<13>Nov 24 10:00:01 localhost test: readable']);
  await new Promise((r) => setTimeout(r, 500));
  await d.stop();
  const spool = path.join(d.state, 'spool');
  let n = 0;
  for (const f of fs.readdirSync(spool).filter((x) => /\.jsonl(\.gz)?$/.test(x))) {
    for await (const r of readCapture(path.join(spool, f))) if (r.msg.includes('readable')) n++;
  }
  expect(n).toBe(1);
});
