// The admin's hooks: a shell command per configured outcome, given the session's JSON on stdin,
// run detached with a time limit (its whole process group is killed after it), never waited on.

import { spawn } from 'node:child_process';
import type { SessionDoc } from '../contract';
import type { DaemonConfig } from '../config';

export class Hooks {
  runs = 0;
  failures = 0;

  constructor(
    private readonly hooks: DaemonConfig['hooks'],
    private readonly log: (line: string) => void,
  ) {}

  /** A session's outcome changed: run every hook that asked for the new one. */
  run(s: SessionDoc): void {
    for (const h of this.hooks) {
      if (!h.on.includes(s.outcome as 'failed')) continue;
      this.runs++;
      const child = spawn('/bin/sh', ['-c', h.command], { stdio: ['pipe', 'ignore', 'pipe'], detached: true });
      let err = '';
      child.stderr?.on('data', (c: Buffer) => {
        if (err.length < 2000) err += c.toString('utf8');
      });
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
        this.log(`hook timed out after ${h.timeoutS}s: ${h.command}`);
      }, h.timeoutS * 1000);
      child.on('error', (e) => this.log(`hook failed to start: ${h.command}: ${e.message}`));
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (code !== 0) {
          this.failures++;
          this.log(`hook exited ${code}: ${h.command}${err ? `: ${err.trim().split('\n').pop()}` : ''}`);
        }
      });
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(JSON.stringify(s));
    }
  }
}
