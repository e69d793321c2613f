// The help screen (`?`): every key from the key map, the `:` commands, what the outcomes
// mean, and how the terminal was set up (TERM, colour, socket), for bug reports.

import { BINDINGS, COMMANDS } from './keys';
import { span, outcomeTone, type Line } from './style';
import { textRow, type Row } from './row';
import { outcomeCell, pad } from './format';

export interface HelpInfo {
  term: string;
  terminal: string;
  color: boolean;
  socket: string;
}

const OUTCOME_HELP: [string, string][] = [
  ['failed', 'ended with an error: the root cause is the first error nothing earlier explains'],
  ['looping', 'restarts attempt after attempt without reaching booted'],
  ['stalled', 'no error, but no progress for much longer than the step normally takes'],
  ['running', 'provisioning, on time so far'],
  ['succeeded', 'booted and ran its postbootscripts'],
];

export function helpRows(info: HelpInfo): Row[] {
  const rows: Row[] = [];
  const add = (key: string, line: Line, selectable = true): void => void rows.push({ ...textRow(key, line), selectable });
  add('h:keys', [span('KEYS', 'heading')], false);
  for (const b of BINDINGS) add(`k:${b.action}:${b.label}`, [span(`  ${pad(b.label, 14)}`, 'bold'), span(b.help)]);
  add('b1', [], false);
  add('h:cmd', [span('COMMANDS', 'heading'), span('  type : then the command, Enter')], false);
  for (const c of COMMANDS) add(`c:${c.name}`, [span(`  ${pad(c.name, 14)}`, 'bold'), span(c.help)]);
  add('b2', [], false);
  add('h:screens', [span('SCREENS', 'heading')], false);
  add('s:cluster', [
    span('  Cluster       ', 'bold'),
    span('counts by outcome, reception health, root causes shared by several nodes (largest first), then the other nodes'),
  ]);
  add('s:node', [
    span('  Node          ', 'bold'),
    span('root cause with evidence and remedy, symptoms (folded), other attempts, timeline with slow stages marked'),
  ]);
  add('s:log', [span('  Log           ', 'bold'), span('every kept line of the session from every source, by time; e/E jump between errors')]);
  add('b3', [], false);
  add('h:outcomes', [span('OUTCOMES', 'heading'), span('  the word is always shown; colour only repeats it')], false);
  for (const [o, h] of OUTCOME_HELP) add(`o:${o}`, [span(`  ${outcomeCell(o)}     `, outcomeTone(o)), span(h)]);
  add('b4', [], false);
  add('h:term', [span('TERMINAL', 'heading')], false);
  add('t:term', [span(`  TERM=${info.term || '(unset)'}, drawn as ${info.terminal}; colour ${info.color ? 'on' : 'off (NO_COLOR or no colour support)'}`)]);
  add('t:socket', [span(`  daemon socket ${info.socket}`)]);
  return rows;
}
