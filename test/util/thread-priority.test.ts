// Per-thread nice values on Linux, in a real process with a real worker thread: every thread but
// the kept one is lowered, the kept one is untouched, and going back up works where permitted.

import * as path from 'node:path';
import { execFileSync } from 'node:child_process';

const lib = path.join(__dirname, '..', '..', 'dist', 'util', 'thread-priority.js');

// The child: a worker thread reports its kernel thread ID; the main thread sets the others'
// nice values and prints every thread's nice value (field 19 of /proc/self/task/TID/stat).
const script = `
const { Worker } = require('node:worker_threads');
const fs = require('node:fs');
const tp = require(${JSON.stringify(lib)});
const w = new Worker(${JSON.stringify(`const { parentPort } = require('node:worker_threads'); parentPort.postMessage(require(${JSON.stringify(lib)}).currentThreadId()); setInterval(() => {}, 1000);`)}, { eval: true });
const nices = () => Object.fromEntries(fs.readdirSync('/proc/self/task').map((t) => [t, Number(fs.readFileSync('/proc/self/task/' + t + '/stat', 'utf8').split(') ')[1].split(' ')[16])]));
w.once('message', (tid) => {
  const out = { tid, main: tp.currentThreadId(), pid: process.pid };
  out.lowered = tp.lowerOtherThreads(tid, 15);
  out.afterLower = nices();
  out.backOk = tp.setOtherThreads(tid, 5);
  out.afterBack = nices();
  out.root = process.getuid() === 0;
  console.log(JSON.stringify(out));
  process.exit(0);
});
`;

const linux = process.platform === 'linux';
(linux ? test : test.skip)('the kept thread keeps its priority; the others are lowered, and raised again where permitted', () => {
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as {
    tid: number;
    main: number;
    pid: number;
    lowered: number;
    backOk: boolean;
    root: boolean;
    afterLower: Record<string, number>;
    afterBack: Record<string, number>;
  };
  expect(out.main).toBe(out.pid);
  expect(out.tid).not.toBe(out.pid);
  const others = (m: Record<string, number>): number[] =>
    Object.entries(m)
      .filter(([t]) => Number(t) !== out.tid)
      .map(([, n]) => n);
  expect(out.afterLower[String(out.tid)]).toBe(0);
  expect(others(out.afterLower).length).toBeGreaterThan(3);
  expect(new Set(others(out.afterLower))).toEqual(new Set([15]));
  expect(out.lowered).toBe(others(out.afterLower).length);
  expect(out.afterBack[String(out.tid)]).toBe(0);
  if (out.root) {
    expect(out.backOk).toBe(true);
    expect(new Set(others(out.afterBack))).toEqual(new Set([5]));
  } else {
    // Without CAP_SYS_NICE (or RLIMIT_NICE) a thread cannot go back: reported, still 15.
    expect(out.backOk).toBe(false);
    expect(new Set(others(out.afterBack))).toEqual(new Set([15]));
  }
});
