#!/usr/bin/env node
// xtriaged: receives remote syslog, tails the MN's logs, and keeps every node's provisioning
// diagnosis current. Embedded defaults need no xCAT, no root and no port 514.

import { parseArgs } from 'node:util';
import * as fs from 'node:fs';
import { ConfigError, checkFlags, defaults, loadConfigFile, type DaemonConfig } from '../config';
import { Daemon } from '../daemon/daemon';
import { sanitizeForTerminal } from '../util/sanitize';

const HELP = `usage: xtriaged [--config FILE] [--udp HOST:PORT]... [--tcp HOST:PORT]... [--logs DIR]
                [--state DIR] [--socket PATH] [--patterns DIR]...

Defaults: UDP and TCP on 127.0.0.1:5514, no MN logs, state and socket under your
state/runtime directories. Production: --config /etc/xtriage/xtriaged.yaml.
Signals: SIGTERM stops cleanly (spool flushed); SIGHUP reloads patterns.
`;

// A closed stderr (the terminal or pipe it was started from went away) must not become an
// error that is logged to stderr, which fails, which is logged… : logging just stops.
let stderrGone = false;
process.stderr.on('error', () => {
  stderrGone = true;
});
// A log line may carry text from outside (a file name, a damaged spool line's reason, an
// exception's message): escaped like any log text before it reaches a terminal or the journal,
// one record per line.
function log(line: string): void {
  if (stderrGone) return;
  try {
    process.stderr.write(`xtriaged: ${sanitizeForTerminal(line, 8000)}\n`);
  } catch {
    stderrGone = true;
  }
}

async function main(): Promise<number> {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      strict: true,
      options: {
        config: { type: 'string' },
        udp: { type: 'string', multiple: true },
        tcp: { type: 'string', multiple: true },
        logs: { type: 'string' },
        state: { type: 'string' },
        socket: { type: 'string' },
        patterns: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    log((e as Error).message);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  let cfg: DaemonConfig = defaults();
  try {
    const file = values.config as string | undefined;
    if (file) cfg = loadConfigFile(file, cfg, { checkSystem: true });
    else if (fs.existsSync('/etc/xtriage/xtriaged.yaml') && process.getuid?.() === 0)
      cfg = loadConfigFile('/etc/xtriage/xtriaged.yaml', cfg, { checkSystem: true });
  } catch (e) {
    if (e instanceof ConfigError) {
      const lines = e.message.split('\n');
      if (lines.length === 1) log(`refusing to start: ${e.message}`);
      else {
        log(`refusing to start: ${lines.length} problems in the configuration:`);
        for (const l of lines) log(`  ${l}`);
      }
      return 2;
    }
    throw e;
  }
  try {
    checkFlags({ udp: values.udp as string[] | undefined, tcp: values.tcp as string[] | undefined });
  } catch (e) {
    log(`refusing to start: ${(e as Error).message}`);
    return 2;
  }
  cfg.origins = { ...cfg.origins };
  if (values.udp) ((cfg.udp = values.udp as string[]), (cfg.origins.udp = 'flag --udp'));
  if (values.tcp) ((cfg.tcp = values.tcp as string[]), (cfg.origins.tcp = 'flag --tcp'));
  if (values.logs) cfg.logs = values.logs as string;
  if (values.state) cfg.state = values.state as string;
  if (values.socket) cfg.socket = values.socket as string;
  if (values.patterns) cfg.patterns = [...cfg.patterns, ...(values.patterns as string[])];

  // State, spool, store and socket are owner/group-only whatever the umask we were started
  // with (outside systemd it is usually 022): every file the daemon creates, from the start.
  process.umask(process.umask() | 0o027);

  let daemon: Daemon;
  try {
    daemon = await Promise.race([Daemon.start(cfg, log), startupFailure]);
  } catch (e) {
    // One line: what failed and where (the message names the path); never a stack.
    // A listen address that cannot be bound: say where it was set (file and line, or the flag).
    const listen = /cannot listen on (udp|tcp) /.exec(firstLine(e));
    const origin = listen ? cfg.origins?.[listen[1] as 'udp' | 'tcp'] : undefined;
    log(`cannot start: ${firstLine(e)}${origin ? ` (${origin.startsWith('flag') ? origin : `key "${listen![1]}" at ${origin}`})` : ''}`);
    return 1;
  }
  started = true;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (sig: string): void => {
      if (stopping) return;
      stopping = true;
      log(`${sig}: stopping`);
      const hard = setTimeout(() => {
        log('stop took too long; exiting');
        resolve(1);
      }, 5000);
      hard.unref();
      daemon.stop().then(
        () => {
          clearTimeout(hard);
          log('stopped');
          resolve(0);
        },
        (e: unknown) => {
          log(`error while stopping: ${(e as Error).message}`);
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      try {
        daemon.reloadPatterns();
      } catch (e) {
        log(`pattern reload failed: ${(e as Error).message}`);
      }
    });
  });
}

/** The error's message, never its stack (log() escapes a newline in it: one record, one line). */
function firstLine(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// Until the daemon is ready, any error is fatal: it exits non-zero with one line (so systemd's
// Restart=on-failure sees it), never a daemon that listens on nothing. Once it runs, nothing may
// crash it: log and keep going.
let started = false;
let failStartup: (e: unknown) => void = () => undefined;
const startupFailure = new Promise<never>((_res, rej) => {
  failStartup = rej;
});
startupFailure.catch(() => undefined);
function internalError(e: unknown): void {
  if (!started) {
    failStartup(e);
    return;
  }
  log(`internal error (kept running): ${(e as Error)?.stack ?? String(e)}`);
}
process.on('uncaughtException', internalError);
process.on('unhandledRejection', internalError);
// The event loop emptied before start-up finished (a promise that will never settle): fatal too.
process.on('beforeExit', () => {
  if (started) return;
  log('cannot start: start-up stopped before the daemon was ready');
  process.exit(1);
});

main().then((code) => process.exit(code));
