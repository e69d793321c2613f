// What text looks like, once, for the TUI and the live CLI: a line is a list of spans, each
// with a tone (an outcome, an emphasis). Renderers turn a line into blessed tags, ANSI or
// plain text, and every span goes through the sanitizer on the way: nothing a log line
// carries (escapes, controls, bidi overrides, blessed `{tags}`) reaches the terminal as is.
// Colour only ever repeats what the words already say (the outcome word is always shown).

import { sanitizeForBlessed, sanitizeForTerminal } from '../util/sanitize';

export type Tone = 'failed' | 'looping' | 'stalled' | 'running' | 'succeeded' | 'bold' | 'dim' | 'heading' | 'error' | 'warn' | 'match' | 'slow' | 'alert';

export interface Span {
  text: string;
  tone?: Tone;
}

export type Line = Span[];

export const span = (text: string, tone?: Tone): Span => (tone ? { text, tone } : { text });

/** Colour (8 basic colours only) and attributes of each tone, for blessed and for ANSI. */
const TONES: Record<Tone, { fg?: string; ansiFg?: number; bold?: boolean; underline?: boolean; inverse?: boolean }> = {
  failed: { fg: 'red', ansiFg: 31, bold: true },
  looping: { fg: 'magenta', ansiFg: 35, bold: true },
  stalled: { fg: 'yellow', ansiFg: 33, bold: true },
  running: { fg: 'cyan', ansiFg: 36 },
  succeeded: { fg: 'green', ansiFg: 32 },
  bold: { bold: true },
  dim: {},
  heading: { bold: true, underline: true },
  error: { fg: 'red', ansiFg: 31, bold: true },
  warn: { fg: 'yellow', ansiFg: 33 },
  match: { bold: true },
  slow: { fg: 'yellow', ansiFg: 33, bold: true },
  alert: { fg: 'red', ansiFg: 31, bold: true, inverse: true },
};

export function outcomeTone(outcome: string): Tone | undefined {
  return outcome === 'failed' || outcome === 'looping' || outcome === 'stalled' || outcome === 'running' || outcome === 'succeeded' ? outcome : undefined;
}

/** Display cells of a (sanitized) string: wide East Asian and emoji count 2, combining marks 0. */
const WIDE_OR_COMBINING = /[^\x00-\u02ff]/;

export function cellWidth(s: string): number {
  if (!WIDE_OR_COMBINING.test(s)) return s.length;
  let w = 0;
  for (const ch of s) w += charCells(ch.codePointAt(0)!);
  return w;
}

function charCells(cp: number): number {
  if (cp < 0x300) return 1;
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
    return 2;
  return 1;
}

/** Cut a sanitized string to `cells` display cells, marking the cut with `…`. */
export function cutCells(s: string, cells: number): string {
  if (cells <= 0) return '';
  if (!WIDE_OR_COMBINING.test(s)) return s.length <= cells ? s : `${s.slice(0, cells - 1)}…`;
  if (cellWidth(s) <= cells) return s;
  let w = 0;
  let out = '';
  for (const ch of s) {
    const c = charCells(ch.codePointAt(0)!);
    if (w + c > cells - 1) break;
    out += ch;
    w += c;
  }
  return `${out}…`;
}

/** Split a sanitized string into pieces of at most `cells` display cells (for wrapped rows). */
export function wrapCells(s: string, cells: number): string[] {
  const out: string[] = [];
  let cur = '';
  let w = 0;
  for (const ch of s) {
    const c = charCells(ch.codePointAt(0)!);
    if (w + c > cells && cur) {
      out.push(cur);
      cur = '';
      w = 0;
    }
    cur += ch;
    w += c;
  }
  if (cur || !out.length) out.push(cur);
  return out;
}

export interface RenderOptions {
  color: boolean;
  /** Cut the line to this many cells (the last visible cell becomes `…`). */
  width?: number;
  /** Pad to `width` (for a highlighted row). */
  pad?: boolean;
}

