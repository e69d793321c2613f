// xtriaged's configuration: embedded defaults (no xCAT, no root, no port 514), then the YAML
// file (/etc/xtriage/xtriaged.yaml in production), then command-line flags. A bad file makes
// the daemon refuse to start with the file, line and key named.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LineCounter, parseDocument, isMap, isScalar, type Node as YamlNode, type Pair } from 'yaml';
import { defaultSocket } from './util/socket-path';
import { makeTrust, parseListenAddress } from './sources/syslog-receiver';

export interface HookConfig {
  command: string;
  timeoutS: number;
  on: ('failed' | 'stalled' | 'looping')[];
}

export interface DaemonConfig {
  udp: string[];
  tcp: string[];
  logs: string | null;
  state: string;
  socket: string;
  socketGroup: string | null;
  socketMode: number;
  patterns: string[];
  trustedRelays: string[];
  recvBufferBytes: number;
  tcpIdleTimeoutS: number;
  tcpMaxConnections: number;
  /** TCP connections from one address (the trusted relay's new connections are never refused). */
  tcpMaxConnectionsPerSource: number;
  spoolMaxFileBytes: number;
  spoolMaxTotalBytes: number;
  spoolMaxFiles: number;
  hooks: HookConfig[];
  /** /etc/hosts, dhcpd.leases, xCAT mac.csv/hosts.csv: MAC ⇄ IP ⇄ name for nodes the logs never name. */
  identityFiles: string[];
  /** Stall limits are multiplied by this: 1 in production; a demo replaying compressed time sets less. */
  stallScale: number;
  /**
   * How many nice steps (0–19; 0: off) every thread but the reception thread runs below it: under
   * a flood the CPU goes to reception first, so the kernel buffer is emptied and the engine
   * catches up later.
   */
  analysisNice: number;
  /** As analysisNice, while the analysis is far behind (a flood): 19 by default. */
  floodNice: number;
  /** Where each value set by a file came from ("FILE:LINE"), for messages about it later (a listen address that cannot be bound). */
  origins?: Partial<Record<keyof DaemonConfig, string>>;
}

/** The configuration cannot be used; the message has one line per problem (file:line: key "…": why). */
export class ConfigError extends Error {}
class KeyProblem extends Error {}

/** A group by name (or number) in the group database, or null. */
export function groupExists(name: string): boolean {
  if (/^\d+$/.test(name)) return true;
  try {
    if (
      fs
        .readFileSync('/etc/group', 'utf8')
        .split('\n')
        .some((l) => l.split(':')[0] === name)
    )
      return true;
  } catch {
    /* no /etc/group: ask NSS */
  }
  try {
    execFileSync('getent', ['group', name], { stdio: ['ignore', 'ignore', 'ignore'] });
    return true;
  } catch {
    return false;
  }
}

export function defaultStateDir(): string {
  if (process.env.STATE_DIRECTORY) return process.env.STATE_DIRECTORY.split(':')[0]!;
  if (process.getuid?.() === 0) return '/var/lib/xtriage';
  return path.join(process.env.XDG_STATE_HOME ?? path.join(os.homedir(), '.local', 'state'), 'xtriage');
}

export function defaults(): DaemonConfig {
  return {
    udp: ['127.0.0.1:5514'],
    tcp: ['127.0.0.1:5514'],
    logs: null,
    state: defaultStateDir(),
    socket: defaultSocket(),
    socketGroup: null,
    socketMode: 0o660,
    patterns: [],
    trustedRelays: ['127.0.0.0/8', '::1'],
    recvBufferBytes: 8 * 1024 * 1024,
    tcpIdleTimeoutS: 60,
    tcpMaxConnections: 4096,
    tcpMaxConnectionsPerSource: 64,
    spoolMaxFileBytes: 64 * 1024 * 1024,
    spoolMaxTotalBytes: 4 * 1024 * 1024 * 1024,
    spoolMaxFiles: 1000,
    hooks: [],
    identityFiles: [],
    stallScale: 1,
    analysisNice: 10,
    floodNice: 19,
  };
}

