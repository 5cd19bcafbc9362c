import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { kthLargest } from './rank.js';

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
