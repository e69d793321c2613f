// node/xtriage.sh against a real xtriaged on loopback, under bash, dash and busybox sh: a
// failing step's stderr arrives and is the root cause in /v1/sessions; a hung step is named.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AnalysisDoc } from '../../src/diagnose/diagnose';
import { startDaemon, waitFor } from '../helpers/daemon';

jest.setTimeout(90_000);

const LIB = path.join(__dirname, '..', '..', 'node', 'xtriage.sh');
const SHELLS: [string, string[]][] = [
  ['bash', ['bash']],
  ['dash', ['dash']],
  ['busybox', ['busybox', 'sh']],
].filter(([, cmd]) => spawnSync('sh', ['-c', `command -v ${cmd![0]}`]).status === 0) as [string, string[]][];

test('shells available', () => {
  expect(SHELLS.map(([n]) => n)).toEqual(expect.arrayContaining(['bash', 'dash']));
});

for (const [name, cmd] of SHELLS) {
  test(`${name}: a failing and a hung step reach the daemon and name the cause`, async () => {
    const d = await startDaemon();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `xtn-${name}-`));
    try {
      const script = [
        `. ${LIB}`,
        'xt_init',
        'xt_run lustre-setup 10 sh -c \'echo "mounting /scratch"; echo "mount.lustre: \\"10.0.0.5@o2ib:/scratch\\" refused" >&2; exit 3\'',
        'xt_run slow-step 1 sleep 30',
        'exit 0',
      ].join('\n');
      const r = spawnSync(cmd[0]!, [...cmd.slice(1), '-c', script], {
        encoding: 'utf8',
        timeout: 30_000,
        env: {
          PATH: process.env.PATH!,
          XTRIAGE_MN: '127.0.0.1',
          XTRIAGE_PORT: String(d.port),
          XTRIAGE_LOG: path.join(dir, 'node.log'),
          XTRIAGE_FAILFAST: '0',
          XTRIAGE_KILL_GRACE: '1',
          TMPDIR: dir,
        },
      });
      expect(r.error).toBeUndefined();
      // The local log has everything, whatever the network did.
      const local = fs.readFileSync(path.join(dir, 'node.log'), 'utf8');
      expect(local).toContain('mounting /scratch');
      expect(local).toMatch(/step=slow-step event=end phase=\w+ result=hung rc=124/);
      const doc = await waitFor<AnalysisDoc>(d.socket, '/v1/sessions', (x) => x.sessions.some((s) => s.rootCause?.pattern === 'xtriage.step-failed'));
      const s = doc.sessions.find((x) => x.rootCause?.pattern === 'xtriage.step-failed')!;
      expect(s.outcome).toBe('failed');
      expect(s.rootCause!.title).toMatch(/lustre-setup/);
      expect(s.rootCause!.evidence[0]!.line).toContain('mount.lustre: \\"10.0.0.5@o2ib:/scratch\\" refused');
      const hung = await waitFor<AnalysisDoc>(
        d.socket,
        '/v1/sessions',
        (x) => x.sessions.some((y) => y.symptoms.some((z) => z.pattern === 'xtriage.step-hung')),
        5000,
      ).catch(() => doc);
      expect(hung.sessions.flatMap((y) => y.symptoms.map((z) => `${z.pattern} ${z.title}`))).toEqual(
        expect.arrayContaining([expect.stringMatching(/^xtriage\.step-hung .*slow-step/)]),
      );
    } finally {
      await d.stop('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
