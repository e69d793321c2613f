// What real node-side text looks like, line by line, whatever file it was copied into: the
// node's own /var/log/xcat/xcat.log (date(1) prefixes, with or without `[info]: tag:`), a serial
// console (conserver's `[Tue Mar  4 09:12:07 2025]`, goconserver's `[2025-03-04T09:12:07+01:00]`,
// dmesg's `[   42.518003]`), a journalctl dump (short, short-iso, short-precise, -o cat), a
// syslog line pasted from computes.log, `set -x` traces, or bare text with no time at all.
// One function peels the prefixes off; what it cannot read stays in the message.

import { BSD_TS, parseBsd, parseIso, monthIndex, type YearTracker } from '../timestamps';
import { SEVERITY_WORDS } from '../syslog-parse';

export interface TextLine {
  /** The time the line claims (epoch ms), or null. */
  claimed: number | null;
  /** Seconds since boot from a dmesg stamp, or null. */
  uptime: number | null;
  /** A syslog HOSTNAME field, when the line had one. */
  host: string | null;
  program: string | null;
  pid: number | null;
  severity: number | null;
  message: string;
  /** A `set -x` trace line (`+ cmd`): the command, not its outcome. */
  trace: boolean;
  /** `message repeated N times: [ … ]`: N (1 otherwise). */
  repeated: number;
  /** A journal separator (`-- Reboot --`, `-- Logs begin at …`): no content. */
  separator: boolean;
  /** The line had a syslog header (host and tag). */
  syslog: boolean;
  /** The node a `NAME: ` or `[NAME] ` prefix names (xdsh, updatenode, xcatprobe output), or null. */
  prefixNode: string | null;
  /** A console server's own stamp (conserver, goconserver) led the line. */
  consoleStamp: boolean;
  /** The line's time carries its year (date(1), ISO, conserver): it can date a BSD timestamp's year. */
  dated: boolean;
  /** An MN service's own output (`dhcpd: …` as SysV init shows it): its program, not a node's line. */
  service: boolean;
}

/**
 * Time zone abbreviations date(1) prints, to UTC offsets in minutes. One abbreviation can mean
 * several zones (IST, CST); the most common meaning on HPC sites is taken. An unknown one is
 * read as the analysing machine's local time (as a BSD timestamp is).
 */
const ZONES: Record<string, number> = {
  UTC: 0,
  GMT: 0,
  Z: 0,
  WET: 0,
  WEST: 60,
  BST: 60,
  CET: 60,
  CEST: 120,
  MET: 60,
  MEST: 120,
  EET: 120,
  EEST: 180,
  MSK: 180,
  IST: 330,
  CST: -360,
  CDT: -300,
  EST: -300,
  EDT: -240,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
  AKST: -540,
  AKDT: -480,
  HST: -600,
  JST: 540,
  KST: 540,
  AEST: 600,
  AEDT: 660,
  ACST: 570,
  AWST: 480,
  NZST: 720,
  NZDT: 780,
  SGT: 480,
  HKT: 480,
  PHT: 480,
  ICT: 420,
  WIB: 420,
  BRT: -180,
  ART: -180,
};

