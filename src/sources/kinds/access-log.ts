// Apache's access_log (httpd/ or apache2/): every boot file, kickstart, package and postscript a
// node fetched over HTTP, with the client's address (who) and the status (403, 404 are causes).

import { normalizeIp, isIpv4 } from '../syslog-parse';
import { parseApacheTime } from '../timestamps';
import type { LogKind, ParsedLine } from './kind';

const COMBINED = /^(\S+) \S+ \S+ \[([^\]]+)\] "(\S+) (\S+)(?: [^"]*)?" (\d{3}) (\S+)/;

function readAccess(raw: string): ParsedLine | null {
  const m = COMBINED.exec(raw);
  if (!m) {
    if (raw.trim() === '') return null;
    return { claimed: null, channel: 'http', message: raw };
  }
  const client = normalizeIp(m[1]!);
  const t = parseApacheTime(m[2]!);
  const path = m[4]!.includes('//') ? m[4]!.replace(/\/{2,}/g, '/') : m[4]!;
  const status = Number(m[5]);
  const isAddr = isIpv4(client) || client.includes(':');
  return {
    claimed: t,
    channel: 'http',
    from: isAddr ? client : null,
    host: isAddr ? null : m[1]!,
    program: 'httpd',
    severity: status >= 500 ? 3 : status >= 400 ? 4 : 6,
    // Joined, not a template: one flat string, which the matcher's memo hashes without flattening.
    message: [m[3], path, m[5], m[6] === '-' ? '0' : m[6]].join(' '),
  };
}

export const accessLog: LogKind = {
  kind: 'access',
  names: ['access_log', 'access.log', 'access'],
  path: /(?:^|\/)(?:httpd|apache2)\/access[._]log$/,
  line: /^\S+ \S+ \S+ \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2}[^\]]*\] "/,
  open: () => readAccess,
  samples: [
    // xcat-core#1559 (a diskless node's boot, double slash as xCAT writes it)
    {
      line: '10.113.189.207 - - [15/Aug/2016:10:01:53 +0000] "GET //install/netboot/ubuntu14.04.3/x86_64/compute/rootimg.gz HTTP/1.1" 200 187679289 "-" "Wget/1.15 (linux-gnu)"',
      source: 'xcat-core#1559',
      claimed: true,
    },
  ],
};
