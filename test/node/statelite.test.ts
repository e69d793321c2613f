// Issue 16 point 2 on statelite: a once-only postbootscript's stamp lives in the node's statelite
// persistent storage, so the next boot skips it (with a line saying so), and updatenode or
// XTRIAGE_FORCE still run it (logged as forced).
//
// The real shape, from xcat-core: the initrd's xcatroot (rh/dracut_047, sles/dracut_033, ...)
// mounts STATEMNT, creates NODE in it, then mounts STATEMNT/NODE on /.statelite/persistent
// itself (the node sees its own directory there, not /.statelite/persistent/NODE as the docs
// put it). Here, in a user and mount namespace (`unshare -rm`), each boot bind-mounts the
// "server's" state/cn01 on a fresh image's .statelite/persistent; xcatdsklspost's
// mypostscript (mode 4 at boot, mode 1 for updatenode -P, which sets UPDATENODE=1) goes
// through the run_ps hook and runs otherpkgs. mypostscript runs under bash as xcatdsklspost
// runs it; the hook and the postscripts under the round's shell (the image's /bin/sh).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, baseEnv, check, eachShell, events, spawnAsync, startMn, tmpFor, until, useShells, which, LIB } from '../helpers/node-lib';

jest.setTimeout(120_000);
useShells();

const canUnshare = spawnSync('unshare', ['-rm', 'true']).status === 0;

/** mypostscript as xcatdsklspost writes it: its run_ps, `# subroutine end`, the node's values. */
function mypostscript(dir: string, extra: string[]): string {
  return [
    '#!/bin/bash',
    'return_value=0',
    'run_ps () {',
    ' local ret_local=0',
    ' local scriptype=$1',
    ' shift;',
    ' if [ -f $1 ]; then',
    '  ./$@ 2>&1',
    '  ret_local=${PIPESTATUS[0]}',
    '  [ "$ret_local" -ne 0 ] && return_value=$ret_local',
    ' else',
    '  return_value=-1',
    ' fi',
    ' return 0',
    '}',
    '# subroutine end',
    '',
    "MASTER_IP='127.0.0.1'",
    'export MASTER_IP',
    "NODE='cn01'",
    'export NODE',
    "NODESTATUS='1'",
    'export NODESTATUS',
    "OTHERPKGS1='xcat/post/mlnx-ofed,hwloc'",
    'export OTHERPKGS1',
    ...extra,
    `cd '${dir}'`,
    '# postscripts-start-here',
    '# postscripts-end-here',
    '# postbootscripts-start-here',
    'run_ps postbootscript syslog',
    'run_ps postbootscript otherpkgs',
    '# postbootscripts-end-here',
    '',
  ].join('\n');
}

