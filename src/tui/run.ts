// Runs the TUI in this process's terminal until the user quits: signals quit it cleanly, and
// an unexpected error restores the terminal first and prints one line (the stack only with
// XTRIAGE_DEBUG=1), never a stack trace over the screen.

import { App, type AppOptions } from './app';

export async function runTui(opts: AppOptions & { onStart?: (app: App) => void }): Promise<number> {
  const app = new App(opts);
  const onSignal = (): void => app.quit(0);
  const onFatal = (e: unknown): void => {
    app.quit(2);
    process.stderr.write(`xtriage: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    if (process.env.XTRIAGE_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
    process.exitCode = 2;
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  app.on('internalError', (e: unknown) => process.stderr.write(`\n${(e as Error)?.stack ?? String(e)}\n`));
  try {
    opts.onStart?.(app);
    return await app.run();
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
  }
}
