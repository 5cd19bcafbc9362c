/**
 * Recommendation endpoints over HTTP on small factories (visitor/* and customer/* live with the
 * session model): each endpoint's semantics, fallbacks, shaping and errors.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../src/config/config.js';
import { buildRuntime } from '../src/runtime.js';
import { BROWSER_UA, makeCategory, makeProduct, makeTestApp, PUBLIC_KEY, type TestApp } from './helpers/app.js';

const err = (type: string, message: unknown) => ({ status: 'error', type, message, id: expect.any(String), moreInfo: expect.any(String) });
const T0 = 1_750_000_000;

let t: TestApp;
let clock = T0;
beforeEach(async () => {
  clock = T0;
  t = await makeTestApp({ now: () => clock });
});
afterEach(() => t.close());

const addProducts = (products: Array<Record<string, unknown>>) => t.call('product/add', { products }, { priv: true });
/** Products 1..n, price id×10, created in id order, all in category 1. */
const addCatalog = (n = 8, extra: (id: number) => Record<string, unknown> = () => ({})) =>
  addProducts(Array.from({ length: n }, (_, i) => makeProduct({ id: i + 1, price: (i + 1) * 10, created_at: T0 - 1000 + i, ...extra(i + 1) })));
let saleSeq = 0;
const sell = (products: Array<number | { id: number; price: number; quantity: number }>, visitor = 'buyer') => t.call('log/sale', { sale: `s${++saleSeq}`, visitor, products });
const view = (visitor: string, product: number) => t.call('log/product', { visitor, product });
const rec = async (endpoint: string, args: Record<string, unknown>) => {
  const res = await t.call(`recommendations/${endpoint}`, args);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};
const ids = async (endpoint: string, args: Record<string, unknown>) => (await rec(endpoint, args)).result;

describe('store-wide lists', () => {
  it('popular counts orders, not units', async () => {
    await addCatalog(4);
    await sell([{ id: 1, price: 10, quantity: 50 }]);
    await sell([2]);
    await sell([2, 3]);
    expect(await ids('popular', { limit: 4 })).toEqual([2, 1, 3, 4]);
  });

  it('trending prefers growth over volume', async () => {
    await addCatalog(4);
    for (let i = 0; i < 6; i++) await sell([1]);
    clock += 30 * 3600; // the next day: product 1 slows down, product 2 takes off
    await sell([1]);
    await sell([2]);
    await sell([2]);
    expect((await ids('popular', { limit: 2 }))[0]).toBe(1);
    const body = await rec('trending', { limit: 2 });
    expect(body).toEqual({ status: 'ok', result: [2, 1], count: 4, facets: null, request_id: expect.any(String) });
  });

  it('trending uses views while a shop has no orders', async () => {
    await addCatalog(3);
    for (const v of ['a', 'b', 'c']) await view(v, 3);
    expect((await ids('trending', { limit: 3 }))[0]).toBe(3);
  });

  it('new lists newest created_at first, then products known only by age', async () => {
    await addProducts([makeProduct({ id: 1, created_at: T0 - 50 }), makeProduct({ id: 2, created_at: T0 - 10 }), makeProduct({ id: 'c', created_at: undefined, age: 2 })]);
    expect(await ids('new', { limit: 3 })).toEqual([2, 1, 'c']);
  });

  it('currently_watched: products others viewed in the last 15 minutes, most viewers first', async () => {
    await addCatalog(6);
    await view('old', 5);
    clock += 20 * 60;
    await view('a', 3);
    await view('b', 3);
    await view('c', 4);
    await view('me', 6);
    const watched = await ids('currently_watched', { limit: 6, visitor: 'me' });
    expect(watched.slice(0, 2)).toEqual([3, 4]);
    expect(watched).toHaveLength(6); // topped up with popular/newest
    expect(watched.indexOf(6)).toBeGreaterThan(1); // my own view does not count
  });

  it('recently_bought: latest purchases first, limit optional (10)', async () => {
    await addCatalog(12);
    await sell([1]);
    clock += 1;
    await sell([2, 3]);
    clock += 1;
    await sell([4]);
    const body = await rec('recently_bought', {});
    expect(body.result).toHaveLength(10);
    expect(body.result[0]).toBe(4);
    expect(body.result.slice(1, 3).sort()).toEqual([2, 3]);
    expect(body.result[3]).toBe(1);
    expect(body.count).toBeUndefined(); // R shape
  });
});

