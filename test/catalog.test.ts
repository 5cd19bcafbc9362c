/** Catalog endpoints over HTTP: product/*, the CRUD resources, key scopes, bad input. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeCategory, makeProduct, makeTestApp, OTHER_PRIVATE_KEY, OTHER_PUBLIC_KEY, PRIVATE_KEY, PUBLIC_KEY, type TestApp } from './helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(() => t.close());

const err = (type: string, message: unknown) => ({ status: 'error', type, message, id: expect.any(String), moreInfo: expect.any(String) });
const getProducts = async (ids: unknown[]) => (await t.call('products', { products: ids }, { method: 'GET', priv: true })).body;

describe('product/add and product/remove', () => {
  it('upserts whole products and keeps ID types as given', async () => {
    expect((await t.call('product/add', { products: [makeProduct({ id: 123 }), makeProduct({ id: 'abc', brand: 'Acme' })] }, { priv: true })).body).toEqual({ status: 'ok' });
    expect(await getProducts(['123', 'abc'])).toEqual({ status: 'ok', products: [makeProduct({ id: 123 }), makeProduct({ id: 'abc', brand: 'Acme' })] });
    // Replace: fields not sent are gone.
    await t.call('product/add', { products: [{ id: 123, name: 'Renamed', price: 3 }] }, { priv: true });
    expect((await getProducts([123])).products).toEqual([{ id: 123, name: 'Renamed', price: 3 }]);
  });

  it('treats "123" and 123 as the same product', async () => {
    await t.call('product/add', { products: [makeProduct({ id: 123 })] }, { priv: true });
    const res = await t.call('product/attributes', { products: ['123'], attributes: ['name'] });
    expect(res.body).toEqual([{ id: 123, name: 'Product 123' }]);
  });

  it('removes products', async () => {
    await t.call('product/add', { products: [makeProduct({ id: 1 }), makeProduct({ id: 2 })] }, { priv: true });
    expect((await t.call('product/remove', { products: [1] }, { priv: true })).body).toEqual({ status: 'ok' });
    expect((await getProducts([1, 2])).products.map((p: { id: number }) => p.id)).toEqual([2]);
  });

  it('refuses duplicate IDs in one batch and writes nothing', async () => {
    const res = await t.call('product/add', { products: [makeProduct({ id: 1 }), makeProduct({ id: 2 }), makeProduct({ id: '1' })] }, { priv: true });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(err('ParsingError', 'Invalid Syntax In Argument: products (duplicate id "1" at products[0] and products[2])'));
    expect((await getProducts([1, 2])).products).toEqual([]);
  });

  it('refuses a bad record naming its index and field, and writes nothing', async () => {
    const res = await t.call('product/add', { products: [makeProduct({ id: 1 }), makeProduct({ id: 2, price: 'cheap' })] }, { priv: true });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(err('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: products \(products\[1\]\.price: /)));
    expect((await getProducts([1, 2])).products).toEqual([]);
  });

  it.each([
    [{ products: 'not-a-list-of-objects' }, 'Invalid Syntax In Argument: products'],
    [{ products: [] }, 'Invalid Syntax In Argument: products'],
    [{ products: [{ name: 'no id' }] }, 'Invalid Syntax In Argument: products (products[0].id'],
    [{ products: [{ id: 1.5 }] }, 'Invalid Syntax In Argument: products (products[0].id'],
    [{ products: [{ id: 1, 'bad-name': 1 }] }, 'Invalid Syntax In Argument: products (products[0].bad-name'],
  ])('refuses %j', async (args, prefix) => {
    const res = await t.call('product/add', args, { priv: true });
    expect(res.status).toBe(400);
    expect(res.body.type).toBe('ParsingError');
    expect(res.body.message.startsWith(prefix)).toBe(true);
  });
});

describe('product/attributes and product/facets', () => {
  beforeEach(async () => {
    await t.call('categories', { categories: [makeCategory({ id: 1, name: 'Audio', subcategories: [2] }), makeCategory({ id: 2, name: 'Headphones' })] }, { priv: true });
    await t.call('product/add', {
      products: [
        makeProduct({ id: 1, brand: 'Acme', categories: [1], colors: ['red', 'blue'] }),
        makeProduct({ id: 2, brand: 'Acme', categories: [2], colors: ['red'], price: 20 }),
        makeProduct({ id: 3, brand: 'Globex', categories: [2], price: 30, index: false }),
      ],
    }, { priv: true });
  });

  it('answers a bare array in the order asked, with only the asked fields', async () => {
    const res = await t.call('product/attributes', { products: [3, 1, 99], attributes: ['brand', 'price', 'missing'] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([{ id: 3, brand: 'Globex', price: 30 }, { id: 1, brand: 'Acme', price: 10 }]);
  });

  it('returns every field when attributes are not given', async () => {
    const res = await t.call('product/attributes', { products: [2] });
    expect(res.body).toEqual([makeProduct({ id: 2, brand: 'Acme', categories: [2], colors: ['red'], price: 20 })]);
  });

  it('counts facets over the given products, categories by name', async () => {
    const res = await t.call('product/facets', { products: [1, 2], attributes: ['brand', 'colors', 'categories'] });
    expect(res.body).toEqual({
      status: 'ok',
      facets: {
        brand: [{ type: 'unit', name: 'Acme', value: 'Acme', count: 2 }],
        colors: [{ type: 'unit', name: 'red', value: 'red', count: 2 }, { type: 'unit', name: 'blue', value: 'blue', count: 1 }],
        categories: [{ type: 'unit', name: 'Audio', value: 1, count: 1 }, { type: 'unit', name: 'Headphones', value: 2, count: 1 }],
      },
    });
  });

  it('lists facetable attributes when none are asked', async () => {
    const res = await t.call('product/facets', {});
    expect(Object.keys(res.body.facets).sort()).toEqual(['brand', 'categories', 'colors', 'price']);
  });
});

describe('CRUD resources', () => {
  it('POST, GET, PATCH, DELETE /categories', async () => {
    await t.call('categories', { categories: [makeCategory({ id: 1, subcategories: [2] }), makeCategory({ id: 2, parent: 1 })] }, { priv: true });
    expect((await t.call('categories', { categories: [2, 1] }, { method: 'GET', priv: true })).body).toEqual({
      status: 'ok', categories: [makeCategory({ id: 2, parent: 1 }), makeCategory({ id: 1, subcategories: [2] })],
    });
    expect((await t.call('categories', { categories: [{ id: 2, name: 'Renamed' }] }, { method: 'PATCH', priv: true })).body).toEqual({ status: 'ok' });
    expect((await t.call('categories', { categories: [2] }, { method: 'GET', priv: true })).body.categories).toEqual([makeCategory({ id: 2, parent: 1, name: 'Renamed' })]);
    await t.call('categories', { categories: [1] }, { method: 'DELETE', priv: true });
    expect((await t.call('categories', { categories: [1, 2] }, { method: 'GET', priv: true })).body.categories.map((c: { id: number }) => c.id)).toEqual([2]);
  });

  it('PATCH merges, removes fields set to null, and refuses unknown IDs', async () => {
    await t.call('products', { products: [makeProduct({ id: 7, brand: 'Acme' })] }, { priv: true });
    await t.call('products', { products: [{ id: 7, price: 99, brand: null }] }, { method: 'PATCH', priv: true });
    const { brand: _drop, ...rest } = makeProduct({ id: 7, price: 99, brand: 'Acme' });
    expect((await getProducts([7])).products).toEqual([rest]);
    const missing = await t.call('products', { products: [{ id: 8, price: 1 }] }, { method: 'PATCH', priv: true });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual(err('LogicalError', 'products[0]: no product with id "8"'));
  });

  it('pages', async () => {
    const page = { id: 'about', type: 'cms page', url: 'https://shop.example/about', title: 'About us', text: 'We sell things.' };
    await t.call('pages', { pages: [page] }, { priv: true });
    expect((await t.call('pages', { pages: ['about'] }, { method: 'GET', priv: true })).body).toEqual({ status: 'ok', pages: [page] });
    await t.call('pages', { pages: ['about'] }, { method: 'DELETE', priv: true });
    expect((await t.call('pages', { pages: ['about'] }, { method: 'GET', priv: true })).body).toEqual({ status: 'ok', pages: [] });
  });

  it('customers: GET by email (as Clerk) or ID, DELETE by ID', async () => {
    const ann = { id: 77, name: 'Ann', email: 'Ann@Example.com', subscribed: true };
    await t.call('customers', { customers: [ann, { id: 78, name: 'Bob', email: 'bob@example.com' }] }, { priv: true });
    const byEmail = await t.call('customers', { customers: ['ann@example.com'] }, { method: 'GET', priv: true });
    expect(byEmail.body.customers.map((c: { id: number }) => c.id)).toEqual([77]);
    const byId = await t.call('customers', { customers: [78] }, { method: 'GET', priv: true });
    expect(byId.body.customers.map((c: { name: string }) => c.name)).toEqual(['Bob']);
    await t.call('customers', { customers: [77] }, { method: 'DELETE', priv: true });
    expect((await t.call('customers', { customers: ['ann@example.com', 78] }, { method: 'GET', priv: true })).body.customers.map((c: { id: number }) => c.id)).toEqual([78]);
  });

  it('orders', async () => {
    const order = { id: 9001, products: [{ id: 1, price: 24.5, quantity: 2 }], time: 1700000500, customer: 77, email: 'ann@example.com' };
    await t.call('orders', { orders: [order] }, { priv: true });
    expect((await t.call('orders', { orders: [9001] }, { method: 'GET', priv: true })).body).toEqual({ status: 'ok', orders: [{ ...order, parcels: [] }] });
    const bad = await t.call('orders', { orders: [{ ...order, id: 9002, products: [{ id: 1, price: 1, quantity: 0 }] }] }, { priv: true });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^Invalid Syntax In Argument: orders \(orders\[0\]\.products\[0\]\.quantity: /);
  });
});

describe('key scopes', () => {
  it('refuses the public key alone on private endpoints', async () => {
    for (const [endpoint, args] of [['product/add', { products: [makeProduct()] }], ['product/remove', { products: [1] }], ['products', { products: [1] }]] as const) {
      const res = await t.call(endpoint, args);
      expect(res.status).toBe(403);
      expect(res.body).toEqual(err('AuthenticationError', 'Missing Argument private_key'));
    }
  });

  it('refuses a wrong private key', async () => {
    const res = await t.call('product/add', { products: [makeProduct()], private_key: 'WrongKey0123456789abcdefghijklmnopqr' });
    expect(res.status).toBe(403);
    expect(res.body).toEqual(err('AuthenticationError', 'Invalid private_key'));
  });

  it("refuses store A's private key with store B's public key", async () => {
    const res = await t.call('product/add', { products: [makeProduct()], private_key: OTHER_PRIVATE_KEY }, { key: PUBLIC_KEY });
    expect(res.status).toBe(403);
    const res2 = await t.call('product/add', { products: [makeProduct()], private_key: PRIVATE_KEY }, { key: OTHER_PUBLIC_KEY });
    expect(res2.status).toBe(403);
  });

  it("never shows one store's data to another", async () => {
    await t.call('product/add', { products: [makeProduct({ id: 1 })] }, { priv: true });
    const other = await t.call('product/attributes', { products: [1] }, { key: OTHER_PUBLIC_KEY });
    expect(other.body).toEqual([]);
    const otherCrud = await t.call('products', { products: [1], private_key: OTHER_PRIVATE_KEY }, { method: 'GET', key: OTHER_PUBLIC_KEY });
    expect(otherCrud.body).toEqual({ status: 'ok', products: [] });
  });
});

describe('filters over HTTP', () => {
  it('answers a filter syntax error with a ParsingError pointing at the position, changing nothing', async () => {
    await t.call('product/add', { products: [makeProduct({ id: 1, price: 5 }), makeProduct({ id: 2, price: 50 })] }, { priv: true });
    const bad = await t.call('recommendations/popular', { limit: 5, filter: 'price > ' });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual(err('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: filter \(expected a value at position 8/)));
    const good = await t.call('recommendations/popular', { limit: 5, filter: 'price >= 20 and categories in [1]' });
    expect(good.body.result).toEqual([2]);
    expect((await getProducts([1, 2])).products).toHaveLength(2);
  });
});

describe('POST /v2/import', () => {
  const feed = {
    products: [makeProduct({ id: 'a' }), makeProduct({ id: 'b', price: '7.5' })],
    categories: [makeCategory({ id: 1 })],
    orders: [{ id: 'o1', products: [{ id: 'a', price: 10, quantity: 1 }], time: 1700000000 }],
    strict: false,
  };

  it('imports a feed atomically: mirrored kinds, appended orders', async () => {
    await t.call('product/add', { products: [makeProduct({ id: 'old' })] }, { priv: true });
    const res = await t.call('import', feed, { priv: true });
    expect(res.body).toMatchObject({ status: 'ok', records: 4, written: { products: 2, categories: 1, orders: 1 }, removed: { products: 1 } });
    expect((await getProducts(['a', 'b', 'old'])).products.map((p: { id: string; price: number }) => [p.id, p.price])).toEqual([['a', 10], ['b', 7.5]]);
    expect((await t.call('product/attributes', { products: ['b'], attributes: ['price'] })).body).toEqual([{ id: 'b', price: 7.5 }]);
  });

  it('refuses a bad record naming its index and field, and changes nothing', async () => {
    await t.call('product/add', { products: [makeProduct({ id: 'keep' })] }, { priv: true });
    const res = await t.call('import', { ...feed, products: [...feed.products, { id: 'c', price: 'free' }] }, { priv: true });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(err('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: products \(products\[2\]\.price: /)));
    expect((await getProducts(['keep', 'a'])).products.map((p: { id: string }) => p.id)).toEqual(['keep']);
  });

  it('needs the private key', async () => {
    expect((await t.call('import', feed)).body).toEqual(err('AuthenticationError', 'Missing Argument private_key'));
  });
});
