// xtriaged end to end: real process, real sockets, real files, real signals.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { getJson } from '../../src/api/client';
import { readCapture } from '../../src/sources/spool';
import type { AnalysisDoc, SessionDoc } from '../../src/diagnose/diagnose';
import { startDaemon, sendUdp, waitFor, DIST, freePort } from '../helpers/daemon';
import { DAEMON_NODE_FLAGS } from '../../src/util/thread-priority';

jest.setTimeout(60_000);

function tree(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xtd-logs-'));
  fs.mkdirSync(path.join(dir, 'xcat'));
  fs.mkdirSync(path.join(dir, 'httpd'));
  return dir;
}

function ts(d: Date): string {
  const m = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${m} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

function apacheTs(d: Date): string {
  const m = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${m}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** One node (IP 127.0.0.5) failing on a postscript 403, told the way the MN logs it, with times around now. */
function writeFailingNode(dir: string, ip = '127.0.0.5', mac = '52:54:00:aa:bb:05', node = 'cn05'): void {
  const t = (s: number): Date => new Date(Date.now() - 60_000 + s * 1000);
  fs.appendFileSync(
    path.join(dir, 'xcat/cluster.log'),
    [
      `${ts(t(0))} mn01 xcat[4101]: INFO xCAT: Allowing rinstall to ${node} osimage=rhels9.4-x86_64-install-compute for root from localhost`,
      `${ts(t(1))} mn01 xcat[4133]: INFO xcat.updatestatus - ${node}: changing status=powering-on`,
      '',
    ].join('\n'),
  );
  fs.appendFileSync(
    path.join(dir, 'messages'),
    [
      `${ts(t(5))} mn01 dhcpd[1234]: DHCPDISCOVER from ${mac} via ens4`,
      `${ts(t(6))} mn01 dhcpd[1234]: DHCPACK on ${ip} to ${mac} via ens4`,
      `${ts(t(6))} mn01 in.tftpd[2345]: RRQ from ${ip} filename xcat/xnba.kpxe`,
      '',
    ].join('\n'),
  );
  fs.appendFileSync(
    path.join(dir, 'httpd/access_log'),
    [
      `${ip} - - [${apacheTs(t(8))}] "GET /tftpboot/xcat/xnba/nodes/${node} HTTP/1.1" 200 512 "-" "iPXE/1.21.1"`,
      `${ip} - - [${apacheTs(t(30))}] "GET /install/postscripts/mysite_tuning HTTP/1.1" 403 199 "-" "curl/7.76.1"`,
      '',
    ].join('\n'),
  );
}

describe('xtriaged', () => {
  test('receives, diagnoses, serves the API; hostile input does not stop it; SIGTERM is clean', async () => {
    const logs = tree();
    writeFailingNode(logs);
    const d = await startDaemon({ logs });
    try {
      expect((fs.statSync(d.socket).mode & 0o777).toString(8)).toBe('660');
      // The node's own line arrives over UDP from its IP.
      await sendUdp(
        d.port,
        [
          '<163>1 2026-11-24T10:10:21.000000+00:00 localhost xcat.deployment - - - failed to download postscripts from http://10.0.0.1/install/postscripts/, check /tmp/download.log on the node,  halt ...',
        ],
        '127.0.0.5',
      );
      // Hostile datagrams: invalid UTF-8, NUL, escapes, empty, 60 KB.
      await sendUdp(d.port, [Buffer.from([0xff, 0xfe, 0x00, 0x41]), '\x1b]0;pwned\x07\x1b[2J{red-fg}x', '', 'x'.repeat(60_000), '<13>\u202eevil'], '127.0.0.9');
      // Failed as soon as the 403 is diagnosed; the node's own line joins the session as a symptom
      // in the same or a later snapshot (the machine already failed: no hurry): wait for both.
      const doc = await waitFor<AnalysisDoc>(d.socket, '/v1/sessions', (x) =>
        x.sessions.some(
          (s) =>
            s.node === 'cn05' && s.outcome === 'failed' && s.symptoms.some((y) => y.evidence.some((e) => e.line.includes('failed to download postscripts'))),
        ),
      );
      const s = doc.sessions.find((x) => x.node === 'cn05')!;
      expect(s.mac).toBe('52:54:00:aa:bb:05');
      expect(s.rootCause?.evidence[0]?.line).toContain('mysite_tuning HTTP/1.1" 403');
      expect(s.symptoms.some((y) => y.evidence.some((e) => e.line.includes('failed to download postscripts')))).toBe(true);
      const one = await getJson<SessionDoc & { timeline: { line: string; source: string }[] }>(d.socket, `/v1/sessions/${s.id}`);
      expect(one.timeline.some((l) => l.source === 'remote' && l.line.includes('failed to download'))).toBe(true);
      expect(one.timeline.some((l) => l.source === 'messages' && l.line.includes('DHCPACK'))).toBe(true);
      const health = await getJson<{
        received: number;
        parsed: number;
        kernelDrops: { drops: number };
        memory: { rssBytes: number; reception: { totalBytes: number; usedBytes: number } };
      }>(d.socket, '/v1/health');
      expect(health.received).toBeGreaterThanOrEqual(5);
      expect(health.parsed).toBeGreaterThan(5);
      // The reception thread's heap is part of the RSS: reported beside it.
      expect(health.memory.reception.usedBytes).toBeGreaterThan(1 << 20);
      expect(health.memory.reception.totalBytes).toBeGreaterThanOrEqual(health.memory.reception.usedBytes);
      expect(health.memory.rssBytes).toBeGreaterThan(health.memory.reception.totalBytes);
      const metrics = await new Promise<string>((resolve, reject) => {
        const c = net.connect(d.socket, () => c.write('GET /metrics HTTP/1.0\r\n\r\n'));
        let out = '';
        c.on('data', (b) => (out += b.toString()));
        c.on('end', () => resolve(out));
        c.on('error', reject);
      });
      expect(metrics).toMatch(/xtriage_sessions\{outcome="failed"\} 1/);
      expect(metrics).toMatch(/xtriage_root_causes\{pattern="[^"]+"\} 1/);
      // Still alive after the hostile datagrams.
      expect(d.proc.exitCode).toBeNull();
      const t0 = Date.now();
      const code = await d.stop('SIGTERM');
      if (code !== 0)
        console.log(
          d
            .stderr()
            .split('\n')
            .filter((l) => !l.includes('pattern problem'))
            .join('\n'),
        );
      expect(code).toBe(0);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(fs.existsSync(d.socket)).toBe(false);
      // Everything received is in the capture spool, in the contract's format.
      const spoolDir = path.join(d.state, 'spool');
      const lines = fs
        .readdirSync(spoolDir)
        .filter((f) => f.endsWith('.jsonl'))
        .flatMap((f) => fs.readFileSync(path.join(spoolDir, f), 'utf8').split('\n').filter(Boolean));
      const recs = lines.map((l) => JSON.parse(l) as { at: string; from: string; msg: string });
      expect(recs.filter((r) => r.from === '127.0.0.5' && r.msg.includes('failed to download')).map((r) => r.from)).toEqual(['127.0.0.5']);
      expect(recs.map((r) => r.at).filter((a) => !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/.test(a))).toEqual([]);
    } finally {
      await d.stop('SIGKILL');
    }
  });

  test('a restart picks up where it stopped, also after kill -9', async () => {
    const logs = tree();
    writeFailingNode(logs);
    const d1 = await startDaemon({ logs });
    const port = d1.port;
    try {
      const msgs = Array.from({ length: 500 }, (_, i) => `<166>1 2026-11-24T10:10:21.000000+00:00 localhost app - - - line ${i}`);
      await sendUdp(port, msgs, '127.0.0.7');
      await waitFor<{ received: number }>(d1.socket, '/v1/health', (h) => h.received >= 500);
      await new Promise((r) => setTimeout(r, 500)); // past the spool's flush interval
    } finally {
      await d1.stop('SIGKILL');
    }
    const d2 = await startDaemon({ dir: d1.dir, logs, port });
    try {
      // The diagnosis comes back from the spools (remote lines) and tail positions (MN files) …
      const doc = await waitFor<AnalysisDoc>(d2.socket, '/v1/sessions', (x) => x.sessions.some((s) => s.node === 'cn05' && s.outcome === 'failed'));
      expect(doc.sessions.filter((s) => s.node === 'cn05')).toHaveLength(1);
      // … and nothing was read twice from the MN files.
      const one = await getJson<{ timeline: { line: string }[] }>(d2.socket, `/v1/sessions/${doc.sessions.find((s) => s.node === 'cn05')!.id}`);
      expect(one.timeline.filter((l) => l.line.includes('DHCPACK')).length).toBe(1);
      const spoolDir = path.join(d2.state, 'spool');
      let count = 0;
      for (const f of fs.readdirSync(spoolDir).filter((x) => /\.jsonl(\.gz)?$/.test(x))) {
        for await (const r of readCapture(path.join(spoolDir, f))) if (r.msg.includes(' line ')) count++;
      }
      expect(count).toBe(500);
    } finally {
      await d2.stop('SIGKILL');
    }
  });

  test('bad configuration and environment: one clear line, no stack trace', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xtd-cfg-'));
    const cfg = path.join(dir, 'x.yaml');
    fs.writeFileSync(cfg, 'udp: ["127.0.0.1:0"]\n\nlogz: /var/log\n');
    let r = spawnSync(process.execPath, [path.join(DIST, 'xtriaged.js'), '--config', cfg], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${cfg}:3: key "logz": unknown key`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    fs.writeFileSync(cfg, 'tcpIdleTimeoutS: soon\n');
    r = spawnSync(process.execPath, [path.join(DIST, 'xtriaged.js'), '--config', cfg], { encoding: 'utf8' });
    expect(r.stderr).toContain(`${cfg}:1: key "tcpIdleTimeoutS": expected a number`);
    // Missing logs dir.
    r = spawnSync(
      process.execPath,
      [
        path.join(DIST, 'xtriaged.js'),
        '--state',
        path.join(dir, 's'),
        '--socket',
        path.join(dir, 'sock'),
        '--udp',
        '127.0.0.1:0',
        '--tcp',
        '127.0.0.1:0',
        '--logs',
        path.join(dir, 'nope'),
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/logs directory .*nope does not exist/);
    // A name with an escape sequence and a newline is shown escaped, on one line.
    r = spawnSync(
      process.execPath,
      [
        path.join(DIST, 'xtriaged.js'),
        '--state',
        path.join(dir, 's'),
        '--socket',
        path.join(dir, 'sock'),
        '--udp',
        '127.0.0.1:0',
        '--tcp',
        '127.0.0.1:0',
        '--logs',
        path.join(dir, 'bad\u001b[31mred\nxtriaged: forged'),
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).not.toContain('\u001b');
    expect(r.stderr).toContain('bad\\e[31mred\\nxtriaged: forged');
    expect(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.includes('forged')),
    ).toHaveLength(1);
    // A port in use.
    const port = await freePort();
    const blocker = net.createServer().listen(port, '127.0.0.1');
    await new Promise((res) => blocker.once('listening', res));
    r = spawnSync(
      process.execPath,
      [
        path.join(DIST, 'xtriaged.js'),
        '--state',
        path.join(dir, 's2'),
        '--socket',
        path.join(dir, 'sock2'),
        '--udp',
        '127.0.0.1:0',
        '--tcp',
        `127.0.0.1:${port}`,
      ],
      { encoding: 'utf8' },
    );
    blocker.close();
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}`));
    expect(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.includes('cannot start')),
    ).toHaveLength(1);
    // An unwritable state dir (a file where the directory should be).
    fs.writeFileSync(path.join(dir, 'afile'), '');
    r = spawnSync(
      process.execPath,
      [
        path.join(DIST, 'xtriaged.js'),
        '--state',
        path.join(dir, 'afile', 'state'),
        '--socket',
        path.join(dir, 'sock3'),
        '--udp',
        '127.0.0.1:0',
        '--tcp',
        '127.0.0.1:0',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/state directory .* is not writable/);
  });

  test('a corrupt state database is moved aside and rebuilt from the spool', async () => {
    const logs = tree();
    writeFailingNode(logs);
    const d1 = await startDaemon({ logs });
    try {
      await waitFor<AnalysisDoc>(d1.socket, '/v1/sessions', (x) => x.sessions.some((s) => s.outcome === 'failed'));
    } finally {
      await d1.stop('SIGTERM');
    }
    const dbFile = path.join(d1.state, 'db', 'sessions.db');
    fs.writeFileSync(dbFile, '{"_id":"x","doc":{}}\n{torn line\n{also torn\n');
    const d2 = await startDaemon({ dir: d1.dir, logs, port: d1.port });
    try {
      expect(d2.stderr()).toMatch(/moved aside to .*sessions\.db\.corrupt-/);
      await waitFor<AnalysisDoc>(d2.socket, '/v1/sessions', (x) => x.sessions.some((s) => s.node === 'cn05' && s.outcome === 'failed'));
    } finally {
      await d2.stop('SIGKILL');
    }
  });

  test('SIGHUP reloads patterns; hooks get the session JSON', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xtd-hup-'));
    const local = path.join(dir, 'patterns.d');
    fs.mkdirSync(local);
    const hookOut = path.join(dir, 'hook.json');
    const cfg = path.join(dir, 'x.yaml');
    fs.writeFileSync(cfg, `patterns: [${JSON.stringify(local)}]\nhooks:\n  - command: cat > ${JSON.stringify(hookOut)}\n    timeout: 5\n    on: [failed]\n`);
    const logs = tree();
    writeFailingNode(logs);
    const d = await startDaemon({ dir, logs, extra: ['--config', cfg] });
    try {
      await waitFor<AnalysisDoc>(d.socket, '/v1/sessions', (x) => x.sessions.some((s) => s.outcome === 'failed'));
      for (let i = 0; i < 50 && !fs.existsSync(hookOut); i++) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 200));
      const hooked = JSON.parse(fs.readFileSync(hookOut, 'utf8')) as SessionDoc;
      expect(hooked.node).toBe('cn05');
      expect(hooked.outcome).toBe('failed');
      // A site pattern for a site script's own error text, added while running.
      fs.writeFileSync(
        path.join(local, 'site.yaml'),
        [
          'patterns:',
          '  - id: site.scratch-mount',
          '    sources: [node]',
          "    regex: '^mysite: cannot mount (?<fs>\\S+)'",
          '    severity: error',
          "    title: 'site script could not mount {fs}'",
          '    remedy: check the NFS server',
          '    examples:',
          "      - line: 'Nov 24 10:00:00 cn01 mysite: ERR mysite: cannot mount /scratch'",
          '',
        ].join('\n'),
      );
      d.proc.kill('SIGHUP');
      for (let i = 0; i < 50 && !d.stderr().includes('reloaded'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(d.stderr()).toMatch(/reloaded \d+ patterns/);
      await sendUdp(d.port, ['<163>1 2026-11-24T10:10:25.000000+00:00 localhost mysite - - - mysite: cannot mount /scratch'], '127.0.0.5');
      const doc = await waitFor<AnalysisDoc>(d.socket, '/v1/sessions', (x) =>
        x.sessions.some((s) => s.symptoms.some((y) => y.pattern === 'site.scratch-mount')),
      );
      expect(doc.sessions.find((s) => s.node === 'cn05')!.rootCause?.evidence[0]?.line).toContain('403');
    } finally {
      await d.stop('SIGKILL');
    }
  });

  test('a line the engine throws on is skipped and counted; the lines after it are analysed', async () => {
    const d = await startDaemon({ nodeArgs: ['-r', path.join(__dirname, '..', 'helpers', 'engine-throws.js')] });
    try {
      const line = (text: string): string => `<163>1 2026-11-24T10:10:25.000000+00:00 localhost xcat.deployment - - - ${text}`;
      await sendUdp(d.port, [line('XT-TEST-THROW one'), line('XT-TEST-THROW two'), line('after the bad ones')], '127.0.0.6');
      const h = await waitFor<{ parsed: number; feedErrors: number; backlog: number }>(
        d.socket,
        '/v1/health',
        (x) => x.feedErrors === 2 && x.backlog === 0 && x.parsed >= 1,
      );
      expect(h.feedErrors).toBe(2);
      expect(h.parsed).toBe(1);
      // Draining goes on: a later line is analysed too.
      await sendUdp(d.port, [line('and one more')], '127.0.0.6');
      await waitFor<{ parsed: number }>(d.socket, '/v1/health', (x) => x.parsed >= h.parsed + 1);
      expect(d.stderr()).toMatch(/internal error on a line, skipped \(1 so far\): Error: test: the engine fails on this line/);
    } finally {
      await d.stop('SIGKILL');
    }
  });

  (process.platform === 'linux' ? test : test.skip)(
    'the reception thread keeps the service priority, the others go analysisNice below; without --no-parallel-scavenge a note says why it matters',
    async () => {
      const nices = (pid: number): number[] =>
        fs.readdirSync(`/proc/${pid}/task`).map((t) => Number(fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]));
      const base = os.getPriority(0);
      const flagged = await startDaemon({ nodeArgs: [...DAEMON_NODE_FLAGS] });
      try {
        const n = nices(flagged.proc.pid!);
        if (base <= 9) {
          // (run at nice 10 or more, the others cannot go 10 steps lower)
          expect(n.filter((x) => x === base)).toHaveLength(1); // the reception thread
          expect(n.filter((x) => x === base + 10).length).toBe(n.length - 1);
        }
        expect(flagged.stderr()).not.toMatch(/without --no-parallel-scavenge/);
      } finally {
        await flagged.stop('SIGKILL');
      }
      const plain = await startDaemon({});
      try {
        expect(plain.stderr()).toMatch(/^xtriaged: note: node was started without --no-parallel-scavenge \(the unit passes it\)/m);
      } finally {
        await plain.stop('SIGKILL');
      }
    },
  );

  test('a closed stderr stops the logging, not the daemon, and does not spin', async () => {
    const d = await startDaemon({});
    try {
      d.proc.stderr!.destroy(); // whoever started it went away
      d.proc.kill('SIGHUP'); // something to log ("reloaded …") into the closed pipe
      await sendUdp(d.port, ['<163>1 2026-11-24T10:10:25.000000+00:00 localhost x - - - still here'], '127.0.0.5');
      await new Promise((r) => setTimeout(r, 500));
      const cpu = (): number => {
        const f = fs.readFileSync(`/proc/${d.proc.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return Number(f[11]) + Number(f[12]); // utime + stime, clock ticks
      };
      const c0 = cpu();
      await new Promise((r) => setTimeout(r, 1000));
      expect(cpu() - c0).toBeLessThan(30); // idle, not logging its own logging errors (that was ~100 ticks/s)
      const health = await getJson<{ received: number }>(d.socket, '/v1/health');
      expect(health.received).toBe(1);
      const t0 = Date.now();
      expect(await d.stop('SIGTERM')).toBe(0);
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      await d.stop('SIGKILL');
    }
  });
});
