// xcatd serves each request in a process of its own. An error that names no machine, logged by
// the process that just named one, is about that machine (xcat-core#1024's messages): never an
// MN-side fault's lines, never past a few seconds, never when the process named several.

import { Engine } from '../../src/engine/engine';
import { diagnose } from '../../src/diagnose/diagnose';
import { LineReader } from '../../src/records/line-reader';
import { loadKb } from '../../src/patterns/kb';
import type { AnalysisDoc } from '../../src/contract';

const kb = loadKb([], { local: false });

function run(lines: string[]): AnalysisDoc {
  const engine = new Engine(kb, diagnose);
  engine.offline = true;
  engine.fragments = true; // loose lines, as an admin pastes them
  const reader = new LineReader('messages', 'messages', Date.parse('2026-06-01T00:00:00Z'));
  for (const l of lines) {
    const r = reader.read(l);
    if (r) engine.feed(r);
  }
  return engine.snapshot();
}

const REQUEST = 'May  6 15:24:32 fs1 xcat[135132]: xcatd: Processing discovery request from 192.168.5.153';
const ERROR = 'May  6 15:24:32 fs1 xcat[135132]: Discovery Error: Could not find any node.';

test("an error with no machine, from the xcatd process that just named one, is that machine's", () => {
  const doc = run([REQUEST, ERROR]);
  const s = doc.sessions.find((x) => x.ips.includes('192.168.5.153'));
  expect(s?.outcome).toBe('failed');
  expect(s?.rootCause?.evidence[0]?.line).toContain('Could not find any node');
});

test('another process, or the same one a minute later, is not that request', () => {
  for (const error of [ERROR.replace('135132', '135133'), ERROR.replace('15:24:32', '15:25:40')]) {
    const doc = run([REQUEST, error]);
    const s = doc.sessions.find((x) => x.ips.includes('192.168.5.153'));
    expect(s?.outcome).not.toBe('failed');
  }
});
