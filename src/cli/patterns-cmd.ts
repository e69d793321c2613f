// `xtriage patterns test|try|list`: the knowledge base as something admins write and check,
// like fail2ban-regex and fail2ban's sample tests.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../util/usage-error';
import { loadKb, LOCAL_PATTERNS, SHIPPED_PATTERNS } from '../patterns/kb';
import { checkExamples, exampleRecord, fileKindOf } from '../patterns/examples';
import { loadKnowledgeBase, patternFilesIn } from '../patterns/load';
import { tryPattern } from '../patterns/match';
import { classify } from '../sources/mn-files';
import { readLines } from '../sources/read-lines';
import { LineReader, type FileKind } from '../records/line-reader';
import { sanitizeForTerminal as safe } from '../util/sanitize';
import type { Pattern } from '../types';

const HELP = `usage: xtriage patterns test [FILE|DIR]...
       xtriage patterns try PATTERN-FILE (LOG-FILE | --line TEXT) [--as KIND]
       xtriage patterns list [--patterns DIR]...

test   validate pattern files (schema, regexes, title fields, explains references,
       cycles) and run every example and counterexample; with no argument, the shipped
       knowledge base and ${LOCAL_PATTERNS}. Problems: file:line: pattern ID: what.
try    show which lines of a log match the file's patterns, with their fields, and the
       lines that nearly matched. KIND: messages, cluster.log, computes.log, access_log,
       error_log, commands.log, console, remote (default: from the log file's name).
list   every pattern and rule with its source file (local overrides marked).
`;

export async function patternsCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'test') return testCmd(rest);
  if (sub === 'try') return tryCmd(rest);
  if (sub === 'list') return listCmd(rest);
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(HELP);
    return sub === undefined ? 2 : 0;
  }
  throw new UsageError(`patterns: unknown subcommand "${sub}" (test, try, list)`);
}

function testCmd(argv: string[]): number {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: {} });
  const targets = positionals.map((p) => path.resolve(p));
  for (const t of targets) if (!fs.existsSync(t)) throw new UsageError(`${t}: no such file or directory`);
  // Given files are checked in the context of the shipped knowledge base (their references may
  // name shipped ids); only problems in the given files are reported.
  const kb = targets.length
    ? loadKnowledgeBase({ paths: [SHIPPED_PATTERNS, ...targets] })
    : loadKnowledgeBase({ paths: [SHIPPED_PATTERNS, LOCAL_PATTERNS], optional: [LOCAL_PATTERNS] });
  const files = new Set<string>();
  for (const t of targets.length ? targets : [SHIPPED_PATTERNS, LOCAL_PATTERNS]) {
    try {
      for (const f of patternFilesIn(t)) files.add(f);
    } catch {
      /* optional local dir */
    }
  }
  const mine = (p: string): boolean => [...files].some((f) => p.startsWith(`${f}:`));
  const problems = [...kb.problems.filter(mine), ...checkExamples(kb.patterns).filter(mine)];
  const own = kb.patterns.filter((p) => files.has(p.file));
  const examples = own.reduce((n, p) => n + p.examples.length + p.counterexamples.length, 0);
  for (const p of problems) process.stdout.write(`${safe(p)}\n`);
  const ruleCount = kb.rules.filter((r) => files.has(r.file)).length;
  process.stdout.write(
    `${files.size} file(s), ${own.length} pattern(s), ${ruleCount} rule(s), ${examples} example line(s): ${problems.length ? `${problems.length} problem(s)` : 'all good'}\n`,
  );
  return problems.length ? 1 : 0;
}

/** The literal text a regex starts with (after ^), for near-miss hints. */
function literalPrefix(p: Pattern): string {
  const src = p.regex.source.replace(/^\^/, '');
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const n = src[i + 1];
      if (n && /[^\w]/.test(n)) {
        out += n;
        i++;
        continue;
      }
      break;
    }
    if (/[.*+?()[\]{}|^$]/.test(c)) break;
    out += c;
  }
  return out;
}