type Kind = 'path' | 'pathOrNull' | 'paths' | 'listen' | 'relays' | 'nice' | 'mode' | 'stringOrNull' | 'hooks' | 'bytes' | 'count' | 'seconds' | 'scale';
/**
 * Every key, its kind and, for numbers, its range. Values outside it are refused at load (file,
 * line, key): a 0 idle timeout or a 0 spool budget would break reception, not tune it.
 */
const KEYS: Record<string, { kind: Kind; field: keyof DaemonConfig; min?: number; max?: number }> = {
  udp: { kind: 'listen', field: 'udp' },
  tcp: { kind: 'listen', field: 'tcp' },
  logs: { kind: 'pathOrNull', field: 'logs' },
  state: { kind: 'path', field: 'state' },
  socket: { kind: 'path', field: 'socket' },
  socketGroup: { kind: 'stringOrNull', field: 'socketGroup' },
  socketMode: { kind: 'mode', field: 'socketMode' },
  patterns: { kind: 'paths', field: 'patterns' },
  trustedRelays: { kind: 'relays', field: 'trustedRelays' },
  // SO_RCVBUF takes a C int; below 64 KiB a burst overflows at once.
  recvBufferBytes: { kind: 'bytes', field: 'recvBufferBytes', min: 64 * 1024, max: 2 ** 31 - 1 },
  tcpIdleTimeoutS: { kind: 'seconds', field: 'tcpIdleTimeoutS', min: 1, max: 7 * 86400 },
  tcpMaxConnections: { kind: 'count', field: 'tcpMaxConnections', min: 1, max: 1_000_000 },
  tcpMaxConnectionsPerSource: { kind: 'count', field: 'tcpMaxConnectionsPerSource', min: 1, max: 1_000_000 },
  spoolMaxFileBytes: { kind: 'bytes', field: 'spoolMaxFileBytes', min: 1024 * 1024, max: 2 ** 40 },
  spoolMaxTotalBytes: { kind: 'bytes', field: 'spoolMaxTotalBytes', min: 16 * 1024 * 1024, max: 2 ** 50 },
  spoolMaxFiles: { kind: 'count', field: 'spoolMaxFiles', min: 2, max: 1_000_000 },
  hooks: { kind: 'hooks', field: 'hooks' },
  identityFiles: { kind: 'paths', field: 'identityFiles' },
  // > 0: the demo compresses time by up to thousands (0.0007 at --speed 40 with 16 nodes).
  stallScale: { kind: 'scale', field: 'stallScale', min: 1e-6, max: 1000 },
  analysisNice: { kind: 'nice', field: 'analysisNice' },
  floodNice: { kind: 'nice', field: 'floodNice' },
};

/**
 * A socket mode: owner and group bits only, owner read and write. Written as octal, either a
 * string ("0660", "660", "0o660") or a bare YAML number whose digits are the octal digits (660,
 * 0660, 0o660 as written: the scalar's source text decides, so 0o660 is not read as 432).
 * Returns the mode or a reason.
 */
export function parseSocketMode(text: string): number | string {
  const m = /^(?:0o?)?([0-7]{3})$/i.exec(text.trim());
  if (!m) return `"${text}" is not an octal mode such as "0660" (three octal digits, optionally after 0 or 0o)`;
  const mode = Number.parseInt(m[1]!, 8);
  if (mode & 0o007) return `mode 0${m[1]} gives other users access: the socket is the access boundary (owner and group bits only, e.g. "0660")`;
  if ((mode & 0o600) !== 0o600) return `mode 0${m[1]} does not let the owner read and write the socket (e.g. "0660" or "0600")`;
  return mode;
}

