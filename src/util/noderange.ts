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

/** What is wrong with a noderange's syntax (unbalanced brackets, a range that is not N-M), or null. */
export function noderangeProblem(range: string): string | null {
  if (!range.trim()) return 'empty';
  let depth = 0;
  for (const c of range) {
    if (c === '[') depth++;
    if (c === ']') depth--;
    if (depth < 0) return "a ']' without its '['";
    if (depth > 1) return 'nested brackets';
  }
  if (depth) return "a '[' without its ']'";
  for (const part of splitTop(range.trim())) {
    for (const m of part.matchAll(/\[([^\]]*)\]/g)) {
      const r = /^(\d+)-(\d+)$/.exec(m[1]!);
      if (!r) return `[${m[1]}] is not a numeric range like [001-064]`;
      if (Number(r[2]) < Number(r[1])) return `[${m[1]}] runs backwards`;
    }
  }
  return null;
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The `max` names closest (by edit distance) to any name a spec expands to, closest first. */
export function nearestNames(spec: string, names: Iterable<string>, max = 5): string[] {
  const wanted = [...expandNoderange(spec).slice(0, 200), ...spec.split(',')].map((s) => s.trim().toLowerCase()).filter(Boolean);
  const scored = [...new Set(names)].map((n) => ({ n, d: Math.min(...wanted.map((w) => distance(w, n.toLowerCase()))) }));
  scored.sort((x, y) => x.d - y.d || x.n.localeCompare(y.n, 'en', { numeric: true }));
  return scored.slice(0, max).map((x) => x.n);
}
