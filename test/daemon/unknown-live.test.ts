// Unknown errors are never hidden live either: the API carries them and `xtriage status` (the
// cluster screen as text) lists them below the known causes.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { AnalysisDoc } from '../../src/diagnose/diagnose';
import { DIST, sendUdp, startDaemon, waitFor } from '../helpers/daemon';

jest.setTimeout(60_000);

test('an error no pattern knows reaches /v1/sessions and xtriage status', async () => {
  const d = await startDaemon();
  try {
    const now = new Date().toISOString();
    await sendUdp(
      d.port,
      [
        `<163>1 ${now} localhost xcat.deployment - - - failed to download postscripts from http://10.0.0.1/install/postscripts/, check /tmp/download.log on the node,  halt ...`,
        `<163>1 ${now} localhost lustre_mount - - - mount.lustre: mount 10.0.0.5@o2ib:/scratch at /scratch failed: No such file or directory`,
      ],
      '127.0.0.31',
    );
    const doc = await waitFor<AnalysisDoc>(d.socket, '/v1/sessions', (x) => x.unknownErrors.length > 0 && x.sessions.length > 0);
    expect(doc.unknownErrors[0]!.example.line).toContain('mount.lustre');
    expect(doc.unknownErrors[0]!.failingSessions).toBe(1);
    const r = spawnSync(process.execPath, [path.join(DIST, 'xtriage.js'), 'status', '--socket', d.socket], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(r.status).toBe(0);
    expect(r.stdout.indexOf('UNRECOGNISED ERROR LINES')).toBeGreaterThan(r.stdout.indexOf('FAILED'));
    expect(r.stdout).toContain('mount.lustre: mount 10.0.0.5@o2ib:/scratch at /scratch failed');
  } finally {
    await d.stop('SIGKILL');
  }
});
