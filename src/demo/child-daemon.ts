// A private xtriaged for the demo: a real child process from this installation's
// dist/bin/xtriaged.js, on embedded defaults except for its own state directory, socket,
// loopback ports (picked by the kernel) and tailed log tree, all in a temporary directory.
// Its messages go to a file there, never over the UI.

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DAEMON_NODE_FLAGS } from '../util/thread-priority';

export interface ChildDaemon {
  proc: ChildProcess;
  socket: string;
  udpPort: number;
  tcpPort: number;
  logFile: string;
  /** The last lines it wrote (for an error message). */
  tail(): string;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

export async function startChildDaemon(dir: string, logs: string, timeoutMs = 30_000, stallScale = 1, identityFiles: string[] = []): Promise<ChildDaemon> {
  const bin = path.join(__dirname, '..', 'bin', 'xtriaged.js');
  const socket = path.join(dir, 'xtriaged.sock');
  const logFile = path.join(dir, 'xtriaged.log');
  // An explicit config keeps the site's /etc/xtriage/xtriaged.yaml (and its hooks) out of the demo.
  const config = path.join(dir, 'demo.yaml');
  // Cluster time runs compressed: stall limits shrink with it, so a stalled node shows as stalled.
  fs.writeFileSync(
    config,
    `# xtriage demo: embedded defaults, private state, socket and ports\nhooks: []\nstallScale: ${stallScale}\nidentityFiles: ${JSON.stringify(identityFiles)}\n`,
  );
  // node's flags as the unit starts it (systemd/xtriaged.service).
  const args = [
    ...DAEMON_NODE_FLAGS,
    bin,
    '--config',
    config,
    '--state',
    path.join(dir, 'state'),
    '--socket',
    socket,
    '--udp',
    '127.0.0.1:0',
    '--tcp',
    '127.0.0.1:0',
    '--logs',
    logs,
  ];
  // The generated MN files are stamped in UTC, as the MN's rsyslog would in that zone.
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TZ: 'UTC' } });
  const out = fs.createWriteStream(logFile);
  let text = '';
  proc.stderr!.on('data', (c: Buffer) => {
    out.write(c);
    text += c.toString('utf8');
    if (text.length > 200_000) text = text.slice(-100_000);
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const tail = (): string =>
    text
      .split('\n')
      .filter((l) => l && !/pattern problem/.test(l))
      .slice(-3)
      .join('\n');
  const deadline = Date.now() + timeoutMs;
  while (!/^xtriaged: ready: /m.test(text)) {
    if (proc.exitCode !== null) throw new Error(`the demo's xtriaged exited (${proc.exitCode}): ${tail()}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`the demo's xtriaged did not start within ${timeoutMs / 1000}s: ${tail()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const udp = /listening udp 127\.0\.0\.1:(\d+)/.exec(text);
  const tcp = /listening tcp 127\.0\.0\.1:(\d+)/.exec(text);
  if (!udp || !tcp) {
    proc.kill('SIGTERM');
    throw new Error(`the demo's xtriaged did not say which ports it listens on: ${tail()}`);
  }
  return {
    proc,
    socket,
    udpPort: Number(udp[1]),
    tcpPort: Number(tcp[1]),
    logFile,
    tail,
    exited,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const hard = setTimeout(() => proc.kill('SIGKILL'), 8000);
        const code = await exited;
        clearTimeout(hard);
        out.end();
        return code;
      }
      out.end();
      return exited;
    },
  };
}
