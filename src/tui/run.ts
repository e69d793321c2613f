// Runs the TUI in this process's terminal until the user quits: signals quit it cleanly, and
// an unexpected error restores the terminal first and prints one line (the stack only with
// XTRIAGE_DEBUG=1), never a stack trace over the screen. A terminal that goes away (hang-up,
// closed window, killed tmux: EIO on every write) ends the UI without another write to it.

import * as fs from 'node:fs';
import { App, type AppOptions } from './app';

export async function runTui(opts: AppOptions & { onStart?: (app: App) => void }): Promise<number> {
  const app = new App(opts);
  let gone = false;
  let reported = false;
  const say = (text: string): void => {
    if (gone || reported) return;
    reported = true;
    try {
      fs.writeSync(2, text);
    } catch {
      /* no terminal left to tell */
    }
  };
  const onSignal = (): void => app.quit(0);
  const onHangup = (): void => {
    gone = true;
    app.quit(129);
  };
  const onStreamError = (e: NodeJS.ErrnoException): void => {
    // EIO/EPIPE/ENXIO: the terminal is gone. Anything else is reported once.
    if (e?.code === 'EIO' || e?.code === 'EPIPE' || e?.code === 'ENXIO' || e?.code === 'EBADF') onHangup();
    else onFatal(e);
  };
  const onFatal = (e: unknown): void => {
    const err = e as NodeJS.ErrnoException;
    if (err?.code === 'EIO' || err?.code === 'EPIPE' || err?.code === 'ENXIO') return onHangup();
    app.quit(2);
    say(`xtriage: internal error: ${err?.message ?? String(e)}\n${process.env.XTRIAGE_DEBUG ? `${err?.stack ?? ''}\n` : ''}`);
    process.exitCode = 2;
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', onHangup);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  for (const s of [process.stdin, process.stdout, process.stderr]) s.on('error', onStreamError);
  app.on('internalError', (e: unknown) => say(`\n${(e as Error)?.stack ?? String(e)}\n`));
  try {
    opts.onStart?.(app);
    return await app.run();
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGHUP', onHangup);
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
    // The terminal's input is ours no more: let go of it, so the process can end.
    if (process.stdin.isTTY) {
      try {
        process.stdin.setRawMode?.(false);
      } catch {
        /* gone */
      }
      process.stdin.pause();
      process.stdin.destroy();
    }
  }
}

/** After the UI and any cleanup: whatever handle is still open must not keep the process alive. */
export function exitSoon(code: number, ms = 1500): void {
  setTimeout(() => process.exit(code), ms).unref();
}
