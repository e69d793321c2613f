// HTTP/1.1 over the daemon's Unix socket: the access boundary is the socket's mode and group.
//   GET /v1/sessions      the analyze --json document
//   GET /v1/sessions/ID   one session with its timeline
//   GET /v1/events        server-sent events as sessions change
//   GET /v1/health        counters
//   GET /metrics          Prometheus text

import * as fs from 'node:fs';
import * as http from 'node:http';
import { execFileSync } from 'node:child_process';
import type { AnalysisDoc, GroupDoc, SessionDoc } from '../contract';

export interface ApiSource {
  sessions(): AnalysisDoc;
  session(id: string): Record<string, unknown> | null;
  health(): Record<string, unknown>;
  metrics(): string;
}

export interface ApiOptions {
  socket: string;
  /** File mode of the socket (default 0660). */
  mode?: number;
  /** Group that may connect (default: the process's group; `xtriage` in production). */
  group?: string | null;
}

export interface ChangeEvent {
  sessions: SessionDoc[];
  removed: string[];
  groups: GroupDoc[] | null;
}

export class ApiServer {
  private server: http.Server | null = null;
  private readonly clients = new Set<http.ServerResponse>();
  private heartbeat: NodeJS.Timeout | null = null;
  private eventSeq = 0;

  constructor(
    private readonly source: ApiSource,
    private readonly opts: ApiOptions,
  ) {}

  async start(): Promise<void> {
    const { socket } = this.opts;
    // A stale socket from a crashed daemon is removed; a live one means another daemon runs.
    if (fs.existsSync(socket)) {
      const alive = await new Promise<boolean>((resolve) => {
        const req = http.get({ socketPath: socket, path: '/v1/health', timeout: 500 }, (res) => {
          res.resume();
          resolve(true);
        });
        req.on('error', () => resolve(false));
        req.on('timeout', () => {
          req.destroy();
          resolve(false);
        });
      });
      if (alive) throw new Error(`${socket}: another xtriaged is already listening there`);
      fs.rmSync(socket, { force: true });
    }
    const mode = this.opts.mode ?? 0o660;
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o770 || mode & 0o007) {
      throw new Error(
        `socket mode ${Number.isInteger(mode) ? `0${mode.toString(8)}` : String(mode)} for ${socket} is not allowed (owner and group bits only, e.g. 0660)`,
      );
    }
    const server = http.createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 5000;
    // Requests that do not parse as HTTP: a 400 and the connection closed, nothing logged.
    server.on('clientError', (_err, sock) => {
      if (sock.writable) sock.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      else sock.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socket, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    fs.chmodSync(socket, mode);
    if (this.opts.group) {
      try {
        const gid = Number(execFileSync('getent', ['group', this.opts.group], { encoding: 'utf8' }).split(':')[2]);
        if (Number.isFinite(gid)) fs.chownSync(socket, process.getuid?.() ?? 0, gid);
      } catch {
        process.stderr.write(`xtriaged: socket group "${this.opts.group}" not found; socket left with the daemon's group\n`);
      }
    }
    this.heartbeat = setInterval(() => {
      for (const c of this.clients) c.write(': keep-alive\n\n');
    }, 15_000);
    this.heartbeat.unref();
  }

  /** Push changed sessions (and groups when they changed) to every event client. */
  publish(ev: ChangeEvent): void {
    if (!this.clients.size) return;
    let out = '';
    for (const s of ev.sessions) out += `id: ${++this.eventSeq}\nevent: session\ndata: ${JSON.stringify(s)}\n\n`;
    for (const id of ev.removed) out += `id: ${++this.eventSeq}\nevent: removed\ndata: ${JSON.stringify({ id })}\n\n`;
    if (ev.groups) out += `id: ${++this.eventSeq}\nevent: groups\ndata: ${JSON.stringify(ev.groups)}\n\n`;
    if (!out) return;
    for (const c of this.clients) c.write(out);
  }

  publishHealth(h: Record<string, unknown>): void {
    const out = `event: health\ndata: ${JSON.stringify(h)}\n\n`;
    for (const c of this.clients) c.write(out);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const send = (code: number, body: unknown, type = 'application/json'): void => {
      const text = type === 'application/json' ? `${JSON.stringify(body)}\n` : String(body);
      res.writeHead(code, { 'content-type': `${type}; charset=utf-8`, 'content-length': Buffer.byteLength(text) });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    // Client input never reaches the log and never holds a connection: what does not parse is a
    // 400 with the connection closed.
    const bad = (why: string): void => {
      res.setHeader('connection', 'close');
      send(400, { error: `bad request: ${why}` });
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(405, { error: 'only GET and HEAD' });
    }
    const raw = req.url ?? '/';
    if (!raw.startsWith('/') || raw.startsWith('//')) return bad('the request target must be an absolute path');
    let url: URL;
    try {
      url = new URL(raw, 'http://x');
    } catch {
      return bad('the request target is not a valid URL path');
    }
    try {
      const p = url.pathname.replace(/\/+$/, '') || '/';
      if (p === '/v1/sessions') return send(200, this.source.sessions());
      if (p.startsWith('/v1/sessions/')) {
        let id: string;
        try {
          id = decodeURIComponent(p.slice('/v1/sessions/'.length));
        } catch {
          return bad('the session ID is not valid percent-encoding');
        }
        const s = this.source.session(id);
        return s ? send(200, s) : send(404, { error: `no session ${id}` });
      }
      if (p === '/v1/health') return send(200, this.source.health());
      if (p === '/metrics') return send(200, this.source.metrics(), 'text/plain; version=0.0.4');
      if (p === '/v1/events') {
        // HEAD: the headers only; the stream itself is for GET.
        if (req.method === 'HEAD') {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          return void res.end();
        }
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        res.write('retry: 2000\n\n');
        this.clients.add(res);
        req.on('close', () => this.clients.delete(res));
        return;
      }
      return send(404, { error: `no such endpoint ${p}`, endpoints: ['/v1/sessions', '/v1/sessions/ID', '/v1/events', '/v1/health', '/metrics'] });
    } catch (e) {
      // A bug, not the client's doing: the message only, no stack, and the connection answered.
      if (res.headersSent) return void res.destroy();
      return send(500, { error: (e as Error).message });
    }
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const c of this.clients) c.end();
    this.clients.clear();
    const s = this.server;
    this.server = null;
    if (s) {
      s.closeAllConnections?.();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
    try {
      fs.rmSync(this.opts.socket, { force: true });
    } catch {
      /* already gone */
    }
  }
}
