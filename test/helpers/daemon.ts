// Spawns a real xtriaged from dist/ on private ports, state and socket, for end-to-end tests.
import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { getJson } from '../../src/api/client';
import { candidatePort } from './ports';

export const DIST = path.join(__dirname, '..', '..', 'dist', 'bin');

export async function freePort(): Promise<number> {
  // A port free for both TCP and UDP on 127.0.0.1.
  for (;;) {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(-1));
      s.listen(candidatePort(), '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    if (port < 0) continue;
    const ok = await new Promise<boolean>((resolve) => {
      const u = dgram.createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (ok) return port;
  }
}

export interface RunningDaemon {
  proc: ChildProcess;
  port: number;
  socket: string;
  state: string;
  dir: string;
  logs: string | null;
  stderr: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/**
 * Every daemon a test file started: killed after the file's last test, whatever its tests did
 * (a test that failed before its `stop()` would leave one running, and jest waiting on it).
 */
const started = new Set<ChildProcess>();
if (typeof afterAll === 'function') {
  afterAll(() => {
    for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  });
}

export async function startDaemon(
  opts: { dir?: string; logs?: string | null; port?: number; extra?: string[]; nodeArgs?: string[] } = {},
): Promise<RunningDaemon> {
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'xtd-'));
  const port = opts.port ?? (await freePort());
  const state = path.join(dir, 'state');
  const socket = path.join(dir, 'xtriaged.sock');
  const args = [
    ...(opts.nodeArgs ?? []),
    path.join(DIST, 'xtriaged.js'),
    '--state',
    state,
    '--socket',
    socket,
    '--udp',
    `127.0.0.1:${port}`,
    '--tcp',
    `127.0.0.1:${port}`,
  ];
  if (opts.logs) args.push('--logs', opts.logs);
  args.push(...(opts.extra ?? []));
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TZ: 'UTC' } });
  started.add(proc);
  proc.on('exit', () => started.delete(proc));
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  while (!/^xtriaged: ready: /m.test(err)) {
    if (proc.exitCode !== null) throw new Error(`xtriaged exited: ${err}`);
    if (Date.now() > deadline) {
      // A daemon that never got ready must not outlive the test that started it.
      proc.kill('SIGKILL');
      throw new Error(`xtriaged did not start: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    proc,
    port,
    socket,
    state,
    dir,
    logs: opts.logs ?? null,
    stderr: () => err,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null) proc.kill(signal);
      return exited;
    },
  };
}

export function sendUdp(port: number, msgs: (string | Buffer)[], from = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, from, async () => {
      for (const m of msgs) await new Promise<void>((r) => s.send(m, port, '127.0.0.1', () => r()));
      s.close(() => resolve());
    });
  });
}

/** Wait until the daemon's diagnosis satisfies `ok` (polling /v1/sessions). */
export async function waitFor<T>(socket: string, p: string, ok: (doc: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await getJson<T>(socket, p);
      if (ok(last)) return last;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting on ${p}: ${JSON.stringify(last)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
