// The TUI at 80×24 and at 200×60 (#18 item 6), read off a real terminal (tmux, its own -L
// socket) on a real xtriaged fed over UDP and file appends: the cause on every node row at 80
// columns, a machine known only by its MAC shown once, node log lines showing the message (the
// RFC 5424 header kept for the raw view), symptoms folded with ×N and never repeating the root
// cause, the header counting what :group shows.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DIST, sendUdp, startDaemon, waitFor, type RunningDaemon } from '../helpers/daemon';
import { Tmux } from '../helpers/tmux';
import { feedFixture, liveFixture, makeLogTree, NODES } from '../helpers/live-fixture';
import type { AnalysisDoc } from '../../src/contract';

jest.setTimeout(90_000);

const LOST_MAC = '52:54:00:05:00:77';
const SD = '[timeQuality tzKnown="1" isSynced="0"]';
const HALT = 'failed to download postscripts from http://10.0.0.1/install/postscripts/, check /tmp/download.log on the node,  halt ...';

let dir: string;
let logs: string;
let d: RunningDaemon;
const terms: Tmux[] = [];

const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const bsd = (t: number): string => {
  const x = new Date(t);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${MON[x.getUTCMonth()]} ${String(x.getUTCDate()).padStart(2, ' ')} ${p(x.getUTCHours())}:${p(x.getUTCMinutes())}:${p(x.getUTCSeconds())}`;
};

beforeAll(async () => {
  dir = fs.mkdtempSync('/tmp/h18-tui-');
  logs = makeLogTree(dir);
  d = await startDaemon({ dir, logs });
  const now = Date.now();
  await feedFixture(logs, d.port, liveFixture(now));
  // A machine dhcpd served 20 minutes ago that never fetched its boot loader: known by its MAC only.
  fs.appendFileSync(
    path.join(logs, 'messages'),
    [
      `${bsd(now - 20 * 60_000)} mn01 dhcpd[1234]: DHCPDISCOVER from ${LOST_MAC} via ens4`,
      `${bsd(now - 20 * 60_000 + 1000)} mn01 dhcpd[1234]: DHCPACK on 127.0.5.77 to ${LOST_MAC} via ens4`,
      '',
    ].join('\n'),
  );
  // cn01 complains about its halt several times, in RFC 5424 with structured data as rsyslog's
  // omfwd sends it: the header must not crowd out the message.
  const cn01 = NODES[0]!;
  for (let i = 0; i < 8; i++) {
    const at = new Date(now - 40_000 + i * 1000).toISOString();
    await sendUdp(d.port, [`<163>1 ${at} localhost xcat.deployment - - ${SD} ${HALT}`], cn01.ip);
  }
  await waitFor<AnalysisDoc>(
    d.socket,
    '/v1/sessions',
    (doc) =>
      doc.groups.some((g) => g.pattern === 'http.postscript-forbidden' && g.sessions.length === 2) &&
      doc.sessions.some((s) => s.mac === LOST_MAC && s.outcome === 'stalled') &&
      doc.sessions.some((s) => s.node === 'cn01' && JSON.stringify(s.symptoms).includes('×')),
    30_000,
  );
});

afterAll(async () => {
  for (const t of terms) t.kill();
  await d?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function open(width: number, height: number): Tmux {
  const t = new Tmux(`h18-tui-${width}x${height}`);
  terms.push(t);
  t.start(`'${process.execPath}' '${path.join(DIST, 'xtriage.js')}' --socket '${d.socket}' 2>'${path.join(dir, `tui-${width}.err`)}'`, width, height);
  return t;
}

const nodeRows = (screen: string): string[] => screen.split('\n').filter((l) => /^\s+(FAILED|LOOPING|STALLED|RUNNING|SUCCEEDED)\s/.test(l));

describe('80×24', () => {
  let t: Tmux;
  beforeAll(() => {
    t = open(80, 24);
  });

  test('every node row shows its cause (the other columns went first); a MAC-only machine shows its MAC once', async () => {
    const screen = await t.waitFor((s) => /NODES WITH NO SHARED CAUSE/.test(s) && s.includes(LOST_MAC));
    process.stdout.write(`--- 80×24 cluster screen ---\n${screen}\n`);
    for (const l of screen.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
    const rows = nodeRows(screen);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const r of rows) {
      // outcome, name, stage, then the cause (or, when it succeeded, how long it took): words, not cut to nothing.
      const m = /^\s+\S+\s+(\S+)\s+(\S+)\s{2,}(.+)$/.exec(r);
      expect([r, m !== null]).toEqual([r, true]);
      const detail = m![3]!.replace(/…$/, '').trim();
      expect([r, /^SUCCEEDED/.test(r.trim()) ? /^done in \S+/.test(detail) : detail.length >= 15]).toEqual([r, true]);
    }
    const lost = rows.find((r) => r.includes(LOST_MAC))!;
    expect(lost).toMatch(/^\s+STALLED\s/);
    expect(lost.split(LOST_MAC)).toHaveLength(2); // once
    expect(lost).toMatch(/Got an address, never fetched/);
    // Lines on the cluster screen (unrecognised errors, evidence) show the message, not the header.
    expect(screen).not.toMatch(/<16\d>1 /);
    const cn04 = rows.find((r) => /\bcn04\b/.test(r))!;
    expect(cn04).toMatch(/\bcn04\s+\S+\s+\S/);
    expect(cn04).not.toMatch(/52:54:00:05:00:04/); // MAC and IP columns went first at 80
  });

  test('the node screen: log lines show the message, not the RFC 5424 header; symptoms folded with ×N, never the root cause', async () => {
    t.keys(':');
    t.type('show cn01');
    t.keys('Enter');
    let screen = await t.waitFor(/^xtriage › cn01/);
    expect(screen).toMatch(/cause +httpd refused postscript `mlnx` \(403\)/);
    // Open the symptoms fold: down row by row, Space toggles only a fold (elsewhere it does nothing).
    await t.waitFor(/▸ SYMPTOMS/);
    for (let i = 0; i < 40 && !/▾ SYMPTOMS/.test(t.capture()); i++) {
      t.keys('j', 'Space');
      await new Promise((r) => setTimeout(r, 80));
    }
    screen = await t.waitFor(/▾ SYMPTOMS/);
    process.stdout.write(`--- 80×24 node screen ---\n${screen}\n`);
    const symptomRows = screen.split('\n').filter((l) => /^ {2}- /.test(l));
    expect(symptomRows.length).toBeGreaterThan(0);
    // The halt, sent 8 times: one row (the folding and its ×N count: test/cli/report.test.ts).
    const halt = symptomRows.filter((l) => /could not download the postscripts/.test(l));
    expect(halt).toHaveLength(1);
    // The root cause is not listed again as a symptom of itself.
    expect(symptomRows.filter((l) => /httpd refused postscript `mlnx` \(403\)/.test(l))).toEqual([]);
    for (const l of screen.split('\n')) {
      expect(l).not.toMatch(/<16\d>1 /);
      expect(l).not.toMatch(/timeQuality/);
    }
  });

  test("l: the merged log shows each line's message, not its header", async () => {
    t.keys('l');
    const screen = await t.waitFor((s) => /failed to download/.test(s));
    expect(screen).not.toMatch(/<16\d>1 /);
    expect(screen).not.toMatch(/timeQuality/);
    expect(screen).toMatch(/ {2}xcat\.deployment: failed to download/);
    // Files' syslog lines: their date is the time column, the line starts with host and program.
    expect(screen).toMatch(/ {2}mn01 dhcpd\[1234\]: DHCPDISCOVER/);
    process.stdout.write(`--- 80×24 log screen ---\n${screen}\n`);
    t.keys('Escape');
    t.keys('Escape');
  });
});

describe('200×60', () => {
  test('every column is there: name, MAC, IP, stage and the cause; :group N counts its own nodes', async () => {
    const t = open(200, 60);
    let screen = await t.waitFor((s) => /NODES WITH NO SHARED CAUSE/.test(s) && s.includes(LOST_MAC));
    const cn03 = nodeRows(screen).find((r) => /\bcn03\b/.test(r))!;
    expect(cn03).toMatch(/\bcn03\s+52:54:00:05:00:03\s+127\.0\.5\.13\s+\S+\s+\S/);
    const lost = nodeRows(screen).find((r) => r.includes(LOST_MAC))!;
    expect(lost.split(LOST_MAC)).toHaveLength(2);
    expect(lost).toMatch(/127\.0\.5\.77/);
    t.keys(':');
    t.type('group 1');
    t.keys('Enter');
    screen = await t.waitFor(/view :group 1/);
    expect(screen).toMatch(/view :group 1 +2 of \d+ sessions shown/);
  });
});
