import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { kthLargest, RankedMatches } from './rank.js';

describe('kthLargest', () => {
  it('agrees with sorting, ties and short arrays included', () => {
    const random = seededRandom(3);
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(random() * 60);
      const values = Float64Array.from({ length: n }, () => Math.floor(random() * 10));
      const sorted = [...values].sort((a, b) => b - a);
      for (const k of [1, 2, 5, 17, n, n + 1]) expect(kthLargest(values, k), `${k} of ${sorted}`).toBe(k >= n ? -Infinity : sorted[k - 1]);
    }
    expect(kthLargest(Float64Array.of(1, 2), 0)).toBe(Infinity);
  });
});

describe('RankedMatches', () => {
  it('walks every match in the order of a full sort (score, then key), ties across its steps included', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 900 }), fc.integer({ min: 0, max: 1000 }), (raw, n) => {
        const keys = raw.map((_, i) => `k${(i * 7919) % 1000}`);
        const scores = Float64Array.from(raw, (v) => v / 4);
        const ranked = new RankedMatches(keys, Int32Array.from(raw, (_, i) => i), scores);
        const expected = raw.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
        expect([...ranked.positions()]).toEqual(expected);
        expect(ranked.top(n).map((r) => r.slot)).toEqual(expected.slice(0, n));
        expect(ranked.all().map((r) => r.slot)).toEqual(expected);
        expect(new RankedMatches(keys, Int32Array.from(raw, (_, i) => i), scores).allPositions()).toEqual(expected);
        expect([...ranked].map((r) => r.key)).toEqual(expected.map((i) => keys[i])); // after all(): the same walk
      }),
      { numRuns: 300 },
    );
  });
});
