// The MN's rsyslog files (messages, xcat/cluster.log, xcat/computes.log): a BSD or RFC 3339
// timestamp, the host, the tag; xCAT's own template puts a severity word after the tag.
// Shared by the three kinds, which differ only in which channel a line goes to.

import type { Channel } from '../../types';
import { parseSyslog, SEVERITY_WORDS } from '../syslog-parse';
import { parseBsd, parseIso, type YearTracker } from '../timestamps';
import { channelOfMnProgram, hostHint, type LineParser } from './kind';
import { withoutInnerDate } from './text-line';

// xCAT's rsyslog template: "%timegenerated% %HOSTNAME% %syslogtag% %SEVERITY% %msg%".
// The tag is "xcat[123]:" (MN), "xcat.deployment:" (RFC 3164 senders) or "xcat.deployment" (RFC 5424).
const XCAT_TEMPLATE = /^(\S+) ([^\s[]+?)(?:\[(\d+)\])?:? ([A-Z]{3,7})(?: +|$)/;

/**
 * @param template the file may hold xCAT's template (cluster.log, computes.log)
 * @param allNode every line is a node's (computes.log), else the channel goes by the program
 */
export function syslogFileParser(years: YearTracker, template: boolean, allNode: boolean): LineParser {
  const channelOf = (program: string | null, pid: number | null): Channel => (allNode ? 'node' : channelOfMnProgram(program, pid));
  return (raw) => {
    if (raw.trim() === '') return null;
    if (template) {
      // Timestamp first, then xCAT's template.
      let claimed: number | null = null;
      let rest = raw;
      const iso = parseIso(raw);
      if (iso !== null && /^\S+ /.test(raw)) {
        claimed = iso;
        rest = raw.slice(raw.indexOf(' ') + 1);
      } else {
        const b = parseBsd(raw, years);
        if (b) {
          claimed = b.t;
          rest = raw.slice(b.len).replace(/^ /, '');
        }
      }
      const m = claimed !== null ? XCAT_TEMPLATE.exec(rest) : null;
      if (m && SEVERITY_WORDS[m[4]!] !== undefined) {
        const program = m[2]!;
        const pid = m[3] ? Number(m[3]) : null;
        const hint = hostHint(m[1]!);
        const channel = channelOf(program, pid);
        return {
          claimed,
          channel,
          from: channel === 'node' ? hint.from : null,
          host: hint.host,
          program,
          pid,
          severity: SEVERITY_WORDS[m[4]!]!,
          message: withoutInnerDate(rest.slice(m[0].length)),
        };
      }
    }
    const f = parseSyslog(raw, years);
    const channel = channelOf(f.program, f.pid);
    const hint = hostHint(f.host);
    return {
      claimed: f.claimed,
      channel,
      from: channel === 'node' ? hint.from : null,
      host: hint.host,
      program: f.program,
      pid: f.pid,
      severity: f.severity,
      message: withoutInnerDate(f.message),
    };
  };
}
