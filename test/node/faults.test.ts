// Issue 16, "ways it breaks its caller": each fault, reproduced under bash, dash and busybox sh
// against real sockets, with real read-only, full and inode-starved file systems (tmpfs
// mounted in a user namespace: `unshare -rm`, no root needed) and a real pty for SIGTTIN.
// Every test here failed on the library before the fix it names.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  LIB,
  baseEnv,
  check,
  deadPort,
  eachShell,
  events,
  processesWith,
  run,
  spawnAsync,
  startMn,
  tmpFor,
  unescape,
  until,
  useShells,
  which,
} from '../helpers/node-lib';

jest.setTimeout(90_000);
useShells();

const UNSHARE = which('unshare');
const SCRIPT = which('script');
const canMount = !!UNSHARE && spawnSync(UNSHARE, ['-rm', 'true']).status === 0;

/** A command prefix that mounts a tmpfs (OPTS) on DIR in a private mount namespace, runs SETUP, then the shell. */
function onTmpfs(dir: string, opts: string, setup = ':'): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return [UNSHARE!, '-rm', '/bin/sh', '-c', `mount -t tmpfs -o ${opts} none '${dir}' || exit 99; ${setup}; exec "$@"`, 'sh'];
}

// A silent MN: in a private network namespace, 10.9.9.2 is reached through a veth whose peer
// drops the frames (a static neighbour entry with a MAC nobody has), so a TCP connect gets no
// answer at all, as with a firewall that drops.
const IP = which('ip');
const BLACKHOLE = '10.9.9.2';
const canNet = canMount && !!IP && spawnSync(UNSHARE!, ['-rn', IP, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']).status === 0;
function onBlackhole(): string[] {
  const ip = IP!;
  const setup = [
    `${ip} link set lo up`,
    `${ip} link add v0 type veth peer name v1`,
    `${ip} addr add 10.9.9.1/24 dev v0`,
    `${ip} link set v0 up`,
    `${ip} link set v1 up`,
    `${ip} neigh add ${BLACKHOLE} lladdr 02:00:00:00:00:09 dev v0`,
  ].join(' && ');
  return [UNSHARE!, '-rn', '/bin/sh', '-c', `${setup} || exit 99; exec "$@"`, 'sh'];
}

/** A regular file where a directory is expected: nobody, root included, can create below it. */
function notADir(dir: string): string {
  const f = path.join(dir, 'a-file');
  fs.writeFileSync(f, '');
  return f;
}

describe('the library never breaks its caller', () => {
  test('a log path it cannot write: the calling script goes on, the log falls back and says so', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const dir = tmpFor(`badlog-${sh.name}`);
        const bad = path.join(notADir(dir), 'node.log');
        // Fail-fast and its stop mark with the same unwritable parent.
        const env = { ...baseEnv(sh, dir, mn), XTRIAGE_LOG: bad, XTRIAGE_STOPFILE: path.join(notADir(dir) + 'x', 'stop') };
        fs.writeFileSync(path.join(dir, 'a-filex'), '');
        const r = await run(
          sh,
          'xt_run ok 5 echo fine; echo "rc1=$?"\nxt_run bad 5 false; echo "rc2=$?"\nxt_run later 5 true; echo "rc3=$?"\necho reached-the-end',
          env,
        );
        check(r.code === 0 && r.stdout.includes('reached-the-end'), 'the caller is not exited', r);
        check(
          r.stdout.includes('rc1=0') && r.stdout.includes('rc2=1') && r.stdout.includes('rc3=125'),
          'results right; the stop holds in this shell without its file',
          r,
        );
        const fb = path.join(dir, 'xtriage-node.log');
        const log = fs.existsSync(fb) ? fs.readFileSync(fb, 'latin1') : '';
        check(log.includes(`cannot write ${bad}`) && log.includes('out| fine'), 'the fallback log says so and has the output', r, log.slice(-1500));
        await until(() => events(mn).some((e) => e.event === 'failfast'));
        check(events(mn).filter((e) => e.event === 'failfast').length === 1, 'failfast sent once', r, mn.lines);
      } finally {
        await mn.close();
      }
    });
  });

  test('TMPDIR read-only, TMPDIR full, log and TMPDIR both unusable: steps run, results right, no fail-fast for an echo', async () => {
    if (!canMount) throw new Error('unshare -rm is needed to mount a read-only/full tmpfs');
    await eachShell(async (sh) => {
      for (const [label, opts, setup, logInside] of [
        ['read-only TMPDIR', 'ro,size=64k', ':', false],
        ['full TMPDIR', 'size=16k', 'head -c 1048576 /dev/zero >"$T/fill" 2>/dev/null; :', false],
        ['log dir and TMPDIR on a full fs', 'size=16k', 'mkdir -p "$T/log"; head -c 1048576 /dev/zero >"$T/fill" 2>/dev/null; :', true],
      ] as const) {
        const mn = await startMn();
        try {
          const dir = tmpFor(`tmpfs-${sh.name}`);
          const t = path.join(dir, 'tmp');
          const env = { ...baseEnv(sh, dir, mn), TMPDIR: t, T: t, ...(logInside ? { XTRIAGE_LOG: path.join(t, 'log', 'node.log') } : {}) };
          const r = await run(
            sh,
            'xt_run say-hello 5 echo hello; echo "rc=$?"\nxt_run fails 5 sh -c "echo why >&2; exit 3"; echo "rc2=$?"\necho end',
            env,
            25_000,
            onTmpfs(t, opts, setup),
            dir,
          );
          check(r.code === 0 && r.stdout.includes('end'), `${label}: the caller goes on`, r);
          check(
            /^hello$/m.test(r.stdout) && r.stdout.includes('rc=0') && r.stdout.includes('rc2=3'),
            `${label}: the echo ran and passed; the failure keeps its status`,
            r,
          );
          await until(() => events(mn).filter((e) => e.event === 'end').length >= 2);
          const ends = events(mn).filter((e) => e.event === 'end');
          check(
            ends[0]?.result === 'ok' && ends[1]?.result === 'failed' && unescape(ends[1]!.err ?? '') === 'why',
            `${label}: end lines, with the reason`,
            r,
            mn.lines,
          );
          check(
            events(mn).filter((e) => e.event === 'failfast').length === 1 && events(mn).find((e) => e.event === 'failfast')!.step === 'fails',
            `${label}: one fail-fast, for the real failure`,
            r,
            mn.lines,
          );
        } finally {
          await mn.close();
        }
      }
    });
  });

  test('nothing writable at all (log dir, TMPDIR, /tmp, /dev/shm, /run read-only): log to stderr, output to the caller, lines and xcatd still reach the MN', async () => {
    if (!canMount) throw new Error('unshare -rm is needed to mount read-only file systems');
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const dir = tmpFor(`nowrite-${sh.name}`);
        const ro = path.join(dir, 'ro');
        fs.mkdirSync(ro);
        // busybox's applet directory is under /tmp too: it is bound onto /mnt first.
        const env = { ...baseEnv(sh, dir, mn), TMPDIR: ro, XTRIAGE_LOG: path.join(ro, 'node.log'), ...(sh.name === 'busybox' ? { BBDIR: sh.path } : {}) };
        // The script and the library are read before /tmp (where they may live: the tests' files,
        // a checkout under /tmp) is covered; the shell gets both with -c, the library inlined in
        // place of the script's first line, which sources it.
        const mount = which('mount')!;
        const mounts = [ro, '/tmp', '/dev/shm', '/run'].map((m) => `${mount} -t tmpfs -o ro,size=16k none '${m}'`).join(' && ');
        const bind = `if [ -n "$BBDIR" ]; then ${mount} --bind "$BBDIR" /mnt || exit 97; PATH=/mnt; export PATH; fi`;
        const wrap = [
          UNSHARE!,
          '-rm',
          '/bin/sh',
          '-c',
          `f=$(eval echo "\\\${$#}"); s=$(cat '${LIB}'; echo; sed 1d "$f") || exit 98; ${bind}; ${mounts} || exit 99; n=$(($# - 1)); i=0; for a; do i=$((i+1)); [ $i -le $n ] && set -- "$@" "$a"; done; shift $n; shift; exec "$@" -c "$s"`,
          'sh',
        ];
        const r = await run(
          sh,
          'xt_run say 5 echo said-it; echo "rc=$?"\nxt_run bad 5 sh -c "echo broke >&2; exit 6"; echo "rc2=$?"\nxt_run later 5 true; echo "rc3=$?"\necho end',
          env,
          30_000,
          wrap,
          dir,
        );
        check(
          r.code === 0 &&
            /^said-it$/m.test(r.stdout) &&
            r.stdout.includes('rc=0') &&
            r.stdout.includes('rc2=6') &&
            r.stdout.includes('rc3=125') &&
            r.stdout.includes('end'),
          'the caller goes on, results right, the output reaches it',
          r,
        );
        check(r.stderr.includes('logging here instead') && r.stderr.includes('no writable directory'), 'the log is on stderr and says why', r);
        await until(() => events(mn).some((e) => e.event === 'failfast'));
        const ends = events(mn).filter((e) => e.event === 'end');
        check(
          ends[0]?.result === 'ok' && ends[1]?.result === 'failed' && /output not kept/.test(ends[1]?.err ?? ''),
          'end lines reach the MN, err says the output was not kept',
          r,
          mn.lines,
        );
        check(JSON.stringify(mn.xcatd) === '["installstatus failed"]', 'xcatd told without a file for its answer', r, mn.xcatd);
      } finally {
        await mn.close();
      }
    });
  });

  test('a step that exhausts TMPDIR inodes and then hangs is still killed and reported hung', async () => {
    if (!canMount) throw new Error('unshare -rm is needed to mount an inode-starved tmpfs');
    await eachShell(async (sh, i) => {
      const mn = await startMn();
      const needle = `sleep 9761${i}`;
      try {
        const dir = tmpFor(`inodes-${sh.name}`);
        const t = path.join(dir, 'tmp');
        const env = { ...baseEnv(sh, dir, mn), TMPDIR: t, XTRIAGE_FAILFAST: '0' };
        const hog = `sh -c 'i=0; while touch "$TMPDIR/f$i" 2>/dev/null; do i=$((i+1)); done; echo "made $i files"; ${needle}'`;
        const r = await run(sh, `xt_run hog 2 ${hog}; echo "rc=$?"\necho end`, env, 20_000, onTmpfs(t, 'size=1m,nr_inodes=64'), dir);
        check(!r.hung && r.stdout.includes('rc=124') && r.stdout.includes('end'), 'killed at its timeout: rc 124', r);
        check(processesWith(needle).length === 0, 'nothing left running', r, processesWith(needle));
        await until(() => events(mn).some((e) => e.event === 'end'));
        check(events(mn).find((e) => e.event === 'end')?.result === 'hung', 'reported hung', r, mn.lines);
      } finally {
        for (const p of processesWith(needle)) process.kill(p, 'SIGKILL');
        await mn.close();
      }
    });
  });

  test("the caller's IFS=, and set -f: lines still reach the MN, a hung function step's children are killed, steps see the caller's IFS", async () => {
    await eachShell(async (sh, i) => {
      const mn = await startMn();
      const needle = `sleep 9762${i}`;
      try {
        const dir = tmpFor(`ifs-${sh.name}`);
        const script = [
          'IFS=,',
          'set -f',
          'XTRIAGE_FAILFAST=0',
          'split() { s=a,b,c; set -- $s; echo "n=$#"; }',
          'xt_run split 5 split; echo "rc=$?"',
          `hangfn() { ${needle}; }`,
          'xt_run hangfn 1 hangfn; echo "rc2=$?"',
          'xt_log info "with IFS=,"',
          'echo "ifs=[$IFS]"; case $- in *f*) echo still-noglob ;; esac',
        ].join('\n');
        const r = await run(sh, script, baseEnv(sh, dir, mn));
        await until(() => mn.lines.length >= 5);
        check(r.stdout.includes('n=3') && r.stdout.includes('rc=0'), "the step sees the caller's IFS", r);
        check(
          r.stdout.includes('rc2=124') && processesWith(needle).length === 0,
          'the hung function step is killed with its children',
          r,
          processesWith(needle),
        );
        check(r.stdout.includes('ifs=[,]') && r.stdout.includes('still-noglob'), "the caller's IFS and -f are left as they were", r);
        check(mn.lines.length === 5 && events(mn).some((e) => e.msg === 'with IFS=,'), 'every line reached the MN', r, mn.lines);
      } finally {
        for (const p of processesWith(needle)) process.kill(p, 'SIGKILL');
        await mn.close();
      }
    });
  });

  test('set -C (noclobber) in the caller: steps, sends and fail-fast still work', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const dir = tmpFor(`noclobber-${sh.name}`);
        const r = await run(
          sh,
          'set -C\nxt_run a 5 echo one; echo "rc=$?"\nxt_run b 5 echo two; echo "rc2=$?"\nxt_run c 5 false; echo "rc3=$?"\nxt_run d 5 true; echo "rc4=$?"',
          baseEnv(sh, dir, mn),
        );
        check(
          ['rc=0', 'rc2=0', 'rc3=1', 'rc4=125'].every((s) => r.stdout.includes(s)),
          'results right',
          r,
        );
        await until(() => mn.xcatd.length >= 1);
        check(JSON.stringify(mn.xcatd) === '["installstatus failed"]', 'xcatd told', r, mn.xcatd);
      } finally {
        await mn.close();
      }
    });
  });

  test('a step reading /dev/tty while the script is in a background process group (SIGTTIN) does not stop the script', async () => {
    if (!SCRIPT) throw new Error('script(1) (util-linux) is needed for a pty');
    await eachShell(async (sh) => {
      const dir = tmpFor(`tty-${sh.name}`);
      const out = path.join(dir, 'out');
      const script = [
        'XTRIAGE_FAILFAST=0',
        `asktty() { echo "asking"; read -r answer </dev/tty || return 5; echo "answer=$answer"; }`,
        `xt_run asktty 4 asktty; echo "rc=$?" >>'${out}'`,
        `xt_run after 4 true; echo "rc2=$?" >>'${out}'`,
      ].join('\n');
      const file = path.join(dir, 'tty.sh');
      fs.writeFileSync(file, `. '${LIB}'\n${script}\n`);
      // bash with job control puts the script in a background process group of the pty.
      const inner = `set -m; ${sh.argv.join(' ')} ${file} & wait $!; echo waited`;
      const x = await spawnAsync([SCRIPT, '-qec', `${which('bash')} -c '${inner}'`, '/dev/null'], baseEnv(sh, dir, null), dir, 15_000);
      const got = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
      check(got.includes('rc=5') && got.includes('rc2=0'), 'the tty read failed instead of stopping the script, which went on', undefined, { got, x });
      check(x.ms < 12_000, `finished in ${x.ms} ms`, undefined, x);
    });
  });
});

