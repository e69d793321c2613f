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
 * Small flat objects of strings (a line's fields): one shared, frozen object per content, values
 * interned. For objects made one per line, as thawing a frozen machine's lines makes them. The
 * same object asked for again is found by identity first: no key is built for it. `o` must not
 * be changed after this.
 */
const sameContent = new Map<string, object>();
const sameObject = new Map<object, object>();
export function internFlat<T extends object>(o: T): T {
  let v = sameObject.get(o);
  if (v !== undefined) return v as T;
  const keys = Object.keys(o);
  let key = '';
  for (const k of keys) key += k + '\u0001' + (o as Record<string, string>)[k] + '\u0002';
  v = sameContent.get(key);
  if (v === undefined) {
    if (sameContent.size >= 200_000) sameContent.clear();
    const copy: Record<string, string> = {};
    for (const k of keys) copy[intern(k)!] = intern((o as Record<string, string>)[k]!)!;
    v = Object.freeze(copy);
    sameContent.set(key, v);
    sameObject.set(v, v);
  }
  if (sameObject.size >= 50_000) sameObject.clear();
  sameObject.set(o, v);
  return v as T;
}

/**
 * What a line says about its machine ({mac, ip, node}, each optional): one shared, frozen object
 * per content. Made one per kept line, they were 400,000 objects for 30,000 contents at 5,000 nodes.
 * One table keyed by the three together (MAC and IP length-prefixed, so no text makes two
 * subjects one key): Maps nested per field were 20,000 small Maps, more than the subjects.
 */
const subjects = new Map<string, Readonly<Record<string, string>>>();
export function internSubject<T extends { mac?: string; ip?: string; node?: string }>(s: T): T {
  const mac = s.mac ?? '';
  const ip = s.ip ?? '';
  const key = `${mac.length}:${mac}${ip.length}:${ip}${s.node ?? ''}`;
  let v = subjects.get(key);
  if (v === undefined) {
    if (subjects.size >= 200_000) subjects.clear();
    const copy: Record<string, string> = {};
    for (const k of Object.keys(s)) copy[k] = intern((s as Record<string, string>)[k]!)!;
    subjects.set(detach(key), (v = Object.freeze(copy)));
  }
  return v as unknown as T;
}
