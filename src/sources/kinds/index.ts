// Every kind of log xtriage reads, in the order offline analysis reads them (DHCP and HTTP
// first: they teach identity). The tailer, the offline reader, content sniffing, `--as` and the
// pattern examples all take their kinds from this list.

import { accessLog } from './access-log';
import { clusterLog } from './cluster-log';
import { commandsLog } from './commands-log';
import { computesLog } from './computes-log';
import { consoleLog } from './console';
import { errorLog } from './error-log';
import type { FileKind, LogKind } from './kind';
import { messages } from './messages';
import { remote } from './remote';
import { text } from './text';

export const LOG_KINDS: readonly LogKind[] = [messages, accessLog, clusterLog, computesLog, commandsLog, errorLog, consoleLog, text, remote];

const byKind = new Map(LOG_KINDS.map((k) => [k.kind, k]));

export function logKind(kind: FileKind): LogKind {
  return byKind.get(kind)!;
}

/** Kinds by the names admins use (`--as`, a pattern example's `file:`), and `capture` (a spool file). */
export const KIND_NAMES: Readonly<Record<string, FileKind | 'capture'>> = Object.fromEntries([
  ...LOG_KINDS.flatMap((k) => k.names.map((n) => [n, k.kind] as const)),
  ['capture', 'capture'] as const,
]);

/** The kind a path below a log root names (rotation suffix removed), or null. */
export function kindOfPath(rel: string): FileKind | null {
  for (const k of LOG_KINDS) if (k.path?.test(rel)) return k.kind;
  return null;
}

export type { FileKind, LogKind } from './kind';
