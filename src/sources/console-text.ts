// Console logs are what a serial console printed: escape sequences, carriage returns that
// redraw a line, backspaces. Keep only the text a person would have seen last on that line.

// CSI … final byte, OSC … BEL/ST, other two-byte escapes, and 8-bit C1 CSI.
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[P^_][^\x1b]*(?:\x1b\\)?|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]/g;

export function stripConsole(line: string): string {
  let s = line.replace(ESCAPES, '');
  // A carriage return redraws the line: what follows the last one wins (unless it is empty).
  if (s.includes('\r')) {
    const parts = s.split('\r').filter((p) => p !== '');
    s = parts.length ? parts[parts.length - 1]! : '';
  }
  // Backspace erases the previous character.
  while (/[^\x08]\x08/.test(s)) s = s.replace(/[^\x08]\x08/g, '');
  // Remaining control characters are noise.
  return s.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}
