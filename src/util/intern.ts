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