describe('item to item', () => {
  it('complementary comes from co-purchase, significance before raw counts', async () => {
    await addCatalog(8);
    // 1 is bought with the blockbuster 2 three times and with the niche 7 twice; 2 sells everywhere.
    for (let i = 0; i < 3; i++) await sell([1, 2]);
    for (let i = 0; i < 2; i++) await sell([1, 7]);
    for (let i = 0; i < 10; i++) await sell([2, 3 + (i % 3)]);
    const result = await ids('complementary', { products: [1], limit: 3 });
    expect(result.slice(0, 2)).toEqual([7, 2]);
    expect(result).not.toContain(1);
    const most = await rec('most_sold_with', { products: [1], limit: 2 });
    expect(most).toEqual({ status: 'ok', result: [7, 2], count: 7, facets: null, request_id: expect.any(String) });
    expect(await ids('bundle', { product: 1, limit: 2 })).toEqual([7, 2]);
  });

  it('complementary falls back to co-views, then the same category, then popular', async () => {
    await addCatalog(5, (id) => ({ categories: [id <= 3 ? 10 : 20] }));
    await view('v', 1);
    await view('v', 5);
    const result = await ids('complementary', { products: [1], limit: 5 });
    expect(result.slice(0, 3)).toEqual([5, 2, 3]);
    expect(result).toHaveLength(4);
  });

  it('substituting: co-viewed products first, then same category, never the given product', async () => {
    await addCatalog(6, (id) => ({ categories: [id <= 3 ? 10 : 20] }));
    await view('v', 1);
    await view('v', 4);
    await view('w', 4);
    await view('w', 6);
    const result = await ids('substituting', { products: [1], limit: 5 });
    expect(result.slice(0, 3)).toEqual([4, 2, 3]);
    expect(result).not.toContain(1);
    // include_seen (extension) puts the given product first: the likeliest next view is a re-view.
    expect((await ids('substituting', { products: [1], limit: 2, include_seen: true }))).toEqual([1, 4]);
  });

  it('substituting ranks content similarity by price and brand within the category', async () => {
    await addProducts([
      makeProduct({ id: 1, price: 100, brand: 'Acme', categories: [10] }),
      makeProduct({ id: 2, price: 400, brand: 'Other', categories: [10] }),
      makeProduct({ id: 3, price: 110, brand: 'Acme', categories: [10] }),
      makeProduct({ id: 4, price: 100, brand: 'Acme', categories: [20] }),
    ]);
    expect((await ids('substituting', { products: [1], limit: 3 }))).toEqual([3, 2, 4]);
  });
});

describe('start-up', () => {
  it('rebuilds co-purchase, co-view and recent models from storage', async () => {
    await addCatalog(5);
    await sell([1, 4]);
    await view('v', 2);
    await view('v', 5);
    const before = [await ids('complementary', { products: [1], limit: 2 }), await ids('substituting', { products: [2], limit: 2 }), await ids('recently_bought', { limit: 2 })];
    const restarted = await buildRuntime(testConfig(), t.runtime.storage, pino({ level: 'silent' }), () => clock);
    try {
      const ask = async (endpoint: string, args: Record<string, unknown>) =>
        (await restarted.app.inject({ method: 'POST', url: `/v2/recommendations/${endpoint}`, headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA }, payload: JSON.stringify({ key: PUBLIC_KEY, ...args }) })).json().result;
      const after = [await ask('complementary', { products: [1], limit: 2 }), await ask('substituting', { products: [2], limit: 2 }), await ask('recently_bought', { limit: 2 })];
      expect(after).toEqual(before);
      expect(before.map((r) => r[0])).toEqual([4, 5, expect.any(Number)]);
    } finally {
      await restarted.close();
    }
  });
});

