// The live CLI over the running daemon: `xtriage status`, `show`, `watch`, and the TUI (no
// subcommand). Same text as the TUI's screens (src/tui/cluster.ts, node.ts). Exit status:
// 0 ok, 1 daemon unreachable (one line on stderr) or nothing matched, 2 usage.

import { parseArgs } from 'node:util';
import { ApiError, followEvents, getJson } from '../api/client';
import { clientSocket } from '../util/socket-path';
import type { AnalysisDoc, SessionDoc } from '../contract';
import { UsageError } from '../util/usage-error';
import { sessionMatcher } from '../view/filter';
import { clusterText } from '../tui/cluster';
import { nodeRows } from '../tui/node';
import { stageMedians } from '../tui/timeline';
import { toAnsi, span, outcomeTone, type Line } from '../tui/style';
import type { Health, SessionDetail } from '../tui/store';
import { nameOf, outcomeCell, pad } from '../tui/format';
import { exitSoon, runTui } from '../tui/run';

const SOCKET_OPT = { socket: { type: 'string' as const }, help: { type: 'boolean' as const, short: 'h', default: false } };

function colorFor(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
}

function print(lines: Line[], color: boolean, width?: number): void {
  process.stdout.write(lines.map((l) => toAnsi(l, { color, width })).join('\n') + '\n');
}

/** One clear line for a daemon that cannot be reached; anything else is rethrown. */
function unreachable(e: unknown): number {
  if (e instanceof ApiError) {
    process.stderr.write(`xtriage: ${e.message}\n`);
    return 1;
  }
  throw e;
}

// ---------------------------------------------------------------------------------------------

export async function statusCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { ...SOCKET_OPT, json: { type: 'boolean', default: false } } });
  if (values.help) {
    process.stdout.write(STATUS_HELP);
    return 0;
  }
  const socket = values.socket ?? clientSocket();
  let doc: AnalysisDoc;
  let health: Health | null = null;
  try {
    doc = await getJson<AnalysisDoc>(socket, '/v1/sessions', 60_000);
    if (!values.json) health = await getJson<Health>(socket, '/v1/health').catch(() => null);
  } catch (e) {
    return unreachable(e);
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    return 0;
  }
  const rate = health && typeof health.received === 'number' && health.uptimeS ? health.received / Math.max(1, health.uptimeS) : null;
  const sessions = new Map(doc.sessions.map((s) => [s.id, s]));
  const lines = clusterText({ sessions, groups: doc.groups, health, rate, unknownErrors: doc.unknownErrors });
  if (health) lines[1] = [...lines[1]!, span('   (msg/s averaged since the daemon started)', 'dim')];
  print(lines, colorFor(process.stdout), process.stdout.isTTY ? process.stdout.columns : undefined);
  return 0;
}

const STATUS_HELP = `usage: xtriage status [--json] [--socket PATH]

The cluster at a glance from the running xtriaged: counts by outcome, reception health,
root causes shared by several nodes (largest first, with their nodes), then every other node.
--json     print exactly the daemon's /v1/sessions document (same shape as analyze --json)
--socket   the daemon's socket (default: $XTRIAGE_SOCKET, else /run/xtriage/xtriaged.sock when it
           exists, else $XDG_RUNTIME_DIR/xtriaged.sock)
exit status: 0 ok, 1 daemon unreachable, 2 usage
`;

// ---------------------------------------------------------------------------------------------

/** The latest session of each machine matching NODE|MAC|IP|noderange|session id. */
export function pickSessions(doc: AnalysisDoc, spec: string): SessionDoc[] {
  const exact = sessionMatcher(spec);
  const hits = doc.sessions.filter((s) => exact(s) || s.id === spec || (spec.length >= 6 && s.id.startsWith(spec)));
  const byMachine = new Map<string, SessionDoc>();
  for (const s of hits) {
    const k = s.mac ?? s.node ?? s.ips[0] ?? s.id;
    const cur = byMachine.get(k);
    if (!cur || s.startedAt > cur.startedAt) byMachine.set(k, s);
  }
  return [...byMachine.values()];
}

