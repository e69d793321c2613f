// Node text of any other form: the node's /var/log/xcat/xcat.log (date(1) stamps, newer
// `[info]: tag:`), journalctl (short, short-iso, short-precise, -o cat), xdsh/updatenode output
// (`node: `), xcatprobe osdeploy output (`[node] 10:21:09`), set -x traces, pasted fragments.
// Also what a file of unknown name is read as.

import type { LogKind } from './kind';
import { nodeTextParser } from './node-text';

export const text: LogKind = {
  kind: 'text',
  names: ['text', 'node-xcatlog', 'xcat.log', 'xcatlog', 'journal', 'journalctl', 'paste', 'dmesg'],
  path: null,
  line: null,
  open: ({ years }) => nodeTextParser(years, false),
  oneClock: true,
  samples: [
    // xcat-core#602 (a node's xcat.log, 2016: date(1) with the zone)
    { line: 'Thu Jan 14 05:41:15 EST 2016 postscript syncfiles return with 0', source: 'xcat-core#602', claimed: true },
    // xcat-core#2281 (updatenode output: the node's name, then date(1) inside)
    { line: 'c910f03c17k28: Wed Dec  7 01:54:47 EST 2016 Running postscript: setupntp1', source: 'xcat-core#2281', claimed: true },
    // xcat-core#6431 (xcatprobe osdeploy: the node, a time of day)
    { line: '[mynode] 10:21:09 Via HTTP get /install/ubuntu-18.04-test/x86_64/pool/main/u/usbutils/usbutils-udeb_007-4b...', source: 'xcat-core#6431', claimed: true },
    // xcat-core#1803 (genesis on the console: a syslog priority, no hostname)
    { line: '<166>Sep  2 14:28:57 xcat.genesis.bmcsetup: Enabling ARP responses: OK', source: 'xcat-core#1803', claimed: true },
  ],
};
