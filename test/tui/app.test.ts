// The real TUI (dist/bin/xtriage.js) in a real terminal (tmux, 160×48) against a real
// xtriaged fed over UDP (node lines from each node's own 127.0.5.x address) and through
// --logs file appends: root cause on screen, filter and drill-down, hostile text escaped,
// live updates that keep the cursor, daemon loss and reconnection, help, resize, quit.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DIST, startDaemon, waitFor, type RunningDaemon } from '../helpers/daemon';
import { Tmux } from '../helpers/tmux';
import { feedFixture, liveFixture, makeLogTree } from '../helpers/live-fixture';
import type { AnalysisDoc } from '../../src/contract';

jest.setTimeout(60_000);

let dir: string;
let logs: string;
let d: RunningDaemon;
let tmux: Tmux;

const lines = (screen: string): string[] => screen.split('\n');

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xt-tui-'));
  logs = makeLogTree(dir);
  d = await startDaemon({ dir, logs });
  await feedFixture(logs, d.port, liveFixture());
  await waitFor<AnalysisDoc>(
    d.socket,
    '/v1/sessions',
    (doc) =>
      doc.groups.some((g) => g.pattern === 'http.postscript-forbidden' && g.sessions.length === 2) &&
      doc.sessions.some((s) => s.node === 'cn04' && JSON.stringify(s).includes('pwned')),
  );
  tmux = new Tmux('xt-tui');
  tmux.start(
    `'${process.execPath}' '${path.join(DIST, 'xtriage.js')}' --socket '${d.socket}' 2>'${path.join(dir, 'tui.err')}'; echo $? >'${path.join(dir, 'tui.exit')}'`,
    160,
    48,
  );
});

afterAll(async () => {
  tmux?.kill();
  await d?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the cluster screen leads with the shared root cause, counts and reception health', async () => {
  const screen = await tmux.waitFor((s) => /2 nodes — httpd refused postscript `mlnx` \(403\)/.test(s) && /msg\/s/.test(s));
  const [first, second] = lines(screen);
  expect(first).toMatch(/^xtriage +\d+ sessions: [1-9]\d* FAILED/);
  expect(second).toMatch(/^reception: .*msg\/s.*kernel drops \d+.*lag [\d.]+ s/);
  // The DHCP fault for an unregistered MAC is on screen too, before any node is affected.
  expect(screen).toMatch(/dhcpd has no address for 52:54:00:05:00:99/);
  // No information by colour alone: the outcome word is on each node row.
  expect(screen).toMatch(/NODES WITH NO SHARED CAUSE/);
  expect(screen).toMatch(/\b(RUNNING|SUCCEEDED|FAILED|STALLED)\s+cn03\b/);
});

test('? shows every key, and the terminal is drawn as xterm-256color under tmux', async () => {
  tmux.keys('?');
  let screen = await tmux.waitFor(/KEYS/);
  expect(screen).toMatch(/j +↓ +next row/);
  expect(screen).toMatch(/:group N/);
  tmux.keys('G');
  screen = await tmux.waitFor(/daemon socket/);
  expect(screen).toMatch(/TERM=(tmux|screen)[^,]*, drawn as xterm-256color/);
  tmux.keys('Escape');
  await tmux.waitFor(/ROOT CAUSES SHARED/);
  // blessed's terminfo complaint for screen*/tmux* never appears.
  expect(fs.readFileSync(path.join(dir, 'tui.err'), 'utf8')).not.toMatch(/Error on|plab_norm/);
});

