#!/usr/bin/env node
// xtriaged: receives remote syslog, tails the MN's logs, and keeps every node's provisioning
// diagnosis current. Embedded defaults need no xCAT, no root and no port 514.

import { parseArgs } from 'node:util';
import * as fs from 'node:fs';
import { ConfigError, defaults, loadConfigFile, type DaemonConfig } from '../config';
import { Daemon, DaemonStartError } from '../daemon';
import { sanitizeForTerminal } from '../sanitize';

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
    if (file) cfg = loadConfigFile(file, cfg);
    else if (fs.existsSync('/etc/xtriage/xtriaged.yaml') && process.getuid?.() === 0) cfg = loadConfigFile('/etc/xtriage/xtriaged.yaml', cfg);
  } catch (e) {
    if (e instanceof ConfigError) {
      log(`refusing to start: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (values.udp) cfg.udp = values.udp as string[];
  if (values.tcp) cfg.tcp = values.tcp as string[];
  if (values.logs) cfg.logs = values.logs as string;
  if (values.state) cfg.state = values.state as string;
  if (values.socket) cfg.socket = values.socket as string;
  if (values.patterns) cfg.patterns = [...cfg.patterns, ...(values.patterns as string[])];

  let daemon: Daemon;
  try {
    daemon = await Daemon.start(cfg, log);
  } catch (e) {
    if (e instanceof DaemonStartError) {
      log(`cannot start: ${e.message}`);
      return 1;
    }
    log(`cannot start: ${(e as Error).message}`);
    return 1;
  }
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

// Nothing may crash the daemon: log and keep going.
process.on('uncaughtException', (e) => log(`internal error (kept running): ${e.stack ?? e.message}`));
process.on('unhandledRejection', (e) => log(`internal error (kept running): ${(e as Error)?.stack ?? String(e)}`));

main().then((code) => process.exit(code));