/** A reason when `spec` is not a usable listen address (an IP literal, never a name, and a port 0-65535). */
export function listenAddressProblem(spec: string): string | null {
  try {
    parseListenAddress(spec); // port 0: any free port (tests, the demo); the daemon logs which
    return null;
  } catch (e) {
    return `${(e as Error).message}${/is not an IP address/.test((e as Error).message) ? ' (a host name is never resolved: give the address)' : ''}`;
  }
}

/**
 * Reads a config file over `base`. Throws ConfigError naming file, line and key of every bad value.
 * `checkSystem` (the daemon): also that the names it gives exist on this machine (socketGroup).
 */
export function loadConfigFile(file: string, base: DaemonConfig, opts: { checkSystem?: boolean } = {}): DaemonConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read config (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  if (doc.errors.length) {
    throw new ConfigError(
      doc.errors.map((e) => `${file}:${e.linePos?.[0]?.line ?? (e.pos ? lc.linePos(e.pos[0]).line : 0)}: ${e.message.split('\n')[0]}`).join('\n'),
    );
  }
  const cfg: DaemonConfig = { ...base };
  if (doc.contents === null) return cfg;
  if (!isMap(doc.contents)) throw new ConfigError(`${file}:1: the config must be a mapping of keys to values`);
  const lineOf = new Map<string, number>();
  /** Every bad value, each with file, line and key: an admin fixes them all in one go. */
  const problems: string[] = [];
  for (const item of doc.contents.items) {
    try {
      checkItem(item);
    } catch (e) {
      if (!(e instanceof KeyProblem)) throw e;
      problems.push(e.message);
    }
  }
  function checkItem(item: Pair<unknown, unknown>): void {
    const key = isScalar(item.key) ? String(item.key.value) : '?';
    const line = (item.key as YamlNode).range ? lc.linePos((item.key as YamlNode).range![0]).line : 0;
    lineOf.set(key, line);
    const spec = KEYS[key];
    const fail = (what: string): never => {
      throw new KeyProblem(`${file}:${line}: key "${key}": ${what}`);
    };
    if (!spec) fail(`unknown key (known: ${Object.keys(KEYS).join(', ')})`);
    const v = (item.value as YamlNode | null)?.toJSON?.() ?? (isScalar(item.value) ? item.value.value : item.value);
    const set = (value: unknown): void => {
      (cfg as unknown as Record<string, unknown>)[spec!.field] = value;
    };
    const strings = (what: string): string[] => {
      const list = typeof v === 'string' ? [v] : v;
      if (!Array.isArray(list) || list.some((x) => typeof x !== 'string' || !x.trim())) return fail(`expected ${what} or a list of them`);
      return list as string[];
    };
    const inRange = (n: number, unit: string): void => {
      const { min, max } = spec!;
      if (min !== undefined && n < min) fail(`${n} is below the minimum ${min}${unit}`);
      if (max !== undefined && n > max) fail(`${n} is above the maximum ${max}${unit}`);
    };
    switch (spec!.kind) {
      case 'path':
        if (typeof v !== 'string' || !v.trim()) fail('expected a path');
        set(v);
        break;
      case 'pathOrNull':
        if (v !== null && (typeof v !== 'string' || !v.trim())) fail('expected a path or null');
        set(v);
        break;
      case 'stringOrNull':
        if (v !== null && (typeof v !== 'string' || !v.trim())) fail('expected a name or null');
        if (opts.checkSystem && spec!.field === 'socketGroup' && typeof v === 'string' && !groupExists(v))
          fail(`group "${v}" does not exist (create it: groupadd -r ${v}; the packages do)`);
        set(v);
        break;
      case 'paths':
        set(strings('a path'));
        break;
      case 'listen': {
        const list = strings('"ADDRESS:PORT"'); // [] : not on this transport
        for (const a of list) {
          const why = listenAddressProblem(a);
          if (why) fail(why);
        }
        set(list);
        break;
      }
      case 'relays': {
        const list = typeof v === 'string' ? [v] : v;
        if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) fail('expected a list of addresses or CIDR prefixes');
        for (const r of list as string[]) {
          try {
            makeTrust([r]);
          } catch (e) {
            fail(`${(e as Error).message} (an IP address or ADDRESS/PREFIX such as 10.0.0.0/24; never a name)`);
          }
        }
        set(list);
        break;
      }
      case 'bytes':
      case 'count':
        if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(`expected a whole number${spec!.kind === 'bytes' ? ' of bytes' : ''}`);
        inRange(v as number, '');
        set(v);
        break;
      case 'seconds':
      case 'scale':
        if (typeof v !== 'number' || !Number.isFinite(v)) fail(spec!.kind === 'seconds' ? 'expected a number of seconds' : 'expected a number');
        inRange(v as number, spec!.kind === 'seconds' ? ' s' : '');
        set(v);
        break;
      case 'nice':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 19) fail('expected a whole number from 0 to 19');
        set(v);
        break;
      case 'mode': {
        const src = isScalar(item.value) ? (typeof item.value.source === 'string' ? item.value.source : String(item.value.value)) : null;
        if (src === null || (typeof v !== 'number' && typeof v !== 'string')) fail('expected an octal mode such as "0660"');
        const mode = parseSocketMode(src!);
        if (typeof mode === 'string') fail(mode);
        set(mode);
        break;
      }
      case 'hooks': {
        if (!Array.isArray(v)) fail('expected a list of {command, timeout, on}');
        const hooks: HookConfig[] = [];
        for (const h of v as Record<string, unknown>[]) {
          if (!h || typeof h !== 'object' || typeof h.command !== 'string' || !h.command.trim()) fail('each hook needs `command`');
          for (const k of Object.keys(h)) if (!['command', 'timeout', 'on'].includes(k)) fail(`unknown hook key "${k}" (known: command, timeout, on)`);
          if (h.timeout !== undefined && (typeof h.timeout !== 'number' || !(h.timeout > 0) || h.timeout > 3600))
            fail('hook "timeout" must be a number of seconds from >0 to 3600');
          const on = (Array.isArray(h.on) ? h.on : h.on === undefined ? ['failed', 'stalled', 'looping'] : [h.on]) as unknown[];
          for (const o of on)
            if (!['failed', 'stalled', 'looping'].includes(o as string)) fail(`hook "on" value "${String(o)}" is not failed, stalled or looping`);
          hooks.push({ command: h.command as string, timeoutS: typeof h.timeout === 'number' ? h.timeout : 10, on: on as HookConfig['on'] });
        }
        set(hooks);
        break;
      }
    }
  }
  // Across keys.
  if (cfg.spoolMaxTotalBytes < cfg.spoolMaxFileBytes) {
    const key = lineOf.has('spoolMaxTotalBytes') ? 'spoolMaxTotalBytes' : 'spoolMaxFileBytes';
    problems.push(
      `${file}:${lineOf.get(key) ?? 0}: key "${key}": spoolMaxTotalBytes (${cfg.spoolMaxTotalBytes}) is below spoolMaxFileBytes (${cfg.spoolMaxFileBytes})`,
    );
  }
  if (problems.length) throw new ConfigError(problems.join('\n'));
  cfg.origins = { ...base.origins };
  for (const [key, line] of lineOf) if (KEYS[key]) cfg.origins[KEYS[key]!.field] = `${file}:${line}`;
  return cfg;
}

/** Values given as command-line flags, checked like the file's: throws ConfigError naming the flag. */
export function checkFlags(flags: { udp?: string[]; tcp?: string[] }): void {
  for (const [name, list] of Object.entries(flags)) {
    for (const a of list ?? []) {
      const why = listenAddressProblem(a);
      if (why) throw new ConfigError(`flag --${name}: ${why}`);
    }
  }
}
