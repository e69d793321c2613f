// Most syslog lines are printable ASCII. Such a line needs no decoding (its bytes are its text)
// and no escaping in a JSON string, so the reception thread can spool and batch it by copying.

/** 1 for the bytes that are not plain: controls, `"`, `\`, DEL and everything ≥ 0x80. */
const NOT_PLAIN = new Uint8Array(256);
for (let c = 0; c < 256; c++) NOT_PLAIN[c] = c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c ? 1 : 0;

/**
 * True when every byte of `b` is printable ASCII (0x20–0x7e) other than `"` and `\`: its JSON
 * string body is the bytes themselves. (A table lookup per byte: a third faster than four
 * comparisons, measured on 119-byte lines; this runs for every datagram.)
 */
export function isPlainJsonAscii(b: Uint8Array): boolean {
  const n = b.length;
  for (let i = 0; i < n; i++) {
    if (NOT_PLAIN[b[i]!] !== 0) return false;
  }
  return true;
}
