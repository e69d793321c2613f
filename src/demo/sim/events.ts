// Semantic events of a generated cluster: what happened, who sent it, and which MN files it lands in.
// Renderers (render.ts) turn these into the exact bytes rsyslog, httpd and xcatd would write.

/** Files of a /var/log-shaped tree, relative to its root. */
export type LogFile =
  'messages' | 'xcat/cluster.log' | 'xcat/computes.log' | 'xcat/commands.log' | 'httpd/access_log' | 'httpd/error_log' | `consoles/${string}`;

export type Origin = 'mn' | 'node';

/** Syslog facilities used here. */
export const FACILITY = { kern: 0, user: 1, daemon: 3, auth: 4, syslog: 5, cron: 9, authpriv: 10, local4: 20 } as const;

/** Syslog severities. */
export const SEV = { emerg: 0, alert: 1, crit: 2, err: 3, warning: 4, notice: 5, info: 6, debug: 7 } as const;

/** `%syslogseverity-text:::uppercase%` for each severity. */
export const SEVERITY_WORDS = ['EMERG', 'ALERT', 'CRIT', 'ERR', 'WARNING', 'NOTICE', 'INFO', 'DEBUG'] as const;

/** What a node put on the wire for one syslog message (and how the MN's rsyslog saw it). */
export interface Wire {
  /** Sender IP = rsyslog's fromhost-ip. */
  ip: string;
  /** RFC 5424 (util-linux >= 2.26 `logger -n`) or RFC 3164 (old util-linux, rsyslog forwarding). */
  format: 'rfc5424' | 'rfc3164';
  /** Header hostname; null = none on the wire (RHEL 7 util-linux `logger -n`). */
  hostname: string | null;
  /** Header timestamp: the node's own clock (may be skewed), epoch ms. */
  clock: number;
  /** The sender's timezone offset from UTC in minutes (RFC 3164 timestamps are local time). */
  tzMin: number;
  /** RFC 5424: timeQuality synced flag (util-linux adds the timeQuality element). */
  synced: boolean;
  /** Trailing NUL byte (util-linux < 2.26 sends strlen+1 bytes). */
  nul: boolean;
  /** What rsyslog resolves the sender to (reverse DNS, local domain stripped, or the IP): %HOSTNAME% when the header has none. */
  fromhost: string;
}

interface EventBase {
  /** When it was written / received on the MN (epoch ms). access_log: when the request completed. */
  at: number;
  origin: Origin;
  /** The primary file. */
  file: LogFile;
  /** Every file the line lands in (rsyslog rules), primary first. */
  files: readonly LogFile[];
  /** Ground truth only: the node whose story this line belongs to (null for MN noise). Never rendered. */
  about: string | null;
  /** Ground truth only: the nodes for which this line is the root cause. */
  cause?: readonly string[];
  /** Ground truth only: the cluster group (kind) whose evidence this line is. */
  group?: string;
}

export interface SyslogEvent extends EventBase {
  type: 'syslog';
  /** `%HOSTNAME%` as rsyslog writes it: the MN's name, the node's header hostname, or rsyslog's fromhost. */
  host: string;
  /** Program name (tag without pid). */
  tag: string;
  pid: number | null;
  facility: number;
  severity: number;
  message: string;
  /** Node-originated only: the datagram's details. */
  wire: Wire | null;
}

export interface HttpEvent extends EventBase {
  type: 'http';
  /** When httpd received the request (`%t`); `at` is when it completed (log order). */
  startedAt: number;
  client: string;
  method: 'GET' | 'HEAD';
  path: string;
  protocol: 'HTTP/1.1' | 'HTTP/1.0';
  status: number;
  bytes: number;
  referer: string;
  agent: string;
}

export interface HttpErrorEvent extends EventBase {
  type: 'httperror';
  module: string;
  level: string;
  pid: number;
  tid: number;
  /** e.g. `(13)Permission denied` before the client part, or null. */
  errno: string | null;
  client: string | null;
  clientPort: number;
  message: string;
}

export interface CommandEvent extends EventBase {
  type: 'command';
  /** `[Date]` of the block (request start); `at` is when the block was written (request end). */
  startedAt: number;
  clientType: string;
  command: string;
  noderange: string | null;
  args: string[];
  responses: string[];
  numberNodes: number;
}

export interface ConsoleEvent extends EventBase {
  type: 'console';
  node: string;
  /** One console line, without line terminator (rendered with CR LF, as serial consoles send). */
  text: string;
}

export type ClusterEvent = SyslogEvent | HttpEvent | HttpErrorEvent | CommandEvent | ConsoleEvent;

const CLUSTER: LogFile = 'xcat/cluster.log';
const COMPUTES: LogFile = 'xcat/computes.log';

/** True for rsyslog's `programname isequal "xcat"` / `startswith "xcat."` (xcat-cluster.conf). */
export function isXcatProgram(tag: string): boolean {
  return tag === 'xcat' || tag.startsWith('xcat.');
}

/**
 * Where a syslog message lands on an xCAT MN (RHEL default rules + xCAT's rsyslog.d files):
 * - remote lines → computes.log (and cluster.log first when the program is xcat/xcat.*), then discarded;
 * - local xcat[pid] → cluster.log, then the distro's default rule to messages;
 * - other local daemons → messages (`*.info`, plus `daemon.=debug` from xcat-debug.conf).
 * This MN logs every facility at info and above to messages (as SLES does, and many sites configure),
 * so sshd and crond lines appear there too.
 */
const F_REMOTE: readonly LogFile[] = Object.freeze([COMPUTES]);
const F_REMOTE_XCAT: readonly LogFile[] = Object.freeze([COMPUTES, CLUSTER]);
const F_XCAT: readonly LogFile[] = Object.freeze([CLUSTER, 'messages']);
const F_XCAT_DEBUG: readonly LogFile[] = Object.freeze([CLUSTER]);
const F_MESSAGES: readonly LogFile[] = Object.freeze(['messages']);
const F_NONE: readonly LogFile[] = Object.freeze([]);

export function syslogFiles(origin: Origin, tag: string, facility: number, severity: number): readonly LogFile[] {
  if (origin === 'node') return isXcatProgram(tag) ? F_REMOTE_XCAT : F_REMOTE;
  const toMessages = severity <= SEV.info || (facility === FACILITY.daemon && severity === SEV.debug);
  if (isXcatProgram(tag)) return toMessages ? F_XCAT : F_XCAT_DEBUG;
  return toMessages ? F_MESSAGES : F_NONE;
}
