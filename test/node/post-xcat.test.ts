// Issue 16 points 1 and 5 for post.xcat (RHEL 7, SLES, Ubuntu): node/post-xcat.sh rendered
// into each distro's template as xCAT's template engine does, run the way that installer runs
// it, against a real httpd laid out like /install, a real port-3002 listener and a real
// xtriaged (fed by the fake MN, which keeps every line it gets). Three sites: a postscript
// httpd refuses (403), one that exits non-zero, one that hangs. Then a "reboot" (a fresh
// installer /tmp, the same installed root, the site fixed) runs it again.
//
// The shells, per path (xcat-core's templates):
//   rhel7   compute.rhels7.tmpl's %post: anaconda runs it with /bin/sh, which is bash
//   sles    post.sle's AutoYaST post-script, <interpreter>shell</interpreter>: /bin/sh = bash
//   ubuntu  compute.tmpl's preseed/late_command, run by d-i's busybox sh, fetches
//           NODE.post (post.ubuntu: post.ubuntu.common + post.xcat, #!/bin/bash) and runs it
//           in chroot /target: here busybox sh runs the late_command, which runs the file by
//           its #!/bin/bash line (the chroot's userland: GNU wget)
//   dash, busybox   the same file run by dash / busybox sh (as /bin/sh), the generated
//           mypostscript too; busybox's PATH has its applets only (its wget: no -r), plus openssl
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AnalysisDoc } from '../../src/diagnose/diagnose';
import type { SessionDetail } from '../../src/tui/store';
import { startDaemon, waitFor } from '../helpers/daemon';
import {
  baseSite,
  events,
  kickstartVariables,
  LIB,
  mypostscript,
  renderLikeXcat,
  ROOT,
  shells,
  spawnAsync,
  startHttp,
  startMn,
  tmpFor,
  unescape,
  until,
  useShells,
  which,
  type Mn,
  type Site,
} from '../helpers/node-lib';

jest.setTimeout(240_000);
useShells();

const PX = path.join(ROOT, 'node', 'post-xcat.sh');

type Shape = 'rhel7' | 'sles' | 'ubuntu' | 'dash' | 'busybox';
const SHAPES: Shape[] = (['rhel7', 'sles', 'ubuntu', 'dash', 'busybox'] as Shape[]).filter(
  (s) => !process.env.XT_PX_SHAPES || process.env.XT_PX_SHAPES.split(',').includes(s),
);
const OS: Record<Shape, string> = { rhel7: 'rhels7.9', sles: 'sle15.4', ubuntu: 'ubuntu22.04', dash: 'rhels7.9', busybox: 'rhels7.9' };

/** What xCAT's template engine includes: our post.xcat, the library, the distro's common parts. */
function includes(): Record<string, string> {
  return {
    '/install/custom/install/scripts/xtriage-post-xcat.sh': fs.readFileSync(PX, 'utf8'),
    '/install/postscripts/xtriage.sh': fs.readFileSync(LIB, 'utf8'),
    // scriptlib's real shape: bash only (declare, function), so dash would die parsing it.
    '/opt/xcat/share/xcat/install/scripts/scriptlib': 'declare -F msgutil_r &>/dev/null  || function msgutil_r {\n   echo "msgutil_r $2: $3"\n}\n',
    '/opt/xcat/share/xcat/install/scripts/post.rhels7': 'echo "post.rhels7 ran"\n',
    '/opt/xcat/share/xcat/install/scripts/post.sles.common': '# stub of post.sles.common\necho "post.sles.common ran"\n',
    '/opt/xcat/share/xcat/install/scripts/post.ubuntu.common': '#!/bin/bash\n# stub of post.ubuntu.common\necho "post.ubuntu.common ran"\n',
    '/install/postscripts/xcatpostinit1.service': '[Unit]\nDescription=xcat service on compute node\n',
    '/install/postscripts/xcatpostinit1.service.yast2': '[Unit]\nDescription=xcat service after YaST2-Second-Stage\n',
    '/install/postscripts/xcatpostinit1.install': '#!/bin/bash\necho xcatpostinit1\n',
    '/install/postscripts/xcatinstallpost': 'echo xcatinstallpost\n',
    '/install/postscripts/xcatdsklspost': '#!/bin/bash\necho xcatdsklspost\n',
  };
}

