// xCAT noderange syntax, the parts that need no database: comma lists, numeric ranges
// (cn[001-064], cn001-cn064), and regex-free names. Group names cannot be expanded here;
// they are returned as they are (and match a node only by that name).

const MAX_EXPANSION = 100_000;

export function expandNoderange(range: string): string[] {
  const out: string[] = [];
  for (const part of splitTop(range.trim())) {
    if (!part || part.startsWith('-') || part.startsWith('/') || part.includes('@')) continue;
    for (const n of expandOne(part)) {
      out.push(n);
      if (out.length >= MAX_EXPANSION) return out;
    }
  }
  return [...new Set(out)];
}

/** Split on commas that are not inside brackets. */
function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of s) {
    if (c === '[') depth++;
    if (c === ']') depth--;
    if (c === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter(Boolean);
}

function expandOne(part: string): string[] {
  // cn[001-064] or cn[1-4]-ib
  const br = /^(.*?)\[(\d+)-(\d+)\](.*)$/.exec(part);
  if (br) {
    const [, pre, a, b, post] = br;
    return range(a!, b!).flatMap((n) => expandOne(`${pre}${n}${post}`));
  }
  // cn001-cn064 (same prefix both sides)
  const dash = /^([A-Za-z][\w.]*?)(\d+)-\1(\d+)$/.exec(part);
  if (dash) {
    const [, pre, a, b] = dash;
    return range(a!, b!).map((n) => `${pre}${n}`);
  }
  return [part];
}

function range(a: string, b: string): string[] {
  const lo = Number(a);
  const hi = Number(b);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo || hi - lo > MAX_EXPANSION) return [];
  const width = a.length === b.length || a.startsWith('0') ? a.length : 0;
  const out: string[] = [];
  for (let i = lo; i <= hi; i++) out.push(width ? String(i).padStart(width, '0') : String(i));
  return out;
}

/** Does a node name fall in a noderange? (used by --node and the TUI filter) */
export function inNoderange(node: string, range: string): boolean {
  return expandNoderange(range).includes(node);
}
