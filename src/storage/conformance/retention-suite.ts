/**
 * Conformance for retention: AnalyticsStore.dropRawBefore (what goes, what stays, the queue
 * applied first, the horizon rounded to a day and only moving forward, chunks) and
 * clearRollups from a horizon. Registered by runStorageConformance; every test makes its own stores.
 */
import { describe, expect, it } from 'vitest';
import type { EventBatch, ImpressionRecord, RollupDelta, SaleRecord, Storage, TrackedEvent } from '../ports.js';
import type { ConformanceContext } from './suite.js';

const DAY = 86400;
const D0 = 1_700_006_400; // a UTC day start (2023-11-15)

const event = (storeId: number, time: number, fields: Partial<TrackedEvent> = {}): TrackedEvent => ({ storeId, type: 'product', time, visitor: 'v1', product: 'p1', ...fields });
const impression = (storeId: number, requestId: string, time: number): ImpressionRecord => ({
  storeId, requestId, time, visitor: 'v1', api: 'recommendations/trending', labels: ['Home'], input: {}, results: ['p1', 'p2'],
});
const sale = (storeId: number, id: string, time: number): SaleRecord => ({
  storeId, sale: id, saleId: id, time, visitor: 'v1', email: null, customer: null, lines: [{ product: 'p1', id: 1, price: 5, quantity: 1 }], attribution: { kept: id },
});
const commit = (handle: Storage, part: Partial<EventBatch>) => handle.events.commitBatch({ events: [], impressions: [], sales: [], ...part });
const clicks = (storeId: number, time: number, visitor: string): RollupDelta[] => {
  const hour = Math.floor(time / 3600) * 3600;
  return [
    { storeId, hour, kind: 'total', name: '', api: '', metrics: { clicks: 1 }, unique: { visitor, metric: 'clickers' } },
    { storeId, hour, kind: 'product', name: 'p1', api: '', metrics: { clicks: 1 } },
  ];
};