async function tryCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { line: { type: 'string', multiple: true }, as: { type: 'string' } },
  });
  const [patternFile, logFile] = positionals;
  if (!patternFile) throw new UsageError('patterns try needs PATTERN-FILE and a LOG-FILE or --line TEXT');
  if (!fs.existsSync(patternFile)) throw new UsageError(`${patternFile}: no such file`);
  const kb = loadKnowledgeBase({ paths: [SHIPPED_PATTERNS, path.resolve(patternFile)] });
  const abs = path.resolve(patternFile);
  const mine = kb.patterns.filter((p) => p.file === abs);
  for (const p of kb.problems.filter((x) => x.startsWith(`${abs}:`))) process.stderr.write(`${safe(p)}\n`);
  if (!mine.length) throw new UsageError(`${patternFile}: no usable pattern in it`);
  let kind: FileKind | undefined;
  if (values.as) {
    kind = fileKindOf(values.as, mine[0]!.sources[0]!);
    if (!kind) throw new UsageError(`--as ${values.as}: not a file kind`);
  }
  const prefixes = mine.map((p) => ({ p, lit: literalPrefix(p) }));
  let n = 0;
  let matched = 0;
  let near = 0;
  const check = (rec: ReturnType<LineReader['read']>, lineNo: number): void => {
    if (!rec) return;
    for (const { p } of prefixes) {
      if (!p.sources.includes(rec.channel)) continue;
      const m = tryPattern(p, rec);
      if (m) {
        matched++;
        const fields = Object.entries(m.fields)
          .map(([k, v]) => `${k}=${safe(v, 200)}`)
          .join(' ');
        process.stdout.write(`${lineNo}: MATCH ${p.id}${fields ? `  ${fields}` : ''}\n    ${safe(rec.raw, 300)}\n`);
        return;
      }
    }
    for (const { p, lit } of prefixes) {
      if (p.sources.includes(rec.channel) && lit.length >= 4 && rec.message.includes(lit)) {
        near++;
        process.stdout.write(
          `${lineNo}: near  ${p.id}: starts like it ("${safe(lit, 60)}") but the rest does not match\n    message: ${safe(rec.message, 300)}\n`,
        );
        return;
      }
    }
  };
  if (values.line?.length) {
    const k = kind ?? fileKindOf(undefined, mine[0]!.sources[0]!)!;
    for (const l of values.line) check(exampleRecord(l, k), ++n);
  } else {
    if (!logFile) throw new UsageError('patterns try needs a LOG-FILE or --line TEXT');
    if (!fs.existsSync(logFile)) throw new UsageError(`${logFile}: no such file`);
    const k =
      kind ??
      classify(path.basename(logFile))?.kind ??
      classify(logFile.split(path.sep).slice(-2).join('/'))?.kind ??
      fileKindOf(undefined, mine[0]!.sources[0]!)!;
    const reader = new LineReader(k, path.basename(logFile), fs.statSync(logFile).mtimeMs, k === 'console' ? path.basename(logFile) : null);
    const r = await readLines(logFile, (line) => check(k === 'remote' ? reader.read(line, Date.now(), null) : reader.read(line), ++n));
    if (r.error) process.stderr.write(`xtriage: ${logFile}: ${r.error}\n`);
  }
  process.stdout.write(`${n} line(s): ${matched} matched, ${near} nearly matched\n`);
  return 0;
}

function listCmd(argv: string[]): number {
  const { values } = parseArgs({ args: argv, strict: true, options: { patterns: { type: 'string', multiple: true, default: [] } } });
  const kb = loadKb(values.patterns);
  for (const p of kb.problems) process.stderr.write(`xtriage: ${safe(p)}\n`);
  const rows = [
    ...kb.patterns.map((p) => ({
      id: p.id,
      what: `${p.severity}`,
      stage: p.stage ?? p.milestone ?? '-',
      src: p.sources.join(','),
      file: p.file,
      line: p.line,
    })),
    ...kb.rules.map((r) => ({ id: r.id, what: `rule:${r.kind}`, stage: r.after.join(',') || '-', src: '-', file: r.file, line: r.line })),
  ].sort((a, b) => a.id.localeCompare(b.id));
  const w = Math.max(...rows.map((r) => r.id.length), 2);
  for (const r of rows) {
    const over = kb.overridden.get(r.id);
    process.stdout.write(
      `${r.id.padEnd(w)}  ${r.what.padEnd(12)} ${r.stage.padEnd(16)} ${r.src.padEnd(14)} ${r.file}:${r.line}${over ? `  (overrides ${over.join(', ')})` : ''}\n`,
    );
  }
  process.stdout.write(`${kb.patterns.length} patterns, ${kb.rules.length} rules\n`);
  return 0;
}