/** The rendered script and how the installer starts it. */
function render(shape: Shape, dir: string, iport: number, httpPort: number): { file: string; argv: string[] } {
  const root = path.join(dir, 'sysroot');
  const vars = { ...kickstartVariables(iport, httpPort), 'nodetype:THISNODE:os': OS[shape], 'site:key=xcatdebugmode:value': '' };
  const inc = '#INCLUDE:/install/custom/install/scripts/xtriage-post-xcat.sh#';
  let text: string;
  if (shape === 'rhel7') {
    // compute.rhels7.tmpl's %post, between %post and %end
    text = `mkdir -p ${root}/var/log/xcat/\n{\necho "Running Kickstart Post-Installation script..."\n${inc}\n#INCLUDE:#ENV:XCATROOT#/share/xcat/install/scripts/post.rhels7#\n} &>>${root}/var/log/xcat/xcat.log\n`;
  } else if (shape === 'sles') {
    // post.sle's CDATA
    text = `mkdir -p ${root}/var/log/xcat/\n{\necho "Running AutoYaST Post-Installation script..."\n#INCLUDE:#ENV:XCATROOT#/share/xcat/install/scripts/post.sles.common#\n${inc}\n} >>${root}/var/log/xcat/xcat.log 2>&1\n`;
  } else {
    // post.ubuntu: NODE.post (also the file dash and busybox run)
    text = `#INCLUDE:#ENV:XCATROOT#/share/xcat/install/scripts/post.ubuntu.common#\n${inc}\n`;
  }
  const body = renderLikeXcat(text, includes(), vars);
  const file = path.join(dir, `post-${Math.random().toString(36).slice(2)}.sh`);
  const busybox = shells.find((s) => s.name === 'busybox')!;
  const dash = shells.find((s) => s.name === 'dash')!;
  if (shape === 'ubuntu') {
    // The rendered NODE.post starts with #!/bin/bash; the late_command (busybox sh) runs it.
    fs.writeFileSync(file, body.replace(/^#!\/bin\/bash/, `#!${which('bash')}`), { mode: 0o755 });
    fs.mkdirSync(path.join(root, 'root'), { recursive: true });
    const late = path.join(dir, 'late_command.sh');
    fs.writeFileSync(
      late,
      `mkdir -p ${root}/var/log/xcat/; { echo "Running preseeding late_command Installation script..."; cp ${file} ${root}/root/post.script; ${root}/root/post.script; } >>${root}/var/log/xcat/xcat.log 2>&1\n`,
    );
    return { file, argv: [...busybox.argv, late] };
  }
  fs.writeFileSync(file, body);
  if (shape === 'dash') return { file, argv: [...dash.argv, file] };
  if (shape === 'busybox') return { file, argv: [...busybox.argv, file] };
  return { file, argv: [which('bash')!, file] };
}

async function install(
  shape: Shape,
  dir: string,
  site: Site,
  mn: Mn,
  tmp: string,
): Promise<{ status: number | null; ms: number; stderr: string; httpPort: number }> {
  const web = await startHttp(site);
  try {
    const { argv } = render(shape, dir, mn.iport, web.port);
    fs.mkdirSync(tmp, { recursive: true });
    fs.writeFileSync(path.join(tmp, 'cmdline'), 'BOOT_IMAGE=linux auto=true url=http://127.0.0.1/install/autoinst/cn01 console=ttyS0,115200\n');
    const busybox = shells.find((s) => s.name === 'busybox')!;
    let PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
    if (shape === 'busybox') {
      const extra = path.join(dir, 'extra-bin');
      if (!fs.existsSync(extra)) {
        fs.mkdirSync(extra);
        fs.symlinkSync(which('openssl')!, path.join(extra, 'openssl'));
      }
      PATH = `${busybox.path}:${extra}`;
    }
    const env: Record<string, string> = {
      PATH,
      HOME: dir,
      LANG: 'C',
      TMPDIR: tmp,
      XTRIAGE_PORT: String(mn.port),
      XTRIAGE_CMDLINE: path.join(tmp, 'cmdline'),
      XTRIAGE_PX_PREFIX: path.join(dir, 'sysroot'),
      XTRIAGE_HALT: '0',
      XTRIAGE_PX_MAXSLEEP: '0',
      XTRIAGE_PX_TRIES: '1',
      XTRIAGE_PX_NEXT_TRIES: '1',
      XTRIAGE_XCATD_TRIES: '1',
      XTRIAGE_NET_TIMEOUT: '2',
      XTRIAGE_KILL_GRACE: '1',
      XTRIAGE_PS_TIMEOUT: '3',
    };
    if (shape === 'dash') env.XTRIAGE_PX_SHELL = shells.find((s) => s.name === 'dash')!.argv[0]!;
    if (shape === 'busybox') {
      const bbsh = path.join(dir, 'bbsh');
      fs.writeFileSync(bbsh, `#!/bin/sh\nexec ${busybox.argv.join(' ')} "$@"\n`, { mode: 0o755 });
      env.XTRIAGE_PX_SHELL = bbsh;
    }
    const r = await spawnAsync(argv, env, dir, 60_000);
    return { status: r.status, ms: r.ms, stderr: r.stderr.slice(-3000), httpPort: web.port };
  } finally {
    await web.close();
  }
}

const cases: [string, (s: Site) => void, RegExp, string, string, RegExp][] = [
  [
    'a postscript httpd refuses (403)',
    (s) => s.forbidden.push('/install/postscripts/mysite'),
    /^Step ps-download failed/,
    'xtriage.step-failed',
    'ps-download',
    /^(?=[\s\S]*403:? Forbidden)[\s\S]*GET http:\/\/127\.0\.0\.1:\d+\/install\/postscripts\/mysite failed/,
  ],
  [
    'a postscript that exits non-zero',
    (s) => (s.files['/tftpboot/mypostscripts/mypostscript.cn01'] = mypostscript(['syslog', 'mysite', 'remoteshell'], ['otherpkgs'])),
    /^Step mysite failed with exit code 2/,
    'xtriage.step-failed',
    'mysite',
    /^mysite: \/dev\/sdz: No such device$/,
  ],
  [
    'a postscript that hangs',
    (s) => {
      s.files['/install/postscripts/hangs'] = '#!/bin/sh\necho "waiting for /dev/ttyS1"\nexec sleep 97900\n';
      s.files['/tftpboot/mypostscripts/mypostscript.cn01'] = mypostscript(['syslog', 'hangs', 'remoteshell'], ['otherpkgs']);
    },
    /hangs/,
    'xtriage.step-hung',
    'hangs',
    /waiting for \/dev\/ttyS1/,
  ],
];

describe('post.xcat rebuilt on the library (RHEL 7, SLES, Ubuntu): rendered as xCAT does, against a real httpd, xcatd listener and xtriaged', () => {
  for (const [label, breakIt, title, pattern, step, why] of cases) {
    test(`${label}: ${SHAPES.join(', ')}`, async () => {
      const failures: string[] = [];
      for (const shape of SHAPES) {
        const d = await startDaemon();
        const mn = await startMn({ forwardTo: d.port });
        const dir = tmpFor(`px-${shape}`);
        const root = path.join(dir, 'sysroot');
        fs.mkdirSync(root);
        const ctx: Record<string, unknown> = { shape };
        try {
          const site = baseSite();
          breakIt(site);
          const first = await install(shape, dir, site, mn, path.join(dir, 'tmp1'));
          ctx.first = first;
          expect({ status: first.status, fast: first.ms < 40_000 }).toEqual({ status: 1, fast: true });
          expect(mn.xcatd).toEqual(['installstatus failed']);
          // The MN's lines: the step that failed, why, one failfast, nothing run after it.
          await until(() => events(mn).some((e) => e.event === 'failfast'), 3000);
          const ev = events(mn);
          ctx.lines = mn.lines.map((l) => l.text);
          const end = ev.find((e) => e.step === step && e.event === 'end');
          expect({ result: end?.result, why: why.test(unescape(end?.err ?? '')) }).toEqual({
            result: pattern === 'xtriage.step-hung' ? 'hung' : 'failed',
            why: true,
          });
          expect(ev.filter((e) => e.event === 'failfast').length).toBe(1);
          expect(ev.filter((e) => e.step === 'remoteshell' || e.step === 'xcatd-next')).toEqual([]);
          // The diagnosis, from the lines xtriaged received.
          const doc = await waitFor<AnalysisDoc>(d.socket, '/v1/sessions', (x) =>
            x.sessions.some((s) => s.rootCause?.pattern === pattern || s.symptoms.some((y) => y.pattern === pattern)),
          );
          const s = doc.sessions.find((x) => x.rootCause?.pattern === pattern || x.symptoms.some((y) => y.pattern === pattern))!;
          const named = [s.rootCause, ...s.symptoms].filter((x) => x && x.pattern === pattern).map((x) => x!.title);
          expect({ outcome: s.outcome, named: named.some((t) => title.test(t)) }).toEqual({ outcome: 'failed', named: true });
          // "Reboot": a new installer /tmp, the same installed root, the site fixed.
          mn.lines.length = 0;
          const again = await install(shape, dir, baseSite(), mn, path.join(dir, 'tmp2'));
          ctx.again = again;
          expect(again.status).toBe(0);
          expect(mn.xcatd).toEqual(['installstatus failed', 'next']);
          await until(() => events(mn).some((e) => e.step === 'xcatd-next' && e.event === 'end'), 3000);
          ctx.lines2 = mn.lines.map((l) => l.text);
          const ends = events(mn)
            .filter((e) => e.event === 'end')
            .map((e) => `${e.step}:${e.result}`);
          expect(ends).toEqual([
            'preflight:ok',
            'xcatinfo:ok',
            'ps-download:ok',
            'ps-mypostscript:ok',
            'mypostscript-gen:ok',
            'firstboot-setup:ok',
            'syslog:ok',
            'remoteshell:ok',
            'mypostscript:ok',
            'boot-console:ok',
            'xcatd-next:ok',
          ]);
          // The node's final status: xcatd was told `next` after the failure, and xtriaged's
          // timeline of the node ends with that step (its outcome stays the first run's: only a
          // new PXE/DHCP start opens a new attempt there).
          const det = await waitFor<SessionDetail>(d.socket, `/v1/sessions/${s.id}`, (x) =>
            /step=xcatd-next event=end phase=post result=ok/.test(x.timeline[x.timeline.length - 1]?.line ?? ''),
          );
          expect(det.timeline.filter((t) => /event=failfast/.test(t.line)).length).toBe(1);
          // The node's log keeps both runs; the generated files are xCAT's.
          const log = fs.readFileSync(path.join(root, 'var/log/xtriage/node.log'), 'latin1');
          const firstFail = log.search(/event=failfast/);
          const secondOk = log.search(/step=xcatd-next event=end phase=post result=ok/);
          expect({ failfastKept: firstFail >= 0, thenOk: secondOk > firstFail }).toEqual({ failfastKept: true, thenOk: true });
          if (pattern === 'xtriage.step-hung') expect(log).toContain('out| waiting for /dev/ttyS1');
          if (step === 'ps-download') expect(log).toMatch(/ERROR 403|403 Forbidden|error: 403|server returned error: HTTP\/1\.1 403/);
          const ms = fs.readFileSync(path.join(root, 'xcatpost/mypostscript'), 'utf8');
          const post = fs.readFileSync(path.join(root, 'xcatpost/mypostscript.post'), 'utf8');
          expect({
            ps: ms.split('\n').filter((l) => /^run_ps post/.test(l)),
            pbs: post.split('\n').filter((l) => /^run_ps post/.test(l)),
            hooked: /^# xtriage run_ps/m.test(ms) && /^# subroutine end/m.test(post),
            info: fs.readFileSync(path.join(root, 'opt/xcat/xcatinfo'), 'utf8'),
            installpost: fs.existsSync(path.join(root, 'opt/xcat/xcatinstallpost')),
            // xCAT's own lines (scriptlib's msgutil_r, bash only) in xcat.log, where the template sends them
            xcatlog:
              shape === 'dash' ||
              shape === 'busybox' ||
              /msgutil_r info: finished firstboot preparation/.test(fs.readFileSync(path.join(root, 'var/log/xcat/xcat.log'), 'utf8')),
          }).toEqual({
            ps: ['run_ps postscript syslog', 'run_ps postscript remoteshell'],
            pbs: ['run_ps postbootscript otherpkgs'],
            hooked: true,
            info: `XCATSERVER=127.0.0.1\nINSTALLDIR=/install\nHTTPPORT=${again.httpPort}\n`,
            installpost: true,
            xcatlog: true,
          });
        } catch (e) {
          failures.push(`[${shape}] ${(e as Error).message}\n--- ${JSON.stringify(ctx, null, 1).slice(0, 6000)}`);
        } finally {
          await d.stop('SIGKILL');
          await mn.close();
        }
      }
      if (failures.length) throw new Error(failures.join('\n\n'));
    });
  }
});