export function runRetentionConformance(ctx: ConformanceContext): void {
  const { storage, newStore } = ctx;
  /** The store's events (every type) and impressions still stored, by time. */
  const remaining = async (storeId: number) => {
    const events = (await storage().events.eventsOfVisitors(storeId, ['v1'], { limit: 1000 })).map((e) => e.time).sort((a, b) => a - b);
    const impressions: number[] = [];
    for await (const page of storage().analytics.scanImpressions(storeId)) impressions.push(...page.map((i) => i.time));
    return { events, impressions };
  };
  const totals = async (storeId: number, grain: 'hour' | 'day') =>
    (await storage().analytics.queryRollups(storeId, { kind: 'total', grain, from: D0 - 10 * DAY, to: D0 + 10 * DAY, groupBy: grain }))
      .map((r) => [r.bucket, r.metrics.clicks, r.metrics.clickers]);

  describe('retention', () => {
    it('drops events and impressions before the day the horizon falls in, in chunks, and keeps sales and later records', async () => {
      const [{ id }, other] = [await newStore(), await newStore()];
      const times = [D0 + 100, D0 + DAY - 1, D0 + DAY, D0 + 2 * DAY + 5];
      const types = ['product', 'click', 'cart', 'returned', 'email', 'category', 'debug'] as const;
      // Seven old events of every type on the first day: more than two chunks of 3.
      await commit(storage(), {
        events: [...types.map((type) => event(id, D0 + 50, { type })), ...times.map((t) => event(id, t)), event(other.id, D0 + 100)],
        impressions: [...times.map((t, i) => impression(id, `r${i}`, t)), impression(id, 'r9', D0 + 60), impression(other.id, 'o1', D0 + 100)],
        sales: times.map((t, i) => sale(id, `s${i}`, t)),
      });
      // Asked for midway through the second day: rounded down to its start.
      const stats = await storage().analytics.dropRawBefore(id, D0 + DAY + 3 * 3600 + 7, 3);
      expect(stats).toEqual({ horizon: D0 + DAY, events: 9, impressions: 3 });
      expect(await remaining(id)).toEqual({ events: [D0 + DAY, D0 + 2 * DAY + 5], impressions: [D0 + DAY, D0 + 2 * DAY + 5] });
      expect(await storage().analytics.retentionHorizon(id)).toBe(D0 + DAY);
      // Sales stay, with their attribution; the other store is untouched.
      const sales: SaleRecord[] = [];
      for await (const page of storage().events.scanSales(id)) sales.push(...page);
      expect(sales.map((s) => [s.sale, s.attribution])).toEqual(times.map((_, i) => [`s${i}`, { kept: `s${i}` }]));
      expect((await storage().events.eventsOfVisitors(other.id, ['v1'])).length).toBe(1);
      expect(await storage().analytics.retentionHorizon(other.id)).toBe(0);
      expect((await storage().events.findImpression(other.id, 'o1'))?.requestId).toBe('o1');
    });

    it('applies the queued rollup increments before it drops what they count', async () => {
      const { id } = await newStore();
      await commit(storage(), { events: [event(id, D0 + 10, { type: 'click' })], rollups: clicks(id, D0 + 10, 'v1') });
      expect(await totals(id, 'hour')).toEqual([]); // still queued
      expect(await storage().analytics.dropRawBefore(id, D0 + DAY)).toMatchObject({ events: 1 });
      expect(await totals(id, 'hour')).toEqual([[D0, 1, 1]]);
      expect(await totals(id, 'day')).toEqual([[D0, 1, 1]]);
    });

    it('never moves the horizon back; an older ask still drops what the stored horizon covers', async () => {
      const { id } = await newStore();
      expect(await storage().analytics.dropRawBefore(id, D0 + 3 * DAY)).toEqual({ horizon: D0 + 3 * DAY, events: 0, impressions: 0 });
      // Logged afterwards with an old time (a backfill): the next run drops it even when asked for less.
      await commit(storage(), { events: [event(id, D0 + 2 * DAY)], impressions: [impression(id, 'late', D0 + DAY)] });
      expect(await storage().analytics.dropRawBefore(id, D0 + DAY)).toEqual({ horizon: D0 + 3 * DAY, events: 1, impressions: 1 });
      expect(await storage().analytics.retentionHorizon(id)).toBe(D0 + 3 * DAY);
      expect((await storage().analytics.dropRawBefore(id, D0 + 4 * DAY + 1)).horizon).toBe(D0 + 4 * DAY);
    });

    it('clears the rollups and per-day uniques from a horizon on and keeps the earlier ones', async () => {
      const { id } = await newStore();
      await storage().analytics.applyRollups([...clicks(id, D0 + 3600, 'a'), ...clicks(id, D0 + DAY + 7200, 'b'), ...clicks(id, D0 + 2 * DAY, 'c')]);
      // A queued increment for a kept day lands before the clear (the recount will not see it).
      await commit(storage(), { rollups: clicks(id, D0 + 3600, 'a2') });
      await storage().analytics.clearRollups(id, D0 + DAY);
      expect(await totals(id, 'hour')).toEqual([[D0 + 3600, 2, 2]]);
      expect(await totals(id, 'day')).toEqual([[D0, 2, 2]]);
      // The kept day's uniques are kept (the visitor is not counted again); the cleared days' are gone.
      await storage().analytics.applyRollups([...clicks(id, D0 + 3600, 'a'), ...clicks(id, D0 + DAY + 7200, 'b')]);
      expect(await totals(id, 'day')).toEqual([[D0, 3, 2], [D0 + DAY, 1, 1]]);
      let left = -1;
      while (left !== 0) left = await storage().analytics.applyQueuedRollups(100);
      expect(await totals(id, 'day')).toEqual([[D0, 3, 2], [D0 + DAY, 1, 1]]);
    });
  });
}
