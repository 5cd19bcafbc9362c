import { describe, expect, it } from 'vitest';
import { pooledRandomBytes, randomHex, seededRandom } from './random.js';

describe('pooled random bytes', () => {
  it('hands out distinct bytes across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) seen.add(randomHex(6)); // 18 kB: several refills
    expect(seen.size).toBe(3000);
    expect([...seen].every((h) => /^[0-9a-f]{12}$/.test(h))).toBe(true);
  });

  it('returns copies that later draws do not overwrite', () => {
    const first = pooledRandomBytes(16);
    const copy = Buffer.from(first);
    for (let i = 0; i < 600; i++) pooledRandomBytes(16);
    expect(first.equals(copy)).toBe(true);
    expect(() => pooledRandomBytes(5000)).toThrow(RangeError);
  });
});

describe('seededRandom', () => {
  it('gives the same sequence for the same seed, in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(seededRandom(43)()).not.toBe(xs[0]);
  });
});
