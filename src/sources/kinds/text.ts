// Node text of any other form: the node's /var/log/xcat/xcat.log (date(1) stamps, newer
// `[info]: tag:`), journalctl (short, short-iso, short-precise, -o cat), xdsh/updatenode output
// (`node: `), xcatprobe osdeploy output (`[node] 10:21:09`), set -x traces, pasted fragments.
// Also what a file of unknown name is read as.

import type { LogKind } from './kind';
import { nodeTextParser } from './node-text';
import { nodePrefix } from './text-line';

/** A time column a web table adds at the end of a copied row (" | 3:12:30 PM"), after its last `|`. */
const TABLE_TIME = /^\|\s+\d{1,2}:\d{2}(?::\d{2})?\s?[AP]M\s*$/;

/** The row without that column, or null. Found from the last `|`, so a long line costs one scan. */
function withoutTableTime(line: string): string | null {
  const bar = line.lastIndexOf('|');
  if (bar <= 0 || !/\s/.test(line[bar - 1]!) || !TABLE_TIME.test(line.slice(bar))) return null;
  return line.slice(0, bar).trimEnd();
}

/**
 * xcat-core#5635: updatenode output copied from a rendered thread, where several `node: ` lines
 * ran into one ("…zypper: 1c910f04x35v06: postscript: otherpkgs exited with code 8"): the line
 * is cut where the same node prefix (the one the line reader takes, see nodePrefix) starts again
 * glued to the text before it (a message that names the node has a space before the name).
 */
export function splitJoined(line: string): string[] | null {
  const m = nodePrefix(line);
  const cut = withoutTableTime(line);
  const timed = cut !== null;
  if (!m && !timed) return null;
  const body = cut ?? line;
  if (!m) return [body];
  const tag = m[0];
  const out: string[] = [];
  let start = 0;
  for (let i = body.indexOf(tag, tag.length); i > 0; i = body.indexOf(tag, i + tag.length)) {
    const before = body.charCodeAt(i - 1);
    if (before === 32 || before === 9) continue;
    out.push(body.slice(start, i));
    start = i;
  }
  if (!out.length && !timed) return null;
  out.push(body.slice(start));
  return out;
}

export const text: LogKind = {
  kind: 'text',
  names: ['text', 'node-xcatlog', 'xcat.log', 'xcatlog', 'journal', 'journalctl', 'paste', 'dmesg'],
  path: null,
  line: null,
  open: ({ years }) => nodeTextParser(years, false),
  oneClock: true,
  split: splitJoined,
  samples: [
    // xcat-core#602 (a node's xcat.log, 2016: date(1) with the zone)
    { line: 'Thu Jan 14 05:41:15 EST 2016 postscript syncfiles return with 0', source: 'xcat-core#602', claimed: true },
    // xcat-core#2281 (updatenode output: the node's name, then date(1) inside)
    { line: 'c910f03c17k28: Wed Dec  7 01:54:47 EST 2016 Running postscript: setupntp1', source: 'xcat-core#2281', claimed: true },
    // xcat-core#6431 (xcatprobe osdeploy: the node, a time of day)
    {
      line: '[mynode] 10:21:09 Via HTTP get /install/ubuntu-18.04-test/x86_64/pool/main/u/usbutils/usbutils-udeb_007-4b...',
      source: 'xcat-core#6431',
      claimed: true,
    },
    // xcat-core#1803 (genesis on the console: a syslog priority, no hostname)
    { line: '<166>Sep  2 14:28:57 xcat.genesis.bmcsetup: Enabling ARP responses: OK', source: 'xcat-core#1803', claimed: true },
  ],
};
