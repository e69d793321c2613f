// Patterns run on hostile input, on V8's backtracking engine: refuse the constructs that
// make matching time explode (backreferences, nested or adjacent ambiguous quantifiers).

import { classEnd } from './literal';

/** Returns a reason the regex is refused, or null when it is acceptable. */
export function vetRegex(source: string): string | null {
  if (/\\[1-9]|\\k</.test(source)) return 'backreferences are not allowed';
  // Walk groups: a quantified group whose body itself contains an unbounded quantifier.
  const stack: { hasQuant: boolean }[] = [];
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '[') {
      // Skip a character class.
      i = classEnd(source, i);
      continue;
    }
    if (c === '(') {
      stack.push({ hasQuant: false });
      continue;
    }
    if (c === ')') {
      const g = stack.pop();
      const next = source[i + 1];
      const quantified =
        next === '*' || next === '+' || (next === '{' && /^\{\d*,\d*\}|^\{\d+,\}/.test(source.slice(i + 1)) && !/^\{\d+\}/.test(source.slice(i + 1)));
      if (g?.hasQuant && quantified) return 'nested quantifiers such as (a+)+ are not allowed';
      if (g?.hasQuant && stack.length) stack[stack.length - 1]!.hasQuant = true;
      continue;
    }
    if ((c === '*' || c === '+') && stack.length) stack[stack.length - 1]!.hasQuant = true;
    if (c === '{' && stack.length && /^\{\d+,\d*\}/.test(source.slice(i))) stack[stack.length - 1]!.hasQuant = true;
  }
  return null;
}
