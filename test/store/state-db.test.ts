// The session store with real NeDB files: documents round-trip; rows written by earlier versions
// (the document as an object) still load; a row whose text is torn is skipped, not fatal.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StateDb } from '../../src/store/state-db';
import type { SessionDoc } from '../../src/contract';

const doc = (id: string, node: string): SessionDoc =>
  ({
    id,
    mac: '52:54:00:aa:bb:01',
    ips: ['10.0.0.5'],
    node,
    outcome: 'failed',
    stage: 'postscripts',
    startedAt: '2026-11-25T12:00:00.000+00:00',
    endedAt: null,
    rootCause: null,
    symptoms: [],
    milestones: [{ stage: 'dhcp', at: '2026-11-25T12:00:01.000+00:00' }],
    attempts: 1,
    unknownErrors: [],
  }) as unknown as SessionDoc;

test('documents round-trip, old rows load, torn rows are skipped', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xt-statedb-'));
  try {
    const log: string[] = [];
    const db = await StateDb.open(dir, (l) => log.push(l));
    await db.save([doc('a1', 'cn01'), doc('a2', 'cn02 "quoted" \u001b[31m')], []);
    await db.save([doc('a1', 'cn01-renamed')], []);
    await db.close();
    // An earlier version's row (the document as an object) and a torn one, appended as NeDB would.
    fs.appendFileSync(
      path.join(dir, 'sessions.db'),
      `${JSON.stringify({ _id: 'old', doc: doc('old', 'cn09'), savedAt: 1 })}\n${JSON.stringify({ _id: 'torn', json: '{"id":"torn",', savedAt: 2 })}\n`,
    );
    const again = await StateDb.open(dir, (l) => log.push(l));
    const docs = (await again.loadSessions()).sort((x, y) => x.id.localeCompare(y.id));
    await again.close();
    expect(docs.map((d) => [d.id, d.node])).toEqual([
      ['a1', 'cn01-renamed'],
      ['a2', 'cn02 "quoted" \u001b[31m'],
      ['old', 'cn09'],
    ]);
    expect(docs[0]).toEqual(doc('a1', 'cn01-renamed'));
    expect(log).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
