// What every kind of log xtriage reads has to say about itself (one module per kind beside this
// file, listed in index.ts): how to know it by path and by content, how to read a line of it,
// and real sample lines that prove both. Adding a format is one module and one line in index.ts.

import type { Channel } from '../../types';
import { isIpv4, normalizeIp } from '../syslog-parse';
import type { YearTracker } from '../timestamps';

/**
 * The kinds of input. `text` is node-side text of any form (the node's own xcat.log, a
 * journalctl dump, a pasted fragment, a log of unknown name); `remote` is what the network brings.
 */
export type FileKind = 'messages' | 'cluster' | 'computes' | 'commands' | 'access' | 'error' | 'console' | 'text' | 'remote';

/** One line as its kind reads it: what the records stage turns into a LogRecord. */
export interface ParsedLine {
  channel: Channel;
  message: string;
  /** The time the line claims (epoch ms), or null. */
  claimed: number | null;
  /** When it was observed, when that is not the claimed time (a commands.log block's date). */
  at?: number;
  from?: string | null;
  host?: string | null;
  program?: string | null;
  pid?: number | null;
  severity?: number | null;
}

/** Reads the lines of one file (or one network source) in order; null: not a line (a separator). */
export type LineParser = (raw: string, from?: string | null) => ParsedLine | null;

export interface LogKind {
  kind: FileKind;
  /** What admins call it (`--as NAME`, a pattern example's `file:`); the first is the kind's own. */
  names: string[];
  /** Its path below a log root, rotation suffix removed (`xcat/cluster.log`), or null. */
  path: RegExp | null;
  /** A line that only this kind has (content sniffing), or null when content alone cannot tell. */
  line: RegExp | null;
  /** A reader for one file; `years` gives BSD timestamps a year, `reference` is the file's mtime. */
  open(ctx: { reference: number; years: YearTracker }): LineParser;
  /** Real lines of this kind (with where they come from): each must read as this kind says. */
  samples: { line: string; source: string; claimed: boolean }[];
  /**
   * One writer appends the lines in the order things happened (a console, a node's xcat.log, a
   * terminal paste): a time that jumps back is that writer's clock being set, not an earlier event.
   */
  oneClock?: boolean;
  /** A pasted line that holds several (joined by a copy from a web page): its lines, else null. */
  split?(line: string): string[] | null;
}

const DHCP_PROGRAMS = /^(?:dhcpd|dhcpd6|kea-dhcp4|kea-dhcp6|dhcrelay)$/;
const TFTP_PROGRAMS = /^(?:in\.tftpd|tftpd|atftpd|in\.tftpd-hpa)$/;
/** xCAT's scripts on the node that log under their own name (first-boot postbootscripts: xcat-core#5118). */
const NODE_SCRIPTS = /^xcat(?:postinit1?|installpost|dsklspost)$/;

/** Which channel an MN syslog line belongs to, by its program. */
export function channelOfMnProgram(program: string | null, pid: number | null): Channel {
  if (!program) return 'syslog';
  if (DHCP_PROGRAMS.test(program)) return 'dhcpd';
  if (TFTP_PROGRAMS.test(program)) return 'tftpd';
  if (program === 'xcat' && pid !== null) return 'xcatd';
  if (program === 'xcat' || program.startsWith('xcat.') || program === 'xtriage' || NODE_SCRIPTS.test(program)) return 'node';
  return 'syslog';
}

/** A syslog HOSTNAME that is an address says who sent it; a name is only a hint. */
export function hostHint(host: string | null): { host: string | null; from: string | null } {
  if (!host) return { host: null, from: null };
  const h = normalizeIp(host);
  if (isIpv4(h) || h.includes(':')) return { host, from: h };
  return { host, from: null };
}
