// `xtriage demo --no-tui`: a real private xtriaged fed a generated cluster over UDP and file
// appends, fast; the planted shared root cause is found, and everything is cleaned up.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DIST } from '../helpers/daemon';

jest.setTimeout(60_000);

test('demo --no-tui replays a cluster into a private daemon and reports what it found', () => {
  const r = spawnSync(process.execPath, [path.join(DIST, 'xtriage.js'), 'demo', '--no-tui', '--speed', '40', '--nodes', '16'], {
    encoding: 'utf8',
    timeout: 50_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  expect(r.status).toBe(0);
  const sock = /daemon at (\S+\/xtriaged\.sock)/.exec(r.stderr)?.[1];
  expect(sock).toBeDefined();
  expect(r.stderr).toMatch(/replay finished .* datagrams from the nodes/);
  // The status at the end: the shared 403 is a root cause of several nodes, found over UDP + files.
  expect(r.stdout).toMatch(/^xtriage +\d+ sessions: [1-9]\d* FAILED/m);
  expect(r.stdout).toMatch(/ROOT CAUSES SHARED BY SEVERAL NODES[\s\S]*\d+ nodes — httpd refused postscript `mlnxofed_ib_install` \(403\)/);
  expect(r.stdout).toMatch(/What the demo planted/);
  // The private daemon is stopped and its temporary directory removed.
  expect(fs.existsSync(path.dirname(sock!))).toBe(false);
  // Usage errors.
  const bad = spawnSync(process.execPath, [path.join(DIST, 'xtriage.js'), 'demo', '--speed', 'fast'], { encoding: 'utf8' });
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/--speed: expected a number/);
});
