// What the network brings (UDP and TCP syslog, or a capture file's `msg`): RFC 5424 or 3164 as
// the node sent it. The sender's address (`from`) is who sent it; the hostname is a hint.

import { normalizeIp, parseSyslog, SEVERITY_WORDS } from '../syslog-parse';
import { hostHint, type LogKind, type LineParser } from './kind';
import { withoutInnerDate } from './text-line';
import type { YearTracker } from '../timestamps';

function remoteParser(years: YearTracker): LineParser {
  return (raw, from) => {
    const f = parseSyslog(raw, years);
    const hint = hostHint(f.host);
    let message = f.message;
    let severity = f.severity;
    // Relayed through a node's rsyslog with xCAT's template the severity word may lead.
    const sev = /^([A-Z]{3,7}) +/.exec(message);
    if (sev && SEVERITY_WORDS[sev[1]!] !== undefined && severity === null) {
      severity = SEVERITY_WORDS[sev[1]!]!;
      message = message.slice(sev[0].length);
    }
    return {
      claimed: f.claimed,
      channel: 'node',
      from: from ? normalizeIp(from) : hint.from,
      host: hint.host,
      program: f.program,
      pid: f.pid,
      severity,
      message: withoutInnerDate(message),
    };
  };
}

export const remote: LogKind = {
  kind: 'remote',
  names: ['remote'],
  path: null,
  line: null,
  open: ({ years }) => remoteParser(years),
  samples: [
    {
      line: '<166>1 2026-11-24T08:04:05.078926+00:00 localhost xcat.deployment - - [timeQuality tzKnown="1" isSynced="0"] Running postscript: remoteshell',
      source: 'rsyslog 8 on a RHEL 9 installer',
      claimed: true,
    },
  ],
};
