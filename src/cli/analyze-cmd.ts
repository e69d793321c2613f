// `xtriage analyze PATH... [--capture FILE]... [--now TIME] [--json] [--node SPEC]`

import { parseArgs } from 'node:util';
import { analyze } from '../analyze';
import { UsageError } from '../util/usage-error';
import { loadKb } from '../patterns/kb';
import { exitStatusOf, renderReport } from './report';
import { parseIso } from '../sources/timestamps';
import { filterDoc } from '../view/filter';
import { nearestNames, noderangeProblem } from '../util/noderange';
import { progressLine } from './progress';
import { KIND_NAMES } from '../sources/kinds';
import type { FileKind } from '../records/line-reader';

/** Everything on standard input (a pasted fragment; Ctrl-D ends it on a terminal). */
async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function analyzeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      capture: { type: 'string', multiple: true, default: [] },
      hosts: { type: 'string', multiple: true, default: [] },
      now: { type: 'string' },
      as: { type: 'string' },
      json: { type: 'boolean', default: false },
      node: { type: 'string' },
      patterns: { type: 'string', multiple: true, default: [] },
      'no-local-patterns': { type: 'boolean', default: false },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(ANALYZE_HELP);
    return 0;
  }
  if (!positionals.length && !values.capture.length)
    throw new UsageError('analyze needs a PATH (log directory, xcatsnap tarball, log file, - for standard input, or capture file) or --capture FILE');
  let now: number | undefined;
  if (values.now !== undefined) {
    const t = parseIso(values.now) ?? (/^\d+$/.test(values.now) ? Number(values.now) * 1000 : null);
    if (t === null || !Number.isFinite(t)) throw new UsageError(`--now: not a time: ${values.now} (use ISO 8601, e.g. 2026-11-24T10:00:00Z)`);
    now = t;
  }
  let as: FileKind | 'capture' | undefined;
  if (values.as !== undefined) {
    as = KIND_NAMES[values.as];
    if (!as) throw new UsageError(`--as: unknown kind ${JSON.stringify(values.as)} (one of: ${Object.keys(KIND_NAMES).join(', ')})`);
  }
  if (values.node !== undefined) {
    const problem = noderangeProblem(values.node);
    if (problem) throw new UsageError(`--node: malformed noderange ${JSON.stringify(values.node)}: ${problem}`);
  }
  let threads: number | undefined;
  if (values.threads !== undefined) {
    if (!/^\d{1,2}$/.test(values.threads))
      throw new UsageError(`--threads: not a number of threads: ${JSON.stringify(values.threads)} (0 to 16; 0 reads on one thread)`);
    threads = Math.min(16, Number(values.threads));
  }
  const kb = loadKb(values.patterns, { local: !values['no-local-patterns'] });
  for (const p of kb.problems) process.stderr.write(`xtriage: pattern problem: ${p}\n`);
  const progress = process.stderr.isTTY && !values.json ? progressLine(process.stderr) : null;
  const result = await analyze({
    paths: positionals,
    ...(as ? { as } : {}),
    stdin: readStdin,
    captures: values.capture,
    identity: values.hosts,
    now,
    kb,
    ...(threads !== undefined ? { threads } : {}),
    progress: progress?.update,
    warn: (m) => {
      progress?.clear();
      process.stderr.write(`xtriage: ${m}\n`);
    },
  });
  progress?.clear();
  const doc = values.node !== undefined ? filterDoc(result.doc, values.node) : result.doc;
  if (values.node !== undefined && !doc.sessions.length) {
    // A --node that matches nothing is a mistake in the command, not a clean cluster.
    const names = result.doc.sessions.map((s) => s.node ?? s.mac ?? s.id);
    const near = nearestNames(values.node, names);
    process.stderr.write(
      `xtriage: --node ${values.node} matches none of the ${new Set(names).size} machines in the input${near.length ? `; nearest: ${near.join(', ')}` : ''}\n`,
    );
    return 2;
  }
  if (values.json) process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  else {
    const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
    process.stdout.write(renderReport(doc, { color, width: process.stdout.isTTY ? (process.stdout.columns ?? 120) : 100_000 }));
  }
  // 0 only when every machine's last attempt succeeded or is within normal time, and no MN-side fault stands.
  return exitStatusOf(doc);
}

const ANALYZE_HELP = `usage: xtriage analyze PATH... [--as KIND] [--capture FILE]... [--now TIME] [--json] [--node SPEC] [--threads N]

PATH      a directory laid out like /var/log (messages or syslog, xcat/, httpd/ or apache2/,
          consoles/, goconserver/nodes/, rotated siblings and .gz; other files are read when
          their lines parse as logs), an xcatsnap .tar/.tar.gz, any log file (its kind is
          recognised by its content: a node's xcat.log, a console log, journalctl output, a
          pasted fragment), - for standard input, or a capture file (JSON lines as xtriaged
          spools them)
--as KIND          read the files given (and standard input) as KIND: console, node-xcatlog,
                   journal, text, messages, cluster.log, computes.log, commands.log,
                   access_log, error_log, capture
--capture FILE     a capture file (repeatable)
--now TIME         reference time for stall detection (default: the latest time seen)
--json             print one JSON document (sessions, groups, unknownErrors)
--node SPEC        only these machines: a node name, xCAT noderange (cn[001-064],gpu01), MAC or IP
--patterns DIR     extra pattern files (repeatable), loaded after /etc/xtriage/patterns.d
--hosts FILE       identity file (repeatable): /etc/hosts, dhcpd.leases, xCAT mac.csv or
                   hosts.csv; those inside a bundle (etc/hosts, …) are found by themselves
--threads N        threads that read and match files ahead of the analysis (default: one per
                   core besides the analysis's own, for inputs of 32 MB or more; 0: none)

exit status: 0 every machine's last attempt succeeded or is within normal time; 1 some
             did not (failed, stalled, looping, or a fragment ending on an error), or an
             MN-side fault was found; 2 bad usage, no readable input (nothing that is a
             log), a --node that matches no machine or is not a noderange
`;
