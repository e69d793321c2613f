// node/xtriage.sh and node/kickstart-post.sh, run for real under bash, dash and busybox sh
// against real sockets on loopback: a UDP (and TCP) syslog listener standing in for the MN
// and a TCP listener speaking xcatd's install-monitor protocol (port 3002: `ready`, one
// command line, `done`). Every scenario runs the three shells at once, each with its own
// temp dir and listeners. No root needed: every path is overridable.

import { loadKnowledgeBase } from '../../src/patterns/load';
import { checkExamples } from '../../src/patterns/examples';
import { Matcher } from '../../src/patterns/match';
import { LineReader } from '../../src/records/line-reader';
import { Engine } from '../../src/engine/engine';
import { diagnose } from '../../src/diagnose/diagnose';

import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  KS,
  LIB,
  PATTERNS,
  ROOT,
  baseEnv,
  baseSite,
  check,
  deadPort,
  eachShell,
  events,
  fieldsOf,
  msgOf,
  mypostscript,
  processesWith,
  kickstartIncludes,
  kickstartVariables,
  renderLikeXcat,
  run,
  runKickstart,
  shells,
  spawnAsync,
  startHttp,
  startMn,
  tmpFor,
  unescape,
  until,
  useShells,
  which,
} from '../helpers/node-lib';

jest.setTimeout(40_000);
useShells();
// ---------------------------------------------------------------------------------------

