// Engine.sourceDone: offline, once no line of a file will come again, what only its lines use
// (each machine's recent texts of that file, see Engine.store) is forgotten; live it is kept.
// analyze() says so only for a file no later input shares a name with, so a second tree's
// messages still folds into the first's.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Engine } from '../../src/engine/engine';
import { diagnose } from '../../src/diagnose/diagnose';
import { LineReader } from '../../src/records/line-reader';
import { loadKb } from '../../src/patterns/kb';
import { analyze } from '../../src/analyze';

const kb = loadKb([], { local: false });
const REPEATED = 'Dec  7 10:00:0S cn001 xcat.deployment[7]: error: the fan is strange';
const OTHER = 'Dec  7 10:00:0S cn001 xcat.deployment[7]: error: the disk is strange';

function entriesAfter(offline: boolean, done: boolean): number {
  const engine = new Engine(kb, diagnose);
  engine.offline = offline;
  const reader = new LineReader('messages', 'messages', Date.parse('2026-12-07T12:00:00Z'));
  const feed = (l: string, s: number): void => engine.feed(reader.read(l.replace('S', String(s)))!);
  feed(REPEATED, 1);
  feed(OTHER, 2);
  feed(REPEATED, 3); // the same text again: counted on the first entry
  expect(engine.stats.entries).toBe(2);
  if (done) engine.sourceDone('messages');
  feed(REPEATED, 4);
  return engine.stats.entries;
}

test('offline, a file said done no longer folds into its earlier lines; live, nothing is forgotten', () => {
  expect(entriesAfter(true, false)).toBe(2);
  expect(entriesAfter(true, true)).toBe(3);
  expect(entriesAfter(false, true)).toBe(2);
});

test('two trees with a messages each: the second still folds into the first', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xt-srcdone-'));
  try {
    // Large enough to be said done (SOURCE_DONE_LINES) when it is the last of its name.
    const filler = Array.from({ length: 12_000 }, (_, i) => `Dec  7 09:${String(Math.floor(i / 600) % 60).padStart(2, '0')}:00 mn sshd[1]: ok ${i}`);
    for (const t of ['a', 'b']) fs.mkdirSync(path.join(dir, t));
    fs.writeFileSync(path.join(dir, 'a', 'messages'), [...filler, REPEATED.replace('S', '1'), OTHER.replace('S', '2')].join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'b', 'messages'), [REPEATED.replace('S', '3')].join('\n') + '\n');
    const opts = { captures: [], kb, warn: () => {}, now: Date.parse('2026-12-07T10:30:00Z') };
    const two = await analyze({ ...opts, paths: [path.join(dir, 'a'), path.join(dir, 'b')] });
    expect(two.engine.stats.entries).toBe(2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