test('/ filters by noderange, MAC or IP; Enter drills into the node with its root cause and timeline', async () => {
  tmux.keys('/');
  tmux.type('cn[03-04]');
  let screen = await tmux.waitFor(/filter \/cn\[03-04\] +2 of \d+ sessions shown/);
  expect(screen).toMatch(/cn03/);
  expect(screen).toMatch(/cn04/);
  expect(screen).not.toMatch(/\bcn0[12]\b/);
  expect(screen).not.toMatch(/httpd refused/);
  tmux.keys('Enter');
  await tmux.waitFor(/match \/cn\[03-04\]/);
  tmux.keys('Escape'); // clears the filter on the cluster screen
  await tmux.waitFor((s) => /2 nodes — httpd refused/.test(s) && !/filter \//.test(s));

  tmux.keys('/');
  tmux.type('52:54:00:05:00:01');
  tmux.keys('Enter');
  screen = await tmux.waitFor(/1 of 2 nodes — httpd refused postscript `mlnx`/);
  expect(screen).not.toMatch(/\bcn02\b/);
  // The group is under the cursor: Enter expands it to its node, Enter on the node opens it.
  tmux.keys('Enter');
  await tmux.waitFor(/FAILED +cn01/);
  tmux.keys('j', 'Enter');
  screen = await tmux.waitFor(/TIMELINE/);
  expect(lines(screen)[0]).toMatch(/^xtriage › cn01 FAILED/);
  expect(screen).toMatch(/ROOT CAUSE +\[http\.postscript-forbidden\]/);
  expect(screen).toMatch(/cause +httpd refused postscript `mlnx` \(403\)/);
  expect(screen).toMatch(/evidence +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +httpd\/access_log/);
  expect(screen).toMatch(/GET \/install\/postscripts\/mlnx HTTP\/1\.1" 403/);
  expect(screen).toMatch(/remedy +On the MN: `chmod -R a\+rX \/install\/postscripts`/);
  expect(screen).toMatch(/mac 52:54:00:05:00:01 +ip 127\.0\.5\.11/);
  expect(screen).toMatch(/kickstart/);
  // Esc back to the cluster, Esc again clears the filter.
  tmux.keys('Escape');
  await tmux.waitFor(/1 of 2 nodes/);
  tmux.keys('Escape');
  await tmux.waitFor(/2 nodes — httpd refused/);
});

test(':group N shows one root cause with its nodes, :failed only failed nodes, :all everything', async () => {
  tmux.keys(':');
  tmux.type('group 1');
  tmux.keys('Enter');
  let screen = await tmux.waitFor(/view :group 1/);
  expect(screen).toMatch(/▾ +1 +2 nodes — httpd refused postscript `mlnx`/);
  expect(screen).toMatch(/FAILED +cn01[\s\S]*FAILED +cn02/);
  expect(screen).not.toMatch(/NODES WITH NO SHARED CAUSE/);
  tmux.keys(':');
  tmux.type('failed');
  tmux.keys('Enter');
  screen = await tmux.waitFor(/view :failed/);
  const rows = lines(screen).filter((l) => /^\s+(FAILED|RUNNING|SUCCEEDED|STALLED|LOOPING) /.test(l));
  expect(rows.length).toBeGreaterThan(0);
  for (const r of rows) expect(r).toMatch(/^\s+FAILED /);
  tmux.keys(':');
  tmux.type('nonsense');
  tmux.keys('Enter');
  await tmux.waitFor(/unknown command :nonsense/);
  tmux.keys(':');
  tmux.type('all');
  tmux.keys('Enter');
  await tmux.waitFor((s) => !/view :/.test(s) && /NODES WITH NO SHARED CAUSE/.test(s));
});

test('a hostile log line is shown escaped and the screen stays intact', async () => {
  tmux.keys(':');
  tmux.type('show cn04');
  tmux.keys('Enter');
  await tmux.waitFor(/^xtriage › cn04/);
  tmux.keys('l');
  let screen = await tmux.waitFor(/pwned/);
  expect(lines(screen).find((l) => l.includes('pwned'))).toMatch(/ERROR\? .*\\e\]0;pwned\\x07 \\e\[2J/);
  // e jumps to the error line; Enter unfolds it in full (wrapped under it).
  tmux.keys('g', 'e', 'Enter');
  screen = await tmux.waitFor((s) => s.split('pwned').length > 2 && /evil/.test(s));
  const at = lines(screen).findIndex((l) => l.includes('pwned'));
  const unfolded = lines(screen)
    .slice(at + 1)
    .filter((l) => /^ {10}\S/.test(l))
    .map((l) => l.trim())
    .join(' ');
  expect(unfolded).toContain('\\e]0;pwned\\x07 \\e[2J {red-fg}RED{/red-fg} \\u202eevil');
  expect(screen).not.toContain('\u202e');
  expect(lines(screen)[0]).toMatch(/^xtriage › cn04 \S+ › log/);
  expect(lines(screen).filter(Boolean).pop()).toMatch(/e\/E next\/prev error/);
  expect(tmux.display('#{pane_title}')).not.toContain('pwned');
  tmux.keys('Escape');
  await tmux.waitFor(/^xtriage › cn04 \S+\n/);
  tmux.keys('Escape');
  await tmux.waitFor(/ROOT CAUSES SHARED/);
});

test('live updates arrive without moving the cursor', async () => {
  // The cursor on the last row (G); a new machine then appears above it.
  tmux.keys('/');
  tmux.type('52:54:00:05');
  tmux.keys('Enter');
  await tmux.waitFor(/filter \/52:54:00:05/);
  const selected = (): string => {
    const raw = execCapture(tmux);
    const row = raw.split('\n').find((l) => /\x1b\[[\d;]*7m/.test(l) && /cn0\d/.test(l));
    return row ? (/cn0\d/.exec(row.replace(/\x1b\[[\d;]*m/g, ''))?.[0] ?? '') : '';
  };
  tmux.keys('G');
  await new Promise((r) => setTimeout(r, 300));
  const before = selected();
  expect(before).toBe('cn03'); // succeeded sorts last
  // A new node appears (file append to the tailed messages).
  const t = new Date(Date.now() - 5000);
  const stamp = `${t.toUTCString().slice(8, 11)} ${String(t.getUTCDate()).padStart(2, ' ')} ${t.toISOString().slice(11, 19)}`;
  fs.appendFileSync(
    path.join(logs, 'messages'),
    `${stamp} mn01 dhcpd[1234]: DHCPACK on 127.0.5.10 to 52:54:00:05:00:00 (cn00) via ens4\n${stamp} mn01 in.tftpd[2345]: RRQ from 127.0.5.10 filename xcat/xnba.kpxe\n`,
  );
  await tmux.waitFor(/RUNNING +cn00 +52:54:00:05:00:00/); // named by the client hostname dhcpd logged
  expect(selected()).toBe(before);
  tmux.keys('Escape');
  await tmux.waitFor(/2 nodes — httpd refused/);
});

function execCapture(t: Tmux): string {
  // capture-pane -e keeps the attributes, so the highlighted row can be found.
  return require('node:child_process').execFileSync('tmux', ['-L', t.server, 'capture-pane', '-e', '-p', '-t', 'main'], { encoding: 'utf8' }) as string;
}

test('resizing reflows the screen', async () => {
  tmux.resize(100, 30);
  // The footer moves to the new last row: the layout was recomputed, not just clipped.
  const screen = await tmux.waitFor((s) => (lines(s)[29] ?? '').trim() !== '' && lines(s).length <= 31 && /httpd refused/.test(s));
  for (const l of lines(screen)) expect([...l].length).toBeLessThanOrEqual(100);
  expect(lines(screen)[0]).toMatch(/^xtriage /);
  tmux.resize(160, 48);
  await tmux.waitFor((s) => (lines(s)[47] ?? '').trim() !== '');
});

test('the daemon going away shows why and reconnects when it is back', async () => {
  await d.stop();
  let screen = await tmux.waitFor(/✖ (xtriaged is not running|the daemon closed the event stream)/);
  expect(screen).toMatch(/reconnecting|retrying/);
  expect(screen).toMatch(/httpd refused postscript/); // the last data stays on screen
  d = await startDaemon({ dir, logs, port: d.port });
  screen = await tmux.waitFor((s) => !/✖/.test(s) && /2 nodes — httpd refused/.test(s), 20_000);
  expect(lines(screen)[0]).toMatch(/^xtriage +\d+ sessions/);
});

test('colour means outcome in 8 colours; NO_COLOR turns it off and the words stay', async () => {
  const withColour = (): string =>
    require('node:child_process').execFileSync('tmux', ['-L', tmux.server, 'capture-pane', '-e', '-p', '-t', 'main'], { encoding: 'utf8' }) as string;
  // The running instance: FAILED is red (SGR 31), nothing needs more than the 8 basic colours.
  const main = withColour();
  expect(main).toMatch(/\x1b\[[\d;]*31[;m][^\n]*FAILED/);
  const cmd = `'${process.execPath}' '${path.join(DIST, 'xtriage.js')}' --socket '${d.socket}'`;
  for (const [name, env, colour] of [
    ['xt-8', 'TERM=xterm', true],
    ['xt-nc', 'NO_COLOR=1', false],
  ] as const) {
    const t = new Tmux(name);
    const pidFile = path.join(dir, `${name}.pid`);
    try {
      t.start(`echo $$ >'${pidFile}'; exec env ${env} ${cmd}`, 160, 48);
      const plain = await t.waitFor(/2 nodes — httpd refused/);
      expect(plain).toMatch(/\d+ FAILED/);
      const raw = require('node:child_process').execFileSync('tmux', ['-L', t.server, 'capture-pane', '-e', '-p', '-t', 'main'], {
        encoding: 'utf8',
      }) as string;
      const colours = raw.match(/\x1b\[[\d;]*m/g)?.filter((sgr) => /(^|[[;])(3[0-7]|4[0-7]|38|48|9[0-7])(;|m)/.test(sgr.replace('\x1b', ''))) ?? [];
      if (colour) {
        expect(colours.length).toBeGreaterThan(0);
        expect(raw).not.toMatch(/\x1b\[[\d;]*(38|48);5;/); // no 256-colour sequences
      } else expect(colours).toEqual([]);
      // Inverse video still marks the cursor row without colour.
      expect(raw).toMatch(/\x1b\[[\d;]*7m/);
    } finally {
      t.kill();
    }
    // The terminal went away with its tmux: the UI ends (it does not spin on a dead terminal).
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    const deadline = Date.now() + 5000;
    const alive = (): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive()).toBe(false);
  }
});

test('q quits cleanly, leaving no stack trace', async () => {
  tmux.keys('q');
  const exitFile = path.join(dir, 'tui.exit');
  const deadline = Date.now() + 5000;
  while (!fs.existsSync(exitFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(fs.readFileSync(exitFile, 'utf8').trim()).toBe('0');
  // The terminal is given back: no UI left on it.
  expect(tmux.capture()).not.toMatch(/ROOT CAUSES SHARED/);
  const err = fs.readFileSync(path.join(dir, 'tui.err'), 'utf8');
  expect(err).not.toMatch(/\n\s+at /);
  expect(err).not.toMatch(/Error on/);
});
