// Issue 16 points 1 and 2: once-only steps (otherpkgs, ospkgs, site scripts) on diskless
// boots, and the run_ps hook that makes every postscript of xcatdsklspost's mypostscript
// a step. Real shells, real sockets.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { ROOT, baseEnv, check, eachShell, events, run, startMn, tmpFor, until, useShells, which, spawnAsync } from '../helpers/node-lib';

jest.setTimeout(90_000);
useShells();

describe('xt_once: run once unless asked', () => {
  test('skipped on a boot when the same inputs were applied; new inputs, a failure, updatenode and XTRIAGE_FORCE run it, and say why', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const dir = tmpFor(`once-${sh.name}`);
        fs.writeFileSync(
          path.join(dir, 'otherpkgs'),
          '#!/bin/sh\n[ -z "$FAILME" ] || { echo "repo down" >&2; exit 1; }\necho "installing $OTHERPKGS1" >>installs.log\n',
          { mode: 0o755 },
        );
        const base = { ...baseEnv(sh, dir, mn), XTRIAGE_STAMPDIR: path.join(dir, 'stamps'), OTHERPKGS1: 'pkgA' };
        const once = 'xt_once otherpkgs 30 ./otherpkgs; echo "rc=$?"';
        const runs: [string, Record<string, string>, boolean, RegExp][] = [
          ['first boot', {}, true, /once-only step runs: not applied yet with these inputs/],
          ['second boot, same inputs', {}, false, /once-only step skipped: the same inputs were already applied/],
          ['new package list', { OTHERPKGS1: 'pkgA,pkgB' }, true, /once-only step runs: not applied yet/],
          ['updatenode -P otherpkgs', { OTHERPKGS1: 'pkgA,pkgB', UPDATENODE: '1' }, true, /once-only step runs: forced by updatenode/],
          [
            'XTRIAGE_FORCE',
            { OTHERPKGS1: 'pkgA,pkgB', XTRIAGE_FORCE: 'ospkgs,otherpkgs' },
            true,
            /once-only step runs: forced by XTRIAGE_FORCE=ospkgs,otherpkgs/,
          ],
          ['failed run', { OTHERPKGS1: 'pkgA,pkgB', XTRIAGE_FORCE: 'otherpkgs', FAILME: '1', XTRIAGE_FAILFAST: '0' }, false, /forced/],
          ['boot after the failure', { OTHERPKGS1: 'pkgA,pkgB' }, true, /once-only step runs: not applied yet/],
          ['install (phase post)', { OTHERPKGS1: 'pkgA,pkgB', XTRIAGE_PHASE: 'post' }, true, /once-only step runs: an install runs it/],
        ];
        let installs = 0;
        for (const [label, env, ran, said] of runs) {
          mn.lines.length = 0;
          const r = await run(sh, once, { ...base, ...env });
          await until(() => events(mn).some((e) => e.event === 'log'));
          const now = fs.existsSync(path.join(dir, 'installs.log'))
            ? fs.readFileSync(path.join(dir, 'installs.log'), 'utf8').split('\n').filter(Boolean).length
            : 0;
          check(now === installs + (ran ? 1 : 0), `${label}: ${ran ? 'runs' : 'does not install'}`, r);
          installs = now;
          const msg = events(mn).find((e) => e.event === 'log' && e.step === 'otherpkgs')?.msg ?? '';
          check(said.test(msg), `${label}: the MN line says why`, r, mn.lines);
          check(r.stdout.includes(env.FAILME ? 'rc=1' : 'rc=0'), `${label}: status`, r);
        }
      } finally {
        await mn.close();
      }
    });
  });
});

