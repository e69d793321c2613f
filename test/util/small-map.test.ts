// SmallMap (util/small-map.ts) must behave as a Map for everything the engine asks of it: the
// same answers, sizes and iteration order after any sequence of changes, from empty through one
// pair to many and back.
import { SmallMap } from '../../src/util/small-map';

/** A small deterministic generator, so a failure names its seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

test.each([1, 2, 3, 4, 5, 6, 7, 8])('random changes, seed %i: the same as a Map at every step', (seed) => {
  const r = rng(seed);
  const keys = ['a', 'b', 'c', 'd', NaN as unknown as string, ''];
  const m = new Map<string, number>();
  const s = new SmallMap<string, number>();
  for (let step = 0; step < 3000; step++) {
    const k = keys[Math.floor(r() * keys.length)]!;
    const op = r();
    if (op < 0.45) {
      m.set(k, step);
      s.set(k, step);
    } else if (op < 0.75) expect(s.delete(k)).toBe(m.delete(k));
    else if (op < 0.8) {
      m.clear();
      s.clear();
    } else if (op < 0.9) {
      // What the engine does at its bound: the oldest pair goes.
      expect(s.firstKey()).toBe(m.keys().next().value);
      if (m.size) {
        const first = m.keys().next().value!;
        m.delete(first);
        s.delete(first);
      }
    }
    expect(s.size).toBe(m.size);
    expect(s.get(k)).toBe(m.get(k));
    expect(s.has(k)).toBe(m.has(k));
    expect([...s]).toEqual([...m]);
    expect([...s.values()]).toEqual([...m.values()]);
  }
});

test('a key set again keeps its place; one pair, then a second, keeps insertion order', () => {
  const s = new SmallMap<string, number>();
  s.set('x', 1).set('x', 2);
  expect([...s]).toEqual([['x', 2]]);
  s.set('y', 3).set('x', 4);
  expect([...s]).toEqual([
    ['x', 4],
    ['y', 3],
  ]);
});

test('changing values while iterating, as Engine.redirect does, changes what a Map would', () => {
  for (const n of [1, 2, 5]) {
    const m = new Map<string, string>();
    const s = new SmallMap<string, string>();
    for (let i = 0; i < n; i++) {
      m.set(`k${i}`, i % 2 ? 'from' : 'other');
      s.set(`k${i}`, i % 2 ? 'from' : 'other');
    }
    for (const t of [m, s])
      for (const [k, v] of t) {
        if (v !== 'from') continue;
        if (k === 'k1') t.set(k, 'to');
        else t.delete(k);
      }
    expect([...s]).toEqual([...m]);
  }
});
