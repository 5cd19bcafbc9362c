import { describe, expect, it } from 'vitest';
import { compactDeltas, mergeByGrain, mergeDeltas, uniqueKey } from './rollups-shared.js';
import { eventDeltas, impressionDeltas } from '../analytics/deltas.js';
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

describe('compactDeltas', () => {
  it('sums plain increments per row and keeps uniques, multi-name and sale deltas, merging to the same rows in both grains', () => {
    const t = HOUR + 100;
    const deltas: RollupDelta[] = [];
    for (const [i, visitor] of ['a', 'b', 'a', 'c', 'a'].entries()) {
      deltas.push(...impressionDeltas({ storeId: 1, requestId: `r${i}`, time: t + i * 1800, visitor, api: 'recommendations/popular', labels: ['Home', 'Cart'], input: { query: 'Shoes' }, results: ['p1', 'p2'] }));
      deltas.push(...eventDeltas({ storeId: 1, type: 'click', time: t + i * 1800, visitor, product: 'p1', labels: ['Home'], api: 'recommendations/popular', position: i % 2 }));
    }
    deltas.push({ ...product('p1', { orders: 1, revenue: 10 }), onlyIfNewSale: 's1' });
    const compact = compactDeltas(deltas);
    expect(compact.length).toBeLessThan(deltas.length);
    // Every unique key asked for is asked once, and every non-unique delta is kept or summed.
    expect(new Set(compact.filter((d) => d.unique).map(uniqueKey)).size).toBe(compact.filter((d) => d.unique).length);
    expect(compact.filter((d) => d.onlyIfNewSale === 's1')).toHaveLength(1);
    const fresh = new Set(deltas.filter((d) => d.unique).map((d) => uniqueKey(d)!).filter((k) => !k.endsWith('\u001fb')));
    const rows = (list: RollupDelta[]) => {
      const { hourly, daily } = mergeByGrain(list, fresh);
      return [...hourly, ...daily].map((r) => `${r.key}=${[...r.values].join(',')}`).sort();
    };
    expect(rows(compact)).toEqual(rows(deltas));
  });
});
