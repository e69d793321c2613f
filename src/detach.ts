// V8 keeps the parent of a substring alive: a line sliced from a 256 KiB read chunk (or a
// reception batch) pins the whole chunk for as long as the line is kept. What outlives the
// line being read (kept entries, memo keys, field values) is copied flat first.

/** A copy of a string that shares no memory with the one it came from. */
export function detach(s: string): string {
  return s.length ? Buffer.from(s, 'utf8').toString('utf8') : s;
}
