// The longest piece of plain text every match of a regex must contain: a cheap `includes`
// before the regex runs, so most lines skip most patterns without a regex execution.

const META_ESCAPED = /[.[\](){}*+?^$|\\/\-:=!<>#&~'" ,;@%`]/;

/** Index of the `]` closing the character class that opens at `open` (escapes skipped). */
export function classEnd(src: string, open: number): number {
  let i = open + 1;
  for (; i < src.length && src[i] !== ']'; i++) if (src[i] === '\\') i++;
  return i;
}

/** Index of the `)` closing the group that opens at `open`. */
function closeOf(src: string, open: number): number {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      i++;
    } else if (c === '[') {
      i = classEnd(src, i);
    } else if (c === '(') {
      depth++;
    } else if (c === ')' && --depth === 0) {
      return i;
    }
  }
  return src.length;
}

function hasTopAlternation(src: string): boolean {
  return topBranches(src).length > 1;
}

/** Runs of literal text that every match of `src` contains. */
function runsOf(src: string): string[] {
  if (hasTopAlternation(src)) return [];
  const runs: string[] = [];
  let run = '';
  const end = (): void => {
    if (run) runs.push(run);
    run = '';
  };
  const optionalAt = (j: number): boolean => src[j] === '*' || src[j] === '?' || /^\{0[,}]/.test(src.slice(j));
  const quantAt = (j: number): boolean => src[j] === '*' || src[j] === '+' || src[j] === '?' || src[j] === '{';
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const next = src[i + 1];
      if (next !== undefined && META_ESCAPED.test(next) && !quantAt(i + 2)) run += next;
      else end();
      i++;
      continue;
    }
    if (c === '[') {
      i = classEnd(src, i);
      end();
      continue;
    }
    if (c === '(') {
      const close = closeOf(src, i);
      let body = src.slice(i + 1, close);
      end();
      const lookaround = /^\?(?:[=!]|<[=!])/.test(body);
      if (!lookaround && !optionalAt(close + 1)) {
        body = body.replace(/^\?(?::|<[A-Za-z_]\w*>)/, '');
        runs.push(...runsOf(body));
      }
      i = close;
      if (quantAt(i + 1) && src[i + 1] === '{') while (i < src.length && src[i] !== '}') i++;
      continue;
    }
    if (c === '^' || c === '$' || c === '.' || c === '*' || c === '+' || c === '?' || c === '{' || c === '}') {
      end();
      if (c === '{') while (i < src.length && src[i] !== '}') i++;
      continue;
    }
    if (quantAt(i + 1)) {
      end();
      continue;
    }
    run += c;
  }
  end();
  return runs;
}

export function requiredLiteral(source: string): string | null {
  const best = runsOf(source).sort((a, b) => b.length - a.length)[0];
  return best && best.length >= 3 ? best : null;
}

/** `src` split at its top-level `|` (escapes, classes and groups kept whole). */
function topBranches(src: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      i++;
    } else if (c === '[') {
      i = classEnd(src, i);
    } else if (c === '(') {
      i = closeOf(src, i);
    } else if (c === '|') {
      out.push(src.slice(start, i));
      start = i + 1;
    }
  }
  out.push(src.slice(start));
  return out;
}

/**
 * When no one run of text is in every match (an alternation: `^(?:Beginning doxcat|Getting
 * initial certificate|…)`): literals one of which every match contains, one per branch, taken
 * from a top-level alternation or from the first group every match goes through. Null when a
 * branch has none (then the regex runs on every line of the channel).
 */
export function requiredAnyOf(src: string): string[] | null {
  const branches = topBranches(src);
  if (branches.length > 1) {
    const lits: string[] = [];
    for (const b of branches) {
      const l = requiredLiteral(b) ?? null;
      if (l === null) return null;
      lits.push(l);
    }
    return lits;
  }
  // No top-level `|`: the first group at the top level that every match goes through and that
  // is an alternation (a group followed by ?, * or {0, is optional; lookarounds match nothing).
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      i++;
    } else if (c === '[') {
      i = classEnd(src, i);
    } else if (c === '(') {
      const close = closeOf(src, i);
      const body = src.slice(i + 1, close);
      const next = src[close + 1];
      const optional = next === '?' || next === '*' || /^\{0[,}]/.test(src.slice(close + 1));
      if (!optional && !/^\?(?:[=!]|<[=!])/.test(body)) {
        const inner = body.replace(/^\?(?::|<[A-Za-z_]\w*>)/, '');
        if (topBranches(inner).length > 1) return requiredAnyOf(inner);
      }
      i = close;
    }
  }
  return null;
}
