// Strings that repeat on every kept line (program, host, IP, file names): one flat copy of each,
// shared, so a million entries do not hold a million copies of "xcat.deployment".

import { detach } from './detach';

const interned = new Map<string, string>();
export function intern(s: string | null): string | null {
  if (s === null) return null;
  let v = interned.get(s);
  if (v === undefined) {
    if (interned.size >= 200_000) interned.clear();
    v = detach(s);
    interned.set(v, v);
  }
  return v;
}

/**
 * Small flat objects of strings that repeat across kept lines (a line's fields, what it says
 * about its machine): one shared, frozen object per content. A worker's batch gives each record
 * objects of its own, and at 5,000 nodes 400,000 entries held 600,000 such objects for a few
 * thousand contents. Values are interned too. `o` must not be changed after this.
 */
const sameContent = new Map<string, object>();
/** The object last asked for and what it became: equal lines in a row share their objects. */
let lastIn: object | null = null;
let lastOut: object | null = null;
export function internFlat<T extends object>(o: T): T {
  if (o === lastIn || o === lastOut) return lastOut as T;
  let key = '';
  for (const k in o) key += k + '\u0001' + (o[k] as string) + '\u0002';
  let v = sameContent.get(key);
  if (v === undefined) {
    if (sameContent.size >= 200_000) sameContent.clear();
    const copy: Record<string, string> = {};
    for (const k in o) copy[intern(k)!] = intern(o[k] as string)!;
    v = Object.freeze(copy);
    sameContent.set(key, v);
  }
  lastIn = o;
  lastOut = v;
  return v as T;
}