describe('fail-fast: one decision per install or boot', () => {
  /** xCAT's stock run_ps: each postscript is its own process; the parent does not use the library. */
  function stockMypostscript(dir: string, shArgv: string[], scripts: string[]): string {
    const f = path.join(dir, 'mypostscript');
    const runps = scripts.map((s) => `${shArgv.join(' ')} ./${s}; echo "${s} return with $?"`).join('\n');
    fs.writeFileSync(f, `cd '${dir}'\n${runps}\n`);
    return f;
  }

  test("under xCAT's run_ps the next postscript sees the stop mark; updatenode never marks the node failed", async () => {
    await eachShell(async (sh) => {
      for (const updatenode of [false, true]) {
        const mn = await startMn();
        try {
          const dir = tmpFor(`runps-${sh.name}`);
          fs.writeFileSync(path.join(dir, 'ps1'), `. '${LIB}'\nxt_run ps1-step 5 sh -c 'echo broken >&2; exit 4' || exit $?\n`);
          fs.writeFileSync(path.join(dir, 'ps2'), `. '${LIB}'\nxt_run ps2-step 5 touch ps2-ran || exit $?\n`);
          const f = stockMypostscript(dir, sh.argv, ['ps1', 'ps2']);
          const env = { ...baseEnv(sh, dir, mn), ...(updatenode ? { UPDATENODE: '1' } : {}) };
          const x = await run(sh, `. '${f}'`, env);
          await until(() => events(mn).some((e) => e.event === 'failfast'));
          const ev = events(mn);
          const label = updatenode ? 'updatenode' : 'install/boot';
          check(x.stdout.includes('ps1 return with 4') && x.stdout.includes('ps2 return with 125'), `${label}: ps2 stopped by ps1's fail-fast`, x);
          check(!fs.existsSync(path.join(dir, 'ps2-ran')), `${label}: ps2's step did not run`, x);
          check(ev.filter((e) => e.event === 'failfast').length === 1, `${label}: one failfast line`, x, mn.lines);
          if (updatenode) {
            check(
              mn.xcatd.length === 0 && ev.find((e) => e.event === 'failfast')!.xcatd === 'off',
              'updatenode: xcatd not told installstatus failed (xcatd=off)',
              x,
              [mn.xcatd, mn.lines],
            );
            check(x.log.includes('updatenode'), 'updatenode: the local log says why', x);
          } else {
            check(JSON.stringify(mn.xcatd) === '["installstatus failed"]', 'install: xcatd told once', x, mn.xcatd);
          }
        } finally {
          await mn.close();
        }
      }
    });
  });
});

