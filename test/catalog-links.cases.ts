/**
 * The rest of the Clerk surface over HTTP, run on SQLite (catalog-links.test.ts) and PostgreSQL
 * (catalog-links.pg-test.ts): `/accessories` and the complementary results they lead,
 * `/orders/parcels` and parcels in `GET /orders`, `recommendations/specific` attributed to its
 * label, the feed export/import round trip and `privacy/forget` of parcels.
 */
import { PassThrough } from 'node:stream';
import { inject } from 'light-my-request';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportFeed } from '../src/catalog/feed-export.js';
import { testConfig } from '../src/config/config.js';
import { buildRuntime, type Runtime } from '../src/runtime.js';
import { openStorage } from '../src/storage/open.js';
import { BROWSER_UA, makeProduct, makeTestApp, OTHER_PRIVATE_KEY, OTHER_PUBLIC_KEY, PUBLIC_KEY, toQuery, type TestApp } from './helpers/app.js';

const err = (type: string, message: unknown) => ({ status: 'error', type, message, id: expect.any(String), moreInfo: expect.any(String) });
const OK = { status: 'ok' };
const T0 = 1_750_000_000;
const CATALOG = [
  makeProduct({ id: 1, name: 'Camera', categories: [1], stock: 3 }),
  makeProduct({ id: 2, name: 'Camera bag', categories: [2], price: 30, stock: 3 }),
  makeProduct({ id: 3, name: 'Memory card', categories: [2], price: 15, stock: 3 }),
  makeProduct({ id: 'lens-4', name: 'Lens', categories: [2], price: 200, stock: 3 }),
  makeProduct({ id: 5, name: 'Tripod', categories: [2], price: 40, stock: 0 }),
  makeProduct({ id: 6, name: 'Strap', categories: [2], price: 10, stock: 3 }),
  makeProduct({ id: 7, name: 'Hidden', categories: [2], index: false, stock: 3 }),
  makeProduct({ id: 8, name: 'Phone', categories: [1], stock: 3 }),
];

