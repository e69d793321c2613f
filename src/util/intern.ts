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
 */
const subjects = new Map<string, Map<string, Map<string, Readonly<Record<string, string>>>>>();
let subjectCount = 0;
export function internSubject<T extends { mac?: string; ip?: string; node?: string }>(s: T): T {
  if (subjectCount >= 200_000) {
    subjects.clear();
    subjectCount = 0;
  }
  const mac = s.mac ?? '';
  const ip = s.ip ?? '';
  const node = s.node ?? '';
  let byIp = subjects.get(mac);
  if (!byIp) subjects.set(intern(mac)!, (byIp = new Map()));
  let byNode = byIp.get(ip);
  if (!byNode) byIp.set(intern(ip)!, (byNode = new Map()));
  let v = byNode.get(node);
  if (v === undefined) {
    const copy: Record<string, string> = {};
    for (const k of Object.keys(s)) copy[k] = intern((s as Record<string, string>)[k]!)!;
    byNode.set(intern(node)!, (v = Object.freeze(copy)));
    subjectCount++;
  }
  return v as unknown as T;
}
