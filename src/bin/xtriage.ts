#!/usr/bin/env node
// xtriage: the admin's CLI (and, with no subcommand, the terminal UI on the live daemon).

import { UsageError } from '../util/usage-error';
import { analyzeCommand } from '../cli/analyze-cmd';
import { patternsCommand } from '../cli/patterns-cmd';
import { showCommand, statusCommand, tuiCommand, watchCommand } from '../cli/live-cmd';
import { demoCommand } from '../cli/demo-cmd';

const HELP = `usage: xtriage [COMMAND] [ARGS]

  analyze PATH...      offline analysis of collected logs, xcatsnap bundles, capture files
  patterns test|try|list   check, try and list pattern files
  status [--json]      the cluster at a glance, from the running xtriaged
  show NODE|MAC|IP     one node: root cause, symptoms, timeline
  watch                one line per change, as it happens
  demo                 start a daemon, replay a demo cluster into it, open the UI

With no COMMAND: the terminal UI on the running xtriaged (--socket PATH; ? inside for keys).
Run \`xtriage COMMAND --help\` for a command's options.
`;

type Command = (argv: string[]) => Promise<number>;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const commands: Record<string, Command> = {
    analyze: analyzeCommand,
    patterns: patternsCommand,
    status: statusCommand,
    show: showCommand,
    watch: watchCommand,
    tui: tuiCommand,
    demo: demoCommand,
  };
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  // No subcommand (possibly with options such as --socket): the terminal UI.
  if (cmd === undefined || cmd.startsWith('-')) return tuiCommand(argv);
  const run = commands[cmd];
  if (!run) throw new UsageError(`unknown command "${cmd}" (try xtriage --help)`);
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const e = err as NodeJS.ErrnoException;
    if (err instanceof UsageError || e?.code?.startsWith?.('ERR_PARSE_ARGS')) {
      process.stderr.write(`xtriage: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`xtriage: ${e?.message ?? String(err)}\n`);
      if (process.env.XTRIAGE_DEBUG) process.stderr.write(`${e?.stack}\n`);
      process.exitCode = 2;
    }
  },
);