describe('node/xtriage.sh under bash, dash and busybox sh', () => {
  test('a passing step: start and end lines, output in the local log', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const dir = tmpFor(`ok-${sh.name}`);
        const r = await run(sh, `xt_run hello 10 sh -c 'echo visible-out; echo visible-err >&2'; echo "rc=$?"`, baseEnv(sh, dir, mn));
        await until(() => mn.lines.length >= 2);
        check(r.code === 0 && r.stdout.includes('rc=0'), 'script should end with rc=0', r);
        check(r.stdout.includes('visible-out') && r.stderr.includes('visible-err'), 'step output is echoed to the caller', r);
        const ev = events(mn);
        check(ev.length === 2, 'exactly two lines reach the MN', r, mn.lines);
        check(ev[0]!.step === 'hello' && ev[0]!.event === 'start' && ev[0]!.timeout === '10', 'start line', r, ev);
        const end = ev[1]!;
        check(end.event === 'end' && end.result === 'ok' && end.rc === '0' && /^\d+\.\d\ds$/.test(end.dur!) && !('err' in end), 'end line', r, ev);
        check(/^step=hello event=end phase=postboot result=ok rc=0 dur=\d+\.\d\ds timeout=10$/.test(msgOf(mn.lines[1]!)), 'exact end format', r, mn.lines);
        for (const l of mn.lines) check(/^<166>/.test(l.text) && / xtriage /.test(l.text), 'local4.info, tag xtriage', r, l);
        check(
          mn.lines.every((l) => l.via === (sh.name === 'busybox' ? 'tcp' : 'udp')),
          'UDP via logger (busybox: TCP, its nc has no UDP)',
          r,
          mn.lines,
        );
        check(r.log.includes('out| visible-out') && r.log.includes('err| visible-err'), 'local log has the output', r);
        check(r.log.includes('step=hello event=end phase=postboot result=ok'), 'local log has the end line', r);
        check(mn.xcatd.length === 0, 'xcatd is not contacted for a passing step', r, mn.xcatd);
      } finally {
        await mn.close();
      }
    });
  });

  test('a failing step: its stderr arrives escaped, it is the root cause; fail-fast off lets the script go on', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const dir = tmpFor(`fail-${sh.name}`);
        const script = [
          `check_disk() { echo 'probing disks'; echo 'E: disk "sdz" not found' >&2; printf 'back\\\\slash\\tTAB\\n' >&2; return 3; }`,
          'XTRIAGE_FAILFAST=0',
          'xt_run check-disk 10 check_disk; echo "rc=$?"',
          'xt_run after 10 true; echo "rc2=$?"',
        ].join('\n');
        const r = await run(sh, script, baseEnv(sh, dir, mn));
        await until(() => mn.lines.length >= 4);
        check(r.stdout.includes('rc=3') && r.stdout.includes('rc2=0'), 'rc 3, and the next step still runs', r);
        const end = mn.lines.map(msgOf).find((m) => m.includes('event=end') && m.includes('check-disk'));
        check(
          end ===
            'step=check-disk event=end phase=postboot result=failed rc=3 dur=' +
              fieldsOf(end ?? '').dur +
              ' timeout=10 err="E: disk \\"sdz\\" not found\\nback\\\\slash\\tTAB"',
          'failed end line with escaped stderr',
          r,
          mn.lines,
        );
        const raw = mn.lines.find((l) => l.text.includes('step=check-disk event=end'))!;
        check(raw.text.startsWith('<163>'), 'failed step is local4.err', r, raw);
        check(mn.xcatd.length === 0 && !mn.lines.some((l) => l.text.includes('event=failfast')), 'no fail-fast with XTRIAGE_FAILFAST=0', r, mn.xcatd);

        // The datagram as received is the root cause of the node's session, with its stderr.
        const kb = loadKnowledgeBase({ paths: [PATTERNS] });
        const engine = new Engine(kb, diagnose);
        const reader = new LineReader('remote', 'remote', Date.now());
        const t0 = Date.now();
        mn.lines.forEach((l, i) => {
          const rec = reader.read(l.text, t0 + i * 10, '10.0.0.11');
          if (rec) engine.feed(rec);
        });
        const doc = engine.snapshot(t0 + 1000);
        const session = doc.sessions.find((s) => s.ips.includes('10.0.0.11'));
        check(!!session, 'a session for the node', r, doc);
        check(session!.rootCause?.pattern === 'xtriage.step-failed', 'root cause is the failed step', r, session);
        check(session!.rootCause!.title === 'Step check-disk failed with exit code 3', 'title names step and rc', r, session!.rootCause);
        check(session!.rootCause!.evidence[0]!.line.includes('err="E: disk \\"sdz\\" not found'), 'its stderr is the evidence', r, session!.rootCause);
      } finally {
        await mn.close();
      }
    });
  });

  test('a step that would hang is killed at its timeout, reported hung, and fails fast', async () => {
    await eachShell(async (sh, i) => {
      const mn = await startMn();
      const needle = `sleep 9710${i}`;
      try {
        const dir = tmpFor(`hang-${sh.name}`);
        const script = [`xt_run stuck 1 ${needle}; echo "rc=$?"`, 'xt_run never 10 touch ran-anyway; echo "rc2=$?"', 'xt_stopped && echo stopped'].join('\n');
        const r = await run(sh, script, baseEnv(sh, dir, mn));
        await until(() => mn.lines.length >= 3);
        check(r.ms < 8000, `finished in ${r.ms} ms (timeout 1 s + kill grace 1 s)`, r);
        check(r.stdout.includes('rc=124') && r.stdout.includes('rc2=125') && r.stdout.includes('stopped'), 'rc 124, then later steps are not run (125)', r);
        check(!fs.existsSync(path.join(dir, 'ran-anyway')), 'the step after a fail-fast did not run', r);
        check(processesWith(needle).length === 0, 'the hung process is gone', r, processesWith(needle));
        const ev = events(mn);
        const end = ev.find((e) => e.event === 'end')!;
        check(end.step === 'stuck' && end.result === 'hung' && end.rc === '124' && end.timeout === '1' && parseFloat(end.dur!) >= 1, 'hung end line', r, ev);
        const ff = ev.find((e) => e.event === 'failfast');
        check(!!ff && ff.step === 'stuck' && ff.rc === '124' && ff.xcatd === 'ok', 'failfast line after xcatd answered', r, ev);
        check(JSON.stringify(mn.xcatd) === JSON.stringify(['installstatus failed']), 'xcatd receives exactly `installstatus failed`', r, mn.xcatd);
        check(!ev.some((e) => e.step === 'never'), 'nothing sent for the skipped step', r, ev);
        check(r.log.includes('step=never not run'), 'the skip is in the local log', r);
      } finally {
        await mn.close();
      }
    });
  });

  test('a hung step that ignores SIGTERM (program or shell function) gets SIGKILL; without fail-fast the script goes on', async () => {
    await eachShell(async (sh, i) => {
      const mn = await startMn();
      const n1 = `sleep 9720${i}`;
      const n2 = `sleep 9730${i}`;
      try {
        const dir = tmpFor(`kill-${sh.name}`);
        const script = [
          'XTRIAGE_FAILFAST=0',
          `xt_run stubborn 1 sh -c 'trap "" TERM; echo waiting for the repo; ${n1}'; echo "rc=$?"`,
          `hangfn() { echo in-function; ${n2}; }`,
          'xt_run fnhang 1 hangfn; echo "rc2=$?"',
          'xt_run after 10 true; echo "rc3=$?"',
        ].join('\n');
        const r = await run(sh, script, baseEnv(sh, dir, mn));
        await until(() => mn.lines.length >= 6);
        check(r.stdout.includes('rc=124') && r.stdout.includes('rc2=124') && r.stdout.includes('rc3=0'), 'both hung, the script goes on', r);
        check(processesWith(n1).length === 0 && processesWith(n2).length === 0, 'no step process left', r, [processesWith(n1), processesWith(n2)]);
        const ev = events(mn);
        const stub = ev.find((e) => e.step === 'stubborn' && e.event === 'end')!;
        check(stub.result === 'hung' && unescape(stub.err!) === 'waiting for the repo', 'err has what it printed before it was killed', r, ev);
        check(ev.find((e) => e.step === 'fnhang' && e.event === 'end')?.result === 'hung', 'a function step is killed too', r, ev);
        check(mn.xcatd.length === 0 && !ev.some((e) => e.event === 'failfast'), 'no fail-fast', r, ev);
        check(r.ms < 12_000, `finished in ${r.ms} ms`, r);
      } finally {
        await mn.close();
      }
    });
  });

  test('quotes, newlines, ESC and 100 KB of output: the datagram stays under the cap, the local log keeps all', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const dir = tmpFor(`big-${sh.name}`);
        const script = [
          'noisy() {',
          '  i=0; while [ $i -lt 2000 ]; do echo "line $i: fifty-odd characters of ordinary output text"; i=$((i+1)); done',
          "  head -c 100000 /dev/zero | tr '\\000' x >&2",
          '  printf \'\\nshe said "hi" \\\\ back\\n\\033[31mred\\033[0m\\tend\\n\' >&2',
          '  return 1',
          '}',
          'XTRIAGE_FAILFAST=0 xt_run noisy 20 noisy; echo "rc=$?"',
          "bell=$(printf '\\007')",
          String.raw`xt_log err "multi-line
message with \"quotes\" and \\ and a bell $bell"`,
        ].join('\n');
        const r = await run(sh, script, baseEnv(sh, dir, mn));
        await until(() => mn.lines.length >= 3);
        check(r.stdout.includes('rc=1'), 'rc 1', r);
        for (const l of mn.lines) {
          check(l.bytes <= 1024, `datagram of ${l.bytes} bytes is over 1024`, r, l.text.slice(0, 200));
          check(Buffer.byteLength(msgOf(l), 'latin1') <= 800, 'message within XTRIAGE_MAXMSG (800)', r, msgOf(l).length);
          check(!/[\x00-\x1f\x7f-\xff]/.test(msgOf(l)), 'message is printable ASCII', r, msgOf(l));
        }
        const end = events(mn).find((e) => e.step === 'noisy' && e.event === 'end')!;
        check(end.err!.startsWith('...'), 'err was cut at its beginning', r, end);
        const wanted = `${'x'.repeat(100000)}\nshe said "hi" \\ back\n\x1b[31mred\x1b[0m\tend`;
        const got = unescape(end.err!.slice(3));
        check(got.length > 500 && wanted.endsWith(got), 'err unescapes to the end of stderr', r, got.slice(-120));
        check(end.err!.endsWith('she said \\"hi\\" \\\\ back\\n\\x1b[31mred\\x1b[0m\\tend'), 'exact escapes', r, end.err!.slice(-80));
        const logline = events(mn).find((e) => e.event === 'log')!;
        check(logline.msg === 'multi-line\\nmessage with \\"quotes\\" and \\\\ and a bell \\x07', 'xt_log message escaped', r, logline);
        check(unescape(logline.msg!) === 'multi-line\nmessage with "quotes" and \\ and a bell \x07', 'xt_log message unescapes', r, logline);
        check(r.log.includes(`  err| ${'x'.repeat(100000)}\n`), 'the local log has the 100 KB line whole', r);
        check(r.log.includes('  out| line 0: ') && r.log.includes('  out| line 1999: fifty-odd'), 'the local log has every stdout line', r);
        check(r.log.includes('err| \x1b[31mred\x1b[0m\tend'), 'the local log keeps the raw bytes', r);
      } finally {
        await mn.close();
      }
    });
  });

  test('MN unreachable (closed ports, then an address that does not answer): nothing hangs, the local log has everything', async () => {
    await eachShell(async (sh) => {
      const closed = await deadPort();
      const iclosed = await deadPort();
      for (const [label, env] of [
        ['closed ports', { MASTER_IP: '127.0.0.1', XTRIAGE_PORT: String(closed), XTRIAGE_IPORT: String(iclosed) }],
        ['no answer', { MASTER_IP: '192.0.2.1', XTRIAGE_PORT: '514', XTRIAGE_IPORT: '3002', XTRIAGE_NET_TIMEOUT: '1' }],
      ] as const) {
        const dir = tmpFor(`down-${sh.name}`);
        const script = ['xt_run will-fail 5 sh -c "echo reason-on-stderr >&2; exit 7"; echo "rc=$?"', 'xt_log info still-here'].join('\n');
        const r = await run(sh, script, { ...baseEnv(sh, dir, null), ...env }, 20_000);
        check(!r.hung && r.ms < 12_000, `${label}: finished in ${r.ms} ms`, r);
        check(r.stdout.includes('rc=7'), `${label}: rc 7`, r);
        for (const want of [
          'step=will-fail event=start',
          'step=will-fail event=end phase=postboot result=failed rc=7',
          'err="reason-on-stderr"',
          'err| reason-on-stderr',
          'step=will-fail event=failfast phase=postboot rc=7 xcatd=error',
          'installstatus failed',
          'msg="still-here"',
        ]) {
          check(r.log.includes(want), `${label}: local log has ${want}`, r);
        }
      }
    });
  });

  test('no logger on the PATH: the fallbacks deliver the line (bash /dev/udp, nc -u, busybox nc over TCP)', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const dir = tmpFor(`nolog-${sh.name}`);
        const env = { ...baseEnv(sh, dir, mn), PATH: sh.pathNoLogger };
        const r = await run(sh, 'command -v logger || echo no-logger\nxt_run fallback 10 true\nxt_log notice "sent without logger"', env);
        await until(() => mn.lines.length >= 3);
        check(r.stdout.includes('no-logger'), 'logger is hidden', r);
        const via = { bash: 'devudp', dash: 'nc-udp', busybox: 'nc-tcp' }[sh.name]!;
        check(new RegExp(`via=${via}\\b`).test(r.log), `first transport is ${via}`, r);
        check(mn.lines.length === 3, 'all three lines arrived', r, mn.lines);
        for (const l of mn.lines) {
          check(l.via === (via === 'nc-tcp' ? 'tcp' : 'udp'), `over ${via}`, r, l);
          check(/^<16[56]>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \S+ xtriage - - - step=/.test(l.text), 'RFC 5424 datagram of the fallback', r, l.text);
        }
        check(
          mn.lines.some((l) => l.text.startsWith('<165>') && l.text.endsWith('msg="sent without logger"')),
          'xt_log notice as local4.notice',
          r,
          mn.lines,
        );
        check(!r.log.includes('could not send'), 'no send failure noted', r);
      } finally {
        await mn.close();
      }
    });
  });

  test('finding the MN: by IP from xcatinfo or the kernel command line, never by name', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const probe = 'xt_log info probe';
        const noMaster = (dir: string): Record<string, string> => {
          const e = baseEnv(sh, dir, mn);
          delete e.MASTER_IP;
          return e;
        };
        // Only a name: nothing is sent, the local log says why.
        let dir = tmpFor(`name-${sh.name}`);
        let r = await run(sh, probe, { ...noMaster(dir), MASTER: 'mn01', XCATMASTER: 'mn01.cluster' });
        await new Promise((res) => setTimeout(res, 200));
        check(mn.lines.length === 0, 'nothing sent when the MN is known only by name', r, mn.lines);
        check(
          r.log.includes("known only by the name 'mn01.cluster' (from XCATMASTER)") && r.log.includes('msg="probe"'),
          'the local log says so and keeps the line',
          r,
        );
        // xcatinfo (XCATSERVER may carry a port).
        dir = tmpFor(`info-${sh.name}`);
        fs.writeFileSync(path.join(dir, 'xcatinfo'), 'INSTALLDIR=/install\nXCATSERVER=127.0.0.1:3001\n');
        r = await run(sh, probe, { ...noMaster(dir), MASTER: 'mn01', XTRIAGE_XCATINFO: path.join(dir, 'xcatinfo') });
        await until(() => mn.lines.length >= 1);
        check(mn.lines.length === 1 && r.log.includes('mn=127.0.0.1 (from '), 'from xcatinfo', r, mn.lines);
        // Kernel command line (diskless: XCAT=ip:port).
        dir = tmpFor(`cmdline-${sh.name}`);
        fs.writeFileSync(path.join(dir, 'cmdline'), 'imgurl=http://127.0.0.1//install/rootimg.cpio.gz XCAT=127.0.0.1:3001 NODE=cn01 FC=0\n');
        r = await run(sh, probe, noMaster(dir));
        await until(() => mn.lines.length >= 2);
        check(mn.lines.length === 2 && r.log.includes('(from kernel XCAT=)'), 'from the kernel command line', r, mn.lines);
      } finally {
        await mn.close();
      }
    });
  });

  test('in %post (target root), the log goes into the installed system and the phase is post', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const dir = tmpFor(`root-${sh.name}`);
        const sysimage = path.join(dir, 'sysimage');
        fs.mkdirSync(path.join(sysimage, 'etc'), { recursive: true });
        const env = baseEnv(sh, dir, mn);
        delete env.XTRIAGE_LOG;
        const r = await run(sh, 'xt_run in-post 5 echo hi', { ...env, XTRIAGE_ROOT: sysimage });
        await until(() => mn.lines.length >= 2);
        const log = path.join(sysimage, 'var/log/xtriage/node.log');
        check(fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('out| hi'), 'log under the target root', r);
        check(msgOf(mn.lines[0]!) === 'step=in-post event=start phase=post timeout=5', 'phase post', r, mn.lines);
      } finally {
        await mn.close();
      }
    });
  });

  test('works under set -eu; a child script sharing the chain fails fast only once', async () => {
    await eachShell(async (sh, i) => {
      const mn = await startMn();
      try {
        const dir = tmpFor(`nested-${sh.name}`);
        fs.writeFileSync(path.join(dir, 'child.sh'), `. '${LIB}'\nxt_run child-step 5 sh -c 'echo child-broke >&2; exit 4' || exit $?\necho not-reached\n`);
        const script = [
          'set -eu',
          'xt_init',
          'xt_log info "strict mode"',
          'XTRIAGE_FAILFAST=0',
          `xt_run slow 1 sleep 9740${i} || echo "slow rc=$?"`,
          'XTRIAGE_FAILFAST=1',
          'xt_run outer 10 sh ./child.sh || echo "outer rc=$?"',
          'xt_run later 5 true || echo "later rc=$?"',
          'echo end-of-script',
        ].join('\n');
        const r = await run(sh, script, baseEnv(sh, dir, mn));
        await until(() => mn.lines.length >= 8);
        check(r.code === 0 && r.stdout.includes('end-of-script'), 'set -eu script runs to its end', r);
        check(r.stdout.includes('slow rc=124') && processesWith(`sleep 9740${i}`).length === 0, 'a hung step is killed under set -e too', r);
        check(
          r.stdout.includes('outer rc=4') && r.stdout.includes('later rc=125') && !r.stdout.includes('not-reached'),
          'child and outer fail, later is skipped',
          r,
        );
        const ev = events(mn);
        check(ev.filter((e) => e.event === 'failfast').length === 1, 'one failfast line', r, ev);
        check(ev.find((e) => e.event === 'failfast')!.step === 'child-step', 'named after the step that failed first', r, ev);
        check(JSON.stringify(mn.xcatd) === JSON.stringify(['installstatus failed']), 'xcatd told once', r, mn.xcatd);
        check(ev.find((e) => e.step === 'outer' && e.event === 'end')?.result === 'failed', 'outer step failed too', r, ev);
      } finally {
        await mn.close();
      }
    });
  });

  test('NODESTATUS=n: fail-fast does not send installstatus (as xCAT), says xcatd=off', async () => {
    const sh = shells[1]!;
    const mn = await startMn();
    try {
      const dir = tmpFor('nodestatus');
      const r = await run(sh, 'xt_run broken 5 false', { ...baseEnv(sh, dir, mn), NODESTATUS: 'n' });
      await until(() => mn.lines.length >= 3);
      check(mn.xcatd.length === 0, 'xcatd not contacted', r, mn.xcatd);
      check(
        events(mn).some((e) => e.event === 'failfast' && e.xcatd === 'off'),
        'xcatd=off',
        r,
        mn.lines,
      );
    } finally {
      await mn.close();
    }
  });
});