// date(1): "Tue Mar  4 09:12:07 CET 2025", "Thu Jan 14 05:41:15 EST 2016",
// "Tue Mar  4 09:12:07 AM CET 2025", "Tue 04 Mar 2025 09:12:07 AM CET" (en_US 12-hour), and no zone.
const DATE1 =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) +(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})(?: ([AP]M))?(?: ([A-Z]{1,5}|[+-]\d{2}:?\d{2}))? (\d{4})(?=\s|$)/;
const DATE1_DMY = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d{1,2}):(\d{2}):(\d{2})(?: ([AP]M))?(?: ([A-Z]{1,5}))?(?=\s|$)/;
// conserver: "[Tue Mar  4 09:12:07 2025]" (also its "[-- Console up -- Tue Mar 4 …]" marks).
const CONSERVER = /^\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})\] ?/;
// goconserver: "[2025-03-04T09:12:07+01:00] " or "[2025-03-04 09:12:07] ".
const BRACKET_ISO = /^\[(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)\] ?/;
const BARE_ISO = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?) /;
const DMESG = /^\[ *(\d{1,7}\.\d{1,9})\] ?/;
// A syslog priority a console shows when a program logs to it (genesis): "<166>".
const PRI = /^<(\d{1,3})>/;
// xcatprobe osdeploy: "[cn01] 10:21:09 Via HTTP get …" (a time of day, no date).
const PROBE = /^\[([A-Za-z][\w.-]{0,126})\] (\d{2}):(\d{2}):(\d{2}) /;
// xcatprobe osdeploy (2016) relaying what a node sent: "Recv from cn01 : xcat:  ready".
const RECV_FROM = /^\s*Recv from ([A-Za-z][\w.-]{0,126}) : (?:([\w.-]{1,64}): +)?/;
// xcatprobe osdeploy (2016): "[cn01] Node status is changed to booted".
const BRACKET_NODE = /^\[([A-Za-z][A-Za-z0-9_-]{0,62}\d[A-Za-z0-9_.-]{0,62})\] (?=\S)/;
// xCAT's newer node log form after the date: "[info]: xcat.deployment.postbootscript: msg".
const LEVEL_TAG = /^\[(emerg|alert|crit|err|error|warning|warn|notice|info|debug)\]:? *(?:([\w.-]+): )?/i;
// "<prog>[pid]: " or "<prog>: " after a dmesg stamp or a journal -o cat line.
const PROG = /^([A-Za-z_][\w.@/-]{0,63})\[(\d{1,10})\]: /;
const REPEATED = /^message repeated (\d+) times: \[ ?([\s\S]*?) ?\]$/;
const TRACE = /^\++ /;
/** `+ logger [-t TAG] [-p FACILITY.LEVEL] 'message'` as set -x prints it (options in any order). */
const LOGGER_TRACE = /^\++ logger(?<opts>(?: -\w+(?: (?![-'])\S+)?)*) '(?<msg>[^']*)'\s*$/; // a value never starts with -: no backtracking
/** xCAT's msgutil_r SERVER LEVEL 'message' [FILE] (the node scripts' logging function), traced. */
const MSGUTIL_TRACE = /^\++ msgutil_r \S+ (?<level>\w+) '(?<msg>[^']*)'(?: \S+)?\s*$/;
const JOURNAL_SEP = /^-- (?:Reboot|Logs begin at|Journal begins at|No entries|Boot [0-9a-f]+) ?.*--?$|^-- Reboot --$/;
const SYSLOG_TAG = /^([A-Za-z0-9_./@-]{1,64}?)(?:\[(\d{1,10})\])?: ?/;
const HOSTISH = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,253}$|^\(none\)$/;
// xdsh / updatenode / psh output: "cn07: text". A node name has a letter and a digit; device
// and kernel subsystem names (eth0:, sda1:, ata2:, usb 1-1:) are not nodes.
// Bounded: two open quantifiers around the digit would backtrack quadratically on a long token.
const NODE_PREFIX = /^([A-Za-z][A-Za-z0-9_-]{0,62}\d[A-Za-z0-9_.-]{0,62}): (?=\S)/;
// A file name and a colon glued to a timestamp: grep's prefix when it searched several files.
const GREP_FILE = /^[\w./-]{1,200}:(?=(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{2}:\d{2}:\d{2} |\d{4}-\d{2}-\d{2}[T ]\d{2}:)/;
const TAIL_HEADER = /^==> .+ <==$/;
// An MN daemon's output as its init script or a terminal shows it (xcat-core#1994: `dhcpd: …`).
const SERVICE_PREFIX = /^(dhcpd6?|dhcrelay|in\.tftpd|atftpd|named|httpd|kea-dhcp[46]|xcatd): (?=\S| +\S)/;
const NOT_NODE_PREFIX =
  /^(?:eth|ens|enp|eno|enP|ib|sd|hd|vd|xvd|nvme|dm-|md|loop|tty|usb|pci|ata|scsi|sr|br|bond|vlan|em|p\d|lo|mlx|hfi|nfs|xfs|ext\d|raid|cpu|node\d+$|irq|acpi|ahci|virtio|fb|i\d{3,4}|dev|mmc|hub|input|rtc|pcie|nvidia|ipmi|dmar|pnp|serial|e1000|igb|ixgbe|bnx|tg3|qla|lpfc|mpt|megaraid|smartpqi|hpsa)/i;
// A shell prompt with the command typed (pasted terminal sessions): the admin's input, not a log.
const PROMPT = /^(?:\[[^\]@\s]+@[^\]]+\][#$] ?|[#$] ?(?=[a-z]))/;
// `systemctl status` around the journal lines it shows: the unit's header, not a log line.
const SYSTEMCTL_HEADER =
  /^(?:[●*○×] [\w@.-]+\.(?:service|socket|target|mount|timer) - |\s+(?:Loaded|Active|Process|Main PID|Tasks|Memory|CPU|CGroup|Docs|Status|TriggeredBy|Triggers): )/;
// A syslog line whose timestamp was cut off in the paste: " host tag: SEVERITY msg" (xCAT's template).
const CUT_SYSLOG = /^\s*([A-Za-z0-9][A-Za-z0-9_.-]{0,253}) ([A-Za-z0-9_./@-]{1,64}?)(?:\[(\d{1,10})\])?:? +([A-Z]{3,7}) +/;
/**
 * xCAT's template with the time and the host cut off in a paste: "xcat.updatenode.postscript
 * INFO msg" (xcat-core#6935). Only xCAT's own tags: any other "word WORD msg" line is text.
 * Pasted text and the MN's template files (syslog-file.ts) read it alike.
 */
export const CUT_TEMPLATE = /^\s*(xcat(?:\.[\w-]+)*)(?:\[(\d{1,10})\])?:? ([A-Z]{3,7}) +/;

function clock(h: number, ampm: string | undefined): number {
  if (!ampm) return h;
  if (ampm === 'AM') return h === 12 ? 0 : h;
  return h === 12 ? 12 : h + 12;
}

function zoned(y: number, mo: number, d: number, h: number, mi: number, s: number, zone: string | undefined): number {
  if (zone) {
    const off = /^[+-]/.test(zone) ? (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2))) : ZONES[zone];
    if (off !== undefined) return Date.UTC(y, mo, d, h, mi, s) - off * 60_000;
  }
  return new Date(y, mo, d, h, mi, s).getTime();
}

/** A date(1) prefix at the start of s: its time and length, or null. */
export function parseDate1(s: string): { t: number; len: number } | null {
  let m = DATE1.exec(s);
  if (m) {
    const mo = monthIndex(m[1]!);
    if (mo === undefined) return null;
    const t = zoned(Number(m[8]), mo, Number(m[2]), clock(Number(m[3]), m[6]), Number(m[4]), Number(m[5]), m[7]);
    return Number.isFinite(t) ? { t, len: m[0].length } : null;
  }
  m = DATE1_DMY.exec(s);
  if (m) {
    const mo = monthIndex(m[2]!);
    if (mo === undefined) return null;
    const t = zoned(Number(m[3]), mo, Number(m[1]), clock(Number(m[4]), m[7]), Number(m[5]), Number(m[6]), m[8]);
    return Number.isFinite(t) ? { t, len: m[0].length } : null;
  }
  return null;
}

/**
 * The `NAME: ` an xdsh/updatenode line starts with, when NAME can be a node's: names are
 * lower-case and hold a digit; error codes (PXE-E53:, E1000:) and devices (eth0:, sda1:) are not.
 */
export function nodePrefix(s: string): RegExpExecArray | null {
  const np = NODE_PREFIX.exec(s);
  return np && /[a-z]/.test(np[1]!) && !NOT_NODE_PREFIX.test(np[1]!) ? np : null;
}

/**
 * `grep PATTERN FILE…` names the file before each line (xcat-core#5838: `computes.log:Nov 27 …`):
 * the line without it, whatever kind reads it. grep prints the path as it was typed, so only a
 * line starting like one (a lower-case name, `/`, `.`, `_`) is tried: a timestamp, an address
 * or a bracket costs one character test.
 */
export function withoutGrepPrefix(line: string): string {
  const c = line.charCodeAt(0);
  if (!((c >= 97 && c <= 122) || c === 47 || c === 46 || c === 95)) return line;
  const gp = GREP_FILE.exec(line);
  return gp ? line.slice(gp[0].length) : line;
}

/**
 * A syslog message that starts with the sender's own date(1) stamp (xCAT's node scripts log
 * `date` output through logger: `xcat:  Tue Sep 13 01:18:52 EDT 2016 Running postscript: x`):
 * the message without it. The syslog header's time stays the line's time.
 */
export function withoutInnerDate(message: string): string {
  // Read for every syslog line: most start with no weekday, and are left at one character test.
  let lead = 0;
  while (message.charCodeAt(lead) === 32) lead++;
  const c = message.charCodeAt(lead);
  // M T W F S: the weekdays' initials.
  if (c !== 77 && c !== 84 && c !== 87 && c !== 70 && c !== 83) return message;
  const d = parseDate1(message.slice(lead));
  return d ? message.slice(lead + d.len).replace(/^\s+/, '') : message;
}

const LEVELS: Record<string, number> = { emerg: 0, alert: 1, crit: 2, err: 3, error: 3, warning: 4, warn: 4, notice: 5, info: 6, debug: 7 };

/** Peel every prefix real node text carries. Never throws. */
export function parseTextLine(input: string, years: YearTracker): TextLine {
  // A console screen copied from a web console pads its rows with middle dots (U+00B7) for
  // spaces (xcat-core#6931): padding, not text.
  let s = input.includes('\u00b7\u00b7') ? input.replace(/\u00b7{2,}/g, ' ').trimEnd() : input;
  // A CR shown as the two characters `^M` (a paste of `cat -v` or a console log): line end.
  if (s.includes('^M')) s = s.replace(/\^M\s*$/, '');
  // `tail -v`/`head` of several files print a header between them.
  const out: TextLine = {
    claimed: null,
    uptime: null,
    host: null,
    program: null,
    pid: null,
    severity: null,
    message: s,
    trace: false,
    repeated: 1,
    separator: false,
    syslog: false,
    prefixNode: null,
    consoleStamp: false,
    dated: false,
    service: false,
  };
  if (TAIL_HEADER.test(s)) {
    out.separator = true;
    return out;
  }
  if (PROMPT.test(s) || SYSTEMCTL_HEADER.test(s)) {
    out.trace = true;
    return out;
  }
  const pri = PRI.exec(s);
  if (pri && Number(pri[1]) <= 191) {
    out.severity = Number(pri[1]) & 7;
    s = s.slice(pri[0].length);
  }
  const probe = PROBE.exec(s);
  if (probe) {
    // Placed on the day of the file (its reference time): the probe prints no date.
    const day = new Date(years.referenceTime);
    out.claimed = new Date(day.getFullYear(), day.getMonth(), day.getDate(), Number(probe[2]), Number(probe[3]), Number(probe[4])).getTime();
    out.prefixNode = probe[1]!;
    s = s.slice(probe[0].length);
  } else if (s.includes('Recv from ') && RECV_FROM.test(s)) {
    const rf = RECV_FROM.exec(s)!;
    out.prefixNode = rf[1]!;
    if (rf[2]) out.program = rf[2];
    s = s.slice(rf[0].length).trimEnd();
  } else {
    const bn = BRACKET_NODE.exec(s);
    if (bn && /[a-z]/.test(bn[1]!) && !NOT_NODE_PREFIX.test(bn[1]!)) {
      out.prefixNode = bn[1]!;
      s = s.slice(bn[0].length);
    }
  }
  // A console's own time first (conserver / goconserver), then what the node printed.
  let m: RegExpExecArray | null = CONSERVER.exec(s);
  if (m) {
    out.consoleStamp = true;
    out.dated = true;
    const mo = monthIndex(m[1]!);
    if (mo !== undefined) out.claimed = new Date(Number(m[6]), mo, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])).getTime();
    s = s.slice(m[0].length);
  } else if ((m = BRACKET_ISO.exec(s))) {
    out.consoleStamp = true;
    out.dated = true;
    out.claimed = parseIso(m[1]!.replace(' ', 'T'));
    s = s.slice(m[0].length);
  }
  // Behind a console stamp, the node's own syslog line may follow with its priority.
  const pri2 = out.consoleStamp ? PRI.exec(s) : null;
  if (pri2 && Number(pri2[1]) <= 191) {
    out.severity = Number(pri2[1]) & 7;
    s = s.slice(pri2[0].length);
  }
  // One blank before it is a paste's (xcat-core#101: " c910f04x36: chmod: …"); two or more are
  // an indented table, not xdsh.
  const lead = s.startsWith(' ') && !s.startsWith('  ') ? 1 : 0;
  const np = nodePrefix(lead ? s.slice(1) : s);
  if (np) {
    out.prefixNode = np[1]!;
    s = s.slice(lead + np[0].length);
  }
  // date(1), as xCAT's node scripts prefix xcat.log lines. Behind a console stamp it is the
  // node's clock, often hours off before NTP (xcat-core#2275): the console server's time places
  // the line, so the file keeps one clock.
  const d = parseDate1(s);
  if (d) {
    if (!out.consoleStamp) out.claimed = d.t;
    out.dated = true;
    s = s.slice(d.len).replace(/^ +/, '');
    const lt = LEVEL_TAG.exec(s);
    if (lt) {
      out.severity = LEVELS[lt[1]!.toLowerCase()] ?? null;
      if (lt[2]) out.program = lt[2];
      s = s.slice(lt[0].length);
    }
  } else if (!probe && (out.claimed === null || out.consoleStamp) && !DMESG.test(s)) {
    // A syslog line (computes.log, messages, journalctl short / short-iso / short-precise).
    let t: number | null = null;
    let rest = s;
    if (BSD_TS.test(s)) {
      const b = parseBsd(s, years);
      if (b) {
        t = b.t;
        rest = s.slice(b.len);
      }
    } else {
      const iso = BARE_ISO.exec(s);
      if (iso) {
        t = parseIso(iso[1]!.replace(' ', 'T'));
        rest = s.slice(iso[1]!.length);
        out.dated = t !== null;
      }
    }
    if (t !== null) {
      if (!out.consoleStamp) out.claimed = t;
      rest = rest.replace(/^ +/, '');
      const sp = rest.indexOf(' ');
      // A severity word where a hostname would be ("2018-10-30 05:33:14 ERROR 404: Not Found.") is no host.
      const word = sp > 0 ? rest.slice(0, sp) : '';
      const first = SEVERITY_WORDS[word.toUpperCase()] !== undefined ? '' : word;
      let afterHost = rest.slice(sp + 1);
      // Genesis' syslog as the MN keeps it: "HOST [localhost] xcat.genesis.dodiscovery: msg".
      const bracketed = /^\[[A-Za-z0-9_.-]{1,64}\] /.exec(afterHost);
      if (bracketed && SYSLOG_TAG.test(afterHost.slice(bracketed[0].length))) afterHost = afterHost.slice(bracketed[0].length);
      const tag = SYSLOG_TAG.exec(afterHost);
      // xCAT's template: "host tag SEVERITY msg" (tag without a colon).
      const tpl = /^([A-Za-z0-9_./@-]{1,64}?)(?:\[(\d{1,10})\])? ([A-Z]{3,7})(?: +|$)/.exec(afterHost);
      if (first && HOSTISH.test(first) && tpl && SEVERITY_WORDS[tpl[3]!] !== undefined) {
        out.host = first;
        out.program = tpl[1]!;
        out.pid = tpl[2] ? Number(tpl[2]) : null;
        out.severity = SEVERITY_WORDS[tpl[3]!]!;
        out.syslog = true;
        s = afterHost.slice(tpl[0].length);
      } else if (first && HOSTISH.test(first) && tag && !first.endsWith(':')) {
        out.host = first;
        out.program = tag[1]!;
        out.pid = tag[2] ? Number(tag[2]) : null;
        out.syslog = true;
        s = afterHost.slice(tag[0].length);
        // xCAT's rsyslog template puts a severity word after the tag.
        const sev = /^([A-Z]{3,7})(?: +|$)/.exec(s);
        if (sev && SEVERITY_WORDS[sev[1]!] !== undefined) {
          out.severity = SEVERITY_WORDS[sev[1]!]!;
          s = s.slice(sev[0].length);
        }
      } else if (SYSLOG_TAG.test(rest) && /^\S+?(?:\[\d+\])?: /.test(rest)) {
        // "<166>Sep  2 14:28:57 xcat.genesis.bmcsetup: msg": a tag and no hostname.
        const t2 = SYSLOG_TAG.exec(rest)!;
        out.program = t2[1]!;
        out.pid = t2[2] ? Number(t2[2]) : null;
        out.syslog = true;
        s = rest.slice(t2[0].length);
      } else {
        s = rest;
      }
    } else {
      const cut = CUT_SYSLOG.exec(s);
      if (cut && SEVERITY_WORDS[cut[4]!] !== undefined && HOSTISH.test(cut[1]!)) {
        out.host = cut[1]!;
        out.program = cut[2]!;
        out.pid = cut[3] ? Number(cut[3]) : null;
        out.severity = SEVERITY_WORDS[cut[4]!]!;
        out.syslog = true;
        s = s.slice(cut[0].length);
      } else {
        const tpl = CUT_TEMPLATE.exec(s);
        if (tpl && SEVERITY_WORDS[tpl[3]!] !== undefined) {
          out.program = tpl[1]!;
          out.pid = tpl[2] ? Number(tpl[2]) : null;
          out.severity = SEVERITY_WORDS[tpl[3]!]!;
          out.syslog = true;
          s = s.slice(tpl[0].length);
        }
      }
    }
  }
  // A kernel or program line on a console: "[   42.518003] prog[pid]: msg".
  const dm = DMESG.exec(s);
  if (dm) {
    out.uptime = Number(dm[1]);
    s = s.slice(dm[0].length);
  }
  if (!out.syslog) {
    const p = PROG.exec(s);
    if (p) {
      out.program = p[1]!;
      out.pid = Number(p[2]);
    } else if (out.prefixNode === null && out.program === null) {
      const sp = SERVICE_PREFIX.exec(s);
      if (sp) {
        out.program = sp[1]!;
        out.service = true;
        s = s.slice(sp[0].length);
      }
    }
  }
  const rep = REPEATED.exec(s);
  if (rep) {
    out.repeated = Number(rep[1]);
    s = rep[2]!;
  }
  if (TRACE.test(s)) {
    // A traced call of a logging command is what the script logged, at its level: `+ logger -t
    // xcat -p local4.err 'msg'`, xCAT's `msgutil_r SERVER LEVEL 'msg' FILE` (xcat-core#2560).
    const logged = LOGGER_TRACE.exec(s) ?? MSGUTIL_TRACE.exec(s);
    if (logged) {
      const opts = logged.groups!.opts ?? '';
      out.program = / -t (\S+)/.exec(opts)?.[1] ?? null;
      const level = logged.groups!.level ?? / -p \w+\.(\w+)/.exec(opts)?.[1] ?? 'info';
      out.severity = SEVERITY_WORDS[level.toUpperCase()] ?? null;
      s = logged.groups!.msg!;
    } else out.trace = true;
  }
  if (out.claimed === null && out.uptime === null && JOURNAL_SEP.test(s.trim())) out.separator = true;
  out.message = s;
  return out;
}