describe('shaping', () => {
  beforeEach(async () => {
    await addCatalog(8);
    for (let i = 1; i <= 8; i++) for (let n = 0; n < 9 - i; n++) await sell([i]); // popularity 1 > 2 > … > 8
  });

  it('filter and exclude apply before offset and limit', async () => {
    expect(await ids('popular', { limit: 3 })).toEqual([1, 2, 3]);
    expect(await ids('popular', { limit: 3, filter: 'price >= 30' })).toEqual([3, 4, 5]);
    expect(await ids('popular', { limit: 3, filter: 'price >= 30', exclude: [4] })).toEqual([3, 5, 6]);
    const page2 = await rec('popular', { limit: 3, offset: 3, filter: 'price >= 30', exclude: [4] });
    expect(page2.result).toEqual([7, 8]);
    expect(page2.count).toBe(5);
    expect(await ids('trending', { limit: 2, offset: 1, filter: 'price < 50' })).toHaveLength(2);
    expect(await ids('complementary', { products: [1], limit: 4, filter: 'price > 50' })).toEqual([6, 7, 8]);
  });

  it('never returns index:false products, wherever they rank', async () => {
    await t.call('categories', { categories: [makeCategory({ id: 1 }), makeCategory({ id: 2 })] }, { priv: true });
    await addProducts([makeProduct({ id: 1, price: 10, index: false })]);
    await view('a', 2);
    await view('a', 1);
    await sell([1, 2]);
    for (const [endpoint, args] of [
      ['popular', {}], ['trending', {}], ['new', {}], ['currently_watched', {}], ['recently_bought', {}],
      ['keywords', { keywords: 'Product 1' }], ['complementary', { products: [2] }], ['substituting', { products: [2] }],
      ['most_sold_with', { products: [2] }], ['bundle', { product: 2 }], ['category/popular', { category: 1 }],
      ['category/trending', { category: 1 }], ['category/new', { category: 1 }], ['category/complementary', { category: 2 }],
    ] as const) {
      const result = await ids(endpoint, { limit: 20, ...args });
      expect(result, endpoint).not.toContain(1);
      expect(result.length, endpoint).toBeGreaterThan(0);
    }
  });

  it('records an impression with the endpoint name and the input', async () => {
    const body = await rec('complementary', { products: [1], limit: 2, visitor: 'v1', attributes: ['price'] });
    expect(body.product_data).toEqual([{ id: 2, price: 20 }, { id: 3, price: 30 }]);
    const store = (await t.runtime.storage.stores.findStoreByName('test'))!;
    await t.runtime.ingest.settle();
    const imp = await t.runtime.storage.events.findImpression(store.id, body.request_id);
    expect(imp).toMatchObject({ api: 'recommendations/complementary', labels: ['recommendations/complementary'], input: { products: [1] }, results: ['2', '3'] });
  });
});

describe('empty history', () => {
  it('every product list falls back to the catalog', async () => {
    await t.call('categories', { categories: [makeCategory({ id: 1 })] }, { priv: true });
    await addCatalog(3);
    for (const [endpoint, args] of [
      ['popular', {}], ['trending', {}], ['new', {}], ['currently_watched', {}], ['recently_bought', {}],
      ['keywords', { keywords: 'nothing matches this' }], ['complementary', { products: [1] }], ['substituting', { products: [1] }],
      ['most_sold_with', { products: [1] }], ['bundle', { product: 1 }], ['category/popular', { category: 1 }],
      ['category/trending', { category: 1 }], ['category/new', { category: 1 }],
    ] as const) {
      const result = await ids(endpoint, { limit: 3, ...args });
      expect(result.length, endpoint).toBeGreaterThanOrEqual(2);
    }
    // Every product is inside the category: nothing outside to cross-sell, so the category's own best sellers.
    expect(await ids('category/complementary', { category: 1, limit: 3 })).toEqual([3, 2, 1]);
  });

  it('an empty catalog answers empty lists', async () => {
    expect(await rec('popular', { limit: 5 })).toEqual({ status: 'ok', result: [], count: 0, facets: null, request_id: expect.any(String) });
    expect(await ids('substituting', { products: [1], limit: 5 })).toEqual([]);
  });
});

