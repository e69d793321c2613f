// Issue 16 point 5: the whole RHEL 9 kickstart %post as a user runs it. xCAT's template engine
// renders the snippet of node/README.md with node/kickstart-post.sh and the library inlined;
// bash runs it against a real httpd laid out like /install, a real port-3002 listener and a
// real xtriaged. Three sites: a postscript httpd refuses (403), one that exits non-zero, one
// that hangs. Then a "reboot" (a fresh installer /tmp, the same installed root, a fixed site)
// runs it again: node.log keeps both runs, the node goes to `next`, and xtriaged names the
// first run's cause.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AnalysisDoc } from '../../src/diagnose/diagnose';
import { startDaemon, waitFor } from '../helpers/daemon';
import {
  baseSite,
  kickstartIncludes,
  kickstartVariables,
  mypostscript,
  renderLikeXcat,
  spawnAsync,
  startHttp,
  startMn,
  tmpFor,
  useShells,
  which,
  type Site,
} from '../helpers/node-lib';

jest.setTimeout(120_000);
useShells();

function renderPost(dir: string, iport: number, httpPort: number): string {
  const body = renderLikeXcat(
    `%post --interpreter=/bin/bash\nmkdir -p ${dir}/sysroot/var/log/xcat/\n{\necho "Running Kickstart Post-installation script..."\n#INCLUDE:/install/custom/install/rh/xtriage-post.sh#\n} &>>${dir}/sysroot/var/log/xcat/xcat.log\n%end\n`,
    kickstartIncludes(),
    kickstartVariables(iport, httpPort),
  );
  const file = path.join(dir, `post-${Math.random().toString(36).slice(2)}.sh`);
  fs.writeFileSync(file, body.split('\n').slice(1, -2).join('\n'));
  return file;
}

async function install(dir: string, site: Site, syslogPort: number, iport: number, tmp: string): Promise<{ status: number | null; ms: number }> {
  const web = await startHttp(site);
  try {
    const post = renderPost(dir, iport, web.port);
    fs.mkdirSync(tmp, { recursive: true });
    fs.writeFileSync(path.join(tmp, 'cmdline'), 'inst.ks=http://127.0.0.1/install/autoinst/cn01 inst.repo=http://127.0.0.1/install/rhels9.4/x86_64\n');
    const env: Record<string, string> = {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: dir,
      LANG: 'C',
      TMPDIR: tmp,
      XTRIAGE_PORT: String(syslogPort),
      XTRIAGE_CMDLINE: path.join(tmp, 'cmdline'),
      XTRIAGE_KS_PREFIX: path.join(dir, 'sysroot'),
      XTRIAGE_HALT: '0',
      XTRIAGE_KS_MAXSLEEP: '0',
      XTRIAGE_KS_RETRY: '0',
      XTRIAGE_KS_NEXT_TRIES: '1',
      XTRIAGE_XCATD_TRIES: '1',
      XTRIAGE_KILL_GRACE: '1',
      XTRIAGE_PS_TIMEOUT: '3',
    };
    const r = await spawnAsync([which('bash')!, post], env, dir, 60_000);
    return { status: r.status, ms: r.ms };
  } finally {
    await web.close();
  }
}

describe('the whole RHEL 9 kickstart %post, rendered as xCAT does, against a real httpd, xcatd listener and xtriaged', () => {
  const cases: [string, (s: Site) => void, RegExp, string][] = [
    ['a postscript httpd refuses (403)', (s) => s.forbidden.push('/install/postscripts/mysite'), /^Step ps-download failed/, 'xtriage.step-failed'],
    [
      'a postscript that exits non-zero',
      (s) => (s.files['/tftpboot/mypostscripts/mypostscript.cn01'] = mypostscript(['syslog', 'mysite', 'remoteshell'], ['otherpkgs'])),
      /^Step mysite failed with exit code 2/,
      'xtriage.step-failed',
    ],
    [
      'a postscript that hangs',
      (s) => {
        s.files['/install/postscripts/hangs'] = '#!/bin/sh\necho "waiting for /dev/ttyS1"\nexec sleep 97900\n';
        s.files['/tftpboot/mypostscripts/mypostscript.cn01'] = mypostscript(['syslog', 'hangs', 'remoteshell'], ['otherpkgs']);
      },
      /hangs/,
      'xtriage.step-hung',
    ],
  ];
  for (const [label, breakIt, title, pattern] of cases) {
    test(label, async () => {
      const d = await startDaemon();
      const mn = await startMn();
      try {
        const dir = tmpFor('wholeks');
        fs.mkdirSync(path.join(dir, 'sysroot'));
        const site = baseSite();
        breakIt(site);
        const first = await install(dir, site, d.port, mn.iport, path.join(dir, 'tmp1'));
        expect({ status: first.status, fast: first.ms < 30_000 }).toEqual({ status: 1, fast: true });
        expect(mn.xcatd).toEqual(['installstatus failed']);
        // The diagnosis, from the lines xtriaged received.
        const doc = await waitFor<AnalysisDoc>(d.socket, '/v1/sessions', (x) =>
          x.sessions.some((s) => s.rootCause?.pattern === pattern || s.symptoms.some((y) => y.pattern === pattern)),
        );
        const s = doc.sessions.find((x) => x.rootCause?.pattern === pattern || x.symptoms.some((y) => y.pattern === pattern))!;
        const named = [s.rootCause, ...s.symptoms].filter((x) => x && x.pattern === pattern).map((x) => x!.title);
        expect({ outcome: s.outcome, named: named.some((t) => title.test(t)) }).toEqual({ outcome: 'failed', named: true });
        // "Reboot": a new installer /tmp, the same installed root, the site fixed.
        const again = await install(dir, baseSite(), d.port, mn.iport, path.join(dir, 'tmp2'));
        expect(again.status).toBe(0);
        expect(mn.xcatd).toEqual(['installstatus failed', 'next']);
        const log = fs.readFileSync(path.join(dir, 'sysroot/var/log/xtriage/node.log'), 'latin1');
        const firstEnd = log.search(/event=failfast/);
        const secondOk = log.search(/step=xcatd-next event=end phase=post result=ok/);
        expect({ failfastKept: firstEnd >= 0, thenOk: secondOk > firstEnd }).toEqual({ failfastKept: true, thenOk: true });
        if (pattern === 'xtriage.step-hung') expect(log).toContain('out| waiting for /dev/ttyS1');
      } finally {
        await d.stop('SIGKILL');
        await mn.close();
      }
    });
  }
});
