// The MN's rsyslog files (messages, xcat/cluster.log, xcat/computes.log): a BSD or RFC 3339
// timestamp, the host, the tag; xCAT's own template puts a severity word after the tag.
// Shared by the three kinds, which differ only in which channel a line goes to.

import type { Channel } from '../../types';
import { parseSyslog, SEVERITY_WORDS } from '../syslog-parse';
import { parseBsd, parseIso, type YearTracker } from '../timestamps';
import { channelOfMnProgram, hostHint, type LineParser } from './kind';
import { CUT_TEMPLATE, withoutInnerDate } from './text-line';

// xCAT's rsyslog template: "%timegenerated% %HOSTNAME% %syslogtag% %SEVERITY% %msg%".
// The tag is "xcat[123]:" (MN), "xcat.deployment:" (RFC 3164 senders) or "xcat.deployment" (RFC 5424).
const XCAT_TEMPLATE = /^(\S+) ([^\s[]+?)(?:\[(\d+)\])?:? ([A-Z]{3,7})(?: +|$)/;
/** cluster.log with "time host xcat[pid]: " cut off in a paste (xcat-core#7465): xcatd's own line. */
const XCATD_CUT = /^([A-Z]{3,7}) (?=xcat(?:\.[\w-]+)*: )/;

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
      const xd = claimed === null && !allNode ? XCATD_CUT.exec(raw) : null;
      if (xd && SEVERITY_WORDS[xd[1]!] !== undefined) {
        return {
          claimed: null,
          channel: 'xcatd',
          from: null,
          host: null,
          program: 'xcat',
          pid: null,
          severity: SEVERITY_WORDS[xd[1]!]!,
          message: raw.slice(xd[0].length),
        };
      }
      const cut = claimed === null ? CUT_TEMPLATE.exec(raw) : null;
      if (cut && SEVERITY_WORDS[cut[3]!] !== undefined) {
        const program = cut[1]!;
        const pid = cut[2] ? Number(cut[2]) : null;
        return {
          claimed: null,
          channel: channelOf(program, pid),
          from: null,
          host: null,
          program,
          pid,
          severity: SEVERITY_WORDS[cut[3]!]!,
          message: withoutInnerDate(raw.slice(cut[0].length)),
        };
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
