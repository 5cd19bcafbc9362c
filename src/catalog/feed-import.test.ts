import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage } from '../storage/open.js';
import type { CatalogEntry, CatalogKind, Doc, ImportSession, ImportStats, Storage } from '../storage/ports.js';
import { exportFeed } from './feed-export.js';
import { FeedError, importFeed, importFeedFile, type ImportFeedOptions } from './feed-import.js';
import { RecordError } from './normalize.js';
import { loadDemoFeed } from '../demo/load.js';

/** An in-memory ImportSession that records what the importer did with it. */
function fakeSession() {
  const staged = new Map<CatalogKind, CatalogEntry[]>();
  const calls: { stage: number[]; commit?: CatalogKind[]; aborted: boolean } = { stage: [], aborted: false };
  const session: ImportSession = {
    async stage(kind, entries) {
      calls.stage.push(entries.length);
      staged.set(kind, [...(staged.get(kind) ?? []), ...entries]);
    },
    async commit(mirror) {
      calls.commit = mirror;
      const zeros = () => ({ products: 0, categories: 0, pages: 0, customers: 0, orders: 0, parcels: 0, accessories: 0 });
      const stats: ImportStats = { written: zeros(), removed: zeros() };
      for (const [kind, entries] of staged) stats.written[kind] = entries.length;
      return stats;
    },
    async abort() {
      calls.aborted = true;
    },
  };
  const docs = (kind: CatalogKind) => (staged.get(kind) ?? []).map((e) => e.doc);
  return { session, staged, calls, docs };
}

/** The text as a stream of `size`-byte chunks, to cross every chunk boundary the importer has. */
function streamOf(text: string, size = 1 << 16): Readable {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
}

async function run(text: string, opts: ImportFeedOptions & { chunk?: number } = {}) {
  const fake = fakeSession();
  const result = await importFeed(streamOf(text, opts.chunk), fake.session, opts);
  return { ...fake, result };
}

async function failure(text: string, opts: ImportFeedOptions & { chunk?: number } = {}) {
  const fake = fakeSession();
  try {
    await importFeed(streamOf(text, opts.chunk), fake.session, opts);
  } catch (err) {
    return { ...fake, err: err as Error };
  }
  throw new Error('expected the import to fail');
}

const product = (id: number | string, extra: Doc = {}) => ({ id, name: `P${id}`, price: 10, ...extra });

