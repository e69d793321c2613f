// A node's serial console as conserver or goconserver keep it (consoles/<node>,
// goconserver/nodes/<node>): often the only place a firmware, kernel or installer failure shows.
// The node is the file's name; lines may carry the console server's stamp, a dmesg stamp, both
// or none (then they are placed at their neighbours' time).

import type { LogKind } from './kind';
import { nodeTextParser } from './node-text';

export const consoleLog: LogKind = {
  kind: 'console',
  names: ['console'],
  path: null, // by folder (consoles/, goconserver/nodes/) or a name that says console: see mn-files.ts and sniff.ts
  line: /^\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4}\]/,
  open: ({ years }) => nodeTextParser(years, true),
  oneClock: true,
  samples: [
    // xcat-core#5984 (CentOS 6 dracut, a dmesg stamp)
    { line: '[    6.048876] dracut: FATAL: No or empty root= argument', source: 'xcat-core#5984', claimed: false },
    {
      line: '[Tue Mar  4 09:12:07 2025] [   42.518003] dracut-initqueue[612]: Warning: dracut-initqueue timeout - starting timeout scripts',
      source: 'conserver logfile format (timestamp option)',
      claimed: true,
    },
    {
      line: '[2025-03-04T09:12:07+01:00] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)',
      source: 'goconserver file logger format',
      claimed: true,
    },
  ],
};
