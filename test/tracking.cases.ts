/**
 * Tracking behaviour over HTTP, run on SQLite (tracking.test.ts) and PostgreSQL
 * (tracking.pg-test.ts): visitors, labels, every log/* endpoint, sale idempotency, cross-device
 * identity, impression → click joins, privacy/info and privacy/forget.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'light-my-request';
import { pino } from 'pino';
import { testConfig } from '../src/config/config.js';
import { SESSION_MODEL } from '../src/recommend/person-ranking.js';
import type { SessionModel } from '../src/recommend/session-model.js';
import { buildRuntime, type Runtime } from '../src/runtime.js';
import { openStorage } from '../src/storage/open.js';
import type { EventStore } from '../src/storage/ports.js';
import { dumpAllRows } from './helpers/db.js';
import { BROWSER_UA, callerFor, makeProduct, makeTestApp, type TestApp } from './helpers/app.js';

const err = (type: string, message: unknown) => ({ status: 'error', type, message, id: expect.any(String), moreInfo: expect.any(String) });
const OK = { status: 'ok' };

/** The `after` of every read of one log (events, sales or forgets) during `ms`: what a tail read. */
async function tailReads(events: EventStore, log: 'eventsSince' | 'salesSince' | 'forgetsSince', ms: number): Promise<number[]> {
  const reads: number[] = [];
  const target = events as unknown as Record<string, (after: number, limit: number) => Promise<unknown>>;
  const original = target[log];
  target[log] = (after, limit) => (reads.push(after), original.call(events, after, limit));
  await new Promise((r) => setTimeout(r, ms));
  target[log] = original;
  return reads;
}

