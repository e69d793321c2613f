// /var/log/xcat/commands.log: each xCAT command in a block ([Date], [Request], [Response]
// with the output lines under it); most nodeset and BMC errors are only here.

import { parseIso } from '../timestamps';
import type { LogKind, LineParser } from './kind';

function commandsParser(reference: number): LineParser {
  let cmd: { at: number; program: string | null; inResponse: boolean } | null = null;
  return (raw) => {
    const line = raw.replace(/\r$/, '');
    if (/^={5,}\s*$/.test(line)) {
      cmd = null;
      return null;
    }
    const key = /^\[(\w+)\]\s*(.*)$/.exec(line);
    if (key) {
      const [, name, value] = key;
      if (name === 'Date') {
        const t = parseIso(value!.trim().replace(' ', 'T'));
        cmd = { at: t ?? reference, program: null, inResponse: false };
        return null;
      }
      cmd ??= { at: reference, program: null, inResponse: false };
      if (name === 'Request') {
        const text = value!.trim();
        cmd.program = text.split(/\s+/)[0] ?? null;
        cmd.inResponse = false;
        return { at: cmd.at, claimed: cmd.at, channel: 'commands', program: cmd.program, message: text };
      }
      cmd.inResponse = name === 'Response';
      if (cmd.inResponse && value!.trim() !== '') return { at: cmd.at, claimed: cmd.at, channel: 'commands', program: cmd.program, message: value!.trim() };
      return null;
    }
    if (cmd?.inResponse && line.trim() !== '') {
      const text = line.trim();
      const severity = /\bError\b/i.test(text) ? 3 : /\bWarning\b/i.test(text) ? 4 : 6;
      return { at: cmd.at, claimed: cmd.at, channel: 'commands', program: cmd.program, severity, message: text };
    }
    return null;
  };
}

export const commandsLog: LogKind = {
  kind: 'commands',
  names: ['commands.log', 'commands'],
  path: /(?:^|\/)xcat\/commands\.log$/,
  line: /^\[(?:Date|Request|Response)\]/,
  open: ({ reference }) => commandsParser(reference),
  samples: [{ line: "[Request]    rinstall cn05 'osimage=rhels9.4-x86_64-install-compute' ", source: 'generated MN', claimed: false }],
};
