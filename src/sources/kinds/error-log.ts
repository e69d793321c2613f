// Apache's error_log: why httpd refused a file (permissions, SELinux, a missing path), with the
// client's address when Apache logs one.

import { normalizeIp } from '../syslog-parse';
import { monthIndex } from '../timestamps';
import { SEVERITY_WORDS } from '../syslog-parse';
import type { LogKind, ParsedLine } from './kind';

// [Tue Nov 24 12:10:20.123456 2026] [core:error] [pid 1234:tid 5678] … [client 10.0.0.13:51234] text
const STAMP = /^\[(?:[A-Z][a-z]{2} )?([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))? (\d{4})\] */;

function readError(raw: string): ParsedLine | null {
  if (raw.trim() === '') return null;
  const tm = STAMP.exec(raw);
  let claimed: number | null = null;
  let rest = raw;
  if (tm) {
    const month = monthIndex(tm[1]!) ?? 0;
    const ms = tm[6] ? Math.floor(Number(`0.${tm[6]}`) * 1000) : 0;
    claimed = new Date(Number(tm[7]), month, Number(tm[2]), Number(tm[3]), Number(tm[4]), Number(tm[5]), ms).getTime();
    rest = raw.slice(tm[0].length);
  }
  let severity: number | null = null;
  const lvl = /^\[(?:([\w-]+):)?(\w+)\] */.exec(rest);
  if (lvl) {
    const word = lvl[2]!.toUpperCase();
    severity = SEVERITY_WORDS[word] ?? (word.startsWith('TRACE') ? 7 : null);
    rest = rest.slice(lvl[0].length);
  }
  rest = rest.replace(/^\[pid [^\]]*\] */, '');
  let from: string | null = null;
  const client = /\[(?:client|remote) ([^\]]+)\] ?/.exec(rest);
  if (client) {
    const addr = client[1]!.replace(/:\d+$/, '');
    from = normalizeIp(addr.includes('.') ? addr : client[1]!);
    rest = rest.slice(0, client.index) + rest.slice(client.index + client[0].length);
  }
  return { claimed, channel: 'httperror', from, program: 'httpd', severity, message: rest };
}

export const errorLog: LogKind = {
  kind: 'error',
  names: ['error_log', 'error.log', 'error'],
  path: /(?:^|\/)(?:httpd|apache2)\/error[._]log$/,
  // The stamp, then Apache's [module:level] (a conserver stamp is followed by console text).
  line: /^\[(?:[A-Z][a-z]{2} )?[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)? \d{4}\] \[(?:[\w-]+:)?\w+\] /,
  open: () => readError,
  samples: [
    {
      line: '[Tue Nov 24 10:10:04.123456 2026] [core:error] [pid 2233:tid 140012] (13)Permission denied: [client 10.0.1.10:51234] AH00132: file permissions deny server access: /install/postscripts/mysite_tuning',
      source: 'generated MN (Apache 2.4 format)',
      claimed: true,
    },
  ],
};
