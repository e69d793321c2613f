// V8 keeps the parent of a substring alive: a line sliced from a 256 KiB read chunk (or a
// reception batch) pins the whole chunk for as long as the line is kept. What outlives the
// line being read (kept entries, memo keys, field values) is copied flat first.

/** Never matches, and anchored: tried at the first character only. Running it is what flattens. */
const NOTHING = /^(?!)/;

/**
 * A copy of a string that shares no memory with the one it came from, and is one flat string:
 * its two halves joined, then flattened by a regular expression (which only runs on a flat
 * string; its result is used, so the optimiser cannot drop it as it drops an unused Number(c)).
 * The halves go, and the GC drops the join around the flat copy. `(' ' + s).slice(1)`, the way
 * before, left a 40-byte slice of the copy on every kept line (93 characters: 152 bytes, now 114).
 */
export function detach(s: string): string {
  if (s.length < 2) return s;
  const h = s.length >> 1;
  const c = s.slice(0, h) + s.slice(h);
  return NOTHING.test(c) ? s : c;
}