describe('categories', () => {
  beforeEach(async () => {
    await t.call('categories', { categories: [
      makeCategory({ id: 10, name: 'Shoes', subcategories: [11, 12] }), makeCategory({ id: 11, name: 'Running' }),
      makeCategory({ id: 12, name: 'Hiking' }), makeCategory({ id: 20, name: 'Bags' }),
    ] }, { priv: true });
    await addProducts([
      makeProduct({ id: 1, categories: [11], created_at: T0 - 3 }), makeProduct({ id: 2, categories: [12], created_at: T0 - 2 }),
      makeProduct({ id: 3, categories: [10], created_at: T0 - 1 }), makeProduct({ id: 4, categories: [20], created_at: T0 }),
    ]);
    await sell([2]);
    await sell([2, 4]);
    await sell([1]);
  });

  it('category lists cover the subtree', async () => {
    expect(await rec('category/popular', { category: 10, limit: 10 })).toEqual({ status: 'ok', result: [2, 1, 3], count: 3, facets: null, request_id: expect.any(String) });
    expect(await ids('category/new', { category: 10, limit: 10 })).toEqual([3, 2, 1]);
    expect(await ids('category/popular', { category: 11, limit: 10 })).toEqual([1]);
    expect((await ids('category/trending', { category: 10, limit: 10 })).sort()).toEqual([1, 2, 3]);
    expect((await ids('category/complementary', { category: 10, limit: 1 }))).toEqual([4]);
  });

  it('popular_subcategories ranks children by the popularity of their subtree', async () => {
    const body = await rec('category/popular_subcategories', { category: 10, limit: 5 });
    expect(body).toEqual({ status: 'ok', count: 2, result: [{ id: 12, name: 'Hiking', url: 'https://shop.example/c/12' }, { id: 11, name: 'Running', url: 'https://shop.example/c/11' }], request_id: expect.any(String) });
    expect((await rec('category/popular_subcategories', { category: 10, limit: 5, order: 'asc' })).result.map((c: { id: number }) => c.id)).toEqual([11, 12]);
    expect((await rec('category/popular_subcategories', { category: 10, limit: 1, offset: 1 })).result.map((c: { id: number }) => c.id)).toEqual([11]);
  });

  it('an unknown category is a LogicalError 404 naming it', async () => {
    const res = await t.call('recommendations/category/popular', { category: 99, limit: 3 });
    expect(res.status).toBe(404);
    expect(res.body).toEqual(err('LogicalError', 'category: no category with id 99'));
  });
});

describe('bad input', () => {
  beforeEach(() => addCatalog(2));

  it.each([
    ['complementary', { limit: 3 }, 'Missing Argument products'],
    ['complementary', { products: [1.5], limit: 3 }, 'Invalid Syntax In Argument: products (products[0]: Invalid input)'],
    ['substituting', { products: [], limit: 3 }, 'Invalid Syntax In Argument: products (Too small: expected array to have >=1 items)'],
    ['most_sold_with', { products: [{ id: 1 }], limit: 3 }, 'Invalid Syntax In Argument: products (products[0]: Invalid input)'],
    ['complementary', { products: [1] }, 'Missing Argument limit'],
    ['bundle', { limit: 3 }, 'Missing Argument product'],
    ['category/popular', { limit: 3 }, 'Missing Argument category'],
    ['category/new', { category: [1, 2], limit: 3 }, 'Invalid Syntax In Argument: category (Invalid input)'],
    ['category/popular_subcategories', { category: 1.5, limit: 3 }, 'Invalid Syntax In Argument: category (Invalid input)'],
    ['keywords', { limit: 3 }, 'Missing Argument keywords'],
    ['page/related_products', { limit: 3 }, 'Missing Argument page'],
    ['popular', { limit: 0 }, 'Invalid Syntax In Argument: limit (Too small: expected number to be >=1)'],
  ])('%s %j → ParsingError', async (endpoint, args, message) => {
    const res = await t.call(`recommendations/${endpoint}`, args);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(err('ParsingError', message));
  });
});