// ---------------------------------------------------------------------------------------
// kickstart-post.sh against an HTTP server laid out like the MN's /install and /tftpboot.

describe('node/kickstart-post.sh', () => {
  test('a 403 on a postscript fails fast at the download, with the URL and status', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const site = baseSite();
        site.forbidden.push('/install/postscripts/mysite_tuning');
        const r = await runKickstart(sh, site, mn, '403');
        check(r.code === 1 && !r.hung, 'exits 1 (XTRIAGE_HALT=0) instead of going on', r);
        const ev = events(mn);
        const end = ev.find((e) => e.step === 'ps-download' && e.event === 'end');
        check(end?.result === 'failed', 'ps-download failed', r, ev);
        const err = unescape(end!.err!);
        check(/403/.test(err) && err.includes('/install/postscripts/mysite_tuning'), 'err names the URL and the 403', r, err);
        check(
          ev.some((e) => e.event === 'failfast' && e.step === 'ps-download' && e.xcatd === 'ok'),
          'failfast line',
          r,
          ev,
        );
        check(JSON.stringify(mn.xcatd) === JSON.stringify(['installstatus failed']), 'xcatd gets installstatus failed, no next', r, mn.xcatd);
        check(!ev.some((e) => e.step === 'ps-mypostscript'), 'nothing after the download', r, ev);
      } finally {
        await mn.close();
      }
    });
  });

  test('an empty mypostscript fails fast with the reason', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const site = baseSite();
        delete site.files['/tftpboot/mypostscripts/mypostscript.cn01'];
        const r = await runKickstart(sh, site, mn, 'empty');
        check(r.code === 1, 'exits 1', r);
        const ev = events(mn);
        check(ev.find((e) => e.step === 'ps-download' && e.event === 'end')?.result === 'ok', 'download ok', r, ev);
        const end = ev.find((e) => e.step === 'ps-mypostscript' && e.event === 'end');
        check(end?.result === 'failed' && unescape(end.err!).includes('mypostscript is empty'), 'ps-mypostscript failed: empty', r, ev);
        check(JSON.stringify(mn.xcatd) === JSON.stringify(['installstatus failed']), 'xcatd gets installstatus failed', r, mn.xcatd);
        check(r.log.includes('no precreated mypostscript.cn01'), 'the local log tells the 404 was tried', r);
      } finally {
        await mn.close();
      }
    });
  });

  test('a clean run: every part and every postscript is a step, then `next`', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const r = await runKickstart(sh, baseSite(), mn, 'ok');
        check(r.code === 0, 'exits 0', r);
        const ev = events(mn).filter((e) => e.event === 'end');
        const steps = ev.map((e) => `${e.step}:${e.result}`);
        check(
          JSON.stringify(steps) === JSON.stringify(['ps-download:ok', 'ps-mypostscript:ok', 'syslog:ok', 'remoteshell:ok', 'mypostscript:ok', 'xcatd-next:ok']),
          'steps in order',
          r,
          steps,
        );
        check(JSON.stringify(mn.xcatd) === JSON.stringify(['next']), 'xcatd gets next', r, mn.xcatd);
        check(fs.readFileSync(path.join(r.root, 'xcatpost/custom/helper.sh'), 'utf8').includes('helper'), 'sub-directories downloaded', r);
        const post = fs.readFileSync(path.join(r.root, 'xcatpost/mypostscript.post'), 'utf8');
        check(
          post.includes('run_ps postbootscript otherpkgs') && !post.includes('run_ps postscript syslog'),
          'mypostscript.post keeps the postbootscripts',
          r,
          post,
        );
        check(/^XCATSERVER=127\.0\.0\.1$/m.test(fs.readFileSync(path.join(r.root, 'opt/xcat/xcatinfo'), 'utf8')), 'xcatinfo written', r);
        check(r.log.includes('out| syslog configured'), "postscripts' output in the installed system's node.log", r);
      } finally {
        await mn.close();
      }
    });
  });

  test("rendered by xCAT's template engine into a %post, it is valid bash and runs from the inlined library", async () => {
    const sh = shells[0]!;
    const mn = await startMn();
    const web = await startHttp(baseSite());
    try {
      const dir = tmpFor('ks-rendered');
      const root = path.join(dir, 'sysroot');
      fs.mkdirSync(root);
      const body = renderLikeXcat(
        `%post --interpreter=/bin/bash\n{\necho "Running Kickstart Post-installation script..."\n#INCLUDE:/install/custom/install/rh/xtriage-post.sh#\n} &>>${dir}/xcat.log\n%end\n`,
        kickstartIncludes(),
        kickstartVariables(mn.iport, web.port),
      );
      expect(body).not.toMatch(/#(INCLUDEBAD|INCLUDE|ENV|TABLE|TABLEBLANKOKAY|XCATVAR|WRITEREPO)[#:]/);
      const script = body.split('\n').slice(1, -2).join('\n');
      const file = path.join(dir, 'post.sh');
      fs.writeFileSync(file, script);
      const syntax = spawnSync(which('bash')!, ['-n', file], { encoding: 'utf8' });
      expect(syntax.stderr).toBe('');
      expect(syntax.status).toBe(0);
      const env: Record<string, string> = {
        PATH: sh.path,
        HOME: dir,
        LANG: 'C',
        TMPDIR: dir,
        XTRIAGE_PORT: String(mn.port),
        XTRIAGE_CMDLINE: path.join(dir, 'cmdline'),
        XTRIAGE_KS_PREFIX: root,
        XTRIAGE_HALT: '0',
        XTRIAGE_KS_MAXSLEEP: '0',
        XTRIAGE_KS_RETRY: '0',
        XTRIAGE_KS_NEXT_TRIES: '1',
        XTRIAGE_XCATD_TRIES: '1',
      };
      fs.writeFileSync(env.XTRIAGE_CMDLINE!, 'inst.ks=http://127.0.0.1/install/autoinst/cn01 inst.repo=http://127.0.0.1/install/rhels9.4/x86_64\n');
      const r = await spawnAsync([which('bash')!, file], env, dir);
      await new Promise((res) => setTimeout(res, 300));
      const xcatlog = fs.readFileSync(path.join(dir, 'xcat.log'), 'latin1');
      const steps = events(mn)
        .filter((e) => e.event === 'end')
        .map((e) => `${e.step}:${e.result}`);
      expect({ status: r.status, steps, xcatd: mn.xcatd, tail: r.status === 0 ? '' : xcatlog.slice(-2000) }).toEqual({
        status: 0,
        steps: ['ps-download:ok', 'ps-mypostscript:ok', 'syslog:ok', 'remoteshell:ok', 'mypostscript:ok', 'xcatd-next:ok'],
        xcatd: ['next'],
        tail: '',
      });
      expect(xcatlog).toContain('msgutil_r info: Executing post.xcat to prepare for firstbooting ...');
      expect(fs.readFileSync(path.join(root, 'etc/systemd/system/xcatpostinit1.service'), 'utf8')).toContain('xcat service on compute node');
    } finally {
      await web.close();
      await mn.close();
    }
  });

  test('a failing postscript stops the install at once: one installstatus failed, no next', async () => {
    await eachShell(async (sh) => {
      const mn = await startMn();
      try {
        const site = baseSite();
        site.files['/tftpboot/mypostscripts/mypostscript.cn01'] = mypostscript(['syslog', 'mysite', 'remoteshell'], ['otherpkgs']);
        const r = await runKickstart(sh, site, mn, 'psfail');
        check(r.code === 1, 'exits 1', r);
        const ev = events(mn);
        const mysite = ev.find((e) => e.step === 'mysite' && e.event === 'end');
        check(
          mysite?.result === 'failed' && mysite.rc === '2' && unescape(mysite.err!) === 'mysite: /dev/sdz: No such device',
          'the postscript failed with its stderr',
          r,
          ev,
        );
        check(!ev.some((e) => e.step === 'remoteshell'), 'the next postscript did not run', r, ev);
        check(ev.filter((e) => e.event === 'failfast').length === 1, 'one failfast line', r, ev);
        check(JSON.stringify(mn.xcatd) === JSON.stringify(['installstatus failed']), 'xcatd: installstatus failed, no next', r, mn.xcatd);
      } finally {
        await mn.close();
      }
    });
  });
});

