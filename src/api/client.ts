// Client side of the daemon's Unix-socket API, for the CLI and the TUI.

import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

/** The name of the group a socket (or, when it cannot be seen, its directory) belongs to. */
function groupOf(socket: string): string {
  for (const p of [socket, path.dirname(socket)]) {
    try {
      const gid = fs.statSync(p).gid;
      const line = fs
        .readFileSync('/etc/group', 'utf8')
        .split('\n')
        .find((l) => l.split(':')[2] === String(gid));
      if (gid !== 0 && line) return line.split(':')[0]!;
    } catch {
      /* not visible */
    }
  }
  return 'xtriage';
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly kind: 'down' | 'denied' | 'http' | 'bad',
  ) {
    super(message);
  }
}

function describe(socket: string, e: NodeJS.ErrnoException): ApiError {
  if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') return new ApiError(`xtriaged is not running (no daemon at ${socket})`, 'down');
  if (e.code === 'EACCES' || e.code === 'EPERM') {
    const group = groupOf(socket);
    return new ApiError(
      `permission denied: add yourself to group ${group} (usermod -aG ${group} ${os.userInfo().username}, then log in again) to use ${socket}`,
      'denied',
    );
  }
  return new ApiError(`cannot reach xtriaged at ${socket}: ${e.message}`, 'down');
}

export function getJson<T>(socket: string, p: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath: socket, path: p, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) {
          let msg = text;
          try {
            msg = (JSON.parse(text) as { error?: string }).error ?? text;
          } catch {
            /* plain text */
          }
          reject(new ApiError(`${p}: ${res.statusCode} ${msg.trim()}`, 'http'));
          return;
        }
        try {
          resolve(JSON.parse(text) as T);
        } catch {
          reject(new ApiError(`${p}: the daemon sent something that is not JSON`, 'bad'));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => reject(e instanceof ApiError ? e : describe(socket, e as NodeJS.ErrnoException)));
  });
}

export interface SseEvent {
  event: string;
  data: string;
}

/**
 * Follows /v1/events, reconnecting after the daemon goes away. Returns a function that stops.
 * `onState` tells whether the stream is connected (and why not).
 */
export function followEvents(socket: string, onEvent: (e: SseEvent) => void, onState: (connected: boolean, err?: ApiError) => void): () => void {
  let stopped = false;
  let req: http.ClientRequest | null = null;
  let timer: NodeJS.Timeout | null = null;
  const connect = (): void => {
    if (stopped) return;
    req = http.get({ socketPath: socket, path: '/v1/events' }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        retry(new ApiError(`/v1/events: ${res.statusCode}`, 'http'));
        return;
      }
      onState(true);
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk: string) => {
        buf += chunk;
        let idx: number;
        while ((idx = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, idx);
          buf = buf.slice(idx + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) onEvent({ event, data: data.join('\n') });
        }
      });
      res.on('end', () => retry(new ApiError('the daemon closed the event stream', 'down')));
      res.on('error', () => retry(new ApiError('the event stream broke', 'down')));
    });
    req.on('error', (e) => retry(describe(socket, e as NodeJS.ErrnoException)));
  };
  const retry = (err: ApiError): void => {
    if (stopped) return;
    onState(false, err);
    req?.destroy();
    req = null;
    if (timer) clearTimeout(timer);
    timer = setTimeout(connect, 1000);
  };
  connect();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    req?.destroy();
  };
}
