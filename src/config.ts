// xtriaged's configuration: embedded defaults (no xCAT, no root, no port 514), then the YAML
// file (/etc/xtriage/xtriaged.yaml in production), then command-line flags. A bad file makes
// the daemon refuse to start with the file, line and key named.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LineCounter, parseDocument, isMap, isScalar, type Node as YamlNode } from 'yaml';
import { defaultSocket } from './api/client';

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
}

export class ConfigError extends Error {}

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

type Kind = 'string' | 'strings' | 'number' | 'nice' | 'mode' | 'stringOrNull' | 'hooks';
const KEYS: Record<string, { kind: Kind; field: keyof DaemonConfig }> = {
  udp: { kind: 'strings', field: 'udp' },
  tcp: { kind: 'strings', field: 'tcp' },
  logs: { kind: 'stringOrNull', field: 'logs' },
  state: { kind: 'string', field: 'state' },
  socket: { kind: 'string', field: 'socket' },
  socketGroup: { kind: 'stringOrNull', field: 'socketGroup' },
  socketMode: { kind: 'mode', field: 'socketMode' },
  patterns: { kind: 'strings', field: 'patterns' },
  trustedRelays: { kind: 'strings', field: 'trustedRelays' },
  recvBufferBytes: { kind: 'number', field: 'recvBufferBytes' },
  tcpIdleTimeoutS: { kind: 'number', field: 'tcpIdleTimeoutS' },
  tcpMaxConnections: { kind: 'number', field: 'tcpMaxConnections' },
  spoolMaxFileBytes: { kind: 'number', field: 'spoolMaxFileBytes' },
  spoolMaxTotalBytes: { kind: 'number', field: 'spoolMaxTotalBytes' },
  spoolMaxFiles: { kind: 'number', field: 'spoolMaxFiles' },
  hooks: { kind: 'hooks', field: 'hooks' },
  identityFiles: { kind: 'strings', field: 'identityFiles' },
  stallScale: { kind: 'number', field: 'stallScale' },
  analysisNice: { kind: 'nice', field: 'analysisNice' },
  floodNice: { kind: 'nice', field: 'floodNice' },
};

/** Reads a config file over `base`. Throws ConfigError naming file, line and key. */
export function loadConfigFile(file: string, base: DaemonConfig): DaemonConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read config (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new ConfigError(`${file}:${e.linePos?.[0]?.line ?? (e.pos ? lc.linePos(e.pos[0]).line : 0)}: ${e.message.split('\n')[0]}`);
  }
  const cfg: DaemonConfig = { ...base };
  if (doc.contents === null) return cfg;
  if (!isMap(doc.contents)) throw new ConfigError(`${file}:1: the config must be a mapping of keys to values`);
  for (const item of doc.contents.items) {
    const key = isScalar(item.key) ? String(item.key.value) : '?';
    const line = (item.key as YamlNode).range ? lc.linePos((item.key as YamlNode).range![0]).line : 0;
    const spec = KEYS[key];
    const fail = (what: string): never => {
      throw new ConfigError(`${file}:${line}: key "${key}": ${what}`);
    };
    if (!spec) fail(`unknown key (known: ${Object.keys(KEYS).join(', ')})`);
    const v = (item.value as YamlNode | null)?.toJSON?.() ?? (isScalar(item.value) ? item.value.value : item.value);
    const set = (value: unknown): void => {
      (cfg as unknown as Record<string, unknown>)[spec!.field] = value;
    };
    switch (spec!.kind) {
      case 'string':
        if (typeof v !== 'string' || !v) fail('expected a non-empty string');
        set(v);
        break;
      case 'stringOrNull':
        if (v !== null && typeof v !== 'string') fail('expected a string or null');
        set(v);
        break;
      case 'strings': {
        const list = typeof v === 'string' ? [v] : v;
        if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) fail('expected a list of strings');
        set(list);
        break;
      }
      case 'number':
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail('expected a number ≥ 0');
        set(v);
        break;
      case 'nice':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 19) fail('expected a whole number from 0 to 19');
        set(v);
        break;
      case 'mode': {
        const n = typeof v === 'number' ? Number.parseInt(String(v), 8) : typeof v === 'string' && /^0?[0-7]{3}$/.test(v) ? Number.parseInt(v, 8) : NaN;
        if (!Number.isFinite(n)) fail('expected an octal mode such as "0660"');
        set(n);
        break;
      }
      case 'hooks': {
        if (!Array.isArray(v)) fail('expected a list of {command, timeout, on}');
        const hooks: HookConfig[] = [];
        for (const h of v as Record<string, unknown>[]) {
          if (!h || typeof h.command !== 'string') fail('each hook needs `command`');
          const on = (Array.isArray(h.on) ? h.on : ['failed', 'stalled', 'looping']) as string[];
          for (const o of on) if (!['failed', 'stalled', 'looping'].includes(o)) fail(`hook "on" value "${o}" is not failed, stalled or looping`);
          hooks.push({ command: h.command as string, timeoutS: typeof h.timeout === 'number' ? h.timeout : 10, on: on as HookConfig['on'] });
        }
        set(hooks);
        break;
      }
    }
  }
  return cfg;
}
