/**
 * Search and merchandising over HTTP, run on SQLite (search.test.ts) and PostgreSQL
 * (search.pg-test.ts): typos, prefixes, compounds, model numbers, stemming per language,
 * synonyms, redirects, pins and hides, boost and bury, facets, orderby, paging, catalog changes,
 * rules across instances, click learning, analytics and argument errors.
 */
import { inject } from 'light-my-request';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../src/config/config.js';
import { buildRuntime, type Runtime } from '../src/runtime.js';
import { openStorage } from '../src/storage/open.js';
import { BROWSER_UA, makeCategory, makeProduct, makeTestApp, PUBLIC_KEY, type TestApp } from './helpers/app.js';

const err = (type: string, message: unknown) => ({ status: 'error', type, message, id: expect.any(String), moreInfo: expect.any(String) });
const T0 = 1_750_000_000;

const CATALOG = [
  makeProduct({ id: 1, name: 'Lenovo IdeaPad 3 Laptop 15.6"', brand: 'Lenovo', price: 499, categories: [10] }),
  makeProduct({ id: 2, name: 'JBL Flip 5 Bluetooth Speaker Black', brand: 'JBL', price: 99, categories: [20] }),
  makeProduct({ id: 3, name: 'Sony SRS-XB13 Bluetooth Speaker Blue', brand: 'Sony', price: 49, categories: [20] }),
  makeProduct({ id: 4, name: 'Plantronics Headset with Microphone', brand: 'Plantronics', price: 79, categories: [30] }),
  makeProduct({ id: 5, name: 'Logitech Gaming Head Set G332', brand: 'Logitech', price: 59, categories: [30] }),
  makeProduct({ id: 6, name: 'HP Pavilion dv7-1211ea Notebook Silver', brand: 'HP', price: 899, categories: [10], sku: 'NB123' }),
  makeProduct({ id: 7, name: 'Laptop Backpack 15 inch', brand: 'Targus', price: 39, categories: [40] }),
  makeProduct({ id: 8, name: 'Apple MacBook Air Laptop 13', brand: 'Apple', price: 1199, categories: [10] }),
  makeProduct({ id: 9, name: 'Dell XPS 13 Laptop', brand: 'Dell', price: 1299, categories: [10] }),
  makeProduct({ id: 10, name: 'Bose SoundLink Speaker', brand: 'Bose', price: 149, categories: [20] }),
];
const CATEGORIES = [
  makeCategory({ id: 10, name: 'Laptops' }), makeCategory({ id: 20, name: 'Speakers' }),
  makeCategory({ id: 30, name: 'Headsets' }), makeCategory({ id: 40, name: 'Bags' }),
];