describe("the run_ps hook for xcatdsklspost's mypostscript (diskless, statelite, updatenode, postbootscripts)", () => {
  /**
   * mypostscript in the shape xcatdsklspost generates (bash): its own run_ps, the line that
   * ends it, the script lines prefixed with run_ps, the installstatus report at the end.
   */
  function dsklsMypostscript(dir: string, scripts: string[], postscripts: string[] = []): string {
    return [
      '#!/bin/bash',
      'return_value=0',
      'run_ps () {',
      ' local ret_local=0',
      ' local scriptype=$1',
      ' shift;',
      ' if [ -f $1 ]; then',
      '  ./$@ 2>&1 | tee -a xcat.log',
      '  ret_local=${PIPESTATUS[0]}',
      '  [ "$ret_local" -ne 0 ] && return_value=$ret_local',
      ' else',
      '  return_value=-1',
      ' fi',
      ' return 0',
      '}',
      '# subroutine end',
      '',
      `MASTER_IP='127.0.0.1'`,
      'export MASTER_IP',
      "NODESTATUS='1'",
      'export NODESTATUS',
      'UPDATENODE=0',
      'export UPDATENODE',
      "OTHERPKGS1='pkgA'",
      'export OTHERPKGS1',
      `cd '${dir}'`,
      '# postscripts-start-here',
      ...postscripts.map((s) => `run_ps postscript ${s}`),
      '# postscripts-end-here',
      '# postbootscripts-start-here',
      ...scripts.map((s) => `run_ps postbootscript ${s}`),
      '# postbootscripts-end-here',
      'if [ "$return_value" -eq "0" ]; then',
      '    echo "installstatus booted" >>status.log',
      'else',
      '    echo "installstatus failed" >>status.log',
      'fi',
      '',
    ].join('\n');
  }

  test('every postbootscript is a step with its status and output; a failure stops the rest; otherpkgs runs once across boots', async () => {
    const bash = which('bash')!;
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const dir = tmpFor(`hook-${sh.name}`);
        const post = path.join(dir, 'xcatpost');
        fs.mkdirSync(post);
        fs.copyFileSync(path.join(ROOT, 'node', 'xtriage.sh'), path.join(post, 'xtriage.sh'));
        // The postscripts run under the shell of this round (the image's /bin/sh may be dash or busybox).
        const shebang = `#!${sh.argv.join(' ')}`;
        if (sh.name === 'busybox') fs.writeFileSync(path.join(dir, 'bbsh'), `#!/bin/sh\nexec ${sh.argv.join(' ')} "$@"\n`, { mode: 0o755 });
        const bang = sh.name === 'busybox' ? `#!${path.join(dir, 'bbsh')}` : shebang;
        fs.writeFileSync(path.join(dir, 'syslog'), `${bang}\necho "syslog set up"\n`, { mode: 0o755 });
        fs.writeFileSync(path.join(dir, 'otherpkgs'), `${bang}\necho "installing $OTHERPKGS1"\necho x >>installs.log\n`, { mode: 0o755 });
        fs.writeFileSync(path.join(dir, 'mount-scratch'), `${bang}\necho "mount: /scratch: no such device" >&2\nexit 32\n`, { mode: 0o755 });
        fs.writeFileSync(path.join(dir, 'never'), `${bang}\ntouch never-ran\n`, { mode: 0o755 });
        const ms = path.join(post, 'mypostscript');
        const hook = path.join(ROOT, 'node', 'xcatdsklspost-hook.sh');
        const env = { ...baseEnv(sh, dir, mn), XTRIAGE_LIB: path.join(post, 'xtriage.sh'), XTRIAGE_STAMPDIR: path.join(dir, 'stamps') };
        delete (env as Record<string, string>).MASTER_IP;
        const boot = async (scripts: string[]): Promise<{ code: number | null; stdout: string; log: string }> => {
          fs.writeFileSync(ms, dsklsMypostscript(dir, scripts), { mode: 0o700 });
          // What the hook line added to xcatdsklspost does, before it runs mypostscript.
          const h = await spawnAsync([bash, hook, ms], env, dir);
          if (h.status !== 0) throw new Error(`hook failed: ${h.stderr}`);
          const r = await spawnAsync([bash, ms], env, dir);
          const logf = path.join(dir, 'node.log');
          return { code: r.status, stdout: r.stdout + r.stderr, log: fs.existsSync(logf) ? fs.readFileSync(logf, 'latin1') : '' };
        };
        // Boot 1: all fine.
        let r = await boot(['syslog', 'otherpkgs']);
        await until(() => events(mn).filter((e) => e.event === 'end').length >= 2);
        let ends = events(mn)
          .filter((e) => e.event === 'end')
          .map((e) => `${e.step}:${e.result}`);
        check(JSON.stringify(ends) === '["syslog:ok","otherpkgs:ok"]', 'boot 1: each postbootscript is a step', undefined, { ends, r });
        check(
          r.log.includes('out| syslog set up') && r.log.includes('out| installing pkgA'),
          "boot 1: the scripts' output is in node.log",
          undefined,
          r.log.slice(-2000),
        );
        check(fs.readFileSync(path.join(dir, 'status.log'), 'utf8') === 'installstatus booted\n', 'boot 1: booted', undefined, r);
        // Boot 2: otherpkgs is skipped (same inputs); a failing script stops the one after it.
        mn.lines.length = 0;
        r = await boot(['syslog', 'otherpkgs', 'mount-scratch', 'never']);
        await until(() => events(mn).some((e) => e.event === 'failfast'));
        const ev = events(mn);
        ends = ev.filter((e) => e.event === 'end').map((e) => `${e.step}:${e.result}`);
        check(JSON.stringify(ends) === '["syslog:ok","mount-scratch:failed"]', 'boot 2: otherpkgs skipped, mount-scratch failed, never not run', undefined, {
          ends,
          lines: mn.lines,
        });
        check(
          ev.some((e) => e.step === 'otherpkgs' && /skipped/.test(e.msg ?? '')),
          'boot 2: the skip is said',
          undefined,
          mn.lines,
        );
        check(
          ev.find((e) => e.step === 'mount-scratch' && e.event === 'end')?.err === 'mount: /scratch: no such device',
          'boot 2: the reason',
          undefined,
          mn.lines,
        );
        check(!fs.existsSync(path.join(dir, 'never-ran')), 'boot 2: the script after the failure did not run', undefined, r);
        check(fs.readFileSync(path.join(dir, 'installs.log'), 'utf8') === 'x\n', 'otherpkgs installed once', undefined, r);
        check(fs.readFileSync(path.join(dir, 'status.log'), 'utf8').endsWith('installstatus failed\n'), "boot 2: xCAT's own report says failed", undefined, r);
        check(JSON.stringify(mn.xcatd) === '["installstatus failed"]', 'boot 2: xcatd told once by the library', undefined, mn.xcatd);
      } finally {
        await mn.close();
      }
    });
  });

  test("post.xcat's shape: the hook applied in %post makes the postscripts steps (phase post) and, through mypostscript.post, the first boot's postbootscripts (phase postboot)", async () => {
    const bash = which('bash')!;
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const dir = tmpFor(`postxcat-${sh.name}`);
        const post = path.join(dir, 'xcatpost');
        fs.mkdirSync(post);
        fs.copyFileSync(path.join(ROOT, 'node', 'xtriage.sh'), path.join(post, 'xtriage.sh'));
        const bang = sh.name === 'busybox' ? `#!${path.join(dir, 'bbsh')}` : `#!${sh.argv[0]}`;
        if (sh.name === 'busybox') fs.writeFileSync(path.join(dir, 'bbsh'), `#!/bin/sh\nexec ${sh.argv.join(' ')} "$@"\n`, { mode: 0o755 });
        fs.writeFileSync(path.join(dir, 'syslog'), `${bang}\necho "syslog set up"\n`, { mode: 0o755 });
        fs.writeFileSync(path.join(dir, 'otherpkgs'), `${bang}\necho "installing $OTHERPKGS1"\n`, { mode: 0o755 });
        const ms = path.join(post, 'mypostscript');
        fs.writeFileSync(ms, dsklsMypostscript(dir, ['otherpkgs'], ['syslog']), { mode: 0o755 });
        const env = { ...baseEnv(sh, dir, mn), XTRIAGE_LIB: path.join(post, 'xtriage.sh'), XTRIAGE_STAMPDIR: path.join(dir, 'stamps') };
        delete (env as Record<string, string>).MASTER_IP;
        // %post: the hook line; post.xcat then saves mypostscript.post (the file without its
        // postscripts section), drops the postbootscripts from mypostscript and runs it.
        const h = await spawnAsync([bash, path.join(ROOT, 'node', 'xcatdsklspost-hook.sh'), ms], env, dir);
        check(h.status === 0, 'hook ran', undefined, h);
        const text = fs.readFileSync(ms, 'utf8').split('\n');
        const a = text.findIndex((l) => /^#\s*postscripts-start-here/.test(l));
        const b = text.findIndex((l) => /^#\s*postscripts-end-here/.test(l));
        fs.writeFileSync(`${ms}.post`, [...text.slice(0, a), ...text.slice(b + 1)].join('\n'), { mode: 0o755 });
        const c = text.findIndex((l) => /^#\s*postbootscripts-start-here/.test(l));
        const d = text.findIndex((l) => /^#\s*postbootscripts-end-here/.test(l));
        fs.writeFileSync(ms, [...text.slice(0, c), ...text.slice(d + 1)].join('\n'), { mode: 0o700 });
        const inPost = await spawnAsync([bash, ms], { ...env, XTRIAGE_PHASE: 'post' }, dir);
        check(inPost.status === 0, '%post ran', undefined, inPost);
        // First boot: xcatinstallpost runs mypostscript.post.
        const first = await spawnAsync([bash, `${ms}.post`], env, dir);
        check(first.status === 0, 'first boot ran', undefined, first);
        // A reboot with runbootscripts on: the same postbootscripts, otherpkgs skipped.
        const second = await spawnAsync([bash, `${ms}.post`], env, dir);
        check(second.status === 0, 'second boot ran', undefined, second);
        await until(() => events(mn).some((e) => /skipped/.test(e.msg ?? '')));
        const ends = events(mn)
          .filter((e) => e.event === 'end')
          .map((e) => `${e.step}:${e.phase}:${e.result}`);
        check(JSON.stringify(ends) === '["syslog:post:ok","otherpkgs:postboot:ok"]', 'postscripts in %post, postbootscripts at first boot', undefined, {
          ends,
          lines: mn.lines,
        });
        check(
          events(mn).some((e) => e.step === 'otherpkgs' && e.phase === 'postboot' && /once-only step skipped/.test(e.msg ?? '')),
          'skipped at the next boot',
          undefined,
          mn.lines,
        );
        const log = fs.readFileSync(path.join(dir, 'node.log'), 'latin1');
        check(log.includes('out| syslog set up') && log.includes('out| installing pkgA'), 'output in node.log', undefined, log.slice(-1500));
      } finally {
        await mn.close();
      }
    });
  });
});