export function describeCatalogLinks(backend: string, databaseUrl: () => string | undefined): void {
  describe(`accessories, parcels, specific recommendations (${backend})`, () => {
    let t: TestApp;
    let clock = T0;
    beforeEach(async () => {
      clock = T0;
      t = await makeTestApp({ databaseUrl: databaseUrl(), now: () => clock });
      expect((await t.call('product/add', { products: CATALOG }, { priv: true })).status).toBe(200);
    });
    afterEach(() => t.close());

    const ok = async (endpoint: string, args: Record<string, unknown>, method: 'GET' | 'POST' | 'PATCH' | 'DELETE' = 'POST', priv = true) => {
      const res = await t.call(endpoint, args, { priv, method });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body;
    };
    const fails = async (endpoint: string, args: Record<string, unknown>, method: 'GET' | 'POST' | 'PATCH' | 'DELETE') => (await t.call(endpoint, args, { priv: true, method })).body;
    const links = async (...products: Array<string | number>) => (await ok('accessories', { accessories: products }, 'GET')).accessories;

    describe('accessories', () => {
      it('links accessories both ways and directed accessories one way, answering IDs in their stored type', async () => {
        expect(await ok('accessories', { accessories: [{ product: 1, accessories: ['2', 3], directed_accessories: ['lens-4'] }] })).toEqual(OK);
        expect(await links(1, 2, 'lens-4', 999)).toEqual([
          { product: 1, accessories: [2, 3], directed_accessories: ['lens-4'] },
          { product: 2, accessories: [1], directed_accessories: [] },
          { product: 'lens-4', accessories: [], directed_accessories: [] },
        ]);
      });

      it('POST replaces a product’s links, PATCH only the lists sent, null clears a list', async () => {
        await ok('accessories', { accessories: [{ product: 1, accessories: [2], directed_accessories: [3] }] });
        await ok('accessories', { accessories: [{ product: 1, accessories: [6] }] });
        expect(await links(1)).toEqual([{ product: 1, accessories: [6], directed_accessories: [] }]);
        await ok('accessories', { accessories: [{ product: 1, directed_accessories: [3, 3, 'lens-4'] }] }, 'PATCH');
        expect(await links(1)).toEqual([{ product: 1, accessories: [6], directed_accessories: [3, 'lens-4'] }]);
        await ok('accessories', { accessories: [{ product: 1, accessories: null }] }, 'PATCH');
        expect(await links(1, 6)).toEqual([{ product: 1, accessories: [], directed_accessories: [3, 'lens-4'] }, { product: 6, accessories: [], directed_accessories: [] }]);
      });

      it('DELETE and product removal remove every link the product takes part in', async () => {
        await ok('accessories', { accessories: [{ product: 1, accessories: [2, 3] }, { product: 8, accessories: [2], directed_accessories: [3] }, { product: 6, directed_accessories: [3] }] });
        await ok('accessories', { accessories: [2] }, 'DELETE');
        expect(await links(1, 2, 8)).toEqual([
          { product: 1, accessories: [3], directed_accessories: [] },
          { product: 2, accessories: [], directed_accessories: [] },
          { product: 8, accessories: [], directed_accessories: [3] },
        ]);
        await ok('product/remove', { products: [3] });
        expect(await links(1, 8, 6)).toEqual([
          { product: 1, accessories: [], directed_accessories: [] },
          { product: 8, accessories: [], directed_accessories: [] },
          { product: 6, accessories: [], directed_accessories: [] },
        ]);
        // Gone from storage too, not just hidden: nothing is left to export.
        const storeId = (await t.runtime.storage.stores.findStoreByName('test'))!.id;
        expect(await t.runtime.storage.catalog.countDocs(storeId, 'accessories')).toBe(0);
        // A product added again under the same ID starts without links.
        await ok('product/add', { products: [makeProduct({ id: 3, name: 'Memory card' })] });
        expect(await links(1, 3)).toEqual([{ product: 1, accessories: [], directed_accessories: [] }, { product: 3, accessories: [], directed_accessories: [] }]);
      });

      it('lead complementary results ahead of the learned ones, without duplicates, through filter, exclude and stock rules', async () => {
        // Learned: 8 is bought with 1.
        for (const [i, v] of ['a', 'b', 'c'].entries()) await ok('log/sale', { sale: `s${i}`, visitor: v, products: [1, 8] }, 'POST', false);
        const before = (await ok('recommendations/complementary', { products: [1], limit: 3 }, 'POST', false)).result;
        expect(before[0]).toBe(8);
        await ok('accessories', { accessories: [{ product: 1, accessories: [6, 'lens-4', 5, 7], directed_accessories: [8] }] });
        const comp = async (args: Record<string, unknown>) => (await ok('recommendations/complementary', { products: [1], limit: 5, ...args }, 'POST', false)).result;
        // 7 is index:false and 5 out of stock (the shop's `stock > 0` filter): left out as every result is; 8 once, as an accessory.
        expect((await comp({})).slice(0, 4)).toEqual([6, 'lens-4', 5, 8]);
        const led = await comp({ filter: 'stock > 0' });
        expect(led.slice(0, 3)).toEqual([6, 'lens-4', 8]);
        expect(new Set(led).size).toBe(led.length);
        expect((await comp({ exclude: [6], filter: 'stock > 0' })).slice(0, 2)).toEqual(['lens-4', 8]);
        expect(await comp({ filter: 'price >= 100', limit: 1 })).toEqual(['lens-4']);
        // The other side of a two-way link: 6 leads with 1; a directed link does not point back.
        expect((await ok('recommendations/complementary', { products: [6], limit: 1 }, 'POST', false)).result).toEqual([1]);
        expect(await links(8)).toEqual([{ product: 8, accessories: [], directed_accessories: [] }]);
        // A basket (several products) and a visitor who just viewed the camera get them too.
        expect((await ok('recommendations/complementary', { products: [1, 6], limit: 2, filter: 'stock > 0' }, 'POST', false)).result).toEqual(['lens-4', 8]);
        await ok('log/product', { product: 1, visitor: 'zed' }, 'POST', false);
        expect((await ok('recommendations/visitor/complementary', { visitor: 'zed', limit: 2 }, 'POST', false)).result).toEqual([6, 'lens-4']);
      });

      it('are applied on another instance through the catalog log', async () => {
        const storage = await openStorage(t.url);
        const other: Runtime = await buildRuntime(testConfig({ tailIntervalMs: 50 }), storage, pino({ level: 'silent' }), () => clock);
        try {
          const ask = async () => JSON.parse((await inject(other.app.handle, {
            method: 'POST', url: '/v2/recommendations/complementary', headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA },
            payload: JSON.stringify({ key: PUBLIC_KEY, products: [2], limit: 1 }),
          })).body).result;
          await ok('accessories', { accessories: [{ product: 2, directed_accessories: [6] }] });
          let seen: unknown = null;
          for (let i = 0; i < 60 && JSON.stringify(seen) !== '[6]'; i++) {
            seen = await ask();
            if (JSON.stringify(seen) !== '[6]') await new Promise((r) => setTimeout(r, 25));
          }
          expect(seen).toEqual([6]);
        } finally {
          await other.close();
          await storage.close();
        }
      });

      it('refuse unknown products, self links and malformed records with errors naming the argument', async () => {
        expect(await fails('accessories', { accessories: [{ product: 999, accessories: [2] }] }, 'POST'))
          .toEqual(err('LogicalError', 'accessories[0].product: no product with id "999"'));
        expect(await fails('accessories', { accessories: [{ product: 1, accessories: [2, 'nope'] }] }, 'POST'))
          .toEqual(err('LogicalError', 'accessories[0].accessories[1]: no product with id "nope"'));
        expect(await fails('accessories', { accessories: [{ product: 1, directed_accessories: [1] }] }, 'POST'))
          .toEqual(err('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: accessories .*accessories\[0\]\.directed_accessories\[0\]: a product cannot be its own accessory/)));
        expect(await fails('accessories', { accessories: [{ product: 1, friends: [2] }] }, 'POST'))
          .toEqual(err('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: accessories .*accessories\[0\]\.friends: is not a field of accessories/)));
        expect(await fails('accessories', { accessories: [{ accessories: [2] }] }, 'PATCH'))
          .toEqual(err('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: accessories .*accessories\[0\]\.product: required/)));
        expect(await fails('accessories', {}, 'GET')).toEqual(err('ParsingError', 'Missing Argument accessories'));
        expect((await t.call('accessories', { accessories: [1] }, { method: 'GET' })).body).toEqual(err('AuthenticationError', 'Missing Argument private_key'));
        expect(await links(1)).toEqual([{ product: 1, accessories: [], directed_accessories: [] }]);
      });
    });

    describe('orders/parcels', () => {
      beforeEach(async () => {
        await ok('orders', { orders: [{ id: 'o1', products: [{ id: 1, price: 10, quantity: 1 }], time: T0, email: 'ann@x.io' }, { id: 'o2', products: [{ id: 2, price: 5, quantity: 1 }], time: T0 }] });
      });

      it('creates, reads, updates and deletes an order’s parcels, keeping created and updated times', async () => {
        const a = await ok('orders/parcels', { order_id: 'o1', parcel_id: 'p1', tracking_code: 'TC1', tracking_link: 'https://track.example/TC1', status: 'shipped' });
        expect(a.parcel).toEqual({ parcel_id: 'p1', order_id: 'o1', tracking_code: 'TC1', tracking_link: 'https://track.example/TC1', status: 'shipped', created: T0, updated: T0 });
        clock += 100;
        const b = (await ok('orders/parcels', { order_id: 'o1', status: 'pending' })).parcel;
        expect(b).toEqual({ parcel_id: expect.stringMatching(/^[0-9a-f-]{36}$/), order_id: 'o1', status: 'pending', created: T0 + 100, updated: T0 + 100 });
        clock += 100;
        expect((await ok('orders/parcels', { order_id: 'o1', parcel_id: 'p1', status: 'delivered' }, 'PATCH')).parcel)
          .toEqual({ ...a.parcel, status: 'delivered', updated: T0 + 200 });
        expect((await ok('orders/parcels', { order_id: 'o1' }, 'GET')).parcels.map((p: { parcel_id: string }) => p.parcel_id)).toEqual(['p1', b.parcel_id]);
        expect((await ok('orders/parcels', { order_id: 'o1', parcel_id: 'p1' }, 'GET')).parcels).toEqual([{ ...a.parcel, status: 'delivered', updated: T0 + 200 }]);
        // POST of a known parcel replaces it and keeps its created time.
        expect((await ok('orders/parcels', { order_id: 'o1', parcel_id: 'p1', tracking_code: 'TC9' })).parcel)
          .toEqual({ parcel_id: 'p1', order_id: 'o1', tracking_code: 'TC9', created: T0, updated: T0 + 200 });
        expect(await ok('orders/parcels', { parcel_id: 'p1' }, 'DELETE')).toEqual(OK);
        expect((await ok('orders/parcels', { order_id: 'o1' }, 'GET')).parcels).toEqual([b]);
        expect((await ok('orders/parcels', { order_id: 'o2' }, 'GET')).parcels).toEqual([]);
      });

      it('shows parcels with their order in GET /orders', async () => {
        await ok('orders/parcels', { order_id: 'o1', parcel_id: 'p1', status: 'shipped' });
        const orders = (await ok('orders', { orders: ['o1', 'o2'] }, 'GET')).orders;
        expect(orders.map((o: { id: string; parcels: unknown[] }) => [o.id, o.parcels])).toEqual([
          ['o1', [{ parcel_id: 'p1', order_id: 'o1', status: 'shipped', created: T0, updated: T0 }]],
          ['o2', []],
        ]);
      });

      it('refuses an unknown order, an unknown or foreign parcel and a bad status, naming the argument', async () => {
        expect(await fails('orders/parcels', { order_id: 'nope', parcel_id: 'p1' }, 'POST')).toEqual(err('LogicalError', 'order_id: no order with id "nope"'));
        expect(await fails('orders/parcels', { order_id: 'nope' }, 'GET')).toEqual(err('LogicalError', 'order_id: no order with id "nope"'));
        expect(await fails('orders/parcels', { order_id: 'o1', status: 'lost in space' }, 'POST'))
          .toEqual(err('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: status/)));
        expect(await fails('orders/parcels', { order_id: 'o1', tracking_link: 'javascript:alert(1)' }, 'POST'))
          .toEqual(err('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: tracking_link/)));
        expect(await fails('orders/parcels', { order_id: 'o1', parcel_id: 'p9', status: 'shipped' }, 'PATCH')).toEqual(err('LogicalError', 'parcel_id: order "o1" has no parcel "p9"'));
        expect(await fails('orders/parcels', { order_id: 'o1' }, 'PATCH')).toEqual(err('ParsingError', 'Missing Argument parcel_id'));
        await ok('orders/parcels', { order_id: 'o1', parcel_id: 'p1' });
        expect(await fails('orders/parcels', { order_id: 'o2', parcel_id: 'p1' }, 'POST')).toEqual(err('LogicalError', 'parcel_id: parcel "p1" belongs to order "o1"'));
        expect(await fails('orders/parcels', { order_id: 'o2', parcel_id: 'p1' }, 'GET')).toEqual(err('LogicalError', 'parcel_id: order "o2" has no parcel "p1"'));
        expect(await fails('orders/parcels', { parcel_id: ['p1', 'p9'] }, 'DELETE')).toEqual(err('LogicalError', 'parcel_id: no parcel "p9"'));
        expect((await ok('orders/parcels', { order_id: 'o1' }, 'GET')).parcels).toHaveLength(1);
        expect(await fails('orders/parcels', {}, 'DELETE')).toEqual(err('ParsingError', 'Missing Argument parcel_id'));
      });

      it('privacy/forget removes the parcels of the person’s orders', async () => {
        await ok('orders/parcels', { order_id: 'o1', parcel_id: 'p1', tracking_code: 'SECRET-TC' });
        await ok('orders/parcels', { order_id: 'o2', parcel_id: 'p2', tracking_code: 'KEEP-TC' });
        await ok('privacy/forget', { email: 'ann@x.io' });
        expect((await ok('orders/parcels', { order_id: 'o1' }, 'GET')).parcels).toEqual([]);
        expect((await ok('orders/parcels', { order_id: 'o2' }, 'GET')).parcels).toHaveLength(1);
      });
    });

    describe('recommendations/specific', () => {
      it('answers the named products in order, shaped, and attributes a click and sale to its label', async () => {
        const body = await ok('recommendations/specific', { products: [3, 'lens-4', 999, 7, 5, 2], limit: 3, labels: ['Staff picks'], visitor: 'ann', attributes: ['name'], filter: 'stock > 0' }, 'POST', false);
        expect(body).toEqual({ status: 'ok', result: [3, 'lens-4', 2], product_data: [{ id: 3, name: 'Memory card' }, { id: 'lens-4', name: 'Lens' }, { id: 2, name: 'Camera bag' }], request_id: expect.any(String) });
        expect((await ok('recommendations/specific', { products: [3, 2], limit: 5, exclude: [3] }, 'GET', false)).result).toEqual([2]);
        await ok('log/click', { product: 'lens-4', visitor: 'ann', request_id: body.request_id }, 'POST', false);
        clock += 60;
        await ok('log/sale', { sale: 'sp1', visitor: 'ann', products: [{ id: 'lens-4', price: 200, quantity: 1 }] }, 'POST', false);
        const day = new Date(T0 * 1000).toISOString().slice(0, 10);
        const labels = (await ok('analytics/labels', { from: day, to: day }, 'GET')).labels;
        expect(labels).toEqual(expect.arrayContaining([expect.objectContaining({ label: 'Staff picks', impressions: 1, clicks: 1, orders: 1, revenue: 200 })]));
        expect((await t.call('recommendations/specific', { limit: 3 })).body).toEqual(err('ParsingError', 'Missing Argument products'));
      });
    });

    it('exports parcels and accessories in the feed and imports them back', async () => {
      await ok('orders', { orders: [{ id: 'o1', products: [{ id: 1, price: 10, quantity: 1 }], time: T0 }] });
      await ok('orders/parcels', { order_id: 'o1', parcel_id: 'p1', status: 'shipped' });
      await ok('accessories', { accessories: [{ product: 1, accessories: [2], directed_accessories: [3] }] });
      const storeId = (await t.runtime.storage.stores.findStoreByName('test'))!.id;
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      const counts = await exportFeed(t.runtime.storage.catalog, storeId, out);
      expect(counts).toMatchObject({ orders: 1, parcels: 1, accessories: 1 });
      const feed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      expect(feed.accessories).toEqual([{ product: 1, accessories: [2], directed_accessories: [3] }]);
      // Into the other store: the links and the parcel arrive with it.
      const imported = await t.inject({
        method: 'POST', url: '/v2/import', headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ ...feed, key: OTHER_PUBLIC_KEY, private_key: OTHER_PRIVATE_KEY }),
      });
      expect(JSON.parse(imported.body)).toMatchObject({ status: 'ok', written: { products: CATALOG.length, orders: 1, parcels: 1, accessories: 1 } });
      const otherGet = async (endpoint: string, args: Record<string, unknown>) => JSON.parse((await t.inject({
        method: 'GET', url: `/v2/${endpoint}?${toQuery({ ...args, key: OTHER_PUBLIC_KEY, private_key: OTHER_PRIVATE_KEY })}`,
      })).body);
      expect((await otherGet('accessories', { accessories: [2] })).accessories).toEqual([{ product: 2, accessories: [1], directed_accessories: [] }]);
      expect((await otherGet('orders/parcels', { order_id: 'o1' })).parcels).toEqual([{ parcel_id: 'p1', order_id: 'o1', status: 'shipped', created: T0, updated: T0 }]);
    });
  });
}