export function describeTracking(backend: string, databaseUrl: () => string | undefined): void {
  describe(`tracking (${backend})`, () => {
    let t: TestApp;
    let clock = 1_750_000_000;
    beforeEach(async () => {
      clock = 1_750_000_000;
      t = await makeTestApp({ databaseUrl: databaseUrl(), now: () => clock });
      await t.call('product/add', { products: [1, 2, 3, 4, 5].map((id) => makeProduct({ id, price: id * 10, created_at: 1_700_000_000 + id })) }, { priv: true });
    });
    afterEach(() => t.close());

    const info = async (args: Record<string, unknown>) => (await t.call('privacy/info', args, { priv: true })).body;
    const activityTypes = (body: { activity: Array<{ type: string }> }) => body.activity.map((a) => a.type).sort();

    describe('several instances on one database', () => {
      /** Runs fn with a second instance on the same database (its tail polls every 50 ms), then closes it. */
      const withOtherInstance = async (fn: (other: Runtime) => Promise<void>) => {
        const storage = await openStorage(t.url);
        const other = await buildRuntime(testConfig({ tailIntervalMs: 50 }), storage, pino({ level: 'silent' }), () => clock);
        try {
          await fn(other);
        } finally {
          await other.close();
          await storage.close();
        }
      };

      it("shows another instance's click in this instance's next visitor/* answer within a second, applied once", async () => {
        await withOtherInstance(async (other) => {
          const ask = async (app: Runtime['app'], visitor: string) => JSON.parse((await inject(app.handle, {
            method: 'POST', url: '/v2/recommendations/visitor/history', headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA },
            payload: JSON.stringify({ key: 'testpub', visitor, limit: 5 }),
          })).body).result;
          expect(await ask(other.app, 'roamer')).not.toEqual([3]); // no history yet: popularity
          await t.call('log/click', { product: 3, visitor: 'roamer' }); // on the first instance
          let seen: unknown = null;
          for (let i = 0; i < 40 && JSON.stringify(seen) !== '[3]'; i++) {
            await new Promise((r) => setTimeout(r, 25));
            seen = await ask(other.app, 'roamer');
          }
          expect(seen).toEqual([3]);
          // The first instance's own click came through its commit, not again through its tail,
          // and a tail that finds only its own seqs past its position reads no rows at all.
          expect(await tailReads(t.runtime.storage.events, 'eventsSince', 1200)).toEqual([]);
          const track = (t.runtime.models.of(1).get<SessionModel>(SESSION_MODEL) as unknown as { tracks: Map<string, { items: number[] }> }).tracks.get('roamer');
          expect(track?.items).toHaveLength(1);
        });
      });

      it("counts another instance's logged sale in this instance's popular within a second, applied once", async () => {
        await withOtherInstance(async (other) => {
          const popular = async () => JSON.parse((await inject(other.app.handle, {
            method: 'POST', url: '/v2/recommendations/popular', headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA },
            payload: JSON.stringify({ key: 'testpub', limit: 3 }),
          })).body).result;
          expect((await popular())[0]).not.toBe(2);
          // Two sales on the first instance: one of product 2, one of products 2 and 4.
          await t.call('log/sale', { sale: 'x1', products: [{ id: 2, price: 20, quantity: 1 }], visitor: 'buyer1' });
          await t.call('log/sale', { sale: 'x2', products: [{ id: 2, price: 20, quantity: 1 }, { id: 4, price: 40, quantity: 5 }], visitor: 'buyer2' });
          let seen: unknown[] = [];
          for (let i = 0; i < 40 && JSON.stringify(seen.slice(0, 2)) !== '[2,4]'; i++) {
            await new Promise((r) => setTimeout(r, 25));
            seen = await popular();
          }
          expect(seen.slice(0, 2)).toEqual([2, 4]); // in two orders, then one (quantity does not count)
          await new Promise((r) => setTimeout(r, 200)); // more tail runs: nothing is applied twice
          const orders = (rt: Runtime) => [rt.models.of(1).popularity.orders.score('2', clock), rt.models.of(1).popularity.orders.score('4', clock)];
          expect(orders(other)).toEqual(orders(t.runtime));
          expect(orders(t.runtime)[0]).toBeCloseTo(2 * orders(t.runtime)[1], 9);
          // The first instance applied its own sales at commit; its tail skips them without reading.
          expect(await tailReads(t.runtime.storage.events, 'salesSince', 1200)).toEqual([]);
        });
      });

      it("purges a person another instance forgot from this instance's models within a second", async () => {
        await withOtherInstance(async (other) => {
          const held = (rt: Runtime) => {
            const found = new Set<string>();
            rt.models.of(1).each((c) => c.people?.().visitors.forEach((v) => found.add(v)));
            return found;
          };
          await t.call('log/click', { product: 3, visitor: 'ghost' });
          await t.call('log/click', { product: 4, visitor: 'stays' });
          // Both clicks may reach the other instance in different tail runs: wait for both.
          for (let i = 0; i < 40 && held(other).size < 2; i++) await new Promise((r) => setTimeout(r, 25));
          expect([...held(other)].sort()).toEqual(['ghost', 'stays']);
          expect((await t.call('privacy/forget', { visitor: 'ghost' }, { priv: true })).body).toEqual(OK);
          expect(held(t.runtime).has('ghost')).toBe(false); // this instance purged at once
          for (let i = 0; i < 40 && held(other).has('ghost'); i++) await new Promise((r) => setTimeout(r, 25));
          expect([...held(other)]).toEqual(['stays']);
          // The first instance's own forget is not looked up again by its tail.
          expect(await tailReads(t.runtime.storage.events, 'forgetsSince', 1200)).toEqual([]);
        });
      });

      it("drops what this instance's click join holds in memory of a store where another instance forgot someone", async () => {
        await withOtherInstance(async (other) => {
          const id = (await t.runtime.storage.stores.findStoreByName('test'))!.id;
          const shown = await t.call('recommendations/popular', { limit: 3, visitor: 'ghost' });
          await t.runtime.ingest.settle();
          expect(t.runtime.ingest.recentImpression(id, shown.body.request_id)).not.toBeNull();
          expect((await callerFor(other)('privacy/forget', { visitor: 'ghost' }, { priv: true })).body).toEqual(OK);
          for (let i = 0; i < 80 && t.runtime.ingest.recentImpression(id, shown.body.request_id); i++) await new Promise((r) => setTimeout(r, 25));
          expect(t.runtime.ingest.recentImpression(id, shown.body.request_id)).toBeNull();
          await t.call('log/click', { product: 5, visitor: 'ghost', request_id: shown.body.request_id });
          const clicks = await t.runtime.storage.events.eventsOfVisitors(id, ['ghost'], { types: ['click'] });
          expect(clicks.map((c) => [c.requestId, c.labels])).toEqual([[null, null]]);
        });
      });
    });

    describe('visitor', () => {
      it('accepts an ID of 1..32 letters and digits and records under it', async () => {
        expect((await t.call('log/product', { product: 1, visitor: 'A'.repeat(32) })).body).toEqual(OK);
        expect((await info({ visitor: 'A'.repeat(32) })).activity).toEqual([{ visitor: 'A'.repeat(32), type: 'product', product: 1, description: 'Viewed product 1', time: clock }]);
      });

      it.each([
        ['33 characters', 'a'.repeat(33)],
        ['a dash', 'ab-c'],
        ['unicode', 'äbc'],
        ['empty', ''],
        ['a number', 12345],
        ['an array', ['abc']],
        ['an object', { id: 'abc' }],
      ])('refuses %s with a ParsingError naming visitor', async (_what, visitor) => {
        const res = await t.call('log/click', { product: 1, visitor });
        expect(res.status).toBe(400);
        expect(res.body).toEqual(err('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: visitor/)));
      });

      it('requires a visitor on log/click', async () => {
        expect((await t.call('log/click', { product: 1 })).body).toEqual(err('ParsingError', 'Missing Argument visitor'));
      });

      it('"null" is answered ok and records nothing', async () => {
        expect((await t.call('log/click', { product: 1, visitor: 'null' })).body).toEqual(OK);
        const dropped = (await t.inject({ method: 'GET', url: '/metrics' })).body;
        expect(dropped).toContain('relevo_events_dropped_total{reason="no_visitor"} 1');
        expect(dropped).not.toContain('relevo_events_accepted_total{type="click"}');
      });

      it('"auto" derives a stable 8-character ID from IP and user agent', async () => {
        const ua = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0' };
        await t.call('log/product', { product: 1, visitor: 'auto' }, { headers: ua });
        await t.call('log/product', { product: 2, visitor: 'auto' }, { headers: ua });
        await t.call('log/product', { product: 3, visitor: 'auto' }, { headers: { 'user-agent': 'Mozilla/5.0 (Macintosh) Safari/605.1' } });
        const events = await t.runtime.storage.events.eventsSince(0, 100);
        const visitors = events.map((e) => e.visitor!);
        expect(visitors[0]).toMatch(/^[A-Za-z0-9]{8}$/);
        expect(visitors[1]).toBe(visitors[0]);
        expect(visitors[2]).not.toBe(visitors[0]);
      });

      it('"auto" believes X-Forwarded-For only from a trusted proxy', async () => {
        const send = (xff: string) => t.call('log/product', { product: 1, visitor: 'auto' }, { headers: { 'x-forwarded-for': xff } });
        await send('203.0.113.7');
        await send('198.51.100.9');
        const [a, b] = (await t.runtime.storage.events.eventsSince(0, 10)).map((e) => e.visitor);
        expect(a).toBe(b); // untrusted peer: the header is ignored, both are the same client
      });

      it('auto IDs change when the 30-day salt period changes', async () => {
        await t.call('log/product', { product: 1, visitor: 'auto' });
        clock += 31 * 24 * 3600;
        await t.call('log/product', { product: 1, visitor: 'auto' });
        const [a, b] = (await t.runtime.storage.events.eventsSince(0, 10)).map((e) => e.visitor);
        expect(a).not.toBe(b);
      });
    });

    describe('labels', () => {
      it.each([
        ['an empty list', []],
        ['21 labels', Array.from({ length: 21 }, (_, i) => `L${i}`)],
        ['an empty label', ['Home', '']],
        ['a label of 201 characters', ['x'.repeat(201)]],
        ['a number', [5]],
      ])('refuses %s', async (_what, labels) => {
        const res = await t.call('log/click', { product: 1, visitor: 'v1', labels });
        expect(res.status).toBe(400);
        expect(res.body).toEqual(err('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: labels/)));
      });

      it('accepts 20 labels of 200 characters, and one plain string as one label', async () => {
        expect((await t.call('log/click', { product: 1, visitor: 'v1', labels: Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(200, 'x')) })).body).toEqual(OK);
        expect((await t.call('log/click', { product: 2, visitor: 'v1', labels: 'Home, top' })).body).toEqual(OK);
        const clicks = (await info({ visitor: 'v1' })).activity;
        // Product IDs come back in the type the catalog stores them (numbers here).
        expect(clicks.find((a: { product: number }) => a.product === 2).labels).toEqual(['Home, top']);
        expect(clicks.find((a: { product: number }) => a.product === 1).labels).toHaveLength(20);
      });

      it('labels a result call with its endpoint name when it sends none', async () => {
        const res = await t.call('recommendations/popular', { limit: 3, visitor: 'v1' });
        await t.runtime.ingest.settle();
        const imp = await t.runtime.storage.events.findImpression(t.runtime.storage === undefined ? 0 : (await t.runtime.storage.stores.findStoreByName('test'))!.id, res.body.request_id);
        expect(imp!.labels).toEqual(['recommendations/popular']);
      });
    });

    describe('log endpoints', () => {
      it.each([
        ['log/click', { visitor: 'v1' }, 'Missing Argument product'],
        ['log/click', { product: 1, visitor: 'v1', n: -1 }, /^Invalid Syntax In Argument: n/],
        ['log/click', { product: 1, visitor: 'v1', external: 'maybe' }, /^Invalid Syntax In Argument: external/],
        ['log/product', { visitor: 'v1' }, 'Missing Argument product'],
        ['log/product', { product: 1.5, visitor: 'v1' }, /^Invalid Syntax In Argument: product/],
        ['log/category', { visitor: 'v1' }, 'Missing Argument category'],
        ['log/email', { visitor: 'v1' }, 'Missing Argument email'],
        ['log/email', { visitor: 'v1', email: 'not-an-email' }, /^Invalid Syntax In Argument: email/],
        ['log/sale', { products: [1] }, 'Missing Argument sale'],
        ['log/sale', { sale: 1 }, 'Missing Argument products'],
        ['log/sale', { sale: 1, products: [] }, /^Invalid Syntax In Argument: products/],
        ['log/sale', { sale: 1, products: [{ id: 1, price: 5, quantity: 0 }] }, /^Invalid Syntax In Argument: products \(products\[0\]/],
        ['log/sale', { sale: 1, products: [{ id: 1, price: -1, quantity: 1 }] }, /^Invalid Syntax In Argument: products/],
        ['log/sale', { sale: 1, products: [{ id: 1, price: 5, quantity: 1.5 }] }, /^Invalid Syntax In Argument: products/],
        ['log/cart/add', { visitor: 'v1' }, 'Missing Argument products'],
        ['log/cart/add', { visitor: 'v1', products: [{ id: 1 }] }, /^Invalid Syntax In Argument: products/],
        ['log/basket/set', { products: [1] }, 'Missing Argument email'],
      ])('%s %j → ParsingError', async (endpoint, args, message) => {
        const res = await t.call(endpoint, args);
        expect(res.status).toBe(400);
        expect(res.body).toEqual(err('ParsingError', typeof message === 'string' ? message : expect.stringMatching(message)));
      });

      it('records every event type and shows it in privacy/info', async () => {
        expect((await t.call('log/product', { product: 1, visitor: 'v1' })).body).toEqual(OK);
        expect((await t.call('log/category', { category: 7, visitor: 'v1' })).body).toEqual(OK);
        expect((await t.call('log/click', { product: 2, visitor: 'v1', api: 'recommendations/popular', labels: ['Home'], n: 3 })).body).toEqual(OK);
        const cart = await t.call('log/cart/add', { visitor: 'v1', products: [{ id: 3, qty: 2 }] });
        expect(cart.body).toEqual({ status: 'ok', basket_id: expect.any(String) });
        expect((await t.call('log/cart/remove', { visitor: 'v1', basket_id: cart.body.basket_id, products: [{ id: 3, qty: 1 }] })).body).toEqual({ status: 'ok', basket_id: cart.body.basket_id });
        expect((await t.call('log/email', { visitor: 'v1', email: ' Ann@Example.COM ' })).body).toEqual(OK);
        expect((await t.call('log/sale', { sale: 'o-1', visitor: 'v1', products: [{ id: 2, price: 19.5, quantity: 2 }, 4] })).body).toEqual(OK);
        const body = await info({ email: 'ann@example.com' });
        expect(body.orders).toEqual(['o-1']);
        expect(activityTypes(body)).toEqual(['cart', 'cart', 'category', 'click', 'email', 'product', 'sale', 'sale']);
        const sale = await t.runtime.storage.events.getSale((await t.runtime.storage.stores.findStoreByName('test'))!.id, 'o-1');
        expect(sale!.lines).toEqual([{ product: '2', id: 2, price: 19.5, quantity: 2 }, { product: '4', id: 4, price: 40, quantity: 1 }]);
      });

      it('log/returned needs the private key and an existing order line', async () => {
        await t.call('log/sale', { sale: 9, visitor: 'v1', products: [{ id: 1, price: 10, quantity: 2 }] });
        expect((await t.call('log/returned', { product: 1, order: 9, quantity: 1 })).body).toEqual(err('AuthenticationError', 'Missing Argument private_key'));
        expect((await t.call('log/returned', { product: 1, order: 9, quantity: 1 }, { priv: true })).body).toEqual(OK);
        expect((await t.call('log/returned', { product: 1, order: 99, quantity: 1 }, { priv: true })).body).toEqual(err('LogicalError', 'Argument order: no order with id "99"'));
        expect((await t.call('log/returned', { product: 2, order: 9, quantity: 1 }, { priv: true })).body).toEqual(err('LogicalError', 'Argument product: order "9" has no product "2"'));
        expect((await t.call('log/returned', { product: 1, order: 9, quantity: 3 }, { priv: true })).body).toEqual(err('LogicalError', 'Argument quantity: 3 returned but 2 sold'));
        // One of the two units came back above: one more may, then none.
        expect((await t.call('log/returned', { product: 1, order: 9, quantity: 2 }, { priv: true })).body).toEqual(err('LogicalError', 'Argument quantity: 2 returned but only 1 of 2 sold are not returned yet'));
        expect((await t.call('log/returned', { product: 1, order: 9, quantity: 1 }, { priv: true })).body).toEqual(OK);
        expect((await t.call('log/returned', { product: 1, order: 9, quantity: 1 }, { priv: true })).body).toEqual(err('LogicalError', 'Argument quantity: 1 returned but only 0 of 2 sold are not returned yet'));
      });

      it('log/returned sent twice at once for a whole line accepts one', async () => {
        await t.call('log/sale', { sale: 'R1', visitor: 'v1', products: [{ id: 1, price: 10, quantity: 2 }] });
        const answers = await Promise.all([1, 2].map(() => t.call('log/returned', { product: 1, order: 'R1', quantity: 2 }, { priv: true })));
        expect(answers.map((a) => a.body.status).sort()).toEqual(['error', 'ok']);
      });

      it('backfills time only with the private key', async () => {
        expect((await t.call('log/product', { product: 1, visitor: 'v1', time: 1_600_000_000 })).body).toEqual(err('AuthenticationError', 'Argument time (backfill) requires private_key'));
        expect((await t.call('log/product', { product: 1, visitor: 'v1', time: 1_600_000_000 }, { priv: true })).body).toEqual(OK);
        expect((await info({ visitor: 'v1' })).activity.map((a: { time: number }) => a.time)).toEqual([1_600_000_000]);
      });

      it('answers bots ok and records nothing', async () => {
        const res = await t.call('log/click', { product: 1, visitor: 'v1' }, { headers: { 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' } });
        expect(res.body).toEqual(OK);
        expect((await info({ visitor: 'v1' })).activity).toEqual([]);
        expect((await t.inject({ method: 'GET', url: '/metrics' })).body).toContain('relevo_events_dropped_total{reason="bot"} 1');
      });

      it('log/debug answers ok', async () => {
        expect((await t.call('log/debug', { source: 'plugin', type: 'warn', message: 'feed slow', time: '2026-01-01' })).body).toEqual(OK);
      });
    });

    describe('sale idempotency', () => {
      const sale = { sale: 'S1', visitor: 'v1', products: [{ id: 1, price: 10, quantity: 1 }] };
      const countSales = async () => (await info({ visitor: 'v1' })).activity.filter((a: { type: string }) => a.type === 'sale').length;

      it('counts the same sale sent three times once', async () => {
        for (let i = 0; i < 3; i++) expect((await t.call('log/sale', sale)).body).toEqual(OK);
        expect(await countSales()).toBe(1);
        expect((await info({ visitor: 'v1' })).orders).toEqual(['S1']);
      });

      it('counts the same sale sent three times concurrently once', async () => {
        const answers = await Promise.all([1, 2, 3].map(() => t.call('log/sale', sale)));
        expect(answers.map((a) => a.body)).toEqual([OK, OK, OK]);
        expect(await countSales()).toBe(1);
        expect((await t.inject({ method: 'GET', url: '/metrics' })).body).toContain('relevo_events_accepted_total{type="sale"} 1');
        // The copies share one group commit: the order and its revenue are counted once too.
        const overview = (await t.call('analytics/overview', { from: clock - 86400, to: clock + 86400 }, { method: 'GET', priv: true })).body;
        expect(overview).toMatchObject({ orders: 1, revenue: 10 });
      });
    });

    describe('identity across devices', () => {
      it('two devices with one email share one history', async () => {
        await t.call('log/product', { product: 1, visitor: 'phone' });
        await t.call('log/product', { product: 2, visitor: 'laptop' });
        await t.call('log/email', { visitor: 'phone', email: 'ann@example.com' });
        await t.call('log/sale', { sale: 'X', visitor: 'laptop', email: 'ANN@example.com', products: [3] });
        for (const query of [{ email: 'ann@example.com' }, { visitor: 'phone' }, { visitor: 'laptop' }]) {
          const body = await info(query);
          expect(new Set(body.activity.map((a: { visitor: string }) => a.visitor))).toEqual(new Set(['phone', 'laptop']));
          expect(activityTypes(body)).toEqual(['email', 'product', 'product', 'sale']);
        }
      });

      it('merges two persons when a customer ID links them', async () => {
        await t.call('log/email', { visitor: 'a', email: 'one@example.com' });
        await t.call('log/email', { visitor: 'b', email: 'two@example.com' });
        await t.call('log/sale', { sale: 1, visitor: 'a', customer: 77, products: [1] });
        await t.call('log/sale', { sale: 2, visitor: 'b', customer: 77, products: [2] });
        expect((await info({ email: 'two@example.com' })).orders.sort()).toEqual([1, 2]);
      });
    });

    describe('impressions and the click join', () => {
      const storeId = async () => (await t.runtime.storage.stores.findStoreByName('test'))!.id;
      const lastClick = async () => (await t.runtime.storage.events.eventsOfVisitors(await storeId(), ['v1'], { types: ['click'] }))[0];

      it('records an impression with a request_id for each result call', async () => {
        const res = await t.call('recommendations/popular', { limit: 3, visitor: 'v1', labels: ['Home'] });
        expect(res.body).toEqual({ status: 'ok', result: [5, 4, 3], count: 5, facets: null, request_id: expect.stringMatching(/^[A-Za-z0-9]{16}$/) });
        await t.runtime.ingest.settle(); // queued for the next group commit, not awaited by the answer
        const imp = await t.runtime.storage.events.findImpression(await storeId(), res.body.request_id);
        expect(imp).toEqual({ storeId: await storeId(), requestId: res.body.request_id, time: clock, visitor: 'v1', api: 'recommendations/popular', labels: ['Home'], input: {}, results: ['5', '4', '3'] });
      });

      it('joins a click to an impression still queued for its commit, by request_id and by product', async () => {
        const id = await storeId();
        const ctx = { store: (await t.runtime.storage.stores.findStoreByName('test'))!, request: { ip: '127.0.0.1', userAgent: BROWSER_UA, remoteAddress: '127.0.0.1', forwardedFor: undefined, method: 'POST' as const }, privileged: false };
        const shown = { storeId: id, time: clock, visitor: 'v1', api: 'recommendations/popular', labels: ['Home'], input: {}, results: ['5', '4'] };
        t.runtime.ingest.queueImpression({ ...shown, requestId: 'queuedexact1' });
        t.runtime.ingest.queueImpression({ ...shown, requestId: 'queuedlatest1', labels: ['Cart'] });
        expect(t.runtime.ingest.recentImpression(id, 'queuedexact1')).not.toBeNull();
        const exact = t.runtime.tracker.click(ctx, { product: 4, visitor: 'v1', request_id: 'queuedexact1' });
        const latest = t.runtime.tracker.click(ctx, { product: 5, visitor: 'v1' });
        await Promise.all([exact, latest]);
        const clicks = (await t.runtime.storage.events.eventsOfVisitors(id, ['v1'], { types: ['click'] })).reverse();
        expect(clicks.map((c) => [c.product, c.requestId, c.labels, c.position])).toEqual([['4', 'queuedexact1', ['Home'], 1], ['5', 'queuedlatest1', ['Cart'], 0]]);
        // Committed, it stays in the join's memory (impression-index.ts).
        expect(t.runtime.ingest.recentImpression(id, 'queuedexact1')?.requestId).toBe('queuedexact1');
      });

      it('joins a click to its impression exactly by request_id', async () => {
        const first = await t.call('recommendations/popular', { limit: 3, visitor: 'v1', labels: ['Home'] });
        clock += 10;
        await t.call('recommendations/popular', { limit: 3, visitor: 'v1', labels: ['Cart'] });
        clock += 10;
        await t.call('log/click', { product: 4, visitor: 'v1', request_id: first.body.request_id });
        expect(await lastClick()).toMatchObject({ product: '4', requestId: first.body.request_id, labels: ['Home'], api: 'recommendations/popular', position: 1 });
      });

      it('joins a click without request_id to the latest impression that showed the product', async () => {
        await t.call('recommendations/popular', { limit: 3, visitor: 'v1', labels: ['Home'] });
        clock += 10;
        const second = await t.call('recommendations/popular', { limit: 2, visitor: 'v1', labels: ['Cart'] });
        clock += 10;
        await t.call('recommendations/popular', { limit: 1, visitor: 'v1', labels: ['Footer'] }); // shows only product 5
        clock += 10;
        await t.call('log/click', { product: 4, visitor: 'v1' });
        expect(await lastClick()).toMatchObject({ product: '4', requestId: second.body.request_id, labels: ['Cart'], position: 1 });
        await t.call('log/click', { product: 4, visitor: 'v1', labels: ['Home'] });
        expect((await lastClick()).labels).toEqual(['Home']);
        expect((await lastClick()).requestId).not.toBe(second.body.request_id);
      });

      it('does not join another visitor\'s impression', async () => {
        const res = await t.call('recommendations/popular', { limit: 3, visitor: 'other' });
        await t.call('log/click', { product: 5, visitor: 'v1', request_id: res.body.request_id });
        expect(await lastClick()).toMatchObject({ product: '5', requestId: null, labels: null });
      });
    });

    describe('privacy', () => {
      it('privacy/info and forget need the private key and one of email, customer, visitor', async () => {
        expect((await t.call('privacy/info', { email: 'a@example.com' })).body).toEqual(err('AuthenticationError', 'Missing Argument private_key'));
        expect((await t.call('privacy/forget', {}, { priv: true })).body).toEqual(err('ParsingError', 'Missing Argument email, customer or visitor'));
      });

      it('forget leaves no email or click of the person anywhere in the database', async () => {
        const email = 'forgetme@example.com';
        await t.call('customers', { customers: [{ id: 501, email, name: 'Forget Me' }] }, { priv: true });
        await t.call('orders', { orders: [{ id: 'cat-1', products: [{ id: 1, price: 10, quantity: 1 }], time: clock, email, customer: 501 }] }, { priv: true });
        await t.call('recommendations/popular', { limit: 3, visitor: 'devA1' });
        await t.call('log/click', { product: 5, visitor: 'devA1' });
        await t.call('log/product', { product: 2, visitor: 'devB2' });
        await t.call('log/cart/add', { visitor: 'devB2', products: [{ id: 2, qty: 1 }] });
        await t.call('log/email', { visitor: 'devA1', email });
        await t.call('log/sale', { sale: 'forget-sale', visitor: 'devB2', email, customer: 501, products: [{ id: 2, price: 20, quantity: 3 }] });
        await t.call('log/basket/set', { email, products: [1] });
        // Someone else, who must be left alone.
        await t.call('log/click', { product: 5, visitor: 'keepme' });
        await t.call('log/sale', { sale: 'keep-sale', visitor: 'keepme', email: 'keep@example.com', products: [1] });

        expect((await t.call('privacy/forget', { email }, { priv: true })).body).toEqual(OK);

        const dump = await dumpAllRows(t.url);
        for (const [table, rows] of Object.entries(dump)) {
          for (const secret of [email, 'devA1', 'devB2', 'Forget Me']) expect(rows, `${table} still holds ${secret}`).not.toContain(secret);
        }
        expect(await info({ email })).toEqual({ status: 'ok', orders: [], activity: [] });
        // Orders stay, anonymised, with their totals.
        const sale = await t.runtime.storage.events.getSale((await t.runtime.storage.stores.findStoreByName('test'))!.id, 'forget-sale');
        expect(sale).toMatchObject({ visitor: null, email: null, customer: null, lines: [{ product: '2', id: 2, price: 20, quantity: 3 }] });
        expect((await t.call('orders', { orders: ['cat-1'] }, { method: 'GET', priv: true })).body.orders).toEqual([{ id: 'cat-1', products: [{ id: 1, price: 10, quantity: 1 }], time: clock, parcels: [] }]);
        // The other person is untouched.
        expect(activityTypes(await info({ visitor: 'keepme' }))).toEqual(['click', 'sale']);
      });
    });
  });
}
