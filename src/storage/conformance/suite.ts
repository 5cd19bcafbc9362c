/**
 * The storage behaviour suite: every adapter runs these same tests, so domain code can rely on
 * the ports and never on a dialect. Tests share one database and isolate themselves by creating
 * their own stores; the change log is global, so log tests read only rows after a mark.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogicalError } from '../../errors.js';
import type { CatalogEntry, CatalogKind, Doc, ImportStats, Storage, StoreRecord } from '../ports.js';
import { runEventConformance } from './events-suite.js';
import { runIdentityConformance } from './identity-suite.js';
import { runRetentionConformance } from './retention-suite.js';

export interface ConformanceOptions {
  /** Runs after every handle closed. */
  cleanup?: () => Promise<void>;
  /** Every row of every table of the database as JSON text (test-only driver code): proves forget leaves nothing behind. */
  dumpRows: () => Promise<string>;
}

/** What the events and identity suites need from the main suite. */
export interface ConformanceContext {
  /** The current main handle (the durability test replaces it). */
  storage: () => Storage;
  /** Another handle on the same database, closed after the suite. */
  openHandle: () => Promise<Storage>;
  newStore: () => Promise<StoreRecord>;
  unique: (prefix: string) => string;
  dumpRows: () => Promise<string>;
}

/**
 * Registers the suite. `open` must return a new handle on the SAME database each call (the
 * suite re-opens it and opens several handles at once).
 */
