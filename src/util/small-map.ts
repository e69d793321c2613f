// A Map for tables that mostly hold one pair: the engine keeps, per machine and per file, the
// recent texts of its lines, and 58,000 such tables on 10,000 nodes held 66,000 pairs. An empty
// Map costs ~180 bytes before its first pair; this holds one pair in two fields and makes a Map
// only for a second. Same order and semantics as Map for what it offers (insertion order kept,
// a key set again keeps its place, changes while iterating as a Map allows them).

export class SmallMap<K, V> {
  private k: K | undefined = undefined;
  private v: V | undefined = undefined;
  /** Whether k/v hold a pair (a key or value may itself be undefined). */
  private one = false;
  private map: Map<K, V> | null = null;

  get size(): number {
    return this.map !== null ? this.map.size : this.one ? 1 : 0;
  }

  get(key: K): V | undefined {
    if (this.map !== null) return this.map.get(key);
    return this.one && sameKey(this.k as K, key) ? this.v : undefined;
  }

  has(key: K): boolean {
    if (this.map !== null) return this.map.has(key);
    return this.one && sameKey(this.k as K, key);
  }

  set(key: K, value: V): this {
    if (this.map !== null) this.map.set(key, value);
    else if (!this.one || sameKey(this.k as K, key)) {
      this.k = key;
      this.v = value;
      this.one = true;
    } else {
      this.map = new Map<K, V>([
        [this.k as K, this.v as V],
        [key, value],
      ]);
      this.k = this.v = undefined;
      this.one = false;
    }
    return this;
  }

  delete(key: K): boolean {
    if (this.map !== null) return this.map.delete(key);
    if (!this.one || !sameKey(this.k as K, key)) return false;
    this.k = this.v = undefined;
    this.one = false;
    return true;
  }

  clear(): void {
    this.k = this.v = undefined;
    this.one = false;
    this.map = null;
  }

  /** The first key in insertion order (undefined when empty). */
  firstKey(): K | undefined {
    if (this.map !== null) return this.map.keys().next().value;
    return this.one ? this.k : undefined;
  }

  *[Symbol.iterator](): IterableIterator<[K, V]> {
    if (this.map !== null) yield* this.map;
    else if (this.one) yield [this.k as K, this.v as V];
  }

  *values(): IterableIterator<V> {
    for (const [, v] of this) yield v;
  }
}

/** Map's key equality (SameValueZero): NaN is NaN. */
function sameKey<K>(a: K, b: K): boolean {
  return a === b || (a !== a && b !== b);
}
