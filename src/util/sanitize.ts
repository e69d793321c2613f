// Log text is hostile input. Before any of it reaches a terminal (report, CLI, TUI), control
// characters, escape sequences, C1 controls, bidi overrides and line separators are shown
// escaped (visible, not executed), and very long lines are cut with a marker.

const MAX_SHOWN = 2000;

// C0 (except tab), DEL, C1, ESC, U+2028/2029, bidi embeddings/overrides/isolates, BOM, and
// lone surrogates (invalid UTF-16 from broken input).
const UNSAFE =
  /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (code === 0x1b) return '\\e';
  if (code >= 0xd800 && code <= 0xdfff) return '\ufffd';
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Safe for a terminal: every control shown as an escape, cut at `max` characters. */
export function sanitizeForTerminal(text: string, max = MAX_SHOWN): string {
  let s = text.replace(UNSAFE, escapeChar).replace(/\t/g, '    ');
  if (s.length > max) s = `${s.slice(0, max)}…[+${s.length - max} chars]`;
  return s;
}

/** Safe inside blessed content with tags enabled: sanitized, then `{`/`}` escaped. */
export function sanitizeForBlessed(text: string, max = MAX_SHOWN): string {
  return sanitizeForTerminal(text, max).replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}
