/**
 * Rollups against a recount, over a generated mixed stream (seeded): recommendations and searches
 * on several labels, clicks joined by request ID (fresh, stale, unknown, none), the same click
 * sent twice at once, views, baskets, e-mail links, sales (some repeated at once and later),
 * returns and privacy/forget of persons in the middle of the traffic, over 33 hours across three
 * days, in concurrent rounds so group commits hold many items. Every analytics answer, over
 * day-aligned and unaligned ranges, must be the same before and after `rebuildRollups` recounts
 * the store from the raw records that remain. Run on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../src/random.js';
import { rebuildRollups } from '../src/analytics/rebuild.js';
import { makeProduct, makeTestApp, type TestApp } from './helpers/app.js';

const HOUR = 3600;
const T0 = 1_750_032_000 + 20 * HOUR; // 20:00 UTC: the stream crosses two midnights
const ROUNDS = 90;
const PER_ROUND = 8;
const PRODUCTS = 24;
const VISITORS = 18;


interface Shown {
  visitor: string;
  requestId: string;
  results: number[];
  api: string;
  labels: string[];
}

export function describeRollupConsistency(backend: string, databaseUrl: () => string | undefined): void {
  describe(`rollups equal a recount after a mixed stream (${backend})`, () => {
    let t: TestApp;
    let clock = T0;
    const counts = { forgets: 0, repeats: 0, returns: 0, clicks: 0 };
    const get = async (endpoint: string, args: Record<string, unknown>) => {
      const res = await t.call(`analytics/${endpoint}`, args, { method: 'GET', priv: true });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body;
    };
    /** Every analytics answer over one range. */
    const answersOver = async (range: { from: number; to: number }) => ({
      overview: await get('overview', range),
      labels: await get('labels', range),
      products: await get('products', range),
      searches: await get('searches', range),
      hourly: await get('timeseries', { ...range, granularity: 'hour' }),
      daily: await get('timeseries', { ...range, granularity: 'day' }),
      home: await get('overview', { ...range, labels: ['Home'] }),
    });
    const answers = async () => ({
      days: await answersOver({ from: T0 - 20 * HOUR, to: T0 + 52 * HOUR }),
      unaligned: await answersOver({ from: T0 + 3 * HOUR + 600, to: T0 + 29 * HOUR + 1800 }),
    });

    beforeAll(async () => {
      t = await makeTestApp({ databaseUrl: databaseUrl(), now: () => clock });
      const products = Array.from({ length: PRODUCTS }, (_, i) => makeProduct({ id: i + 1, name: `${['Red', 'Blue', 'Green'][i % 3]} lamp ${i + 1}`, price: 5 + i, categories: [1 + (i % 4)] }));
      expect((await t.call('product/add', { products }, { priv: true })).body.status).toBe('ok');
      const rnd = seededRandom(16);
      const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
      const visitor = () => `v${Math.floor(rnd() * VISITORS)}`;
      const product = () => 1 + Math.floor(rnd() * PRODUCTS);
      const shown: Shown[] = [];
      const sold: Array<{ sale: string; lines: Array<{ id: number; price: number; quantity: number }>; visitor: string }> = [];
      const ok = (res: { status: number; body: { status?: string } }) => expect(res.body.status, JSON.stringify(res.body)).toBe('ok');
      let saleNo = 0;

      const step = async (): Promise<void> => {
        const r = rnd();
        if (r < 0.22) {
          const v = visitor();
          const [endpoint, labels] = pick([['recommendations/popular', ['Home']], ['recommendations/trending', ['Home', 'Slider']], ['recommendations/new', ['Cart']]] as const);
          const res = await t.call(endpoint, { visitor: v, labels, limit: 4 });
          ok(res);
          shown.push({ visitor: v, requestId: res.body.request_id, results: res.body.result, api: endpoint, labels: [...labels] });
        } else if (r < 0.3) {
          const v = visitor();
          const query = pick(['red lamp', 'blue', 'lamp', 'green lamp 7', 'nothing-matches-this']);
          const res = await t.call('search/search', { visitor: v, query, labels: ['Search'], limit: 5 });
          ok(res);
          shown.push({ visitor: v, requestId: res.body.request_id, results: res.body.result, api: 'search/search', labels: ['Search'] });
        } else if (r < 0.55 && shown.length > 0) {
          // A click on something shown: recently or long ago; the same click sometimes twice at once.
          const s = rnd() < 0.7 ? shown[shown.length - 1 - Math.floor(rnd() * Math.min(5, shown.length))] : pick(shown);
          if (s.results.length === 0) return;
          const args = { visitor: s.visitor, product: pick(s.results), request_id: s.requestId };
          const copies = rnd() < 0.15 ? 2 : 1;
          counts.clicks += copies;
          (await Promise.all(Array.from({ length: copies }, () => t.call('log/click', args)))).forEach(ok);
        } else if (r < 0.62) {
          // Clicks the join cannot find, or that name their label themselves.
          const args = rnd() < 0.5 ? { visitor: visitor(), product: product(), request_id: 'unknown-request' } : { visitor: visitor(), product: product(), api: 'recommendations/popular', labels: ['Home'] };
          counts.clicks++;
          ok(await t.call('log/click', args));
        } else if (r < 0.72) {
          ok(await (rnd() < 0.7 ? t.call('log/product', { visitor: visitor(), product: product() }) : t.call('log/category', { visitor: visitor(), category: 1 + Math.floor(rnd() * 4) })));
        } else if (r < 0.76) {
          ok(await t.call('log/cart/add', { visitor: visitor(), products: [{ id: product(), qty: 1 + Math.floor(rnd() * 2) }] }));
        } else if (r < 0.8) {
          ok(await t.call('log/email', { visitor: visitor(), email: `p${Math.floor(rnd() * 6)}@example.com` }));
        } else if (r < 0.92) {
          const v = visitor();
          const lines = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => ({ id: product(), price: 5 + Math.floor(rnd() * 40), quantity: 1 + Math.floor(rnd() * 3) }));
          const unique = [...new Map(lines.map((l) => [l.id, l])).values()];
          const sale = { sale: `S${saleNo++}`, visitor: v, products: unique };
          const copies = rnd() < 0.2 ? 2 : 1;
          counts.repeats += copies - 1;
          (await Promise.all(Array.from({ length: copies }, () => t.call('log/sale', sale)))).forEach(ok);
          sold.push({ sale: sale.sale, lines: unique, visitor: v });
        } else if (r < 0.95 && sold.length > 0) {
          const s = pick(sold);
          counts.repeats++;
          ok(await t.call('log/sale', { sale: s.sale, visitor: s.visitor, products: s.lines }));
        } else if (r < 0.98 && sold.length > 0) {
          const s = pick(sold);
          const line = pick(s.lines);
          counts.returns++;
          ok(await t.call('log/returned', { order: s.sale, product: line.id, quantity: 1 }, { priv: true }));
        } else {
          counts.forgets++;
          ok(await t.call('privacy/forget', rnd() < 0.5 ? { visitor: visitor() } : { email: `p${Math.floor(rnd() * 6)}@example.com` }, { priv: true }));
        }
      };

      for (let round = 0; round < ROUNDS; round++) {
        clock += 60 + Math.floor(rnd() * 2600); // some rounds land in the same hour, some cross one
        await Promise.all(Array.from({ length: PER_ROUND }, () => step()));
      }
      await t.runtime.ingest.settle();
    }, 120_000);
    afterAll(() => t.close());

    it('ran the mix it claims (forgets, repeats, returns, days)', () => {
      expect(counts.forgets).toBeGreaterThanOrEqual(5);
      expect(counts.repeats).toBeGreaterThanOrEqual(10);
      expect(counts.returns).toBeGreaterThanOrEqual(5);
      expect(clock - T0).toBeGreaterThan(28 * HOUR);
    });

    it('answers every analytics endpoint the same after a recount from raw events', async () => {
      const before = await answers();
      // The live answers counted something (a vacuous equality would prove nothing).
      expect(before.days.overview.clicks).toBeGreaterThan(50);
      expect(before.days.overview.orders).toBeGreaterThan(20);
      expect(before.days.searches.searches).toBeGreaterThan(5);
      expect(before.days.labels.labels.length).toBeGreaterThanOrEqual(4);
      const storeId = (await t.runtime.storage.stores.findStoreByName('test'))!.id;
      await rebuildRollups(t.runtime.storage, storeId);
      expect(await answers()).toEqual(before);
    });

    it('takes a forgotten person out of the counts at once (clicks and visitors of the day)', async () => {
      const range = { from: T0 + 60 * HOUR, to: T0 + 72 * HOUR };
      clock = T0 + 61 * HOUR;
      const shown = await t.call('recommendations/popular', { visitor: 'gone', labels: ['Home'], limit: 3 });
      await t.call('log/click', { visitor: 'gone', product: shown.body.result[0], request_id: shown.body.request_id });
      await t.call('log/click', { visitor: 'stays', product: shown.body.result[1], api: 'recommendations/popular', labels: ['Home'] });
      await t.runtime.ingest.settle();
      const seen = async () => {
        const overview = await get('overview', range);
        const home = (await get('labels', range)).labels.find((l: { label: string }) => l.label === 'Home');
        return { impressions: home?.impressions ?? 0, viewers: home?.visitors ?? 0, clicks: home?.clicks ?? 0, clickers: overview.conversion.clickers.visitors };
      };
      expect(await seen()).toEqual({ impressions: 1, viewers: 1, clicks: 2, clickers: 2 });
      expect((await t.call('privacy/forget', { visitor: 'gone' }, { priv: true })).body.status).toBe('ok');
      expect(await seen()).toEqual({ impressions: 0, viewers: 0, clicks: 1, clickers: 1 });
      // The same visitor ID seen again the same day counts again, as a recount would.
      await t.call('log/click', { visitor: 'gone', product: 2, api: 'recommendations/popular', labels: ['Home'] });
      await t.runtime.ingest.settle();
      expect(await seen()).toEqual({ impressions: 0, viewers: 0, clicks: 2, clickers: 2 });
      const before = await answers();
      await rebuildRollups(t.runtime.storage, (await t.runtime.storage.stores.findStoreByName('test'))!.id);
      expect(await answers()).toEqual(before);
    });
  });
}
