import { describe, expect, it } from 'vitest';
import { pooledRandomBytes, randomHex } from './random.js';

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
