// Screen setup. blessed mis-reads the terminfo of screen*/tmux* (an error dump on stderr and
// an 8-colour fallback; docs/architecture.md, Dependencies), so those are drawn as
// xterm-256color, which both emulate. NO_COLOR (https://no-color.org) turns colour off; emphasis stays.

import * as blessed from 'blessed';

export interface TerminalChoice {
  /** $TERM as found. */
  term: string;
  /** What blessed is told to use, or undefined for $TERM as is. */
  terminal: string | undefined;
  color: boolean;
}

export function chooseTerminal(env: NodeJS.ProcessEnv = process.env): TerminalChoice {
  const term = env.TERM ?? '';
  let terminal: string | undefined;
  if (/^(screen|tmux)/.test(term) || term === '' || term === 'dumb') terminal = 'xterm-256color';
  const color = !('NO_COLOR' in env && env.NO_COLOR !== '') && term !== 'dumb';
  return { term, terminal, color };
}

export function createScreen(choice: TerminalChoice, io: { input?: NodeJS.ReadableStream; output?: NodeJS.WritableStream } = {}): blessed.Widgets.Screen {
  const screen = blessed.screen({
    smartCSR: true,
    fullUnicode: true,
    terminal: choice.terminal,
    title: 'xtriage',
    autoPadding: false,
    warnings: false,
    dockBorders: false,
    // @types/blessed declares input and output with each other's stream type.
    input: io.input as never,
    output: io.output as never,
  });
  // In a UTF-8 locale, draw ·, ─ and friends as themselves rather than through the DEC
  // alternate character set (what NCURSES_NO_UTF8_ACS=1 does): same look, and copy/paste
  // and tmux capture-pane see the real characters.
  const tput = (screen as unknown as { program: { tput: { unicode?: boolean; brokenACS?: boolean } } }).program.tput;
  if (tput.unicode) tput.brokenACS = true;
  return screen;
}
