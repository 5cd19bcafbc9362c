import { describe, expect, it } from 'vitest';
import { planReads } from './plan.js';

const H = 3600;
const D = 86400;
const base = { kind: 'label' as const, groupBy: 'name' as const };

describe('planReads', () => {
  it('reads hourly edges and whole days between', () => {
    expect(planReads({ ...base, from: 10 * D + 5 * H, to: 13 * D + 2 * H }).map((r) => [r.grain, r.from, r.to])).toEqual([
      ['hour', 10 * D + 5 * H, 11 * D],
      ['day', 11 * D, 13 * D],
      ['hour', 13 * D, 13 * D + 2 * H],
    ]);
  });

  it('reads only days when the range is day-aligned, only hours when it spans no whole day', () => {
    expect(planReads({ ...base, from: 10 * D, to: 12 * D }).map((r) => r.grain)).toEqual(['day']);
    expect(planReads({ ...base, from: 10 * D + H, to: 11 * D - H }).map((r) => r.grain)).toEqual(['hour']);
  });

  it('reads daily-only kinds by the days the range touches, and hourly series by hour', () => {
    expect(planReads({ kind: 'product', groupBy: 'name', from: 10 * D + 5 * H, to: 12 * D }).map((r) => [r.grain, r.from])).toEqual([['day', 10 * D]]);
    expect(planReads({ kind: 'total', groupBy: 'hour', from: 10 * D + 90, to: 12 * D }).map((r) => [r.grain, r.from])).toEqual([['hour', 10 * D]]);
  });
});