export function describeSearch(backend: string, databaseUrl: () => string | undefined): void {
  describe(`search (${backend})`, () => {
    let t: TestApp;
    let clock = T0;
    beforeEach(async () => {
      clock = T0;
      t = await makeTestApp({ databaseUrl: databaseUrl(), now: () => clock });
      expect((await t.call('categories', { categories: CATEGORIES }, { priv: true })).status).toBe(200);
      expect((await t.call('product/add', { products: CATALOG }, { priv: true })).status).toBe(200);
    });
    afterEach(() => t.close());

    const search = async (args: Record<string, unknown>, endpoint = 'search/search') => {
      const res = await t.call(endpoint, { limit: 10, ...args });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body;
    };
    const ids = async (query: string, args: Record<string, unknown> = {}) => (await search({ query, ...args })).result;
    const rule = async (endpoint: string, args: Record<string, unknown>, method: 'GET' | 'POST' | 'PATCH' | 'DELETE' = 'POST') => {
      const res = await t.call(endpoint, args, { priv: true, method });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body;
    };

    describe('matching', () => {
      it('answers Clerk’s search shape with count, hits, facets and no_exact_match', async () => {
        const body = await search({ query: 'bluetooth speaker' });
        expect(body).toEqual({ status: 'ok', result: [expect.any(Number), expect.any(Number)], count: 2, hits: 2, facets: null, no_exact_match: false, request_id: expect.any(String) });
        expect([...body.result].sort()).toEqual([2, 3]);
      });

      it('tolerates typos by word length', async () => {
        expect(await ids('lapto')).toEqual(expect.arrayContaining([1, 7, 8, 9]));
        const speaker = await search({ query: 'bluetoth speker' });
        expect([...speaker.result].sort()).toEqual([2, 3]);
        expect(speaker.no_exact_match).toBe(true);
        // Three letters allow no typo: "lap" is a prefix here, "dwll" (4 letters, 1 edit) finds Dell.
        expect(await ids('dwll')).toEqual([9]);
        expect(await ids('xqz')).toEqual([]);
      });

      it('completes the last word as a prefix, and predictive answers the completed query', async () => {
        expect(await ids('sound')).toEqual([10]);
        expect((await ids('bluetooth speak')).sort()).toEqual([2, 3]);
        expect(await ids('blue speak')).toEqual([3]); // only the last word is unfinished
        const p = await search({ query: 'bluetooth spea', limit: 5 }, 'search/predictive');
        expect(p).toEqual({ status: 'ok', query: 'bluetooth speaker', result: expect.any(Array), hits: 2, no_exact_match: true, request_id: expect.any(String) });
        expect([...p.result].sort()).toEqual([2, 3]);
      });

      it('joins and splits compounds both ways', async () => {
        expect((await ids('head set')).sort()).toEqual([4, 5]);
        expect((await ids('headset')).sort()).toEqual([4, 5]);
      });

      it('finds model numbers whole, joined and split', async () => {
        for (const q of ['dv7-1211ea', 'dv71211ea', 'dv7 1211ea', 'DV7-1211EA']) expect(await ids(q), q).toEqual([6]);
        expect(await ids('nb123')).toEqual([6]);
      });

      it('stems per language', async () => {
        await t.call('product/add', {
          products: [
            makeProduct({ id: 101, name: 'Kabellose Kopfhörer' }), makeProduct({ id: 102, name: 'Trådløse højtalere' }),
            makeProduct({ id: 103, name: 'Trådlösa högtalare' }), makeProduct({ id: 104, name: 'Trådløse hodetelefoner' }),
            makeProduct({ id: 105, name: 'Draadloze luidsprekers' }), makeProduct({ id: 106, name: 'Enceintes sans fil' }),
          ],
        }, { priv: true });
        expect(await ids('kopfhorern', { language: 'german' })).toEqual([101]);
        expect(await ids('højtaleren', { language: 'danish' })).toEqual([102]);
        expect(await ids('högtalaren', { language: 'swedish' })).toEqual([103]);
        expect(await ids('hodetelefonene', { language: 'norwegian' })).toEqual([104]);
        expect(await ids('luidspreker', { language: 'dutch' })).toEqual([105]);
        expect(await ids('enceinte', { language: 'french' })).toEqual([106]);
        expect((await ids('speakers')).sort((a: number, b: number) => a - b)).toEqual([2, 3, 10]);
        expect((await t.call('search/search', { query: 'x', limit: 5, language: 'klingon' })).body).toEqual(err('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: language/)));
      });

      it('requires every word unless longtail, and falls back to any word with no_exact_match', async () => {
        expect(await ids('sony speaker')).toEqual([3]);
        const longtail = await search({ query: 'sony speaker', longtail: true });
        expect(longtail.result[0]).toBe(3);
        expect(longtail.count).toBe(3); // Sony, and the other two speakers
        const fallback = await search({ query: 'sony laptop' });
        expect(fallback.no_exact_match).toBe(true);
        expect(fallback.count).toBeGreaterThan(0);
      });
    });

    describe('shaping', () => {
      it('counts facets over the whole filtered set, not the page', async () => {
        const body = await search({ query: 'laptop', limit: 1, facets: ['brand', 'categories'], filter: 'price < 1250' });
        // "laptop" is in four names and in the name of category 10 (the HP notebook); the Dell is filtered out.
        expect(body.count).toBe(4);
        expect(body.result).toHaveLength(1);
        expect(body.facets.brand.map((f: { value: string; count: number }) => [f.value, f.count]).sort()).toEqual([['Apple', 1], ['HP', 1], ['Lenovo', 1], ['Targus', 1]]);
        expect(body.facets.categories).toEqual([{ type: 'unit', name: 'Laptops', value: 10, count: 3 }, { type: 'unit', name: 'Bags', value: 40, count: 1 }]);
      });

      it('orders by any attribute, and pages with count against offset and limit', async () => {
        expect(await ids('laptop', { orderby: 'price', order: 'desc' })).toEqual([9, 8, 6, 1, 7]);
        expect(await ids('laptop', { orderby: 'name' })).toEqual([8, 9, 6, 7, 1]);
        const page = await search({ query: 'laptop', orderby: 'price', limit: 2, offset: 1 });
        expect(page.result).toEqual([1, 6]);
        expect(page.count).toBe(5);
        const beyond = await search({ query: 'laptop', limit: 2, offset: 10 });
        expect(beyond).toMatchObject({ result: [], count: 5 });
      });

      it('pages through hundreds of matches, ties and popularity among them, as slices of one ordered list', async () => {
        // 300 products tied on text for "cable" (more than the first sorting steps of a ranking)
        const cables = Array.from({ length: 300 }, (_, i) => makeProduct({ id: 100 + i, name: `Cable ${i % 7 === 0 ? 'USB' : 'HDMI'}`, brand: ['Acme', 'Belkin', 'Anker'][i % 3], price: (i * 37) % 200, categories: [10 + 10 * (i % 4)] }));
        expect((await t.call('product/add', { products: cables }, { priv: true })).status).toBe(200);
        for (const id of [250, 120, 399, 120]) await t.call('log/product', { product: id, visitor: 'pop' });
        await t.call('log/sale', { sale: 'p1', visitor: 'pop', products: [{ id: 333, price: 10, quantity: 1 }] });
        for (const args of [{}, { filter: 'price > 50' }, { visitor: 'pop' }]) {
          const full = await search({ query: 'cable', limit: 1000, facets: ['brand'], ...args });
          expect(full.count).toBe(full.result.length);
          expect(full.count).toBeGreaterThan(100);
          const paged: number[] = [];
          for (let offset = 0; offset < full.count; offset += 37) {
            const page = await search({ query: 'cable', limit: 37, offset, facets: ['brand'], ...args });
            expect([page.count, page.facets]).toEqual([full.count, full.facets]);
            paged.push(...page.result);
          }
          expect(paged).toEqual(full.result);
        }
        const top = await ids('cable', { limit: 3 });
        expect(top[0]).toBe(333); // the one sold, then the most viewed
        expect(top[1]).toBe(120);
      });

      it('applies exclude and attributes', async () => {
        const body = await search({ query: 'speaker', exclude: [2], attributes: ['name', 'price'] });
        expect(body.result).not.toContain(2);
        expect(body.product_data[0]).toEqual({ id: body.result[0], name: expect.any(String), price: expect.any(Number) });
      });

      it('sees an updated product by its new name at once, and a removed one is gone at once', async () => {
        await t.call('product/add', { products: [makeProduct({ id: 3, name: 'Sony Wireless Earbuds', categories: [20] })] }, { priv: true });
        expect(await ids('earbuds')).toEqual([3]);
        expect(await ids('xb13')).toEqual([]);
        expect(await ids('flip')).toEqual([2]);
        await t.call('product/remove', { products: [2] }, { priv: true });
        expect(await ids('flip')).toEqual([]);
        await t.call('products', { products: [{ id: 10, name: 'Bose SoundLink Flex Speaker' }] }, { priv: true, method: 'PATCH' });
        expect(await ids('flex')).toEqual([10]);
        await t.call('products', { products: [{ id: 10, index: false }] }, { priv: true, method: 'PATCH' });
        expect(await ids('flex')).toEqual([]);
      });

      it('finds products by a renamed category', async () => {
        await t.call('categories', { categories: [{ id: 40, name: 'Rucksacks' }] }, { priv: true, method: 'PATCH' });
        expect(await ids('rucksack')).toEqual([7]);
      });
    });

    describe('merchandising', () => {
      it('synonyms expand both ways; directed ones only from their query', async () => {
        expect(await ids('notebook')).toEqual([6]);
        await rule('synonyms', { synonyms: [{ query: 'laptop', synonyms: ['notebook'] }, { query: 'earphones', directed_synonyms: ['headset'] }] });
        expect((await ids('notebook')).sort((a: number, b: number) => a - b)).toEqual([1, 6, 7, 8, 9]);
        expect(await ids('laptop')).toContain(6);
        expect((await ids('earphones')).sort()).toEqual([4, 5]);
        await t.call('product/add', { products: [makeProduct({ id: 11, name: 'Sennheiser Earphones' })] }, { priv: true });
        expect(await ids('headset')).not.toContain(11);
        expect(await rule('synonyms', { synonyms: ['Laptop'] }, 'GET')).toEqual({ status: 'ok', synonyms: [{ query: 'laptop', synonyms: ['notebook'] }] });
        await rule('synonyms', { synonyms: [{ query: 'laptop', synonyms: [] }] }, 'PATCH');
        expect(await ids('notebook')).toEqual([6]);
        await rule('synonyms', { synonyms: ['earphones'] }, 'DELETE');
        expect(await ids('earphones')).toEqual([11]);
      });

      it('redirects listed queries', async () => {
        await rule('redirects', { redirects: [{ url: 'https://shop.example/sale', queries: ['black friday'], exact_match: true }] });
        expect(await search({ query: 'Black  Friday' })).toMatchObject({ redirect: 'https://shop.example/sale' });
        expect(await search({ query: 'black friday deals' })).not.toHaveProperty('redirect');
        expect(await rule('redirects', { redirects: ['https://shop.example/sale'] }, 'GET')).toEqual({
          status: 'ok', redirects: [{ url: 'https://shop.example/sale', queries: ['black friday'], exact_match: true }],
        });
      });

      it('pins (past the filter) and hides per query', async () => {
        await rule('customized_search', { rules: [{ query: 'speaker', products: { pin: [7], hide: [10] } }] });
        const body = await search({ query: 'speaker', filter: 'price < 100' });
        expect(body.result[0]).toBe(7);
        expect(body.result).not.toContain(10);
        expect(body.no_exact_match).toBe(false);
        expect(await ids('bluetooth speaker')).not.toContain(7); // another query
        expect(await rule('customized_search', { rules: ['speaker'] }, 'GET')).toEqual([{ query: 'speaker', products: { pin: [7], hide: [10] } }]);
      });

      it('boosts and buries by filter, for a query or every search', async () => {
        const before = await ids('laptop');
        const posted = await rule('merchandising', {
          campaigns: [{ name: 'Backpacks first', active: true, rules: [{ action: 'promote', filter: "brand = 'Targus'" }], triggers: [{ type: 'search', query: 'laptop' }], triggers_match: 'any' }],
        });
        expect(posted).toEqual({ status: 'ok', campaign_ids: [expect.any(String)] });
        expect((await ids('laptop'))[0]).toBe(7);
        await rule('merchandising', { campaigns: [{ id: posted.campaign_ids[0], active: false }] }, 'PATCH');
        expect(await ids('laptop')).toEqual(before);
        await rule('merchandising', { campaigns: [{ name: 'Apple down', active: true, rules: [{ action: 'bury', filter: "brand = 'Apple'" }], triggers: [{ type: 'searches_all' }] }] });
        expect((await ids('laptop')).at(-1)).toBe(8);
        const listed = await rule('merchandising', {}, 'GET');
        expect(listed.campaigns).toHaveLength(2);
        await rule('merchandising', { campaigns: listed.campaigns.map((c: { id: string }) => c.id) }, 'DELETE');
        expect(await ids('laptop')).toEqual(before);
      });

      it('refuses bad rules with a ParsingError naming the argument', async () => {
        const bad = async (endpoint: string, args: Record<string, unknown>, method: 'POST' | 'PATCH' = 'POST') => (await t.call(endpoint, args, { priv: true, method })).body;
        expect(await bad('synonyms', { synonyms: [{ synonyms: ['x'] }] })).toEqual(err('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: synonyms \(synonyms\[0\]\.query/)));
        expect(await bad('redirects', { redirects: [{ url: 'https://x', queries: [] }] })).toEqual(err('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: redirects/)));
        expect(await bad('merchandising', { campaigns: [{ name: 'x', active: true, rules: [{ action: 'boost', filter: 'price >' }], triggers: [{ type: 'searches_all' }] }] }))
          .toEqual(err('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: campaigns \(campaigns\[0\]\.rules\[0\]/)));
        expect(await bad('merchandising', { campaigns: [{ name: 'x', active: true, rules: [{ action: 'boost', products: [1] }], triggers: [{ type: 'recommendations_all' }] }] }))
          .toEqual(err('ParsingError', expect.stringMatching(/campaigns\[0\]\.triggers\[0\]\.type/)));
        expect(await bad('synonyms', { synonyms: [{ query: 'nope', synonyms: ['x'] }] }, 'PATCH')).toEqual(err('LogicalError', 'synonyms[0]: no rule "nope"'));
        expect((await t.call('synonyms', { synonyms: [{ query: 'a', synonyms: ['b'] }] })).body).toEqual(err('AuthenticationError', expect.any(String)));
      });

      it('applies a rule and a catalog change made on one instance on another', async () => {
        const storage = await openStorage(t.url);
        const other: Runtime = await buildRuntime(testConfig({ tailIntervalMs: 50 }), storage, pino({ level: 'silent' }), () => clock);
        try {
          const ask = async () => JSON.parse((await inject(other.app.handle, {
            method: 'POST', url: '/v2/search/search', headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA },
            payload: JSON.stringify({ key: PUBLIC_KEY, query: 'speaker', limit: 5 }),
          })).body).result;
          expect((await ask())[0]).not.toBe(7);
          await rule('customized_search', { rules: [{ query: 'speaker', products: { pin: [7] } }] });
          let first: unknown = null;
          for (let i = 0; i < 40 && first !== 7; i++) {
            await new Promise((r) => setTimeout(r, 25));
            first = (await ask())[0];
          }
          expect(first).toBe(7);
          // A product added through the first instance is found by the second through the catalog log.
          await t.call('product/add', { products: [makeProduct({ id: 77, name: 'Marshall Stanmore speaker' })] }, { priv: true });
          const findMarshall = async () => JSON.parse((await inject(other.app.handle, {
            method: 'POST', url: '/v2/search/search', headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA },
            payload: JSON.stringify({ key: PUBLIC_KEY, query: 'marshall', limit: 5 }),
          })).body).result;
          let found: unknown = [];
          for (let i = 0; i < 40 && JSON.stringify(found) !== '[77]'; i++) {
            await new Promise((r) => setTimeout(r, 25));
            found = await findMarshall();
          }
          expect(found).toEqual([77]);
        } finally {
          await other.close();
          await storage.close();
        }
      });
    });

    describe('learning and analytics', () => {
      it('moves a clicked product up for its own query only', async () => {
        const before = await ids('laptop');
        const target = before.at(-1);
        expect(target).not.toBe(before[0]);
        const otherBefore = await ids('13');
        for (let i = 0; i < 5; i++) {
          const s = await search({ query: 'laptop', visitor: `v${i}` });
          await t.call('log/click', { product: target, visitor: `v${i}`, request_id: s.request_id });
        }
        expect((await ids('laptop'))[0]).toBe(target);
        expect(await ids('13')).toEqual(otherBefore);
        await rule('search/settings', { learning: false });
        expect(await ids('laptop')).toEqual(before);
      });

      it('joins a search impression with its click in analytics/searches', async () => {
        const s = await search({ query: 'Speaker', visitor: 'ann', labels: ['Search page'] });
        await search({ query: 'unicorn', visitor: 'ann' });
        await search({ query: 'laptop', visitor: 'bob' });
        await t.call('log/click', { product: s.result[0], visitor: 'ann', request_id: s.request_id });
        clock += 60;
        await t.call('log/sale', { sale: 'o1', visitor: 'ann', products: [{ id: s.result[0], price: 50, quantity: 2 }] });
        const day = new Date(T0 * 1000).toISOString().slice(0, 10);
        const a = (await t.call('analytics/searches', { from: day, to: day }, { priv: true, method: 'GET' })).body;
        expect(a).toMatchObject({ searches: 3 });
        expect(a.top).toEqual(expect.arrayContaining([{ query: 'speaker', searches: 1, zero_results: 0, clicks: 1, ctr: 1, orders: 1, units: 2, revenue: 100, conversion_rate: 1 }]));
        expect(a.zero_result).toEqual([{ query: 'unicorn', searches: 1 }]);
        expect(a.no_click.map((q: { query: string }) => q.query).sort()).toEqual(['laptop', 'unicorn']);
        const labels = (await t.call('analytics/labels', { from: day, to: day }, { priv: true, method: 'GET' })).body.labels;
        expect(labels).toEqual(expect.arrayContaining([expect.objectContaining({ label: 'Search page', impressions: 1, clicks: 1, orders: 1, revenue: 100 })]));
      });

      it('suggests the shop’s searches and the catalog’s words; popular lists the last two days', async () => {
        for (const v of ['a', 'b', 'c']) await search({ query: 'bluetooth speaker', visitor: v });
        await search({ query: 'blender', visitor: 'd' }); // nothing found: never suggested
        const sug = (await t.call('search/suggestions', { query: 'blu', limit: 5 })).body;
        expect(sug.result[0]).toBe('bluetooth speaker');
        expect(sug.result).toContain('bluetooth');
        expect(sug.result).not.toContain('blender');
        expect((await t.call('search/popular', { limit: 3 })).body).toEqual({ status: 'ok', result: ['bluetooth speaker'] });
      });
    });

    describe('categories and pages', () => {
      it('searches categories (all when empty) and pages of one type', async () => {
        const c = (await t.call('search/categories', { query: 'speaker', limit: 5 })).body;
        expect(c).toEqual({ status: 'ok', result: [20], categories: [expect.objectContaining({ id: 20, name: 'Speakers', parent: null, children: [], image: null })] });
        expect((await t.call('search/categories', { limit: 10 })).body.result).toHaveLength(4);
        await t.call('pages', { pages: [
          { id: 'p1', type: 'blog', title: 'How to choose a laptop', text: 'Screens and batteries', url: 'https://shop.example/b/1' },
          { id: 'p2', type: 'cms', title: 'Laptop returns', text: 'Our policy', url: 'https://shop.example/r' },
        ] }, { priv: true });
        const p = (await t.call('search/pages', { query: 'laptop', limit: 5, type: 'blog' })).body;
        expect(p.result).toEqual([expect.objectContaining({ id: 'p1', title: 'How to choose a laptop' })]);
        expect(p.pages).toEqual(p.result);
      });
    });

    describe('argument errors', () => {
      it('names the bad filter, orderby, facets, limit and query', async () => {
        const bad = async (args: Record<string, unknown>, endpoint = 'search/search') => (await t.call(endpoint, args)).body;
        expect(await bad({ query: 'x', limit: 5, filter: 'price >' })).toEqual(err('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: filter/)));
        expect(await bad({ query: 'x', limit: 5, orderby: 'price; drop' })).toEqual(err('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: orderby/)));
        expect(await bad({ query: 'x', limit: 5, facets: ['a b'] })).toEqual(err('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: facets/)));
        expect(await bad({ query: 'x', limit: 0 })).toEqual(err('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: limit/)));
        expect(await bad({ query: 'x', limit: 11 }, 'search/predictive')).toEqual(err('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: limit/)));
        expect(await bad({ limit: 5 })).toEqual(err('ParsingError', 'Missing Argument query'));
        expect(await bad({ query: 'x' })).toEqual(err('ParsingError', 'Missing Argument limit'));
        expect(await bad({ query: 'x', limit: 5, order: 'up' })).toEqual(err('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: order/)));
      });
    });
  });
}
