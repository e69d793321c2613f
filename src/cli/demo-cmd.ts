// `xtriage demo [--speed N] [--nodes N] [--no-tui] [--keep]`: a real xtriaged (child
// process, private state, socket and ports in a temporary directory), a generated cluster
// replayed into it over real UDP and file appends at a pace a person can follow (about three
// minutes; --speed multiplies), and the TUI on it. Quitting the TUI stops the replay and the
// daemon and removes the temporary directory. `npm start` runs this.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../util/usage-error';
import { getJson } from '../api/client';
import type { AnalysisDoc } from '../contract';
import { demoCluster } from '../demo/scenario';
import { Replay, canBindLoopback } from '../demo/replay';
import { startChildDaemon, type ChildDaemon } from '../demo/child-daemon';
import { exitSoon, runTui } from '../tui/run';
import { clusterText } from '../tui/cluster';
import type { Health } from '../tui/store';
import { span, toAnsi, type Line } from '../tui/style';
import { duration } from '../tui/format';

/** At --speed 1, most of the cluster's story (90% of its lines) takes this many wall-clock seconds… */
const BULK_S = 150;
/** …and the replay stops after this many (the rest is a booted cluster's quiet hours). */
const CUT_S = 240;

const DEMO_HELP = `usage: xtriage demo [--speed N] [--nodes N] [--no-tui] [--keep]

Starts a private xtriaged (temporary state, socket and loopback ports), replays a generated
cluster into it over UDP (node lines, each node from its own 127.0.x.y address) and by
appending to a /var/log-shaped tree it tails (MN lines), and opens the terminal UI on it.
The cluster: clean installs, a postscript httpd refuses to several nodes, a MAC dhcpd has no
lease for, a node that stalls after DHCP and one that reinstalls in a loop.

--speed N    replay N times faster (default 1: about ${CUT_S / 60} minutes)
--nodes N    cluster size (default 64, 8 to 2000)
--no-tui     no UI: progress on stderr, the cluster status at the end
--keep       keep the temporary directory (daemon log, spool, generated logs)
Quit the UI (q) to stop the replay and the daemon.
`;

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      speed: { type: 'string', default: '1' },
      nodes: { type: 'string', default: '64' },
      seed: { type: 'string', default: '2026' },
      'no-tui': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(DEMO_HELP);
    return 0;
  }
  const speed = Number(values.speed);
  if (!Number.isFinite(speed) || speed <= 0 || speed > 10_000) throw new UsageError(`--speed: expected a number above 0, got "${values.speed}"`);
  const nodes = Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 8 || nodes > 2000) throw new UsageError(`--nodes: expected a whole number from 8 to 2000, got "${values.nodes}"`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed: expected a whole number, got "${values.seed}"`);
  let tui = !values['no-tui'];
  if (tui && (!process.stdout.isTTY || !process.stdin.isTTY)) {
    process.stderr.write('xtriage demo: not a terminal, running without the UI (--no-tui)\n');
    tui = false;
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xtriage-demo-'));
  const logs = path.join(dir, 'log');
  for (const f of ['messages', 'xcat/cluster.log', 'xcat/computes.log', 'xcat/commands.log', 'httpd/access_log', 'httpd/error_log']) {
    fs.mkdirSync(path.dirname(path.join(logs, f)), { recursive: true });
    fs.writeFileSync(path.join(logs, f), '');
  }
  const perNode = nodes <= 500 && (await canBindLoopback());
  const plan = demoCluster({ nodes, seed, start: new Date(), loopbackIps: perNode });
  const spanS = (plan.cluster.end.getTime() - plan.cluster.start.getTime()) / 1000;
  const bulkS = (percentileAt(plan.cluster, 0.9) - plan.cluster.start.getTime()) / 1000;
  const compression = Math.max(1, bulkS / BULK_S) * speed;
  const cutAfterS = CUT_S / speed;

  let daemon: ChildDaemon | null = null;
  let replay: Replay | null = null;
  let replaying: Promise<void> = Promise.resolve();
  let cleaned = false;
  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    replay?.stop();
    await replaying.catch(() => undefined);
    await daemon?.stop();
    if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    // The MN's /etc/hosts, as makehosts writes it: names for machines the logs never name.
    const hosts = path.join(dir, 'hosts');
    fs.writeFileSync(hosts, plan.cluster.truth.nodes.map((n) => `${n.ip} ${n.node}`).join('\n') + '\n');
    daemon = await startChildDaemon(dir, logs, 30_000, 1 / compression, [hosts]);
  } catch (e) {
    process.stderr.write(`xtriage demo: ${(e as Error).message}\n`);
    await cleanup();
    return 1;
  }
  const d = daemon;
  replay = new Replay({ cluster: plan.cluster, logs, udpPort: d.udpPort, compression, perNodeSource: perNode, cutAfterS });
  const r = replay;
  let replayError: Error | null = null;
  replaying = r.run().catch((e: Error) => {
    replayError = e;
  });

  const progress = (): string => {
    const pct = Math.min(100, Math.round((100 * r.elapsedS) / Math.max(1, r.totalS)));
    const simS = Math.min(spanS, r.totalS * compression);
    return `${r.done ? 'replay finished' : `${pct}%`} (${duration(Math.min(r.elapsedS, r.totalS))} of ${duration(r.totalS)}: ${duration(simS)} of cluster time at ×${compression.toFixed(compression < 10 ? 1 : 0)}) · ${fmt(r.counters.datagrams)} datagrams from ${perNode ? 'the nodes’ own 127.0.x.y addresses' : 'the nodes (via a loopback relay)'} · ${fmt(r.counters.lines)} MN lines appended`;
  };
  const banner = (): Line => {
    if (d.proc.exitCode !== null || d.proc.signalCode !== null)
      return [span(' DEMO ', 'alert'), span(` the demo's xtriaged exited: ${d.tail()} (log: ${d.logFile})`, 'error')];
    if (replayError) return [span(' DEMO ', 'alert'), span(` the replay failed: ${(replayError as Error).message}`, 'error')];
    return [span(' DEMO ', 'alert'), span(` ${plan.cluster.nodes.length} generated nodes: ${progress()}${r.done ? ' — q quits' : ''}`)];
  };
  const story = (): string =>
    [
      'What the demo planted (compare with what xtriage found):',
      ...plan.story.map((s) => `  ${s}`),
      values.keep ? `Kept: ${dir} (xtriaged.log, state/, log/)` : '',
    ]
      .filter(Boolean)
      .join('\n') + '\n';

  if (tui) {
    let code = 0;
    try {
      code = await runTui({ socket: d.socket, banner });
    } finally {
      await cleanup();
    }
    try {
      process.stdout.write(story());
      process.stdout.write(`xtriage demo: replay and daemon stopped${values.keep ? '' : ', temporary files removed'}.\n`);
    } catch {
      /* the terminal is gone */
    }
    exitSoon(code);
    return code;
  }

  // Without the UI: progress on stderr, the status at the end.
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
    r.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.stderr.write(
    `xtriage demo: daemon at ${d.socket} (try \`xtriage status --socket ${d.socket}\` or \`xtriage --socket ${d.socket}\` in another terminal)\n`,
  );
  const ticker = setInterval(() => process.stderr.write(`xtriage demo: ${progress()}\n`), 10_000);
  try {
    await replaying;
    clearInterval(ticker);
    if (replayError) throw replayError;
    if (!interrupted) {
      process.stderr.write(`xtriage demo: ${progress()}\n`);
      await settle(d.socket);
      const doc = await getJson<AnalysisDoc>(d.socket, '/v1/sessions', 60_000);
      const health = await getJson<Health>(d.socket, '/v1/health').catch(() => null);
      const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
      const lines = clusterText({
        sessions: new Map(doc.sessions.map((s) => [s.id, s])),
        groups: doc.groups,
        health,
        rate: null,
        unknownErrors: doc.unknownErrors,
      });
      process.stdout.write(`${lines.map((l) => toAnsi(l, { color })).join('\n')}\n\n${story()}`);
    }
  } catch (e) {
    process.stderr.write(`xtriage demo: ${(e as Error).message}\n`);
    return 1;
  } finally {
    clearInterval(ticker);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
  return interrupted ? 130 : 0;
}

/** When the given share of the cluster's lines has happened (epoch ms). */
function percentileAt(c: ReturnType<typeof demoCluster>['cluster'], q: number): number {
  const times: number[] = [];
  for (const ev of c.events()) times.push(ev.at);
  times.sort((a, b) => a - b);
  return times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? c.end.getTime();
}

/** Wait until the daemon has read everything sent (tailer and backlog idle), then one more snapshot. */
async function settle(socket: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let still = 0;
  while (Date.now() < deadline) {
    const h = await getJson<Health>(socket, '/v1/health').catch(() => null);
    const parsed = h?.parsed ?? -1;
    if (h && (h.backlog ?? 0) === 0 && (h.lagMs ?? 0) === 0 && parsed === last) {
      if (++still >= 3) return;
    } else still = 0;
    last = parsed;
    await new Promise((r) => setTimeout(r, 300));
  }
}