// ---------------------------------------------------------------------------------------

describe('static checks', () => {
  test('shellcheck -s sh node/*.sh is clean', () => {
    const sc = which('shellcheck');
    if (!sc) {
      console.warn('shellcheck is not installed: skipping the lint of node/*.sh (CI installs it: apt-get install -y shellcheck)');
      return;
    }
    const files = fs
      .readdirSync(path.join(ROOT, 'node'))
      .filter((f) => f.endsWith('.sh'))
      .map((f) => path.join(ROOT, 'node', f));
    expect(files.length).toBeGreaterThanOrEqual(2);
    const r = spawnSync(sc, ['-s', 'sh', ...files], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('sh -n: every node/*.sh parses under bash, dash and busybox sh', () => {
    const files = fs.readdirSync(path.join(ROOT, 'node')).filter((f) => f.endsWith('.sh'));
    expect(files).toEqual(expect.arrayContaining(['xtriage.sh', 'kickstart-post.sh', 'post-xcat.sh', 'xcatdsklspost-hook.sh', 'dracut-xcatroot-hook.sh']));
    const bad: string[] = [];
    for (const sh of shells) {
      for (const f of files) {
        const r = spawnSync(sh.argv[0]!, [...sh.argv.slice(1), '-n', path.join(ROOT, 'node', f)], { encoding: 'utf8' });
        if (r.status !== 0 || r.stderr) bad.push(`${sh.name} -n ${f}: ${r.status} ${r.stderr}`);
      }
    }
    expect(bad).toEqual([]);
  });

  test("xCAT's template engine leaves the library alone and fills in only the marked directives of kickstart-post.sh and post-xcat.sh", () => {
    // Template.pm substitutes #NAME# and #NAME:...# anywhere in an included file, comments too.
    const directive = /#[A-Z][A-Z0-9_]*[#:]/g;
    expect(fs.readFileSync(LIB, 'utf8').match(directive)).toBeNull();
    for (const file of [KS, path.join(ROOT, 'node', 'post-xcat.sh')]) {
      const ks = fs.readFileSync(file, 'utf8').split('\n');
      const found = ks.flatMap((l, i) => ((l.match(directive) ?? []).length ? [`${i + 1}`] : []));
      expect(found.length).toBeGreaterThan(5);
      for (const n of found) {
        const line = ks[Number(n) - 1]!;
        const marked = ks.slice(Math.max(0, Number(n) - 12), Number(n)).some((x) => /# template:/.test(x));
        expect({ file, line, marked }).toEqual({ file, line, marked: true });
      }
      expect(ks.join('\n')).toContain('#INCLUDE:/install/postscripts/xtriage.sh#');
    }
  });

  test('the patterns of node-library.yaml pass the example checker and match what the library really sends', async () => {
    const kb = loadKnowledgeBase({ paths: [PATTERNS] });
    const file = path.join(PATTERNS, 'node-library.yaml');
    expect(kb.problems.filter((p) => p.startsWith(file))).toEqual([]);
    expect(checkExamples(kb.patterns).filter((p) => p.startsWith(`${file}:`))).toEqual([]);
    const mine = kb.patterns.filter((p) => p.file === file);
    expect(mine.map((p) => p.id).sort()).toEqual(
      [
        'xtriage.fail',
        'xtriage.failfast',
        'xtriage.log',
        'xtriage.log-warning',
        'xtriage.step-failed',
        'xtriage.step-hung',
        'xtriage.step-ok',
        'xtriage.step-start',
        'xtriage.step-start-post',
        'xtriage.step-start-postboot',
      ].sort(),
    );
    for (const p of mine) expect(p.examples.length).toBeGreaterThan(0);

    // Lines from a real run (bash, logger) are won by the right pattern with the right fields.
    const sh = shells[0]!;
    const mn = await startMn();
    try {
      const dir = tmpFor('patterns');
      const script = [
        'xt_run ok-step 5 true',
        'XTRIAGE_FAILFAST=0 xt_run bad-step 5 sh -c \'echo "oops: \\"x\\"" >&2; exit 9\'',
        'xt_log warning careful',
        'xt_log info fine',
        'XTRIAGE_PHASE=initrd xt_run dracut-step 5 true',
        'XTRIAGE_FAILFAST=0 xt_run hung-step 1 sleep 30',
        'xt_fail "giving up"',
      ].join('\n');
      const r = await run(sh, script, baseEnv(sh, dir, mn));
      await until(() => mn.lines.length >= 12);
      const matcher = new Matcher(kb.patterns);
      const reader = new LineReader('remote', 'remote', Date.now());
      const got = mn.lines.map((l) => {
        const rec = reader.read(l.text, Date.now(), '10.0.0.11')!;
        const m = matcher.match(rec);
        return `${m?.pattern.id ?? 'NONE'} ${m ? JSON.stringify(m.fields) : rec.message}`;
      });
      const expected = [
        /^xtriage\.step-start-postboot \{"step":"ok-step","timeout":"5"\}$/,
        /^xtriage\.step-ok \{"step":"ok-step","phase":"postboot","rc":"0","dur":"\d+\.\d\d","timeout":"5"\}$/,
        /^xtriage\.step-start-postboot \{"step":"bad-step"/,
        /^xtriage\.step-failed \{"step":"bad-step","phase":"postboot","rc":"9","dur":"[\d.]+","timeout":"5","err":"oops: \\\\\\"x\\\\\\""\}$/,
        /^xtriage\.log-warning \{"step":"-","phase":"postboot","level":"warning","msg":"careful"\}$/,
        /^xtriage\.log \{"step":"-","phase":"postboot","level":"info","msg":"fine"\}$/,
        /^xtriage\.step-start \{"step":"dracut-step","phase":"initrd","timeout":"5"\}$/,
        /^xtriage\.step-ok \{"step":"dracut-step","phase":"initrd"/,
        /^xtriage\.step-start-postboot \{"step":"hung-step"/,
        /^xtriage\.step-hung \{"step":"hung-step","phase":"postboot","rc":"124",/,
        /^xtriage\.fail \{"step":"hung-step","phase":"postboot","rc":"124","xcatd":"ok","msg":"giving up"\}$/,
      ];
      check(got.length === expected.length, `${got.length} lines`, r, got);
      expected.forEach((re, i) => check(re.test(got[i]!), `line ${i}: ${got[i]}`, r, got));
      check(JSON.stringify(mn.xcatd) === JSON.stringify(['installstatus failed']), 'xt_fail told xcatd', r, mn.xcatd);
    } finally {
      await mn.close();
    }
  });
});