describe('statelite: the once-only stamp in persistent storage', () => {
  (canUnshare ? test : test.skip)('a second boot skips otherpkgs and says so; updatenode -P otherpkgs and XTRIAGE_FORCE run it, logged as forced', async () => {
    const bash = which('bash')!;
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const dir = tmpFor(`statelite-${sh.name}`);
        const state = path.join(dir, 'server', 'state'); // the statelite table's statemnt
        fs.mkdirSync(state, { recursive: true });
        const runs = path.join(dir, 'otherpkgs-runs.log');
        const bang = sh.name === 'busybox' ? `#!${path.join(dir, 'bbsh')}` : `#!${sh.argv[0]}`;
        if (sh.name === 'busybox') fs.writeFileSync(path.join(dir, 'bbsh'), `#!/bin/sh\nexec ${sh.argv.join(' ')} "$@"\n`, { mode: 0o755 });
        let n = 0;
        /** One boot (or updatenode): a fresh image and /tmp, the persistent storage mounted as xcatroot does. */
        const boot = async (label: string, extra: string[]): Promise<{ log: string; out: string }> => {
          n++;
          const img = path.join(dir, `image${n}`); // the stateless image: gone at every boot
          const post = path.join(img, 'xcatpost');
          const pers = path.join(img, '.statelite', 'persistent');
          fs.mkdirSync(post, { recursive: true });
          fs.mkdirSync(pers, { recursive: true });
          fs.mkdirSync(path.join(img, 'tmp'));
          fs.copyFileSync(LIB, path.join(post, 'xtriage.sh'));
          fs.writeFileSync(path.join(post, 'syslog'), `${bang}\necho "syslog set up"\n`, { mode: 0o755 });
          fs.writeFileSync(path.join(post, 'otherpkgs'), `${bang}\necho "installing $OTHERPKGS1"\necho "$XT_BOOT" >>'${runs}'\n`, { mode: 0o755 });
          const ms = path.join(post, 'mypostscript');
          fs.writeFileSync(ms, mypostscript(post, extra), { mode: 0o700 });
          // xcatroot: mount statemnt, mkdir NODE, then mount statemnt/NODE on .statelite/persistent;
          // xcatdsklspost: the hook line, then mypostscript.
          // The image's own /var/lib is fresh at every boot (a tmpfs here: nothing reaches the host's).
          const script = [
            'set -e',
            'mount -t tmpfs tmpfs /var/lib',
            `mkdir -p '${state}/cn01'`,
            `mount -o bind '${state}/cn01' '${pers}'`,
            `${sh.argv.join(' ')} '${path.join(ROOT, 'node', 'xcatdsklspost-hook.sh')}' '${ms}'`,
            'set +e',
            `${bash} '${ms}'`,
          ].join('\n');
          fs.writeFileSync(path.join(img, 'boot.sh'), script);
          const env: Record<string, string> = {
            ...baseEnv(sh, dir, mn),
            TMPDIR: path.join(img, 'tmp'),
            XTRIAGE_LIB: path.join(post, 'xtriage.sh'),
            XTRIAGE_STATELITE: path.join(img, '.statelite'),
            XTRIAGE_LOG: path.join(dir, 'node.log'),
            XT_BOOT: label,
          };
          delete (env as Record<string, string>).MASTER_IP;
          const r = await spawnAsync(['unshare', '-rm', which('sh')!, path.join(img, 'boot.sh')], { ...env, PATH: `${env.PATH!}:/usr/bin:/bin` }, dir);
          check(r.status === 0, `${label}: the boot ran`, undefined, r);
          await until(() => events(mn).some((e) => e.step === 'otherpkgs' && e.event === 'log'));
          return { log: fs.readFileSync(path.join(dir, 'node.log'), 'latin1'), out: r.stdout + r.stderr };
        };
        const said = (): string => events(mn).find((e) => e.step === 'otherpkgs' && e.event === 'log')?.msg ?? '';
        const count = (): number => (fs.existsSync(runs) ? fs.readFileSync(runs, 'utf8').split('\n').filter(Boolean).length : 0);
        const stamp = path.join(state, 'cn01', 'var/lib/xtriage/once/otherpkgs');

        // Boot 1: it runs, and its stamp is on the server, in the node's persistent directory.
        let b = await boot('boot 1', []);
        check(count() === 1 && /once-only step runs: not applied yet/.test(said()), 'boot 1: otherpkgs runs', undefined, { said: said(), out: b.out });
        check(fs.existsSync(stamp), 'boot 1: the stamp is in statelite persistent storage (server state/cn01)', undefined, {
          files: fs.readdirSync(path.join(state, 'cn01'), { recursive: true }),
        });
        // Boot 2: a new image, the same persistent storage: skipped, with a line saying so.
        mn.lines.length = 0;
        b = await boot('boot 2', []);
        check(count() === 1, 'boot 2: otherpkgs did not run', undefined, { out: b.out });
        check(
          /^once-only step skipped: the same inputs were already applied \(stamp .*\/image2\/\.statelite\/persistent\/var\/lib\/xtriage\/once\/otherpkgs/.test(
            said(),
          ),
          'boot 2: the MN line says it was skipped, and where the stamp is',
          undefined,
          mn.lines,
        );
        check(
          events(mn).some((e) => e.step === 'syslog' && e.event === 'end' && e.result === 'ok'),
          'boot 2: the other postbootscripts still run',
          undefined,
          mn.lines,
        );
        // updatenode cn01 -P otherpkgs: xcatdsklspost 1 puts UPDATENODE=1 in mypostscript.
        mn.lines.length = 0;
        b = await boot('updatenode', ['UPDATENODE=1', 'export UPDATENODE']);
        check(count() === 2 && /^once-only step runs: forced by updatenode/.test(said()), 'updatenode: forced and said so', undefined, {
          said: said(),
          out: b.out,
        });
        // XTRIAGE_FORCE (here from the site's mypostscript.tmpl) at a boot.
        mn.lines.length = 0;
        b = await boot('forced boot', ['XTRIAGE_FORCE=otherpkgs', 'export XTRIAGE_FORCE']);
        check(count() === 3 && /^once-only step runs: forced by XTRIAGE_FORCE=otherpkgs/.test(said()), 'XTRIAGE_FORCE: forced and said so', undefined, {
          said: said(),
          out: b.out,
        });
        check(
          /step=otherpkgs event=end phase=postboot result=ok/.test(b.log.slice(b.log.lastIndexOf('forced by XTRIAGE_FORCE'))),
          'the forced run is a step in node.log',
          undefined,
          b.log.slice(-2000),
        );
        // And the next plain boot skips again.
        mn.lines.length = 0;
        await boot('boot 5', []);
        check(count() === 3 && /once-only step skipped/.test(said()), 'boot 5: skipped again', undefined, mn.lines);
        const log = fs.readFileSync(path.join(dir, 'node.log'), 'latin1');
        check(
          /forced by updatenode/.test(log) && /forced by XTRIAGE_FORCE=otherpkgs/.test(log) && (log.match(/once-only step skipped/g) ?? []).length === 2,
          'node.log keeps every decision',
          undefined,
          log.slice(-3000),
        );
      } finally {
        await mn.close();
      }
    });
  });
});