describe('minor faults', () => {
  test('no process is left behind by the watchdog over 200 fast steps', async () => {
    await eachShell(async (sh, i) => {
      const dir = tmpFor(`orphans-${sh.name}`);
      const t = 9764 + i;
      const r = await run(
        sh,
        `n=0; while [ $n -lt 200 ]; do xt_run s$n ${t} true || echo "bad $n"; n=$((n+1)); done; echo done`,
        { ...baseEnv(sh, dir, null), XTRIAGE_ECHO: '0' },
        80_000,
      );
      // A watchdog ends at most a second after its step (it polls); then nothing of the script
      // may remain: no watchdog (a fork of the script's shell) and no sleep of its timeout.
      await new Promise((res) => setTimeout(res, 1500));
      const left = [...processesWith(`sleep ${t}`), ...processesWith(`${dir}/script-`)];
      for (const p of left) process.kill(p, 'SIGKILL');
      check(r.stdout.includes('done') && !r.stdout.includes('bad'), '200 steps ran', r);
      check(left.length === 0, `${left.length} processes left behind`, r, left);
    });
  });

  test('an MN that silently drops packets: back-off, not the network timeout on every line', async () => {
    if (!canNet) throw new Error('unshare -rn and ip (veth) are needed for an MN that drops packets');
    await eachShell(async (sh) => {
      const dir = tmpFor(`drop-${sh.name}`);
      const env = {
        ...baseEnv(sh, dir, null),
        MASTER_IP: BLACKHOLE,
        XTRIAGE_PORT: '514',
        XTRIAGE_IPORT: '3002',
        XTRIAGE_NET_TIMEOUT: '2',
        XTRIAGE_VIA: 'nc-tcp',
      };
      const script = 'i=0; while [ $i -lt 8 ]; do xt_log info "line $i"; i=$((i+1)); done; echo done';
      const r = await run(sh, script, env, 60_000, onBlackhole(), dir);
      check(r.stdout.includes('done'), 'ran', r);
      check(r.ms < 6_000, `8 lines took ${r.ms} ms (a 2 s connect timeout each without back-off)`, r);
      check(r.log.includes('msg="line 7"') && r.log.includes('backing off'), 'every line is in the local log, and the back-off is noted', r);
    });
  });

  test('a refused xcatd port costs seconds, not a network timeout per try', async () => {
    await eachShell(async (sh) => {
      const dir = tmpFor(`refused-${sh.name}`);
      const env = { ...baseEnv(sh, dir, null), MASTER_IP: '127.0.0.1', XTRIAGE_PORT: String(await deadPort()), XTRIAGE_IPORT: String(await deadPort()) };
      delete (env as Record<string, string>).XTRIAGE_NET_TIMEOUT;
      delete (env as Record<string, string>).XTRIAGE_XCATD_TRIES;
      const r = await run(sh, 'xt_run bad 5 false; echo "rc=$?"', env, 40_000);
      check(r.stdout.includes('rc=1'), 'rc 1', r);
      check(r.ms < 4_500, `took ${r.ms} ms (2 tries, 2 s apart)`, r);
      check(r.log.includes('xcatd=error'), 'xcatd=error', r);
    });
  });

  test("NUL bytes in a failing step's stderr are escaped, not dropped", async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const dir = tmpFor(`nul-${sh.name}`);
        const r = await run(sh, 'XTRIAGE_FAILFAST=0 xt_run nul 5 sh -c "printf \'a\\\\000b\\\\n\' >&2; exit 1"', baseEnv(sh, dir, mn));
        await until(() => events(mn).some((e) => e.event === 'end'));
        const end = events(mn).find((e) => e.event === 'end');
        check(end?.err === 'a\\x00b', 'err keeps the NUL as \\x00', r, mn.lines);
      } finally {
        await mn.close();
      }
    });
  });
});