describe('text', () => {
  beforeEach(async () => {
    await t.call('categories', { categories: [makeCategory({ id: 1, name: 'Footwear' }), makeCategory({ id: 2, name: 'Outdoor jackets' })] }, { priv: true });
    await addProducts([
      makeProduct({ id: 1, name: 'Red running shoes', description: 'Light shoes for road running', categories: [1] }),
      makeProduct({ id: 2, name: 'Blue denim jacket', description: 'A classic jacket', categories: [2] }),
      makeProduct({ id: 3, name: 'Trail socks', description: 'Socks for trail running', categories: [1] }),
    ]);
    await t.call('pages', { pages: [
      { id: 'p1', type: 'blog', title: 'How to choose running shoes', text: 'Running shoes need grip and light weight.', url: 'https://shop.example/b/1' },
      { id: 'p2', type: 'blog', title: 'Jackets for the outdoors', text: 'A warm jacket keeps you dry outdoors.', url: 'https://shop.example/b/2' },
      { id: 'p3', type: 'cms', title: 'Shipping', text: 'We ship worldwide.', url: 'https://shop.example/shipping' },
      { id: 'p4', type: 'blog', title: 'Trail running tips', text: 'Trail running needs good shoes and socks.', url: 'https://shop.example/b/4' },
    ] }, { priv: true });
  });

  it('keywords ranks products by their text', async () => {
    expect(await ids('keywords', { keywords: 'running shoes', limit: 3 })).toEqual([1, 3, 2]);
    expect((await ids('keywords', { keywords: 'denim', limit: 1 }))).toEqual([2]);
  });

  it('page/* answers pages, categories and products by text similarity', async () => {
    const pages = await rec('page/product', { product: 1, limit: 2, attributes: ['title'] });
    expect(pages).toEqual({ status: 'ok', result: ['p1', 'p4'], pages: [{ id: 'p1', title: 'How to choose running shoes' }, { id: 'p4', title: 'Trail running tips' }], request_id: expect.any(String) });
    expect((await ids('page/category', { category: 2, limit: 1 }))).toEqual(['p2']);
    expect((await ids('page/product', { product: 2, limit: 4, type: 'cms' }))).toEqual(['p3']);
    expect((await ids('page/substituting', { page: 'p1', limit: 3 }))[0]).toBe('p4');
    expect(await ids('page/substituting', { page: 'p1', limit: 10 })).not.toContain('p1');
    const products = await rec('page/related_products', { page: 'p2', limit: 1 });
    expect(products).toEqual({ status: 'ok', result: [2], count: 3, facets: null, request_id: expect.any(String) });
    const cats = await rec('page/related_categories', { page: 'p2', limit: 1, attributes: ['name'] });
    expect(cats).toEqual({ status: 'ok', count: 2, result: [2], categories: [{ id: 2, name: 'Outdoor jackets' }], request_id: expect.any(String) });
  });

  it.each([
    ['page/product', { product: 9 }, 'product: no product with id 9'],
    ['page/category', { category: 'x' }, 'category: no category with id "x"'],
    ['page/substituting', { page: 'nope' }, 'page: no page with id "nope"'],
    ['page/related_products', { page: 'nope' }, 'page: no page with id "nope"'],
    ['page/related_categories', { page: 7 }, 'page: no page with id 7'],
  ])('%s with an unknown ID is a LogicalError 404', async (endpoint, args, message) => {
    const res = await t.call(`recommendations/${endpoint}`, { limit: 2, ...args });
    expect(res.status).toBe(404);
    expect(res.body).toEqual(err('LogicalError', message));
  });
});