export async function showCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { ...SOCKET_OPT, json: { type: 'boolean', default: false } },
  });
  if (values.help) {
    process.stdout.write(SHOW_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('show needs one NODE, MAC, IP or noderange (try xtriage show --help)');
  const spec = positionals[0]!;
  const socket = values.socket ?? clientSocket();
  let doc: AnalysisDoc;
  let details: SessionDetail[];
  try {
    doc = await getJson<AnalysisDoc>(socket, '/v1/sessions', 60_000);
    const picked = pickSessions(doc, spec);
    if (!picked.length) {
      process.stderr.write(`xtriage: no session matches ${spec} (names, MACs and IPs the daemon has seen: xtriage status)\n`);
      return 1;
    }
    details = await Promise.all(picked.map((s) => getJson<SessionDetail>(socket, `/v1/sessions/${encodeURIComponent(s.id)}`)));
  } catch (e) {
    return unreachable(e);
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(details.length === 1 ? details[0] : details, null, 2)}\n`);
    return 0;
  }
  const color = colorFor(process.stdout);
  const width = process.stdout.isTTY ? process.stdout.columns : Infinity;
  const medians = stageMedians(doc.sessions);
  details.forEach((d, i) => {
    if (i) process.stdout.write('\n');
    const rows = nodeRows({ session: d, detail: d, medians, open: 'all', width, now: Date.now() }).filter((r) => r.key !== 'loghint' && r.key !== 'b6');
    print(
      rows.map((r) => r.render()),
      color,
      Number.isFinite(width) ? width : undefined,
    );
  });
  return 0;
}

const SHOW_HELP = `usage: xtriage show NODE|MAC|IP [--json] [--socket PATH]

One machine from the running xtriaged: outcome, stage, root cause with evidence and
remedy, symptoms, other attempts and the timeline of milestones (slow stages marked).
A noderange (cn[01-04]) shows each matching machine. --json prints the daemon's session
document with its timeline (an array when several machines match).
exit status: 0 ok, 1 daemon unreachable or no session matches, 2 usage
`;

// ---------------------------------------------------------------------------------------------

function watchLine(s: SessionDoc, before: SessionDoc | undefined): Line {
  const line: Line = [
    span(`${localClock()}  `),
    span(outcomeCell(s.outcome), outcomeTone(s.outcome)),
    span(' '),
    span(pad(nameOf(s), 12), 'bold'),
    span(`  ${pad(s.mac ?? '-', 17)}  ${pad(s.ips[0] ?? '-', 15)}  ${pad(s.stage, 15)}`),
  ];
  if (!before) line.push(span(' new'));
  else if (before.outcome !== s.outcome) line.push(span(` was ${before.outcome.toUpperCase()}`));
  if (s.rootCause && s.outcome !== 'running' && s.outcome !== 'succeeded') line.push(span(' — '), span(s.rootCause.title));
  else if (s.stall) line.push(span(` — no progress after ${s.stall.last ?? 'the start'}`));
  return line;
}

function localClock(): string {
  const d = new Date();
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** What a person watching cares about: outcome, stage, cause, attempts. */
function interesting(a: SessionDoc | undefined, b: SessionDoc): boolean {
  return !a || a.outcome !== b.outcome || a.stage !== b.stage || a.rootCause?.title !== b.rootCause?.title || a.attempts !== b.attempts;
}

export async function watchCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { ...SOCKET_OPT, json: { type: 'boolean', default: false } } });
  if (values.help) {
    process.stdout.write(WATCH_HELP);
    return 0;
  }
  const socket = values.socket ?? clientSocket();
  const color = colorFor(process.stdout);
  const known = new Map<string, SessionDoc>();
  try {
    const doc = await getJson<AnalysisDoc>(socket, '/v1/sessions', 60_000);
    for (const s of doc.sessions) known.set(s.id, s);
  } catch (e) {
    return unreachable(e);
  }
  const out = (text: string): void => {
    process.stdout.write(`${text}\n`);
  };
  const emit = (s: SessionDoc): void => {
    const before = known.get(s.id);
    known.set(s.id, s);
    if (!interesting(before, s)) return;
    if (values.json) out(JSON.stringify({ event: 'session', session: s }));
    else out(toAnsi(watchLine(s, before), { color }));
  };
  const removed = (id: string): void => {
    const before = known.get(id);
    known.delete(id);
    if (!before) return;
    if (values.json) out(JSON.stringify({ event: 'removed', id }));
    else
      out(
        toAnsi([span(`${localClock()}  `), span('REMOVED  ', 'bold'), span(` ${pad(nameOf(before), 12)}  session ${id} replaced by a newer one`)], { color }),
      );
  };
  return new Promise<number>((resolve) => {
    let lost = false;
    let resync = false;
    // "watching" once the event stream is connected and what changed since the first read is
    // caught up (said before, a change between the two was never shown).
    let started = false;
    const stop = followEvents(
      socket,
      (e) => {
        if (resync) return;
        try {
          if (e.event === 'session') emit(JSON.parse(e.data) as SessionDoc);
          else if (e.event === 'removed') removed((JSON.parse(e.data) as { id: string }).id);
        } catch {
          /* a malformed event is skipped */
        }
      },
      (connected, err) => {
        if (!connected) {
          if (!lost) process.stderr.write(`xtriage: ${err?.message ?? 'lost the daemon'} — reconnecting…\n`);
          lost = true;
          return;
        }
        if (started && !lost) return;
        const first = !started;
        started = true;
        if (lost) process.stderr.write('xtriage: reconnected\n');
        lost = false;
        const say = (): void => {
          if (first) process.stderr.write(`xtriage: watching ${known.size} sessions at ${socket} (Ctrl-C stops)\n`);
        };
        // What changed while we were away (or since the first read), then live again.
        resync = true;
        getJson<AnalysisDoc>(socket, '/v1/sessions', 60_000).then(
          (doc) => {
            const seen = new Set<string>();
            for (const s of doc.sessions) {
              seen.add(s.id);
              emit(s);
            }
            for (const id of [...known.keys()]) if (!seen.has(id)) removed(id);
            resync = false;
            say();
          },
          () => {
            resync = false;
            say();
          },
        );
      },
    );
    const finish = (code: number): void => {
      stop();
      resolve(code);
    };
    process.once('SIGINT', () => finish(0));
    process.once('SIGTERM', () => finish(0));
    process.stdout.on('error', (e: NodeJS.ErrnoException) => finish(e.code === 'EPIPE' ? 0 : 1));
  });
}

const WATCH_HELP = `usage: xtriage watch [--json] [--socket PATH]

One line per session change as it happens (a new session, a new stage, an outcome or a
root cause that changed), for a terminal or a pipe. --json: one JSON object per line,
{"event":"session","session":{...}} or {"event":"removed","id":"..."}.
Keeps running across daemon restarts (reconnects, then prints what changed meanwhile).
exit status: 0 when stopped (Ctrl-C, SIGTERM, closed pipe), 1 daemon unreachable at start, 2 usage
`;

// ---------------------------------------------------------------------------------------------

export async function tuiCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: SOCKET_OPT });
  if (values.help) {
    process.stdout.write(TUI_HELP);
    return 0;
  }
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    process.stderr.write('xtriage: the terminal UI needs a terminal; for a pipe use `xtriage status` or `xtriage watch`\n');
    return 2;
  }
  const socket = values.socket ?? clientSocket();
  const code = await runTui({ socket });
  exitSoon(code);
  return code;
}

const TUI_HELP = `usage: xtriage [--socket PATH]

The terminal UI on the running xtriaged. ? inside shows every key.
`;