/** Sanitize and cut every span; returns [text, tone] pairs that fit `width`. */
function fit(line: Line, width: number | undefined, safe: (s: string, max: number) => string): { text: string; tone?: Tone; cells: number }[] {
  const out: { text: string; tone?: Tone; cells: number }[] = [];
  let left = width ?? Infinity;
  for (let i = 0; i < line.length; i++) {
    const sp = line[i]!;
    // Sanitize first (escapes grow the text), then cut to what is left of the row.
    const text = safe(sp.text, Number.isFinite(left) ? Math.max(16, Math.ceil(left) + 16) : 4000);
    const cells = cellWidth(text);
    if (cells <= left) {
      out.push({ text, tone: sp.tone, cells });
      left -= cells;
      continue;
    }
    const cut = cutCells(text, left);
    out.push({ text: cut, tone: sp.tone, cells: cellWidth(cut) });
    left = 0;
    break;
  }
  return out;
}

/**
 * A line as blessed content (tags on). Sanitizing happens here: `sanitizeForTerminal` then the
 * `{`/`}` escape, so log text can never become a tag. `selected` shows the row in inverse video.
 */
export function toBlessed(line: Line, opts: RenderOptions & { selected?: boolean }): string {
  const parts = fit(line, opts.width, (s, max) => sanitizeForTerminal(s, max));
  let out = '';
  let cells = 0;
  for (const p of parts) {
    cells += p.cells;
    const text = p.text.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
    const t = p.tone ? TONES[p.tone] : undefined;
    if (!t) {
      out += text;
      continue;
    }
    const open: string[] = [];
    if (opts.color && t.fg) open.push(`${t.fg}-fg`);
    if (t.bold) open.push('bold');
    if (t.underline) open.push('underline');
    if (t.inverse) open.push('inverse');
    out += open.length
      ? `${open.map((o) => `{${o}}`).join('')}${text}${open
          .reverse()
          .map((o) => `{/${o}}`)
          .join('')}`
      : text;
  }
  if ((opts.pad || opts.selected) && opts.width !== undefined && cells < opts.width) out += ' '.repeat(opts.width - cells);
  return opts.selected ? `{inverse}${out}{/inverse}` : out;
}

/** A line as ANSI text for a terminal (colour and emphasis only when `color`). */
export function toAnsi(line: Line, opts: RenderOptions): string {
  const parts = fit(line, opts.width, (s, max) => sanitizeForTerminal(s, max));
  let out = '';
  for (const p of parts) {
    const t = p.tone ? TONES[p.tone] : undefined;
    if (!opts.color || !t) {
      out += p.text;
      continue;
    }
    const codes: number[] = [];
    if (t.bold) codes.push(1);
    if (t.underline) codes.push(4);
    if (t.inverse) codes.push(7);
    if (t.ansiFg) codes.push(t.ansiFg);
    if (p.tone === 'dim') codes.push(2);
    out += codes.length ? `\x1b[${codes.join(';')}m${p.text}\x1b[0m` : p.text;
  }
  return out;
}

/** Plain text (sanitized, no styling): for pipes and tests. */
export function toPlain(line: Line, width?: number): string {
  return toAnsi(line, { color: false, width });
}

/** For callers that already hold a full blessed string (e.g. a single safe message). */
export function blessedSafe(text: string): string {
  return sanitizeForBlessed(text);
}

/**
 * Word-wrap text to `cells` per line (after sanitizing it, so escapes are counted as shown).
 * `cells` Infinity: one line.
 */
export function wrapText(text: string, cells: number): string[] {
  const safe = sanitizeForTerminal(text);
  if (!Number.isFinite(cells) || cellWidth(safe) <= cells) return [safe];
  const out: string[] = [];
  let cur = '';
  for (const word of safe.split(' ')) {
    const candidate = cur ? `${cur} ${word}` : word;
    if (cellWidth(candidate) <= cells) {
      cur = candidate;
      continue;
    }
    if (cur) out.push(cur);
    if (cellWidth(word) > cells) {
      const pieces = wrapCells(word, cells);
      out.push(...pieces.slice(0, -1));
      cur = pieces[pieces.length - 1] ?? '';
    } else cur = word;
  }
  if (cur) out.push(cur);
  return out.length ? out : [''];
}
