import { describe, expect, it } from 'vitest';
import { mergeByGrain, mergeDeltas } from './rollups-shared.js';
import { ROLLUP_METRICS, type RollupDelta } from './ports.js';

const HOUR = 1_750_000_000 - (1_750_000_000 % 3600);
const product = (name: string, metrics: RollupDelta['metrics']): RollupDelta => ({ storeId: 1, hour: HOUR, kind: 'product', name, api: '', metrics });

describe('mergeDeltas', () => {
  it('adds a multi-name delta to each of its rows, merged with single-name deltas of the same rows', () => {
    const rows = mergeDeltas([
      { ...product('', { impressions: 1 }), names: ['a', 'b', 'c'] },
      product('b', { impressions: 1, clicks: 1 }),
      { ...product('', { impressions: 1 }), names: ['c'] },
    ], () => false);
    const sum = (name: string, metric: (typeof ROLLUP_METRICS)[number]) => rows.find((r) => r.name === name)!.values[ROLLUP_METRICS.indexOf(metric)];
    expect(rows.map((r) => r.name).sort()).toEqual(['a', 'b', 'c']);
    expect([sum('a', 'impressions'), sum('b', 'impressions'), sum('c', 'impressions')]).toEqual([1, 2, 2]);
    expect([sum('a', 'clicks'), sum('b', 'clicks'), sum('c', 'clicks')]).toEqual([0, 1, 0]);
    expect(new Set(rows.map((r) => r.key)).size).toBe(3);
  });

  it('keeps multi-name rows in the daily grain only for per-day kinds', () => {
    const { hourly, daily } = mergeByGrain([{ ...product('', { impressions: 1 }), names: ['a', 'b'] }], new Set());
    expect(hourly).toEqual([]);
    expect(daily.map((r) => [r.name, r.delta.hour])).toEqual([['a', HOUR - (HOUR % 86400)], ['b', HOUR - (HOUR % 86400)]]);
  });
});
