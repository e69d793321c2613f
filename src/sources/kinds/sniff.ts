// Which kind of log a file is, from its content first and its name second: admins copy logs
// under any name (`paste.txt`, `cn07-console.log`, a `messages` that is really a console). The
// first lines decide; the name breaks ties and names the node a console or node log is about.

import * as path from 'node:path';
import { KIND_NAMES, LOG_KINDS, type FileKind } from './index';
import { YearTracker } from '../timestamps';
import { parseTextLine, withoutGrepPrefix } from './text-line';
import { usableName } from '../node-name';
import { rotationStem } from '../rotation';

/** A kind by a file's base name (the hint: `cluster.log`, `access_log`, `messages-20261101.gz`), or null. */
export function kindByName(file: string): FileKind | 'capture' | null {
  const base = path.basename(file).replace(/\.gz$/, '');
  if (/\.jsonl$/.test(base) || /^capture[^/]*$/.test(base)) return 'capture';
  const stem = rotationStem(base);
  if (Object.prototype.hasOwnProperty.call(KIND_NAMES, stem)) return KIND_NAMES[stem]!;
  if (/console|conserver|rcons/i.test(stem)) return 'console';
  return null;
}

/** Generic words a file name holds that are no node's name. */
const NOT_NODE =
  /^(?:messages|syslog|cluster|computes|commands|xcat|xcatd|paste|journal|journalctl|dmesg|console|conserver|rcons|output|log|logs|boot|install|installer|anaconda|kickstart|post|postscript|postscripts|stdin|server|node|nodes|error|access|wget|debug|trace|screen|serial|sol|typescript|report|probe|osdeploy|xcatprobe|updatenode|genesis|discovery|lsdef|capture|tmp|var|text)$/i;

/** The node a console or node log is about, by its name (`cn07`, `console-cn07.log`, `cn07.console`). */
export function nodeOfFileName(file: string): string | null {
  const base = path
    .basename(file)
    .replace(/\.gz$/, '')
    .replace(/\.(?:log|txt|out|console|cons)$/i, '');
  const parts = base.split(/[-_.]/).filter((p) => p && !NOT_NODE.test(p) && !/^\d+$/.test(p));
  // One part left, and it is name-like: cn07, node-1 is two parts (too ambiguous to guess).
  if (parts.length !== 1) return null;
  const name = usableName(parts[0]!);
  return name && /[a-z]/i.test(name) && /\d/.test(name) ? name : null;
}

const CAPTURE = /^\{"at":.*"msg":/;

export interface Sniffed {
  kind: FileKind | 'capture';
  /** How many of the sampled lines carry a time or a syslog header: 0 means none parse as a log. */
  timed: number;
  sampled: number;
  /** The latest time among sampled lines whose stamp has a year (null: none has). */
  dated: number | null;
}

/** Decide a file's kind from its first lines (and its name as the hint). */
export function sniff(lines: string[], file: string): Sniffed {
  const sample = lines.filter((l) => l.trim() !== '').slice(0, 200);
  const hint = kindByName(file);
  // Kinds a line of which says what it is (access_log, error_log, commands.log, a conserver
  // stamp), counted; the rest by how their lines parse.
  const byLine = LOG_KINDS.filter((k) => k.line !== null);
  const counts = new Map<FileKind | 'capture', number>();
  let capture = 0;
  let syslog = 0;
  let timed = 0;
  let dated: number | null = null;
  const years = new YearTracker(Date.now());
  for (const raw of sample) {
    const l = withoutGrepPrefix(raw);
    const k = byLine.find((x) => x.line!.test(l));
    if (k) counts.set(k.kind, (counts.get(k.kind) ?? 0) + 1);
    else if (CAPTURE.test(l)) capture++;
    const t = parseTextLine(l, years);
    if (t.dated && t.claimed !== null && (dated === null || t.claimed > dated)) dated = t.claimed;
    if (t.syslog) syslog++;
    if (k || t.claimed !== null || t.uptime !== null || t.syslog) timed++;
  }
  const n = sample.length || 1;
  const most = (k: number): boolean => k / n >= 0.5;
  const commands = counts.get('commands') ?? 0;
  let kind: FileKind | 'capture';
  if (most(capture)) kind = 'capture';
  else if (most(counts.get('access') ?? 0)) kind = 'access';
  else if (most(counts.get('error') ?? 0)) kind = 'error';
  else if (commands > 0 && (hint === 'commands' || commands >= 2 || most(commands))) kind = 'commands';
  else if (hint === 'messages' || hint === 'cluster' || hint === 'computes') kind = most(syslog) || !sample.length ? hint : 'text';
  else if (hint === 'console' || most(counts.get('console') ?? 0)) kind = 'console';
  else kind = 'text';
  return { kind, timed: timed + capture, sampled: sample.length, dated };
}
