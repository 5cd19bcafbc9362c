/**
 * Analytics with hand-computed expectations: a scripted scenario (impressions on three labels,
 * clicks, sales with and without prior clicks, a click outside the window, two devices of one
 * email, a return, a repeated sale) and the exact answer of every analytics endpoint; then the
 * rollups are recounted from raw events and must give the same answers. Run on SQLite
 * (analytics.test.ts) and PostgreSQL (analytics.pg-test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reattributeStore, rebuildRollups } from '../src/analytics/rebuild.js';
import { analyticsGetter, makeProduct, makeTestApp, type TestApp } from './helpers/app.js';

const T0 = 1_750_003_200; // the start of a UTC hour, 16 h into its day
const HOUR = 3600;
const range = { from: T0 - 48 * HOUR, to: T0 + 24 * HOUR };

export function describeAnalytics(backend: string, databaseUrl: () => string | undefined): void {
  describe(`analytics (${backend})`, () => {
    let t: TestApp;
    let clock = T0;
    const at = (offset: number) => (clock = T0 + offset);
    const get = analyticsGetter(() => t, range);
    const answers = async () => ({
      overview: await get('overview'),
      labels: await get('labels'),
      products: await get('products'),
      searches: await get('searches'),
      timeseries: await get('timeseries', { granularity: 'hour' }),
      homeOnly: await get('overview', { labels: ['Home'] }),
    });

    beforeAll(async () => {
      t = await makeTestApp({ databaseUrl: databaseUrl(), now: () => clock });
      await t.call('product/add', { products: [1, 2, 3, 4].map((id) => makeProduct({ id, price: id * 10, created_at: 1_700_000_000 + id })) }, { priv: true });
      const rec = (visitor: string, labels: string[], limit: number) => t.call('recommendations/popular', { visitor, labels, limit });
      at(0);
      const home = await rec('A', ['Home'], 4); // shows 4, 3, 2, 1
      expect(home.body.result).toEqual([4, 3, 2, 1]);
      at(10);
      await rec('A', ['Cart'], 2); // 4, 3
      at(20);
      await rec('B', ['Home', 'Product'], 3); // 4, 3, 2
      at(30);
      await t.call('log/click', { visitor: 'A', product: 2, request_id: home.body.request_id, n: 1 });
      at(40);
      await t.call('log/click', { visitor: 'B', product: 3, api: 'recommendations/popular', labels: ['Product'], n: 2 });
      at(50);
      await t.call('log/click', { visitor: 'C', product: 4, api: 'recommendations/popular', labels: ['Cart'], n: 0 });
      // D clicked 25 hours ago: outside the 24-hour window of D's sale below.
      await t.call('log/click', { visitor: 'D', product: 1, api: 'recommendations/popular', labels: ['Home'], n: 0, time: T0 - 25 * HOUR + 100 }, { priv: true });
      at(60);
      await t.call('log/email', { visitor: 'C', email: 'cee@example.com' });
      at(100);
      await t.call('log/sale', { sale: 'S1', visitor: 'A', products: [{ id: 2, price: 20, quantity: 2 }, { id: 1, price: 10, quantity: 1 }] });
      at(110);
      await t.call('log/sale', { sale: 'S2', visitor: 'D', products: [{ id: 1, price: 10, quantity: 1 }] });
      at(115);
      // A second device of C's email buys what C clicked.
      await t.call('log/sale', { sale: 'S3', visitor: 'C2', email: 'CEE@example.com', products: [{ id: 4, price: 40, quantity: 1 }] });
      await t.call('log/sale', { sale: 'S4', visitor: 'B', products: [{ id: 3, price: 30, quantity: 1 }] });
      at(120);
      await t.call('log/sale', { sale: 'S1', visitor: 'A', products: [{ id: 2, price: 20, quantity: 2 }, { id: 1, price: 10, quantity: 1 }] }); // repeated
      await t.call('log/sale', { sale: 'S5', email: 'server@example.com', products: [{ id: 4, price: 40, quantity: 2 }] }); // server-side, no visitor
      at(130);
      await t.call('log/returned', { order: 'S1', product: 2, quantity: 1 }, { priv: true });
    });
    afterAll(() => t.close());

    it('overview', async () => {
      expect(await get('overview')).toEqual({
        status: 'ok', orders: 5, revenue: 190, attributed_orders: 3, attributed_revenue: 90, attributed_share: 0.473684,
        channels: { search: { orders: 0, revenue: 0 }, recommendations: { orders: 3, revenue: 90 }, external: { orders: 0, revenue: 0 }, organic: { orders: 3, revenue: 100 } },
        impressions: 3, clicks: 4, ctr: 1.333333,
        conversion: { clickers: { visitors: 4, orders: 3, rate: 0.75 }, non_clickers: { visitors: 2, orders: 2, rate: 1 }, uplift: -0.25 },
      });
    });

    it('overview filtered by label credits only that label', async () => {
      const home = await get('overview', { labels: ['Home'] });
      expect([home.attributed_orders, home.attributed_revenue, home.attributed_share]).toEqual([1, 20, 0.105263]);
    });

    it('labels', async () => {
      expect(await get('labels')).toEqual({
        status: 'ok',
        labels: [
          { label: 'Cart', impressions: 1, products_shown: 2, visitors: 1, clicks: 1, ctr: 1, orders: 1, units: 1, revenue: 40, conversion_rate: 1, revenue_per_mille: 40000, mean_position: 0 },
          { label: 'Product', impressions: 1, products_shown: 3, visitors: 1, clicks: 1, ctr: 1, orders: 1, units: 1, revenue: 30, conversion_rate: 1, revenue_per_mille: 30000, mean_position: 2 },
          { label: 'Home', impressions: 2, products_shown: 7, visitors: 2, clicks: 2, ctr: 1, orders: 1, units: 1, revenue: 20, conversion_rate: 0.5, revenue_per_mille: 10000, mean_position: 0.5 },
        ],
      });
    });

    it('products', async () => {
      const row = (product: number, impressions: number, clicks: number, orders: number, units: number, revenue: number, ao: number, au: number, ar: number) => ({
        product, name: `Product ${product}`, impressions, clicks, ctr: Math.round((clicks / impressions) * 1e6) / 1e6, orders, units, revenue, attributed_orders: ao, attributed_units: au, attributed_revenue: ar,
      });
      expect(await get('products')).toEqual({
        status: 'ok',
        products: [row(4, 3, 1, 2, 3, 120, 1, 1, 40), row(3, 3, 1, 1, 1, 30, 1, 1, 30), row(2, 2, 1, 1, 1, 20, 1, 1, 20), row(1, 1, 1, 2, 2, 20, 0, 0, 0)],
      });
    });

    it('searches (none yet)', async () => {
      expect(await get('searches')).toEqual({ status: 'ok', searches: 0, zero_result_rate: 0, no_click_rate: 0, top: [], zero_result: [], no_click: [] });
    });

    it('timeseries has every bucket, zeros included', async () => {
      const { series } = await get('timeseries', { granularity: 'hour' });
      expect(series).toHaveLength(72);
      expect(series[0].t).toBe(range.from);
      const nonZero = series.filter((p: { impressions: number; clicks: number; orders: number }) => p.impressions || p.clicks || p.orders);
      expect(nonZero).toEqual([
        { t: T0 - 25 * HOUR, impressions: 0, clicks: 1, ctr: 0, orders: 0, revenue: 0, attributed_orders: 0, attributed_revenue: 0 },
        { t: T0, impressions: 3, clicks: 3, ctr: 1, orders: 5, revenue: 190, attributed_orders: 3, attributed_revenue: 90 },
      ]);
      const daily = await get('timeseries', { granularity: 'day' });
      expect(daily.series.reduce((n: number, p: { revenue: number }) => n + p.revenue, 0)).toBe(190);
    });

    it('refuses bad arguments naming them', async () => {
      const bad = await t.call('analytics/labels', { from: 'yesterday-ish' }, { method: 'GET', priv: true });
      expect(bad.body).toMatchObject({ status: 'error', type: 'ParsingError', message: expect.stringMatching(/^Invalid Syntax In Argument: from/) });
      const pub = await t.call('analytics/labels', {}, { method: 'GET' });
      expect(pub.body).toMatchObject({ type: 'AuthenticationError', message: 'Missing Argument private_key' });
    });

    it('rollups equal a recount from raw events', async () => {
      const before = await answers();
      const storeId = (await t.runtime.storage.stores.findStoreByName('test'))!.id;
      await rebuildRollups(t.runtime.storage, storeId);
      expect(await answers()).toEqual(before);
    });

    it('re-attributes with a wider window (D\'s click 25 h before the sale now counts)', async () => {
      const storeId = (await t.runtime.storage.stores.findStoreByName('test'))!.id;
      expect(await reattributeStore(t.runtime.storage, storeId, 26 * HOUR)).toEqual({ sales: 5, changed: 5, kept: 0 });
      const overview = await get('overview');
      expect([overview.attributed_orders, overview.attributed_revenue, overview.channels.organic]).toEqual([4, 100, { orders: 2, revenue: 90 }]);
      const home = (await get('labels')).labels.find((l: { label: string }) => l.label === 'Home');
      expect([home.orders, home.revenue]).toEqual([2, 30]);
      expect(await reattributeStore(t.runtime.storage, storeId, 24 * HOUR)).toEqual({ sales: 5, changed: 5, kept: 0 });
      expect((await get('overview')).attributed_revenue).toBe(90);
    });
  });
}
