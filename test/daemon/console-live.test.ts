// Live = offline for what only a console shows: a console log the daemon tails (conserver's
// consoles/<node>, CRLF line ends as serial consoles write them) gives the same machine and the
// same diagnosis as `analyze` on the same tree.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../src/analyze';
import { loadKb } from '../../src/patterns/kb';
import { getJson } from '../../src/api/client';
import type { AnalysisDoc } from '../../src/diagnose/diagnose';
import { startDaemon } from '../helpers/daemon';

jest.setTimeout(60_000);

test('a console-only machine: the same session live and offline, its panic the cause, no CR kept', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xtcl-'));
  const logs = path.join(dir, 'log');
  fs.mkdirSync(path.join(logs, 'consoles'), { recursive: true });
  const d = await startDaemon({ dir: path.join(dir, 'd'), logs });
  try {
    // xcat-core#5984's console (CentOS 6 dracut), with conserver's time stamps and CRLF.
    const now = new Date();
    const stamp = (s: number): string => {
      const t = new Date(now.getTime() - 60_000 + s * 1000);
      const day = t
        .toString()
        .slice(0, 10)
        .replace(/ 0(\d)$/, '  $1');
      return `[${day} ${t.toTimeString().slice(0, 8)} ${t.getFullYear()}]`;
    };
    const lines = [
      `${stamp(0)} [    6.048876] dracut: FATAL: No or empty root= argument\r`,
      `${stamp(1)} [    6.050124] dracut: Refusing to continue\r`,
      `${stamp(2)} [    6.061927] Kernel panic - not syncing: Attempted to kill init!\r`,
    ];
    fs.appendFileSync(path.join(logs, 'consoles', 'cn99'), `${lines.join('\n')}\n`);
    const end = Date.now() + 20_000;
    let live: AnalysisDoc | null = null;
    for (;;) {
      live = await getJson<AnalysisDoc>(d.socket, '/v1/sessions').catch(() => null);
      if (live?.sessions.some((s) => s.node === 'cn99' && s.outcome === 'failed')) break;
      if (Date.now() > end) throw new Error(`no cn99 session live: ${JSON.stringify(live)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const { doc: offline } = await analyze({ paths: [logs], captures: [], kb: loadKb([], { local: false }), warn: () => {} });
    const pick = (doc: AnalysisDoc) =>
      doc.sessions
        .filter((s) => s.node === 'cn99')
        .map((s) => ({ id: s.id, identity: s.identity, outcome: s.outcome, cause: s.rootCause?.pattern, line: s.rootCause?.evidence[0]?.line }));
    expect(pick(live!)).toEqual(pick(offline));
    expect(pick(offline)[0]).toMatchObject({ identity: 'name', outcome: 'failed', cause: 'console.emergency-shell' });
    expect(pick(offline)[0]!.line).not.toContain('\r');
  } finally {
    await d.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