describe('importFeed (streaming and validation)', () => {
  it('stages every kind, appends sales as orders and mirrors the kinds present', async () => {
    const feed = {
      products: [product(1, { categories: [10] })],
      categories: [{ id: 10, name: 'Lighting', url: 'https://x/c/10', subcategories: [] }],
      pages: [],
      customers: [{ id: 77, email: 'Ann@X.io' }],
      sales: [{ id: 9001, products: [{ id: 1, quantity: 2, price: 24.5 }], time: 1700000500, customer: 77 }],
      created: 1700001000,
      strict: false,
    };
    const { docs, staged, calls, result } = await run(JSON.stringify(feed));
    expect(docs('products')).toEqual(feed.products);
    expect(docs('categories')).toEqual(feed.categories);
    expect(staged.get('customers')).toEqual([{ key: '77', doc: feed.customers[0], email: 'ann@x.io' }]);
    expect(staged.get('orders')).toEqual([{ key: '9001', doc: feed.sales[0], customer: '77', time: 1700000500 }]);
    expect(calls).toEqual({ stage: [1, 1, 1, 1], commit: ['products', 'categories', 'pages', 'customers'], aborted: false });
    expect(result.records).toBe(4);
    expect(result.written.orders).toBe(1);
  });

  it('leaves kinds the feed does not mention alone', async () => {
    const { calls } = await run('{"products":[],"orders":[]}');
    expect(calls.commit).toEqual(['products']);
  });

  it('stages in batches of 500 and reports progress', async () => {
    const products = Array.from({ length: 1203 }, (_, i) => product(i));
    const text = JSON.stringify({ products });
    const progress: { bytes: number; records: number }[] = [];
    const { calls } = await run(text, { chunk: 4000, onProgress: (p) => progress.push(p) });
    expect(calls.stage).toEqual([500, 500, 203]);
    expect(progress.at(-1)).toEqual({ bytes: Buffer.byteLength(text), records: 1203 });
    expect(progress.length).toBeGreaterThan(3);
  });

  it.each([1, 7, 1 << 16])('gives the same records whatever the chunking (%i-byte chunks)', async (chunk) => {
    const products = [product('é€😀', { description: 'ü'.repeat(3000), tags: { a: [1, { b: null }] } }), product(2)];
    const { docs } = await run(JSON.stringify({ strict: true, products }), { chunk });
    expect(docs('products')).toEqual(products);
  });

  describe('strict', () => {
    const body = '"products":[{"id":"1","size":"42"},{"id":2,"name":"P2"}]';

    it.each([
      ['{' + body + ',"strict":true}', [{ id: '1', size: '42' }, { id: 2, name: 'P2' }]],
      ['{' + body + ',"strict":false}', [{ id: 1, size: 42 }, { id: 2, name: 'P2' }]],
      ['{' + body + '}', [{ id: 1, size: 42 }, { id: 2, name: 'P2' }]],
      ['{"config":{"strict":true},' + body + '}', [{ id: '1', size: '42' }, { id: 2, name: 'P2' }]],
      ['{' + body + ',"config":{"created":1,"strict":true}}', [{ id: '1', size: '42' }, { id: 2, name: 'P2' }]],
    ])('applies the mode wherever it appears: %s', async (text, expected) => {
      const { docs } = await run(text, { chunk: 5 });
      expect(docs('products').sort((a, b) => String(a.id).localeCompare(String(b.id)))).toEqual(expected);
    });

    it('reports a record that only strict mode rejects once the late strict is known', async () => {
      const { err } = await failure('{"products":[{"id":1},{"id":2,"price":"12"}],"strict":true}');
      expect(err.message).toBe('products[1].price: must be a number ≥ 0');
    });

    it('rejects a strict that is not a boolean or contradicts config.strict', async () => {
      expect((await failure('{"strict":"yes","products":[]}')).err.message).toBe('strict: must be true or false');
      expect((await failure('{"config":{"strict":true},"strict":false}')).err.message).toBe('strict: contradicts config.strict');
    });
  });

  describe('errors', () => {
    it('names the array, index and field of a bad record, and aborts', async () => {
      const line = { id: 1, price: 5, quantity: 1 };
      const orders = Array.from({ length: 13 }, (_, i) => ({ id: i, products: [line], time: 1 }));
      orders[12].products = [{ ...line, quantity: 0 }];
      const { err, calls } = await failure(JSON.stringify({ products: [product(1)], orders }));
      expect(err).toBeInstanceOf(FeedError);
      expect(err).toBeInstanceOf(RecordError);
      expect(err.message).toBe('orders[12].products[0].quantity: must be an integer ≥ 1');
      expect(calls.aborted).toBe(true);
      expect(calls.commit).toBeUndefined();
    });

    it('names the record itself when the record is not an object', async () => {
      expect((await failure('{"categories":[{"id":1},7]}')).err.message).toBe('categories[1]: must be an object');
    });

    it('names both indexes of a duplicate ID', async () => {
      const { err } = await failure(JSON.stringify({ products: [product('a'), product('b'), product('c'), product('b')] }));
      expect(err.message).toBe('products[3]: has the same id "b" as products[1]');
    });

    it('finds duplicates across IDs given as number and string', async () => {
      const { err } = await failure('{"strict":true,"products":[{"id":1},{"id":"1"}]}');
      expect(err.message).toBe('products[1]: has the same id "1" as products[0]');
    });

    it('rejects a feed key that is not an array, a repeated key, and a non-object feed', async () => {
      expect((await failure('{"products":{"id":1}}')).err.message).toBe('products: must be an array');
      expect((await failure('{"pages":null}')).err.message).toBe('pages: must be an array');
      expect((await failure('{"products":[],"products":[]}')).err.message).toBe('products: appears more than once in the feed');
      expect((await failure('{"orders":[],"sales":[]}')).err.message).toBe('sales: the feed has both orders and sales; send one');
      expect((await failure('[{"id":1}]')).err.message).toBe('the feed must be a JSON object');
    });

    it.each([1, 3, 1 << 16])('names the byte offset of malformed JSON (%i-byte chunks)', async (chunk) => {
      const message = async (text: string) => (await failure(text, { chunk })).err.message;
      expect(await message('{"products":[{"id":1},]}')).toBe("Malformed JSON at byte 22: unexpected token ']'");
      expect(await message('{"products":[{"id":12x}]}')).toBe("Malformed JSON at byte 21: expected ','");
      expect(await message('{"products":[{"id":"é"}]  }  x')).toBe('Malformed JSON at byte 30: unexpected characters');
      expect(await message('{"products":[{"id":1}')).toBe('Malformed JSON at byte 21: unexpected end of input');
      expect(await message('{"products":[{"id":tru')).toBe('Malformed JSON at byte 19: expected a value');
      expect(await message('')).toBe('Malformed JSON at byte 0: unexpected end of input');
    });

    it('locates a fault deep in a large feed to the byte', async () => {
      const text = JSON.stringify({ products: Array.from({ length: 3000 }, (_, i) => product(i, { description: 'ü€'.repeat(i % 7) })) });
      const at = text.indexOf('},{', 100_000) + 1;
      const broken = text.slice(0, at) + '#' + text.slice(at + 1);
      const byte = Buffer.byteLength(text.slice(0, at));
      expect((await failure(broken)).err.message).toBe(`Malformed JSON at byte ${byte}: expected ','`);
    });

    it('passes on an error of the input stream, and aborts', async () => {
      const fake = fakeSession();
      const input = new PassThrough();
      const done = importFeed(input, fake.session);
      input.write('{"products":[');
      input.destroy(new Error('connection reset'));
      await expect(done).rejects.toThrow('connection reset');
      expect(fake.calls.aborted).toBe(true);
    });

    it('leaves the input stream open when it stops early', async () => {
      const input = new PassThrough();
      input.end('{"products":5}');
      await expect(importFeed(input, fakeSession().session)).rejects.toThrow('products: must be an array');
      expect(input.destroyed).toBe(false);
    });
  });

  it('warns about unknown keys and skips their values', async () => {
    const warnings: string[] = [];
    const text = '{"shop":{"name":"x","deep":[[{}]]},"products":[{"id":1}],"version":3,"config":{"strict":true,"lang":"en"},"created":"yesterday"}';
    const { docs } = await run(text, { onWarning: (w) => warnings.push(w) });
    expect(docs('products')).toEqual([{ id: 1 }]);
    expect(warnings).toEqual([
      'unknown top-level key "shop" ignored',
      'unknown top-level key "version" ignored',
      'unknown key "config.lang" ignored',
      'created ignored: not a unix time in seconds',
    ]);
  });

  it('imports the demo catalog cleanly', async () => {
    const warnings: string[] = [];
    const { docs, result } = await run(JSON.stringify(loadDemoFeed()), { onWarning: (w) => warnings.push(w) });
    expect(result.written).toMatchObject({ products: 292, categories: 20 });
    expect(docs('products').every((p) => typeof p.id === 'string')).toBe(true);
    expect(warnings).toEqual(['name', 'currency', 'attribution'].map((k) => `unknown top-level key "${k}" ignored`));
  });

  it('reads a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relevo-feed-test-'));
    try {
      const path = join(dir, 'feed.json');
      writeFileSync(path, JSON.stringify({ products: [product(1)] }));
      const fake = fakeSession();
      expect((await importFeedFile(path, fake.session)).records).toBe(1);
      expect(fake.docs('products')).toEqual([product(1)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('importFeed and exportFeed on SQLite', () => {
  let dir: string;
  let storage: Storage;
  let storeId: number;
  let seq = 0;

  beforeEach(async () => {
    dir ??= mkdtempSync(join(tmpdir(), 'relevo-feed-sqlite-'));
    storage = await openStorage(`sqlite:${join(dir, `t${++seq}.db`)}`);
    storeId = (await storage.stores.createStore({ name: `s${seq}`, publicKey: `pk${seq}`, privateKey: { name: 'default', hash: 'ab'.repeat(32) } })).id;
  });
  afterEach(async () => storage.close());
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  const importInto = async (id: number, text: string) => importFeed(streamOf(text, 50), await storage.catalog.beginImport(id));
  const all = async (id: number, kind: CatalogKind) => {
    const docs: Doc[] = [];
    for await (const page of storage.catalog.scanDocs(id, kind)) docs.push(...page.map((e) => e.doc));
    return docs;
  };
  const order = (id: number, time: number) => ({ id, products: [{ id: 1, quantity: 1, price: 10 }], time, email: 'A@x.io' });

  it('is all or nothing: a bad 3rd product leaves the catalog unchanged', async () => {
    await importInto(storeId, JSON.stringify({ products: [product(1), product(2)], orders: [order(1, 100)] }));
    const bad = { products: [product(3), product(4), { id: 5, price: 'free' }], orders: [order(2, 200)] };
    await expect(importInto(storeId, JSON.stringify({ ...bad, strict: true }))).rejects.toThrow('products[2].price: must be a number ≥ 0');
    expect(await all(storeId, 'products')).toEqual([product(1), product(2)]);
    expect(await all(storeId, 'orders')).toEqual([order(1, 100)]);
  });

  it('mirrors products (missing ones are removed) and appends orders', async () => {
    await importInto(storeId, JSON.stringify({ products: [product(1), product(2)], orders: [order(1, 100)] }));
    const stats = await importInto(storeId, JSON.stringify({ products: [product(2, { price: 12 }), product(3)], orders: [order(2, 200)] }));
    expect(await all(storeId, 'products')).toEqual([product(2, { price: 12 }), product(3)]);
    expect(await all(storeId, 'orders')).toEqual([order(1, 100), order(2, 200)]);
    expect(stats.records).toBe(3);
    expect(stats.removed.products).toBe(1);
    expect(stats.removed.orders).toBe(0);
  });

  it('round-trips: importing an export reproduces the catalog', async () => {
    const feed = {
      products: [product(1, { categories: [10], stock: 3, meta: { a: [1, 'x'] } }), product('sku-2', { on_sale: true, price: 0.1 })],
      categories: [{ id: 10, name: 'Lighting', url: 'https://x/c/10', subcategories: [11] }, { id: 11, name: 'Lamps', url: 'https://x/c/11', subcategories: [], parent: 10 }],
      pages: [{ id: 'about', type: 'cms page', title: 'About', text: 'Hi', url: 'https://x/about' }],
      customers: [{ id: 77, email: 'Ann@X.io', subscribed: true }, { email: 'only@x.io' }],
      orders: [order(1, 100), { ...order(2, 200), customer: 77 }],
      strict: true,
    };
    await importInto(storeId, JSON.stringify(feed));
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const counts = await exportFeed(storage.catalog, storeId, out);
    expect(counts).toEqual({ products: 2, categories: 2, pages: 1, customers: 2, orders: 2, parcels: 0, accessories: 0 });
    const text = Buffer.concat(chunks).toString();
    expect(JSON.parse(text)).toMatchObject({ strict: true, created: expect.any(Number) });

    const other = (await storage.stores.createStore({ name: 'copy', publicKey: 'copy', privateKey: { name: 'default', hash: 'cd'.repeat(32) } })).id;
    await importInto(other, text);
    for (const kind of ['products', 'categories', 'pages', 'customers', 'orders'] as const) {
      expect(await all(other, kind)).toEqual(await all(storeId, kind));
    }
    const [customer] = await storage.catalog.findDocsByEmail(other, 'customers', ['ann@x.io']);
    expect(customer.key).toBe('77');
  });
});
