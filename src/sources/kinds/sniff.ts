// Which kind of log a file is, from its content first and its name second: admins copy logs
// under any name (`paste.txt`, `cn07-console.log`, a `messages` that is really a console). The
// first lines decide; the name breaks ties and names the node a console or node log is about.

import * as path from 'node:path';
import type { FileKind } from '../../records';
import { YearTracker } from '../timestamps';
import { parseTextLine } from './text-line';
import { usableName } from '../node-name';

/** Kinds an admin may force with `--as`, by the names they know them by. */
export const KIND_NAMES: Record<string, FileKind | 'capture'> = {
  messages: 'messages', syslog: 'messages', 'cluster.log': 'cluster', cluster: 'cluster', 'computes.log': 'computes',
  computes: 'computes', 'commands.log': 'commands', commands: 'commands', access_log: 'access', access: 'access',
  'access.log': 'access', error_log: 'error', 'error.log': 'error', error: 'error', console: 'console',
  'node-xcatlog': 'text', 'xcat.log': 'text', xcatlog: 'text', journal: 'text', journalctl: 'text', text: 'text',
  paste: 'text', dmesg: 'text', capture: 'capture',
};

/** A kind by a file's base name (the hint): null when the name says nothing. */
export function kindByName(file: string): FileKind | 'capture' | null {
  const base = path.basename(file).replace(/\.gz$/, '');
  if (/\.jsonl$/.test(base) || /^capture[^/]*$/.test(base)) return 'capture';
  const stem = base.replace(/(?:[.-]\d{8}(?:\d{2,6})?|\.\d{1,3})$/, '');
  if (/^(?:messages|syslog)$/.test(stem)) return 'messages';
  if (stem === 'cluster.log') return 'cluster';
  if (stem === 'computes.log') return 'computes';
  if (stem === 'commands.log') return 'commands';
  if (/^access[._]log$/.test(stem)) return 'access';
  if (/^error[._]log$/.test(stem)) return 'error';
  if (/console|conserver|rcons/i.test(stem)) return 'console';
  return null;
}

/** Generic words a file name holds that are no node's name. */
const NOT_NODE = /^(?:messages|syslog|cluster|computes|commands|xcat|xcatd|paste|journal|journalctl|dmesg|console|conserver|rcons|output|log|logs|boot|install|installer|anaconda|kickstart|post|postscript|postscripts|stdin|server|node|nodes|error|access|wget|debug|trace|screen|serial|sol|typescript|report|probe|osdeploy|xcatprobe|updatenode|genesis|discovery|lsdef|capture|tmp|var|text)$/i;

/** The node a console or node log is about, by its name (`cn07`, `console-cn07.log`, `cn07.console`). */
export function nodeOfFileName(file: string): string | null {
  const base = path.basename(file).replace(/\.gz$/, '').replace(/\.(?:log|txt|out|console|cons)$/i, '');
  const parts = base.split(/[-_.]/).filter((p) => p && !NOT_NODE.test(p) && !/^\d+$/.test(p));
  // One part left, and it is name-like: cn07, node-1 is two parts (too ambiguous to guess).
  if (parts.length !== 1) return null;
  const name = usableName(parts[0]!);
  return name && /[a-z]/i.test(name) && /\d/.test(name) ? name : null;
}

const ACCESS = /^\S+ \S+ \S+ \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2}[^\]]*\] "/;
const APACHE_ERROR = /^\[(?:[A-Z][a-z]{2} )?[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)? \d{4}\] \[/;
const COMMANDS = /^\[(?:Date|Request|Response)\]/;

export interface Sniffed {
  kind: FileKind | 'capture';
  /** How many of the sampled lines carry a time or a syslog header: 0 means none parse as a log. */
  timed: number;
  sampled: number;
}

/** Decide a file's kind from its first lines (and its name as the hint). */
export function sniff(lines: string[], file: string): Sniffed {
  const sample = lines.filter((l) => l.trim() !== '').slice(0, 200);
  const hint = kindByName(file);
  let access = 0;
  let apacheError = 0;
  let commands = 0;
  let capture = 0;
  let syslog = 0;
  let timed = 0;
  const years = new YearTracker(Date.now());
  for (const l of sample) {
    if (ACCESS.test(l)) access++;
    else if (APACHE_ERROR.test(l)) apacheError++;
    else if (COMMANDS.test(l)) commands++;
    else if (/^\{"at":/.test(l) && l.includes('"msg":')) capture++;
    const t = parseTextLine(l, years);
    if (t.syslog) syslog++;
    if (t.claimed !== null || t.uptime !== null || t.syslog) timed++;
  }
  const n = sample.length || 1;
  const most = (k: number): boolean => k / n >= 0.5;
  let kind: FileKind | 'capture';
  if (most(capture)) kind = 'capture';
  else if (most(access)) kind = 'access';
  else if (most(apacheError)) kind = 'error';
  else if (commands > 0 && (hint === 'commands' || commands >= 2)) kind = 'commands';
  else if (hint === 'messages' || hint === 'cluster' || hint === 'computes') kind = most(syslog) || !sample.length ? hint : 'text';
  else if (hint === 'console') kind = 'console';
  else kind = 'text';
  return { kind, timed: timed + access + apacheError + commands + capture, sampled: sample.length };
}
