// Where the daemon's API socket is: the packaged service's, or a user's own daemon's. The daemon
// (its config defaults) and the clients (CLI, TUI) must agree, so both take it from here.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Where the packaged service listens (the unit's RuntimeDirectory=xtriage, systemd/xtriaged.yaml). */
export const SERVICE_SOCKET = '/run/xtriage/xtriaged.sock';

function serviceSocket(): string {
  // Relocated installs and the tests (which must not touch /run) may move it.
  return process.env.XTRIAGE_SERVICE_SOCKET || SERVICE_SOCKET;
}

function userSocket(): string {
  const runtime = process.env.XDG_RUNTIME_DIR ?? path.join(os.tmpdir(), `xtriage-${process.getuid?.() ?? 'user'}`);
  return path.join(runtime, 'xtriaged.sock');
}

/** The daemon's own default socket: $XTRIAGE_SOCKET, /run/xtriage/xtriaged.sock for root, else the user's runtime directory. */
export function defaultSocket(): string {
  if (process.env.XTRIAGE_SOCKET) return process.env.XTRIAGE_SOCKET;
  if (process.getuid?.() === 0) return serviceSocket();
  return userSocket();
}

/**
 * The socket the CLI and TUI talk to: $XTRIAGE_SOCKET; else the service's socket when it exists
 * (also when it cannot even be looked at: a user outside the group, who is then told so); else
 * a daemon of the user's own in $XDG_RUNTIME_DIR.
 */
export function clientSocket(): string {
  if (process.env.XTRIAGE_SOCKET) return process.env.XTRIAGE_SOCKET;
  const service = serviceSocket();
  try {
    fs.statSync(service);
    return service;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return service;
  }
  return userSocket();
}