describe('the dracut xcatroot hook (initrd: the root image download)', () => {
  test('each try of the download is a step, phase initrd, with the HTTP error; the MN is found on the kernel command line', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      let hits = 0;
      // httpd answers 404 until the image is "packed" (second request), as after a forgotten packimage.
      const server = http.createServer((req, res) => {
        hits++;
        if (hits < 2) res.writeHead(404).end('not found');
        else res.writeHead(200).end('rootimg bytes');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const port = (server.address() as { port: number }).port;
      try {
        const dir = tmpFor(`dracut-${sh.name}`);
        const mod = path.join(dir, 'dracut_033');
        fs.mkdirSync(mod);
        // xcatroot's shape: dracut-lib, imgurl from the command line, the download retried.
        fs.writeFileSync(
          path.join(mod, 'xcatroot'),
          [
            '#!/bin/sh',
            '. /lib/dracut-lib.sh',
            'imgurl="$(getarg imgurl=)"',
            'FILENAME=${imgurl##*/}',
            'tries=0',
            'while [ ! -r "$FILENAME" ]; do',
            '            if ! wget -nv $imgurl; then',
            '                rm -f $FILENAME',
            '                tries=$((tries+1)); [ $tries -lt 5 ] || exit 1',
            '                sleep 1',
            '            fi',
            'done',
            'echo "got $FILENAME"',
            '',
          ].join('\n'),
        );
        fs.writeFileSync(path.join(mod, 'install.netboot'), '#!/bin/sh\ninst "$moddir/xcatroot" "/sbin/xcatroot"\n');
        const h = await spawnAsync(
          [which('bash')!, path.join(ROOT, 'node', 'dracut-xcatroot-hook.sh'), mod, path.join(ROOT, 'node', 'xtriage.sh')],
          { PATH: process.env.PATH! },
          dir,
        );
        check(h.status === 0, 'hook ran', undefined, h);
        check(
          fs.readFileSync(path.join(mod, 'install.netboot'), 'utf8').includes('inst "$moddir/xtriage.sh" "/lib/xtriage.sh"'),
          'the library goes into the initrd',
          undefined,
          h,
        );
        // In the initrd /lib/dracut-lib.sh and /lib/xtriage.sh exist; here they are files of the test.
        fs.writeFileSync(path.join(dir, 'dracut-lib.sh'), `getarg() { tr ' ' '\\n' <'${path.join(dir, 'cmdline')}' | sed -n "s/^$1//p" | head -n 1; }\n`);
        const root = fs
          .readFileSync(path.join(mod, 'xcatroot'), 'utf8')
          .replaceAll('/lib/dracut-lib.sh', path.join(dir, 'dracut-lib.sh'))
          .replaceAll('/lib/xtriage.sh', path.join(mod, 'xtriage.sh'));
        fs.writeFileSync(path.join(dir, 'xcatroot'), root);
        const env = baseEnv(sh, dir, mn);
        delete (env as Record<string, string>).MASTER_IP;
        fs.writeFileSync(
          path.join(dir, 'cmdline'),
          `imgurl=http://127.0.0.1:${port}/install/netboot/rhels9/x86_64/compute/rootimg.cpio.gz XCAT=127.0.0.1:3001 NODE=cn01\n`,
        );
        const r = await spawnAsync([...sh.argv, path.join(dir, 'xcatroot')], env, dir);
        check(r.status === 0 && r.stdout.includes('got rootimg.cpio.gz'), 'the image arrived on the second try', undefined, r);
        await until(() => events(mn).filter((e) => e.event === 'end').length >= 2);
        const ends = events(mn).filter((e) => e.event === 'end');
        check(
          ends.length === 2 && ends.every((e) => e.step === 'rootimg-download' && e.phase === 'initrd'),
          'two tries, each a step of phase initrd',
          undefined,
          mn.lines,
        );
        check(
          ends[0]!.result === 'failed' && /404/.test(ends[0]!.err ?? '') && ends[1]!.result === 'ok',
          'the first try failed with the 404, the second passed',
          undefined,
          mn.lines,
        );
        check(!events(mn).some((e) => e.event === 'failfast') && mn.xcatd.length === 0, 'no fail-fast: xcatroot retries', undefined, mn.lines);
      } finally {
        await new Promise((r) => server.close(r));
        await mn.close();
      }
    });
  });
});
