/**
 * Retention end to end: five days of traffic (recommendations, clicks joined to them, views,
 * attributed sales, a return), then the server's retention job with 2 days kept. The raw events
 * and impressions of the first three days go, the last two days' stay, every sale stays; every
 * analytics answer over the whole period is the same after retention, after a rollup rebuild and
 * after a re-attribution, which leaves the sales whose window reaches before the horizon alone.
 * Run on SQLite (retention.test.ts) and PostgreSQL (retention.pg-test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reattributeStore, rebuildRollups } from '../src/analytics/rebuild.js';
import { runRetention } from '../src/analytics/retention.js';
import type { SaleRecord, StoredEvent } from '../src/storage/ports.js';
import { analyticsGetter, makeProduct, makeTestApp, type TestApp } from './helpers/app.js';

const HOUR = 3600;
const DAY = 24 * HOUR;
const D0 = 1_750_032_000; // a UTC day start
const DAYS = 5;
const KEEP = 2;
const range = { from: D0 - DAY, to: D0 + (DAYS + 2) * DAY };

export function describeRetention(backend: string, databaseUrl: () => string | undefined): void {
  describe(`retention (${backend})`, () => {
    let t: TestApp;
    let clock = D0;
    let storeId = 0;
    const get = analyticsGetter(() => t, range);
    const answers = async () => ({
      overview: await get('overview'),
      labels: await get('labels'),
      products: await get('products'),
      hourly: await get('timeseries', { granularity: 'hour' }),
      daily: await get('timeseries', { granularity: 'day' }),
      home: await get('overview', { labels: ['Home'] }),
    });
    const storage = () => t.runtime.storage;
    const rawTimes = async () => {
      const events: StoredEvent[] = [];
      for (let after = 0; ; ) {
        const page = await storage().events.eventsSince(after, 1000);
        if (page.length === 0) break;
        events.push(...page.filter((e) => e.storeId === storeId));
        after = page[page.length - 1].seq;
      }
      const impressions: number[] = [];
      for await (const page of storage().analytics.scanImpressions(storeId)) impressions.push(...page.map((i) => i.time));
      return { events: events.map((e) => e.time), impressions };
    };
    const sales = async () => {
      const out: SaleRecord[] = [];
      for await (const page of storage().events.scanSales(storeId)) out.push(...page);
      return out;
    };
    const horizon = D0 + (DAYS - KEEP) * DAY;
    let before: Awaited<ReturnType<typeof answers>>;
    let salesBefore: SaleRecord[];

    beforeAll(async () => {
      t = await makeTestApp({ databaseUrl: databaseUrl(), now: () => clock, config: { retentionDays: KEEP } });
      storeId = (await storage().stores.findStoreByName('test'))!.id;
      const ok = (res: { body: { status?: string } }) => expect(res.body.status, JSON.stringify(res.body)).toBe('ok');
      ok(await t.call('product/add', { products: [1, 2, 3, 4, 5].map((id) => makeProduct({ id, price: id * 10 })) }, { priv: true }));
      for (let day = 0; day < DAYS; day++) {
        for (let v = 0; v < 3; v++) {
          const visitor = `v${v}`;
          clock = D0 + day * DAY + (2 + v * 5) * HOUR;
          const shown = await t.call('recommendations/popular', { visitor, labels: ['Home'], limit: 3 });
          ok(shown);
          clock += 60;
          ok(await t.call('log/click', { visitor, product: shown.body.result[v % shown.body.result.length], request_id: shown.body.request_id }));
          clock += 60;
          ok(await t.call('log/product', { visitor, product: 1 + ((day + v) % 5) }));
          // Two of three visitors buy what they clicked, within the attribution window.
          if (v < 2) {
            clock += HOUR;
            ok(await t.call('log/sale', { sale: `S${day}-${v}`, visitor, products: [{ id: shown.body.result[v % shown.body.result.length], price: 10, quantity: 2 }] }));
          }
        }
        if (day === 1) {
          clock += 60;
          ok(await t.call('log/returned', { order: 'S1-0', product: (await storage().events.getSale(storeId, 'S1-0'))!.lines[0].id, quantity: 1 }, { priv: true }));
        }
      }
      await t.runtime.ingest.settle();
      before = await answers();
      salesBefore = await sales();
      clock = D0 + DAYS * DAY + 6 * HOUR; // 2 days and 6 hours after the start of day 3
      await t.runtime.retention!.run();
    }, 60_000);
    afterAll(() => t.close());

    it('dropped the raw events and impressions before the horizon and kept the newer ones', async () => {
      expect(await storage().analytics.retentionHorizon(storeId)).toBe(horizon);
      const { events, impressions } = await rawTimes();
      expect(events.filter((x) => x < horizon)).toEqual([]);
      expect(impressions.filter((x) => x < horizon)).toEqual([]);
      expect(events.length).toBe(KEEP * 3 * 2); // a click and a view per visitor and day
      expect(impressions.length).toBe(KEEP * 3);
    });

    it('kept every sale, with its attribution', async () => {
      expect(salesBefore.length).toBe(DAYS * 2);
      expect(await sales()).toEqual(salesBefore);
    });

    it('answers every analytics query over the whole period as before', async () => {
      // Not vacuous: the first days, whose raw records are gone, counted clicks and orders.
      expect(before.overview.clicks).toBe(DAYS * 3);
      expect(before.overview.orders).toBe(DAYS * 2);
      const dropped = (before.daily.series as Array<{ t: number; clicks: number; orders: number }>).filter((d) => d.t >= D0 && d.t < horizon);
      expect(dropped.map((d) => [d.clicks, d.orders])).toEqual([[3, 2], [3, 2], [3, 2]]);
      expect(await answers()).toEqual(before);
    });

    it('rebuilds the rollups to the same answers: the days before the horizon kept, the rest recounted', async () => {
      await rebuildRollups(storage(), storeId);
      expect(await answers()).toEqual(before);
    });

    it('re-attributes only the sales whose window lies after the horizon; older ones keep their attribution', async () => {
      const window = 24 * HOUR;
      const result = await reattributeStore(storage(), storeId, window);
      const older = salesBefore.filter((s) => s.time < horizon + window);
      expect(result).toEqual({ sales: salesBefore.length - older.length, changed: 0, kept: older.length });
      expect(older.length).toBeGreaterThan(0);
      // Those older sales were attributed to clicks that are gone: re-attributing them would have lost it.
      expect(older.every((s) => JSON.stringify(s.attribution).includes('click'))).toBe(true);
      expect(await sales()).toEqual(salesBefore);
      expect(await answers()).toEqual(before);
    });

    it('never moves the horizon back (a shorter run later keeps the stored horizon)', async () => {
      const run = await runRetention(storage(), KEEP + 2, clock);
      expect(run.stores.find((r) => r.storeId === storeId)).toMatchObject({ horizon, events: 0, impressions: 0 });
      expect(await storage().analytics.retentionHorizon(storeId)).toBe(horizon);
    });
  });
}
