// Node-side text, read line by line whatever file it was copied into: a serial console
// (consoles/<node>, goconserver/nodes/<node>) and `text` (a node's own xcat.log, a journalctl
// dump, xdsh or updatenode output, xcatprobe output, a pasted fragment). The prefixes are
// peeled by text-line.ts; this decides the channel.

import type { Channel } from '../../types';
import { stripConsole } from '../console-text';
import type { YearTracker } from '../timestamps';
import { channelOfMnProgram, hostHint, type LineParser } from './kind';
import { parseTextLine } from './text-line';

/** The program name a `set -x` trace line gets: never matched, never an error (it is the command, not its result). */
export const TRACE_PROGRAM = '+';

/**
 * @param console every line is console output (a console log); else syslog lines go by their
 * program, dated or node-prefixed lines are the node's own log, the rest console output.
 */
export function nodeTextParser(years: YearTracker, console: boolean): LineParser {
  return (raw) => {
    const text = stripConsole(raw);
    if (text.trim() === '') return null;
    const t = parseTextLine(text, years);
    if (t.separator) return null;
    // What says whose it is or when (a syslog header, a date, an xdsh or xcatprobe node prefix)
    // is the node's log; bare text is console output (an installer's screen, a kernel, a shell
    // error), whichever file it was pasted into.
    const nodeLog = t.claimed !== null && t.uptime === null && !t.consoleStamp;
    let channel: Channel = console || !(nodeLog || t.prefixNode !== null) ? 'console' : 'node';
    let program = t.program;
    if (t.trace) program = TRACE_PROGRAM;
    else if (!console && (t.syslog || t.service)) {
      channel = channelOfMnProgram(t.program, t.pid);
      if (channel === 'syslog') channel = 'node';
    }
    const hint = hostHint(t.host ?? t.prefixNode);
    return {
      claimed: t.claimed,
      channel,
      from: channel === 'node' || channel === 'console' ? hint.from : null,
      host: hint.host,
      program,
      pid: t.pid,
      severity: t.severity,
      message: t.message,
    };
  };
}