export function runStorageConformance(name: string, open: () => Promise<Storage>, options: ConformanceOptions): void {
  const { cleanup, dumpRows } = options;
  describe(`storage conformance: ${name}`, () => {
    let storage: Storage;
    const handles: Storage[] = [];
    const run = randomBytes(4).toString('hex');
    let counter = 0;
    const unique = (prefix: string) => `${prefix}-${run}-${++counter}`;

    const openHandle = async () => {
      const handle = await open();
      handles.push(handle);
      return handle;
    };
    const newStore = (): Promise<StoreRecord> =>
      storage.stores.createStore({ name: unique('store'), publicKey: unique('pk'), privateKey: { name: 'default', hash: 'a'.repeat(64) } });
    const entry = (key: string, doc: Doc = { id: key }, fields: Omit<CatalogEntry, 'key' | 'doc'> = {}): CatalogEntry => ({ key, doc, ...fields });
    const stored = (key: string, doc: Doc, fields: Omit<CatalogEntry, 'key' | 'doc'> = {}): CatalogEntry => ({
      key,
      doc,
      email: fields.email ?? null,
      customer: fields.customer ?? null,
      time: fields.time ?? null,
      ref: fields.ref ?? null,
    });
    const keysOf = (entries: CatalogEntry[]) => entries.map((e) => e.key);
    const scanAll = async (storeId: number, kind: CatalogKind, pageSize?: number) => {
      const pages: CatalogEntry[][] = [];
      for await (const page of storage.catalog.scanDocs(storeId, kind, pageSize)) pages.push(page);
      return pages;
    };
    const changesFor = async (storeId: number, after: number) =>
      (await storage.catalog.changesSince(after, 100_000)).filter((c) => c.storeId === storeId).map((c) => `${c.kind}:${c.key}`);
    const stats = (written: Partial<Record<CatalogKind, number>>, removed: Partial<Record<CatalogKind, number>>): ImportStats => {
      const zero = { products: 0, categories: 0, pages: 0, customers: 0, orders: 0, parcels: 0, accessories: 0 };
      return { written: { ...zero, ...written }, removed: { ...zero, ...removed } };
    };
    const expectLogical = async (promise: Promise<unknown>, status: number) => {
      const err = await promise.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(LogicalError);
      expect(err).toMatchObject({ type: 'LogicalError', status });
    };

    beforeAll(async () => {
      storage = await openHandle();
    });

    afterAll(async () => {
      for (const handle of handles) await handle.close();
      await cleanup?.();
    });

    describe('stores', () => {
      it('answers ping and names its dialect', async () => {
        await storage.ping();
        expect(['sqlite', 'postgres']).toContain(storage.dialect);
      });

      it('keeps one database identity for every handle on the database', async () => {
        const other = await openHandle();
        const id = await storage.databaseId();
        expect(id).toMatch(/^[0-9a-f-]{32,36}$/);
        expect(await other.databaseId()).toBe(id);
      });

      it('creates a store and finds it by public key and by name', async () => {
        const now = Math.floor(Date.now() / 1000);
        const store = await newStore();
        expect(Number.isInteger(store.id) && store.id > 0).toBe(true);
        expect(Math.abs(store.createdAt - now)).toBeLessThanOrEqual(5);
        expect(await storage.stores.findStoreByPublicKey(store.publicKey)).toEqual(store);
        expect(await storage.stores.findStoreByName(store.name)).toEqual(store);
        expect(await storage.stores.findStoreByPublicKey(unique('nope'))).toBeNull();
        expect(await storage.stores.findStoreByName(unique('nope'))).toBeNull();
      });

      it('rejects a taken name or public key with LogicalError 409 and creates nothing', async () => {
        const store = await newStore();
        const before = (await storage.stores.listStores()).length;
        const freshKey = unique('pk');
        await expectLogical(storage.stores.createStore({ name: store.name, publicKey: freshKey, privateKey: { name: 'k', hash: 'h' } }), 409);
        await expectLogical(storage.stores.createStore({ name: unique('store'), publicKey: store.publicKey, privateKey: { name: 'k', hash: 'h' } }), 409);
        expect((await storage.stores.listStores()).length).toBe(before);
        expect(await storage.stores.findStoreByPublicKey(freshKey)).toBeNull();
      });

      it('lists stores oldest first', async () => {
        const first = await newStore();
        const second = await newStore();
        const ids = (await storage.stores.listStores()).map((s) => s.id);
        expect(ids).toEqual([...ids].sort((a, b) => a - b));
        expect(ids.indexOf(first.id)).toBeLessThan(ids.indexOf(second.id));
      });

      it('keeps several named private keys per store, names unique per store', async () => {
        const store = await newStore();
        const other = await newStore();
        await storage.stores.addPrivateKey(store.id, { name: 'ci', hash: 'b'.repeat(64) });
        await storage.stores.addPrivateKey(store.id, { name: 'backend', hash: 'c'.repeat(64) });
        await storage.stores.addPrivateKey(other.id, { name: 'ci', hash: 'd'.repeat(64) });
        await expectLogical(storage.stores.addPrivateKey(store.id, { name: 'ci', hash: 'e'.repeat(64) }), 409);
        const keys = await storage.stores.listPrivateKeys(store.id);
        expect(keys.map((k) => `${k.name}=${k.hash[0]}`).sort()).toEqual(['backend=c', 'ci=b', 'default=a']);
        expect(keys.every((k) => k.storeId === store.id && Number.isInteger(k.createdAt))).toBe(true);
        expect((await storage.stores.listPrivateKeys(other.id)).map((k) => k.name).sort()).toEqual(['ci', 'default']);
      });

      it('rejects a private key for an unknown store with LogicalError 404', async () => {
        await expectLogical(storage.stores.addPrivateKey(987_654_321, { name: 'x', hash: 'y' }), 404);
      });

      it('round-trips JSON settings per store; undefined removes one', async () => {
        const store = await newStore();
        const other = await newStore();
        const values: Record<string, unknown> = { obj: { salt: 'x', n: [1, 2.5, 'three'] }, num: 42, str: '42', yes: true, nil: null, arr: [1, 'a', { b: null }] };
        for (const [key, value] of Object.entries(values)) await storage.stores.setSetting(store.id, key, value);
        for (const [key, value] of Object.entries(values)) expect(await storage.stores.getSetting(store.id, key)).toEqual(value);
        expect(await storage.stores.getSetting(store.id, 'missing')).toBeUndefined();
        expect(await storage.stores.getSetting(other.id, 'num')).toBeUndefined();
        await storage.stores.setSetting(store.id, 'num', 'replaced');
        expect(await storage.stores.getSetting(store.id, 'num')).toBe('replaced');
        await storage.stores.setSetting(store.id, 'num', undefined);
        expect(await storage.stores.getSetting(store.id, 'num')).toBeUndefined();
      });
    });

    describe('catalog documents', () => {
      it('upserts and gets documents in the order asked, skipping missing keys', async () => {
        const { id } = await newStore();
        await storage.catalog.upsertDocs(id, 'customers', [
          entry('c1', { id: 'c1', name: 'Ann' }, { email: 'ann@example.com' }),
          entry('c2', { id: 'c2' }, { customer: 'c2', time: 1700000000 }),
          entry('c3'),
        ]);
        const got = await storage.catalog.getDocs(id, 'customers', ['c3', 'missing', 'c1', 'c2']);
        expect(got).toEqual([
          stored('c3', { id: 'c3' }),
          stored('c1', { id: 'c1', name: 'Ann' }, { email: 'ann@example.com' }),
          stored('c2', { id: 'c2' }, { customer: 'c2', time: 1700000000 }),
        ]);
        expect(await storage.catalog.getDocs(id, 'customers', [])).toEqual([]);
      });

      it('replaces whole documents and their indexed fields; the last duplicate in a batch wins', async () => {
        const { id } = await newStore();
        await storage.catalog.upsertDocs(id, 'orders', [entry('o1', { id: 'o1', total: 5, note: 'x' }, { email: 'old@x.io', customer: 'u1', time: 100 })]);
        await storage.catalog.upsertDocs(id, 'orders', [entry('o1', { id: 'o1', total: 6 }, { email: 'new@x.io' }), entry('o2', { v: 1 }), entry('o2', { v: 2 })]);
        expect(await storage.catalog.getDocs(id, 'orders', ['o1', 'o2'])).toEqual([stored('o1', { id: 'o1', total: 6 }, { email: 'new@x.io' }), stored('o2', { v: 2 })]);
        expect(await storage.catalog.findDocsByEmail(id, 'orders', ['old@x.io'])).toEqual([]);
        expect(await storage.catalog.countDocs(id, 'orders')).toBe(2);
      });

      it('keeps JSON exactly: numeric and string IDs, numbers, nesting', async () => {
        const { id } = await newStore();
        const numeric = { id: 123, price: 9.99, zero: 0, neg: -0.5, big: 2 ** 53 - 1, exp: 1e21, small: 1.5e-7, sale: false, tags: ['a', 1, null], deep: { x: { y: [1, '1'] } }, empty: {}, none: [] };
        const text = { id: 'abc', ref: '0042', n: '7' };
        await storage.catalog.upsertDocs(id, 'products', [entry('123', numeric), entry('abc', text), entry('0042', { id: '0042' })]);
        const [a, b, c] = await storage.catalog.getDocs(id, 'products', ['123', 'abc', '0042']);
        expect(a.doc).toEqual(numeric);
        expect(typeof a.doc.id).toBe('number');
        expect(b.doc).toEqual(text);
        expect(c.doc.id).toBe('0042');
      });

      it('removes documents and counts only those that existed', async () => {
        const { id } = await newStore();
        await storage.catalog.upsertDocs(id, 'products', ['p1', 'p2', 'p3'].map((k) => entry(k)));
        expect(await storage.catalog.removeDocs(id, 'products', ['p1', 'missing', 'p3', 'p1'])).toBe(2);
        expect(await storage.catalog.removeDocs(id, 'products', [])).toBe(0);
        expect(keysOf(await storage.catalog.getDocs(id, 'products', ['p1', 'p2', 'p3']))).toEqual(['p2']);
        expect(await storage.catalog.countDocs(id, 'products')).toBe(1);
      });

      it('insertDocsIfAbsent inserts only new keys and leaves existing documents untouched', async () => {
        const { id } = await newStore();
        await storage.catalog.upsertDocs(id, 'customers', [entry('c1', { v: 1 }, { email: 'keep@x.io' })]);
        const inserted = await storage.catalog.insertDocsIfAbsent(id, 'customers', [
          entry('c1', { v: 2 }, { email: 'lost@x.io' }),
          entry('c2', { v: 1 }),
          entry('c3', { v: 1 }),
          entry('c2', { v: 2 }),
        ]);
        expect(inserted).toEqual(['c2', 'c3']);
        expect(await storage.catalog.insertDocsIfAbsent(id, 'customers', [])).toEqual([]);
        const got = await storage.catalog.getDocs(id, 'customers', ['c1', 'c2']);
        expect(got).toEqual([stored('c1', { v: 1 }, { email: 'keep@x.io' }), stored('c2', { v: 1 })]);
      });

      it('insertDocsIfAbsent inserts exactly once under concurrent calls', async () => {
        const { id } = await newStore();
        const same = await Promise.all([1, 2, 3].map((n) => storage.catalog.insertDocsIfAbsent(id, 'customers', [entry('k1', { n })])));
        expect(same.flat()).toEqual(['k1']);
        const others = [storage, await openHandle(), await openHandle()];
        const across = await Promise.all(others.map((h, n) => h.catalog.insertDocsIfAbsent(id, 'customers', [entry('k2', { n })])));
        expect(across.flat()).toEqual(['k2']);
        const winner = across.findIndex((keys) => keys.length === 1);
        expect((await storage.catalog.getDocs(id, 'customers', ['k2']))[0].doc).toEqual({ n: winner });
        expect(await storage.catalog.countDocs(id, 'customers')).toBe(2);
      });

      it('finds documents by indexed email within one kind', async () => {
        const { id } = await newStore();
        await storage.catalog.upsertDocs(id, 'customers', [entry('c2', {}, { email: 'b@x.io' }), entry('c1', {}, { email: 'a@x.io' }), entry('c3')]);
        await storage.catalog.upsertDocs(id, 'orders', [entry('o1', {}, { email: 'a@x.io', customer: 'c1' }), entry('o2', {}, { email: 'a@x.io' })]);
        expect(keysOf(await storage.catalog.findDocsByEmail(id, 'customers', ['a@x.io', 'b@x.io', 'zz@x.io']))).toEqual(['c1', 'c2']);
        expect(keysOf(await storage.catalog.findDocsByEmail(id, 'orders', ['a@x.io']))).toEqual(['o1', 'o2']);
        expect(await storage.catalog.findDocsByEmail(id, 'products', ['a@x.io'])).toEqual([]);
        expect(await storage.catalog.findDocsByEmail(id, 'customers', [])).toEqual([]);
      });

      it('finds documents by ref (a parcel by its order) within one kind, and keeps ref through a replace', async () => {
        const { id } = await newStore();
        await storage.catalog.upsertDocs(id, 'parcels', [entry('pa2', {}, { ref: 'o1' }), entry('pa1', {}, { ref: 'o1' }), entry('pa3', {}, { ref: 'o2' }), entry('pa4')]);
        expect(keysOf(await storage.catalog.findDocsByRef(id, 'parcels', ['o1', 'zz']))).toEqual(['pa1', 'pa2']);
        expect(await storage.catalog.findDocsByRef(id, 'parcels', ['o2'])).toEqual([stored('pa3', {}, { ref: 'o2' })]);
        expect(await storage.catalog.findDocsByRef(id, 'orders', ['o1'])).toEqual([]);
        expect(await storage.catalog.findDocsByRef(id, 'parcels', [])).toEqual([]);
        await storage.catalog.upsertDocs(id, 'parcels', [entry('pa3', {}, { ref: 'o1' })]);
        expect(keysOf(await storage.catalog.findDocsByRef(id, 'parcels', ['o1']))).toEqual(['pa1', 'pa2', 'pa3']);
        expect(await storage.catalog.findDocsByRef(id, 'parcels', ['o2'])).toEqual([]);
      });

      it('lists the newest documents by indexed time, newest first, equal times by key', async () => {
        const { id } = await newStore();
        await storage.catalog.upsertDocs(id, 'orders', [entry('o1', {}, { time: 10 }), entry('o3', {}, { time: 30 }), entry('o2', {}, { time: 30 }), entry('o4'), entry('o5', {}, { time: 5 })]);
        expect(keysOf(await storage.catalog.latestDocs(id, 'orders', 3))).toEqual(['o2', 'o3', 'o1']);
        expect(keysOf(await storage.catalog.latestDocs(id, 'orders', 10))).toEqual(['o2', 'o3', 'o1', 'o5']);
        expect(await storage.catalog.latestDocs(id, 'orders', 0)).toEqual([]);
        expect(await storage.catalog.latestDocs(id, 'customers', 5)).toEqual([]);
      });

      it('scans 2,500 documents in key-ordered pages', async () => {
        const { id } = await newStore();
        const keys = Array.from({ length: 2500 }, (_, i) => `p${String(i).padStart(5, '0')}`);
        await storage.catalog.upsertDocs(id, 'products', [...keys].reverse().map((k) => entry(k, { id: k })));
        const pages = await scanAll(id, 'products');
        expect(pages.map((p) => p.length)).toEqual([1000, 1000, 500]);
        expect(pages.flat().map((e) => e.key)).toEqual(keys);
        expect(pages[2][499]).toEqual(stored('p02499', { id: 'p02499' }));
        expect((await scanAll(id, 'products', 1250)).map((p) => p.length)).toEqual([1250, 1250]);
        expect((await scanAll(id, 'products', 7)).flat().length).toBe(2500);
        expect(await scanAll(id, 'categories')).toEqual([]);
        await expect(scanAll(id, 'products', 0)).rejects.toThrow(RangeError);
      });

      it('counts documents per store and kind', async () => {
        const { id } = await newStore();
        await storage.catalog.upsertDocs(id, 'products', ['a', 'b', 'c'].map((k) => entry(k)));
        await storage.catalog.upsertDocs(id, 'categories', [entry('a')]);
        expect(await storage.catalog.countDocs(id, 'products')).toBe(3);
        expect(await storage.catalog.countDocs(id, 'categories')).toBe(1);
        expect(await storage.catalog.countDocs(id, 'pages')).toBe(0);
      });

      it('isolates stores and kinds', async () => {
        const a = await newStore();
        const b = await newStore();
        await storage.catalog.upsertDocs(a.id, 'products', [entry('p1', { owner: 'a' }, { email: 'a@x.io' })]);
        await storage.catalog.upsertDocs(a.id, 'categories', [entry('p1', { kind: 'category' })]);
        expect(await storage.catalog.getDocs(b.id, 'products', ['p1'])).toEqual([]);
        expect(await storage.catalog.countDocs(b.id, 'products')).toBe(0);
        expect(await scanAll(b.id, 'products')).toEqual([]);
        expect(await storage.catalog.findDocsByEmail(b.id, 'products', ['a@x.io'])).toEqual([]);
        expect(await storage.catalog.removeDocs(b.id, 'products', ['p1'])).toBe(0);
        await storage.catalog.upsertDocs(b.id, 'products', [entry('p1', { owner: 'b' })]);
        expect((await storage.catalog.getDocs(a.id, 'products', ['p1']))[0].doc).toEqual({ owner: 'a' });
        expect((await storage.catalog.getDocs(a.id, 'categories', ['p1']))[0].doc).toEqual({ kind: 'category' });
      });

      it('writes 5,000 documents in one upsert', async () => {
        const { id } = await newStore();
        const mark = await storage.catalog.latestChangeSeq();
        const entries = Array.from({ length: 5000 }, (_, i) => entry(`k${i}`, { id: i, name: `Product ${i}`, price: i / 100 }, { time: i }));
        await storage.catalog.upsertDocs(id, 'products', entries);
        expect(await storage.catalog.countDocs(id, 'products')).toBe(5000);
        expect(await storage.catalog.getDocs(id, 'products', ['k0', 'k4999', 'k2500'])).toEqual([0, 4999, 2500].map((i) => stored(`k${i}`, entries[i].doc, { time: i })));
        expect((await changesFor(id, mark)).length).toBe(5000);
      });

      it('keeps unicode and huge strings intact', async () => {
        const { id } = await newStore();
        const huge = `${'€'.repeat(300_000)}${'x'.repeat(1_000_000)}🎉`;
        const doc = {
          name: 'Café crème 😀 — 製品 مرحبا नमस्ते',
          combining: 'e\u0301 vs \u00e9',
          separators: 'line\u2028para\u2029end',
          escapes: 'quote " backslash \\ tab \t newline \n braces {a,b}',
          huge,
        };
        const keys = ['ключ-🔑', '製品-1', 'a"b\\c', 'x,{y}', 'tab\tnl\n'];
        await storage.catalog.upsertDocs(id, 'products', keys.map((k) => entry(k, { ...doc, id: k }, { email: 'zoë@exämple.com', customer: '客户' })));
        const got = await storage.catalog.getDocs(id, 'products', keys);
        expect(keysOf(got)).toEqual(keys);
        expect(got[0]).toEqual(stored(keys[0], { ...doc, id: keys[0] }, { email: 'zoë@exämple.com', customer: '客户' }));
        expect(got[4].doc.huge).toBe(huge);
        expect((await storage.catalog.findDocsByEmail(id, 'products', ['zoë@exämple.com'])).length).toBe(5);
      });
    });

    describe('change log', () => {
      it('records every write and removal in order, with store, kind and key', async () => {
        const { id } = await newStore();
        const mark = await storage.catalog.latestChangeSeq();
        await storage.catalog.upsertDocs(id, 'products', [entry('p1'), entry('p2')]);
        await storage.catalog.removeDocs(id, 'products', ['p1', 'missing']);
        await storage.catalog.insertDocsIfAbsent(id, 'categories', [entry('c1')]);
        await storage.catalog.insertDocsIfAbsent(id, 'categories', [entry('c1')]);
        await storage.catalog.upsertDocs(id, 'products', []);
        const changes = await storage.catalog.changesSince(mark, 100);
        expect(changes.every((c) => c.storeId === id)).toBe(true);
        const seqs = changes.map((c) => c.seq);
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
        expect(new Set(seqs).size).toBe(seqs.length);
        const names = changes.map((c) => `${c.kind}:${c.key}`);
        expect(names.slice(0, 2).sort()).toEqual(['products:p1', 'products:p2']);
        expect(names.slice(2)).toEqual(['products:p1', 'categories:c1']);
        expect(await storage.catalog.latestChangeSeq()).toBe(seqs[seqs.length - 1]);
      });

      it('pages with after and limit', async () => {
        const { id } = await newStore();
        const mark = await storage.catalog.latestChangeSeq();
        await storage.catalog.upsertDocs(id, 'pages', ['a', 'b', 'c', 'd', 'e'].map((k) => entry(k)));
        const firstTwo = await storage.catalog.changesSince(mark, 2);
        expect(firstTwo.length).toBe(2);
        const rest = await storage.catalog.changesSince(firstTwo[1].seq, 10);
        expect([...firstTwo, ...rest].map((c) => c.key).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
        expect(await storage.catalog.changesSince(await storage.catalog.latestChangeSeq(), 10)).toEqual([]);
        expect(await storage.catalog.changesSince(mark, 0)).toEqual([]);
      });

      it('lets a tailer follow concurrent writers without missing a row', async () => {
        const { id } = await newStore();
        const writers = [storage, await openHandle(), await openHandle()];
        const mark = await storage.catalog.latestChangeSeq();
        let cursor = mark;
        const seen: number[] = [];
        const tail = async () => {
          for (const change of await storage.catalog.changesSince(cursor, 1000)) {
            seen.push(change.seq);
            cursor = change.seq;
          }
        };
        let writing = true;
        const tailer = (async () => {
          while (writing) await tail();
        })();
        await Promise.all(
          writers.map(async (handle, w) => {
            for (let round = 0; round < 15; round++) {
              await handle.catalog.upsertDocs(id, 'products', [entry(`w${w}-${round}-a`), entry(`w${w}-${round}-b`)]);
            }
          }),
        );
        writing = false;
        await tailer;
        await tail();
        const all = (await storage.catalog.changesSince(mark, 10_000)).map((c) => c.seq);
        expect(all.length).toBe(90);
        expect(seen).toEqual(all);
      });
    });

    describe('imports', () => {
      const seed = async (id: number) => {
        await storage.catalog.upsertDocs(id, 'products', ['p1', 'p2', 'p3'].map((k) => entry(k, { v: 1 })));
        await storage.catalog.upsertDocs(id, 'categories', [entry('c1')]);
        await storage.catalog.upsertDocs(id, 'pages', [entry('g1')]);
        await storage.catalog.upsertDocs(id, 'orders', [entry('o1', {}, { email: 'a@x.io' })]);
      };

      it('commits staged documents in one go and mirrors the kinds asked, never orders', async () => {
        const { id } = await newStore();
        const bystander = await newStore();
        await seed(id);
        await storage.catalog.upsertDocs(bystander.id, 'products', [entry('p1')]);
        const session = await storage.catalog.beginImport(id);
        await session.stage('products', [entry('p2', { v: 2 }), entry('p4', { v: 1 }), entry('p4', { v: 2 })]);
        await session.stage('products', [entry('p4', { v: 3 }, { time: 7 })]);
        await session.stage('categories', [entry('c2')]);
        await session.stage('orders', [entry('o2', {}, { email: 'a@x.io' })]);
        await session.stage('customers', []);
        expect(await storage.catalog.getDocs(id, 'products', ['p4'])).toEqual([]);
        const mark = await storage.catalog.latestChangeSeq();
        const result = await session.commit(['products', 'pages', 'orders']);
        expect(result).toEqual(stats({ products: 2, categories: 1, orders: 1 }, { products: 2, pages: 1 }));
        expect(await storage.catalog.getDocs(id, 'products', ['p1', 'p2', 'p3', 'p4'])).toEqual([stored('p2', { v: 2 }), stored('p4', { v: 3 }, { time: 7 })]);
        expect(keysOf((await scanAll(id, 'categories')).flat())).toEqual(['c1', 'c2']);
        expect(await storage.catalog.countDocs(id, 'pages')).toBe(0);
        expect(keysOf(await storage.catalog.findDocsByEmail(id, 'orders', ['a@x.io']))).toEqual(['o1', 'o2']);
        expect(await storage.catalog.countDocs(bystander.id, 'products')).toBe(1);
        expect((await changesFor(id, mark)).sort()).toEqual(
          ['categories:c2', 'orders:o2', 'pages:g1', 'products:p1', 'products:p2', 'products:p3', 'products:p4'],
        );
        await expect(session.stage('products', [entry('late')])).rejects.toThrow();
      });

      it('keeps sessions apart: a commit applies only its own staged rows', async () => {
        const { id } = await newStore();
        await seed(id);
        const a = await storage.catalog.beginImport(id);
        const b = await storage.catalog.beginImport(id);
        await a.stage('products', [entry('from-a')]);
        await b.stage('products', [entry('from-b')]);
        expect(await b.commit(['products'])).toEqual(stats({ products: 1 }, { products: 3 }));
        await a.abort();
        expect(keysOf((await scanAll(id, 'products')).flat())).toEqual(['from-b']);
      });

      it('abort leaves the catalog and the change log unchanged', async () => {
        const { id } = await newStore();
        await seed(id);
        const mark = await storage.catalog.latestChangeSeq();
        const session = await storage.catalog.beginImport(id);
        await session.stage('products', [entry('p1', { v: 9 }), entry('p9')]);
        await session.abort();
        await session.abort();
        expect(await storage.catalog.getDocs(id, 'products', ['p1', 'p9'])).toEqual([stored('p1', { v: 1 })]);
        expect(await storage.catalog.countDocs(id, 'products')).toBe(3);
        expect(await storage.catalog.latestChangeSeq()).toBe(mark);
        await expect(session.commit(['products'])).rejects.toThrow();
        expect(await storage.catalog.countDocs(id, 'products')).toBe(3);
      });
    });

    const context: ConformanceContext = { storage: () => storage, openHandle, newStore, unique, dumpRows };
    runEventConformance(context);
    runIdentityConformance(context);
    runRetentionConformance(context);

    describe('durability', () => {
      it('re-opens the same database with its data, without re-running migrations', async () => {
        const store = await newStore();
        await storage.stores.setSetting(store.id, 'salt', { s: 'x' });
        await storage.catalog.upsertDocs(store.id, 'products', [entry('kept', { id: 7 })]);
        const seq = await storage.catalog.latestChangeSeq();
        await storage.close();
        storage = await openHandle();
        expect(await storage.stores.findStoreByName(store.name)).toEqual(store);
        expect(await storage.stores.getSetting(store.id, 'salt')).toEqual({ s: 'x' });
        expect(await storage.catalog.getDocs(store.id, 'products', ['kept'])).toEqual([stored('kept', { id: 7 })]);
        expect(await storage.catalog.latestChangeSeq()).toBe(seq);
        await storage.catalog.upsertDocs(store.id, 'products', [entry('after')]);
        expect(await storage.catalog.latestChangeSeq()).toBeGreaterThan(seq);
      });
    });
  });
}
