// The key map: what each key does, in one table that both the dispatcher and the help
// screen read (so help never lies). Keys the fingers know from k9s and lnav.

export type Action =
  | 'down'
  | 'up'
  | 'pageDown'
  | 'pageUp'
  | 'halfDown'
  | 'halfUp'
  | 'top'
  | 'bottom'
  | 'enter'
  | 'toggle'
  | 'log'
  | 'back'
  | 'q'
  | 'quit'
  | 'filter'
  | 'command'
  | 'nextError'
  | 'prevError'
  | 'refresh'
  | 'help'
  | 'redraw';

export interface Binding {
  /** Printable characters (blessed's `ch`). */
  chars?: string[];
  /** blessed key names (`key.full`). */
  names?: string[];
  /** As shown on the help screen. */
  label: string;
  action: Action;
  help: string;
}

export const BINDINGS: Binding[] = [
  { chars: ['j'], names: ['down'], label: 'j  ↓', action: 'down', help: 'next row' },
  { chars: ['k'], names: ['up'], label: 'k  ↑', action: 'up', help: 'previous row' },
  { chars: ['g'], names: ['home'], label: 'g  Home', action: 'top', help: 'first row' },
  { chars: ['G'], names: ['end'], label: 'G  End', action: 'bottom', help: 'last row' },
  { names: ['pagedown', 'C-f'], label: 'PgDn  C-f', action: 'pageDown', help: 'next page' },
  { names: ['pageup', 'C-b'], label: 'PgUp  C-b', action: 'pageUp', help: 'previous page' },
  { names: ['C-d'], label: 'C-d', action: 'halfDown', help: 'half a page down' },
  { names: ['C-u'], label: 'C-u', action: 'halfUp', help: 'half a page up' },
  { names: ['enter', 'right'], label: 'Enter  →', action: 'enter', help: 'drill in: a group expands, a node opens, a line opens the log or unfolds' },
  { chars: [' '], names: ['space'], label: 'Space', action: 'toggle', help: 'expand / collapse the group or section under the cursor' },
  { chars: ['l'], label: 'l', action: 'log', help: 'node screen: open the log of this session' },
  { names: ['escape', 'M-escape', 'left', 'backspace'], label: 'Esc  ←', action: 'back', help: 'back (on the cluster screen: clear the filter and view)' },
  { chars: ['q'], label: 'q', action: 'q', help: 'back; on the cluster screen: quit' },
  { chars: ['/'], label: '/', action: 'filter', help: 'filter: node name, noderange cn[001-064], MAC, IP or any text (log screen: text in lines)' },
  { chars: [':'], label: ':', action: 'command', help: 'command: :failed :stalled :looping :running :succeeded :all :group N :q' },
  { chars: ['e'], label: 'e', action: 'nextError', help: 'next error (log: error line; cluster: failing node or group)' },
  { chars: ['E'], label: 'E', action: 'prevError', help: 'previous error' },
  { chars: ['r'], label: 'r', action: 'refresh', help: 'reload everything from the daemon' },
  { chars: ['?'], names: ['f1'], label: '?  F1', action: 'help', help: 'this help (Esc or q closes it)' },
  { names: ['C-l'], label: 'C-l', action: 'redraw', help: 'redraw the screen' },
  { names: ['C-c'], label: 'C-c', action: 'quit', help: 'quit from anywhere' },
];

const byChar = new Map<string, Action>();
const byName = new Map<string, Action>();
for (const b of BINDINGS) {
  for (const c of b.chars ?? []) byChar.set(c, b.action);
  for (const n of b.names ?? []) byName.set(n, b.action);
}

/** The action of a key press, or null. `return` is ignored: blessed also sends `enter` for it. */
export function actionOf(ch: string | undefined, key: { full?: string; name?: string } | undefined): Action | null {
  const full = key?.full ?? key?.name;
  if (full === 'return') return null;
  if (full && byName.has(full)) return byName.get(full)!;
  if (ch && byChar.has(ch)) return byChar.get(ch)!;
  return null;
}

export const COMMANDS: { name: string; help: string }[] = [
  { name: ':failed', help: 'only failed nodes' },
  { name: ':stalled', help: 'only stalled nodes' },
  { name: ':looping', help: 'only looping nodes' },
  { name: ':running', help: 'only nodes still provisioning' },
  { name: ':succeeded', help: 'only nodes that provisioned' },
  { name: ':all', help: 'everything again (clears the view and the filter)' },
  { name: ':group N', help: 'only root-cause group N (as numbered on the cluster screen)' },
  { name: ':show NODE', help: 'open a node by name, MAC or IP' },
  { name: ':q', help: 'quit' },
];
