// The bottom line's editor for `/` (filter) and `:` (command), and the `:` command parser.
// Our own small editor rather than blessed's textbox: it never grabs the screen's keys,
// and the filter applies as you type.

import { span, type Line } from './style';

export type PromptKind = '/' | ':';

export type Command =
  | { kind: 'outcome'; outcome: 'failed' | 'stalled' | 'looping' | 'running' | 'succeeded' }
  | { kind: 'all' }
  | { kind: 'group'; n: number }
  | { kind: 'show'; spec: string }
  | { kind: 'quit' }
  | { kind: 'help' }
  | { kind: 'refresh' }
  | { kind: 'error'; message: string };

export function parseCommand(input: string): Command {
  const text = input.trim().replace(/^:/, '');
  const [word = '', ...rest] = text.split(/\s+/);
  const arg = rest.join(' ');
  switch (word.toLowerCase()) {
    case 'failed':
    case 'stalled':
    case 'looping':
    case 'running':
    case 'succeeded':
      return { kind: 'outcome', outcome: word.toLowerCase() as 'failed' };
    case 'all':
    case 'clear':
      return { kind: 'all' };
    case 'group':
    case 'g': {
      const n = Number(arg);
      if (!arg || !Number.isInteger(n) || n < 1) return { kind: 'error', message: ':group needs the group number shown on the cluster screen, e.g. :group 1' };
      return { kind: 'group', n };
    }
    case 'show':
    case 'node':
      if (!arg) return { kind: 'error', message: ':show needs a node name, MAC or IP' };
      return { kind: 'show', spec: arg };
    case 'q':
    case 'quit':
    case 'q!':
    case 'qa':
      return { kind: 'quit' };
    case 'help':
    case 'h':
      return { kind: 'help' };
    case 'r':
    case 'refresh':
    case 'reload':
      return { kind: 'refresh' };
    case '':
      return { kind: 'error', message: 'no command (try :failed, :all, :group 1, :q)' };
    default:
      return { kind: 'error', message: `unknown command :${word} (try :failed :stalled :looping :running :all :group N :q; ? for help)` };
  }
}

export type PromptResult = 'submit' | 'cancel' | 'edit' | 'ignored';

export class Prompt {
  kind: PromptKind | null = null;
  text = '';

  get active(): boolean {
    return this.kind !== null;
  }

  open(kind: PromptKind, initial = ''): void {
    this.kind = kind;
    this.text = initial;
  }

  close(): void {
    this.kind = null;
  }

  key(ch: string | undefined, key: { full?: string; name?: string } | undefined): PromptResult {
    const name = key?.full ?? key?.name ?? '';
    if (name === 'return') return 'ignored';
    if (name === 'enter') return 'submit';
    if (name === 'escape' || name === 'C-c' || name === 'C-g') return 'cancel';
    if (name === 'backspace' || name === 'C-h') {
      if (!this.text) return 'cancel';
      this.text = [...this.text].slice(0, -1).join('');
      return 'edit';
    }
    if (name === 'C-u') {
      this.text = '';
      return 'edit';
    }
    if (name === 'C-w') {
      this.text = this.text.replace(/\S+\s*$/, '');
      return 'edit';
    }
    if (ch && ch.length <= 2 && !/[\x00-\x1f\x7f-\x9f]/.test(ch) && this.text.length < 200) {
      this.text += ch;
      return 'edit';
    }
    return 'ignored';
  }

  line(): Line {
    return [
      span(this.kind ?? '', 'bold'),
      span(this.text),
      span('█'),
      span(this.kind === '/' ? '   Enter keeps the filter · Esc cancels' : '   Enter runs · Esc cancels', 'dim'),
    ];
  }
}
