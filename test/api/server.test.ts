// The daemon's socket API on a real Unix socket: every endpoint, what it refuses, the socket's
// mode, a stale socket replaced and a live one refused, events pushed to a connected client.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiServer, type ApiSource } from '../../src/api/server';
import { getJson } from '../../src/api/client';
import type { AnalysisDoc, SessionDoc } from '../../src/contract';

const session: SessionDoc = {
  id: 'cn01-1',
  mac: '52:54:00:00:00:01',
  ips: ['10.0.0.11'],
  node: 'cn01',
  identity: 'mac',
  outcome: 'failed',
  stage: 'postscripts',
  startedAt: '2026-11-24T10:00:00+00:00',
  endedAt: '2026-11-24T10:20:00+00:00',
  rootCause: null,
  symptoms: [],
  milestones: [],
  attempts: 1,
  unknownErrors: [],
};
const doc: AnalysisDoc = { sessions: [session], groups: [], unknownErrors: [] };
const source: ApiSource = {
  sessions: () => doc,
  session: (id) => (id === 'cn01-1' ? { ...session, timeline: [] } : null),
  health: () => ({ version: 1 }),
  metrics: () => 'xtriage_backlog 0\n',
};

function request(socket: string, p: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, path: p, method }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let dir: string;
let server: ApiServer;
let socket: string;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xt-api-'));
  socket = path.join(dir, 'xtriaged.sock');
  server = new ApiServer(source, { socket });
  await server.start();
});
afterEach(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('every endpoint answers with its document; unknown paths and sessions are 404 with what exists', async () => {
  expect(await getJson<AnalysisDoc>(socket, '/v1/sessions')).toEqual(doc);
  expect((await getJson<SessionDoc>(socket, '/v1/sessions/cn01-1')).node).toBe('cn01');
  expect(await getJson(socket, '/v1/health')).toEqual({ version: 1 });
  const m = await request(socket, '/metrics');
  expect(m.type).toMatch(/^text\/plain/);
  expect(m.body).toBe('xtriage_backlog 0\n');
  const none = await request(socket, '/v1/sessions/nope');
  expect(none.status).toBe(404);
  expect(JSON.parse(none.body).error).toBe('no session nope');
  const lost = await request(socket, '/v2/x');
  expect(lost.status).toBe(404);
  expect(JSON.parse(lost.body).endpoints).toContain('/v1/events');
});

test('only GET and HEAD; a bad target or bad percent-encoding is a 400, never a crash', async () => {
  expect((await request(socket, '/v1/sessions', 'POST')).status).toBe(405);
  expect((await request(socket, '/v1/sessions', 'HEAD')).body).toBe('');
  expect((await request(socket, '/v1/sessions/%E0%A4%A')).status).toBe(400);
  // Not HTTP at all: a 400 and the connection closed; the server still answers afterwards.
  const raw = await new Promise<string>((resolve) => {
    const c = net.connect(socket, () => c.write('\u0000\u0001 garbage\r\n\r\n'));
    let got = '';
    c.on('data', (d) => (got += d.toString()));
    c.on('close', () => resolve(got));
  });
  expect(raw).toMatch(/^HTTP\/1\.1 400/);
  expect((await request(socket, '/v1/health')).status).toBe(200);
});

test('the socket is 0660; a stale socket is replaced, a live daemon is not', async () => {
  expect(fs.statSync(socket).mode & 0o777).toBe(0o660);
  const second = new ApiServer(source, { socket });
  await expect(second.start()).rejects.toThrow(/another xtriaged is already listening/);
  await server.close();
  // What a crash leaves: the socket file with nobody behind it.
  const dead = net.createServer().listen(path.join(dir, 'x.sock'));
  await new Promise((r) => dead.once('listening', r));
  fs.renameSync(path.join(dir, 'x.sock'), socket);
  dead.close();
  server = new ApiServer(source, { socket });
  await server.start();
  expect((await request(socket, '/v1/health')).status).toBe(200);
  await expect(new ApiServer(source, { socket: path.join(dir, 'y.sock'), mode: 0o666 }).start()).rejects.toThrow(/not allowed/);
});

test('an event client gets changed sessions, removals and groups as server-sent events', async () => {
  const got: string[] = [];
  const req = http.get({ socketPath: socket, path: '/v1/events' });
  const res = await new Promise<http.IncomingMessage>((r) => req.on('response', r));
  expect(res.headers['content-type']).toBe('text/event-stream');
  res.on('data', (d: Buffer) => got.push(d.toString()));
  await new Promise((r) => setTimeout(r, 50));
  server.publish({ sessions: [session], removed: ['old-1'], groups: [] });
  server.publishHealth({ backlog: 3 });
  const deadline = Date.now() + 2000;
  while (!got.join('').includes('event: health') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const text = got.join('');
  expect(text).toMatch(/event: session\ndata: \{"id":"cn01-1"/);
  expect(text).toMatch(/event: removed\ndata: \{"id":"old-1"\}/);
  expect(text).toMatch(/event: groups\ndata: \[\]/);
  expect(text).toMatch(/event: health\ndata: \{"backlog":3\}/);
  req.destroy();
});
