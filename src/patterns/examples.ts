// Runs every pattern's examples and counterexamples, the way fail2ban runs its sample logs:
// an example must be won by its own pattern with the fields it lists, no other pattern of the
// same priority may claim it, and no counterexample may match.

import type { Channel, LogRecord, Pattern } from '../types';
import { LineReader, type FileKind } from '../records/line-reader';
import { Matcher, tryPattern } from './match';
import { KIND_NAMES } from '../sources/kinds';

/** An example's `file:` names a kind as `--as` does (and `remote`: a datagram as received). */
const FILE_KINDS: Record<string, FileKind> = { remote: 'remote' };
for (const [name, kind] of Object.entries(KIND_NAMES)) if (kind !== 'capture') FILE_KINDS[name] = kind;

const DEFAULT_KIND: Record<Channel, FileKind> = {
  dhcpd: 'messages',
  tftpd: 'messages',
  syslog: 'messages',
  xcatd: 'cluster',
  node: 'computes',
  http: 'access',
  httperror: 'error',
  commands: 'commands',
  console: 'console',
};

/** The file kind for an example's `file:` value, or undefined when unknown. */
export function fileKindOf(name: string | undefined, channel: Channel): FileKind | undefined {
  if (!name) return DEFAULT_KIND[channel];
  return FILE_KINDS[name];
}

/** Reads one example line the way the daemon would read it from that kind of file. */
export function exampleRecord(line: string, kind: FileKind, program?: string): LogRecord | null {
  const ref = Date.UTC(2026, 11, 31);
  const reader = new LineReader(kind, kind === 'remote' ? 'remote' : `example/${kind}`, ref, kind === 'console' ? 'example-node' : null);
  if (kind === 'commands' && !line.startsWith('[')) {
    reader.read('[Date]       2026-11-24 10:00:00');
    reader.read(`[Request]    ${program ?? 'nodeset'}`);
    reader.read('[Response]');
  }
  return reader.read(line, kind === 'remote' ? ref : undefined, kind === 'remote' ? '10.0.0.99' : undefined);
}

export function checkExamples(patterns: Pattern[]): string[] {
  const problems: string[] = [];
  const matcher = new Matcher(patterns);
  for (const p of patterns) {
    const where = (line: number | undefined): string => `${p.file}:${line ?? p.line}: pattern ${p.id}: `;
    if (!p.examples.length) problems.push(`${where(p.line)}no examples`);
    let lastKind: FileKind | undefined;
    for (const ex of p.examples) {
      const kind = fileKindOf(ex.source, p.sources[0]!);
      if (!kind) {
        problems.push(`${where(ex.yamlLine)}unknown example file "${ex.source}"`);
        continue;
      }
      lastKind ??= kind;
      const rec = exampleRecord(ex.line, kind, ex.program);
      if (!rec) {
        problems.push(`${where(ex.yamlLine)}example is not a log line: ${JSON.stringify(ex.line)}`);
        continue;
      }
      if (!p.sources.includes(rec.channel)) {
        problems.push(
          `${where(ex.yamlLine)}example reads as channel ${rec.channel}, not one of [${p.sources.join(', ')}] (message: ${JSON.stringify(rec.message)})`,
        );
        continue;
      }
      const own = tryPattern(p, rec);
      if (!own) {
        problems.push(`${where(ex.yamlLine)}example does not match: ${JSON.stringify(rec.message)}`);
        continue;
      }
      const all = matcher.matchAll(rec);
      const winner = matcher.match(rec);
      if (winner && winner.pattern !== p) {
        problems.push(`${where(ex.yamlLine)}example is won by ${winner.pattern.id} (priority ${winner.pattern.priority}) from ${winner.pattern.file}`);
      }
      for (const other of all) {
        if (other.pattern !== p && other.pattern.priority === p.priority) {
          problems.push(`${where(ex.yamlLine)}example is also claimed by ${other.pattern.id} with the same priority ${p.priority}`);
        }
      }
      for (const [k, v] of Object.entries(ex.fields ?? {})) {
        if (own.fields[k] !== v) {
          problems.push(`${where(ex.yamlLine)}field ${k}: expected ${JSON.stringify(v)}, got ${JSON.stringify(own.fields[k] ?? null)}`);
        }
      }
    }
    for (const c of p.counterexamples) {
      const rec = exampleRecord(c, lastKind ?? DEFAULT_KIND[p.sources[0]!]);
      if (rec && tryPattern(p, rec)) problems.push(`${where(p.line)}counterexample matches: ${JSON.stringify(c)}`);
    }
  }
  return problems;
}