describe('output while it runs (issue 16 point 3)', () => {
  test('a step cut short (kill -9, as a reboot) leaves its last lines on disk; the next xt_init puts them in the log', async () => {
    await eachShell(async (sh, i) => {
      const dir = tmpFor(`stream-${sh.name}`);
      const needle = `sleep 9771${i}`;
      const env = { ...baseEnv(sh, dir, null), XTRIAGE_LOG: path.join(dir, 'log', 'node.log') };
      try {
        // The script is SIGKILLed (with its process group) 3 s in, while the step still runs.
        const r = await run(sh, `xt_run slow 60 sh -c 'echo first-line; echo to-stderr >&2; ${needle}'`, env, 3_000);
        check(r.hung, 'the script was killed mid-step', r);
        const logdir = path.join(dir, 'log');
        const kept = fs
          .readdirSync(logdir)
          .filter((d) => d.startsWith('xtriage.'))
          .flatMap((d) => fs.readdirSync(path.join(logdir, d)).map((f) => path.join(logdir, d, f)));
        const text = kept.map((f) => `${path.basename(f)}: ${fs.readFileSync(f, 'utf8')}`).join('');
        check(/1-slow\.out: first-line\n/.test(text) && /1-slow\.err: to-stderr\n/.test(text), 'the output is on disk next to the log as written', r, text);
        for (const p of processesWith(needle)) process.kill(p, 'SIGKILL');
        const again = await run(sh, 'xt_init', env);
        check(
          again.log.includes('step=slow did not end') && again.log.includes('  out| first-line') && again.log.includes('  err| to-stderr'),
          'the next run puts it into node.log',
          again,
        );
        check(
          fs.readdirSync(logdir).every((d) => !d.startsWith('xtriage.')),
          'and removes the leftovers',
          again,
          fs.readdirSync(logdir),
        );
      } finally {
        for (const p of processesWith(needle)) process.kill(p, 'SIGKILL');
      }
    });
  });
});
