// Drives a real terminal program in a private tmux server (its own -L socket): start it at
// a fixed size, send keys, read the screen back as text.
import { execFileSync } from 'node:child_process';

export class Tmux {
  readonly server: string;

  constructor(name: string) {
    this.server = `${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  }

  private tmux(args: string[]): string {
    return execFileSync('tmux', ['-L', this.server, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Starts `command` (a shell command line) in a detached session of width × height. */
  start(command: string, width = 160, height = 48, env: Record<string, string> = {}): void {
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    this.tmux(['-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', String(width), '-y', String(height), ...envArgs, command]);
    // Keep the pane after the program exits, so its last screen (or message) can be read.
    this.tmux(['set-option', '-t', 'main', 'remain-on-exit', 'on']);
  }

  keys(...keys: string[]): void {
    this.tmux(['send-keys', '-t', 'main', ...keys]);
  }

  /** Literal text (no key-name lookup). */
  type(text: string): void {
    this.tmux(['send-keys', '-t', 'main', '-l', text]);
  }

  capture(): string {
    return this.tmux(['capture-pane', '-p', '-t', 'main']);
  }

  display(format: string): string {
    return this.tmux(['display-message', '-p', '-t', 'main', format]).trim();
  }

  resize(width: number, height: number): void {
    this.tmux(['resize-window', '-t', 'main', '-x', String(width), '-y', String(height)]);
  }

  /** Polls the screen until `ok` holds; returns that screen (throws with the last one). */
  async waitFor(ok: RegExp | ((screen: string) => boolean), timeoutMs = 10_000): Promise<string> {
    const test = typeof ok === 'function' ? ok : (s: string) => ok.test(s);
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    for (;;) {
      try {
        screen = this.capture();
      } catch {
        screen = '(tmux capture failed)';
      }
      if (test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(ok)}; screen:\n${screen}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  kill(): void {
    try {
      this.tmux(['kill-server']);
    } catch {
      /* already gone */
    }
  }
}
