// Core data shapes shared by every stage of the pipeline:
// sources → records → patterns → identity → sessions → diagnosis → store/API/TUI.

/**
 * What kind of line a record is. Patterns declare the channels they apply to.
 * - dhcpd:     ISC dhcpd (or kea) lines, from the MN's messages/syslog
 * - tftpd:     in.tftpd / atftpd lines, from the MN's messages/syslog
 * - http:      Apache access_log lines (combined format); `from` is the client IP
 * - httperror: Apache error_log lines
 * - xcatd:     xCAT's own MN-side lines (`xcat[pid]:` in cluster.log or messages)
 * - node:      lines a node sent (remote syslog, computes.log, `xcat.*` tags in cluster.log)
 * - commands:  /var/log/xcat/commands.log (one record per request or response line)
 * - console:   console logs (consoles/*, goconserver/nodes/*), ANSI stripped
 * - syslog:    any other MN syslog line (systemd, kernel, named, httpd start-up …)
 */
export type Channel = 'dhcpd' | 'tftpd' | 'http' | 'httperror' | 'xcatd' | 'node' | 'commands' | 'console' | 'syslog';

export const CHANNELS: readonly Channel[] = ['dhcpd', 'tftpd', 'http', 'httperror', 'xcatd', 'node', 'commands', 'console', 'syslog'];

/** One log line, normalised. Never mutated after creation. */
export interface LogRecord {
  /** When it was observed, epoch ms: receive time for network input, parsed time for files. */
  at: number;
  /** The time the line itself claims (epoch ms), or null. */
  claimed: number | null;
  /** 'remote' for network/capture input, else the MN file relative to the log root, e.g. 'xcat/cluster.log'. */
  source: string;
  channel: Channel;
  /** Sender IP for network input (origin IP through a trusted relay), client IP for access_log; normalised (no ::ffff:). */
  from: string | null;
  /** Hostname from the syslog header: a hint only, never an identity. */
  host: string | null;
  /** Program/tag without [pid], e.g. 'dhcpd', 'xcat.deployment'. */
  program: string | null;
  pid: number | null;
  /** Syslog severity 0 (emerg) … 7 (debug), from PRI or the xCAT severity word; null when unknown. */
  severity: number | null;
  /** Message text (after the tag and, for xCAT's template, after the severity word). */
  message: string;
  /** The raw line as read or received (invalid UTF-8 replaced, nothing else changed). */
  raw: string;
  /** Node name implied by where the line came from (console file name), or null. */
  node: string | null;
}

export type { Stage } from './contract';
import type { Stage } from './contract';

/** Rank of each stage: a later stage has a higher rank; same rank = alternative paths (diskful vs diskless). */
export const STAGE_RANK: Readonly<Record<Stage, number>> = {
  prep: 0,
  power: 1,
  poweron: 2,
  dhcp: 3,
  bootloader: 4,
  bootscript: 5,
  kernel: 6,
  initrd: 7,
  kickstart: 8,
  installing: 9,
  netbooting: 9,
  packages: 10,
  rootimg: 10,
  postinstall: 11,
  postscripts: 12,
  booting: 13,
  postbooting: 14,
  postbootscripts: 15,
  booted: 16,
};

export const STAGES = Object.keys(STAGE_RANK) as Stage[];

/** What a matched line means for its session. */
export type Severity = 'info' | 'warning' | 'error' | 'critical';

/** A compiled pattern (see docs/patterns.md for the YAML form). */
export interface Pattern {
  id: string;
  /** File the pattern came from and the 1-based line of its `id:` key. */
  file: string;
  line: number;
  sources: Channel[];
  /** Optional regex on the record's program/tag. */
  program: RegExp | null;
  regex: RegExp;
  /** Text every match contains (derived from the regex): checked before the regex runs. */
  literal: string | null;
  /** Without such a literal: literals one of which every match contains (an alternation), or null. */
  anyOf: string[] | null;
  /** Milestone this line proves, if any. */
  milestone: Stage | null;
  /** Stage the line belongs to, for display and conflict checks (defaults to milestone). */
  stage: Stage | null;
  severity: Severity;
  title: string;
  meaning: string;
  remedy: string;
  /** Pattern or rule ids whose lines this cause explains (they become its symptoms). */
  explains: string[];
  /** node: about one machine; cluster: an MN-side fault that can affect every node. */
  scope: 'node' | 'cluster';
  /**
   * This line ends the attempt with that outcome; `stalled`: the installer stopped and waits for
   * a human (a prompt, a debug halt) — failed instead when an error came before it; `completed`:
   * a step reports it finished, whatever its parts did (updatenode's "Running of postscripts has
   * completed."): succeeded, or failed when an error before it was not recovered from.
   */
  ends: 'failed' | 'succeeded' | 'stalled' | 'completed' | null;
  /** The line can open a new attempt (power requests, status powering-on, nodeset). */
  opens: boolean;
  /** The fields mac/ip/node of this line are a trustworthy association (DHCPACK, xcatd "matched with node"). */
  binds: boolean;
  /** Consecutive matches of this pattern for one machine coalesce into one (counted) entry. */
  coalesce: boolean;
  /**
   * A status line that only says something failed ("provision completed with error", "changing
   * status=failed"): a symptom, never a root cause; the line that says why is looked for instead.
   */
  generic: boolean;
  /** Fields that, with the id, make two sessions' causes "the same" for cluster groups. */
  groupBy: string[];
  /** Higher wins when several patterns match one line. */
  priority: number;
  /**
   * This line starts a step that must end with a line of one of `awaits.patterns` with the same
   * `awaits.key` field (no key: the next such line ends it).
   */
  awaits: { patterns: string[]; key: string | null } | null;
  examples: PatternExample[];
  counterexamples: string[];
}

export interface PatternExample {
  line: string;
  /** File kind the example line is read as: messages, cluster.log, computes.log, access_log, error_log,
   * commands.log, console or remote (defaults by the pattern's first source). */
  source?: string;
  fields?: Record<string, string>;
  /** commands.log examples: the command the response line belongs to. */
  program?: string;
  /** 1-based line in the YAML file, for error messages. */
  yamlLine?: number;
}

/** A pattern hit on a record. */
/** What a line says about which machine it concerns (any of them may be missing). */
export interface Subject {
  mac?: string;
  ip?: string;
  node?: string;
}

export interface Match {
  pattern: Pattern;
  fields: Record<string, string>;
}

/** One piece of evidence, as in the analyze/API contract. */
export type { Evidence } from './contract';

/** A rule for failures that leave no line of their own (see docs/patterns.md). */
export interface Rule {
  id: string;
  file: string;
  line: number;
  kind: 'stall' | 'absent' | 'loop';
  /** stall: last milestone(s) reached; loop: highest stage the looping attempts reach (empty = any). */
  after: Stage[];
  /** stall: the milestone that never came. */
  expects: Stage | null;
  /** stall: seconds the step normally stays under. */
  limit: number | null;
  /** absent: the trigger pattern id. */
  when: string | null;
  /** absent: the stage that should have been reached before the trigger. */
  without: Stage | null;
  severity: Severity;
  title: string;
  meaning: string;
  remedy: string;
  explains: string[];
  scope: 'node' | 'cluster';
}

/** A loaded knowledge base. */
export interface KnowledgeBase {
  patterns: Pattern[];
  rules: Rule[];
  /** Problems found while loading (a broken local file is skipped, never fatal). */
  problems: string[];
}
