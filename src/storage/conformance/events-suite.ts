/**
 * Conformance for EventStore: group commits, impressions, sales idempotency, the event log tail
 * and privacy forget. Registered by runStorageConformance; every test makes its own stores and
 * visitors, so the event log (global) is only read from marks or filtered by store.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { EventBatch, Id, ImpressionRecord, RollupDelta, SaleRecord, Storage, StoredEvent, TrackedEvent } from '../ports.js';
import { uncountedDeltas } from '../../analytics/deltas.js';
import { IMPRESSION_WINDOW } from '../shared.js';
import type { ConformanceContext } from './suite.js';

const T0 = 1_700_000_000;

const event = (storeId: number, visitor: string | null, fields: Partial<TrackedEvent> = {}): TrackedEvent => ({ storeId, type: 'product', time: T0 + 0.25, visitor, product: 'p1', ...fields });
/** What the store answers for an event: every optional field present. */
const stored = (e: TrackedEvent, seq: number): StoredEvent => ({
  seq, storeId: e.storeId, type: e.type, time: e.time, visitor: e.visitor,
  product: e.product ?? null, category: e.category ?? null, labels: e.labels ?? null, api: e.api ?? null,
  requestId: e.requestId ?? null, position: e.position ?? null, external: e.external ?? false, data: e.data ?? null,
});
const impression = (storeId: number, visitor: string, requestId: string, results: string[], fields: Partial<ImpressionRecord> = {}): ImpressionRecord => ({
  storeId, requestId, time: T0, visitor, api: 'recommendations/trending', labels: ['Home'], input: { limit: 5 }, results, ...fields,
});
const sale = (storeId: number, saleId: Id, fields: Partial<SaleRecord> = {}): SaleRecord => ({
  storeId, sale: String(saleId), saleId, time: T0 + 0.5, visitor: null, email: null, customer: null,
  lines: [{ product: 'p1', id: 1, price: 9.99, quantity: 2 }], attribution: null, ...fields,
});
const commit = (handle: Storage, part: Partial<EventBatch>) => handle.events.commitBatch({ events: [], impressions: [], sales: [], ...part });

/**
 * Follows a log from `after` while `writes` are in flight, then once more; returns every seq it
 * read, in order. A tailer polls; it must let I/O run between polls (a SQLite commit resolves
 * only after its fsync, which a loop of bare microtasks would starve).
 */
async function tailDuring(since: (after: number) => Promise<Array<{ seq: number }>>, after: number, writes: Promise<unknown>): Promise<number[]> {
  const seen: number[] = [];
  let cursor = after;
  const step = async () => {
    for (const e of await since(cursor)) {
      seen.push(e.seq);
      cursor = e.seq;
    }
  };
  let writing = true;
  const tailer = (async () => {
    while (writing) {
      await step();
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  await writes;
  writing = false;
  await tailer;
  await step();
  return seen;
}

/**
 * Checks a database migrated to the sale log (migration 6) whose three sales (store 1) got
 * numbered in the `expected` order, then closes it: the log reads them back as 1..3 and the
 * next new sale is 4.
 */
export async function expectMigratedSaleLog(migrated: Storage, expected: string[]): Promise<void> {
  try {
    expect((await migrated.events.salesSince(0, 10)).map((e) => [e.seq, e.sale.sale])).toEqual(expected.map((sale, i) => [i + 1, sale]));
    expect(await migrated.events.latestSaleSeq()).toBe(3);
    const next = await migrated.events.commitBatch({ events: [], impressions: [], sales: [{ storeId: 1, sale: 'd', saleId: 'd', time: 5, visitor: null, email: null, customer: null, lines: [] }] });
    expect(next.saleSeqs).toEqual([4]);
  } finally {
    await migrated.close();
  }
}

/** Registers the EventStore tests inside the main conformance suite. */
export function runEventConformance(ctx: ConformanceContext): void {
  const { newStore, unique } = ctx;
  const storage = () => ctx.storage();
  // Visitor IDs are alphanumeric and end in x, so one never is a prefix of another in a dump.
  const visitor = () => `${unique('v').replace(/-/g, '')}x`;
  let handles: Storage[] = [];

  beforeAll(async () => {
    handles = [await ctx.openHandle(), await ctx.openHandle()];
  });

  describe('events: group commits', () => {
    it('round-trips a batch: labels, data JSON, float times, numeric and string sale IDs', async () => {
      const { id } = await newStore();
      const v = visitor();
      const events: TrackedEvent[] = [
        event(id, v, { type: 'click', time: T0 + 0.125, labels: ['Home', 'Ünï 😀'], api: 'recommendations/popular', requestId: 'r1', position: 0, external: true }),
        event(id, v, { type: 'cart', time: T0 + 1.5, product: null, data: { basket_id: 'b1', lines: [{ id: 7, qty: 2 }, { id: '7', qty: 1.5 }], deep: { a: [null, true] } } }),
        event(id, v, { type: 'category', time: T0 + 2, product: undefined, category: '12', position: 3 }),
        { storeId: id, type: 'email', time: T0 + 3, visitor: v },
      ];
      const impressions = [impression(id, v, 'r1', ['p1', 'p2'], { time: T0 - 0.75, input: { products: [1, '2'], query: 'sko' } })];
      const sales = [
        sale(id, 123, { visitor: v, email: 'a@x.io', customer: 'c1', attribution: { total: 19.98, lines: [{ product: 'p1', share: 0.5 }] } }),
        sale(id, '0042', { time: T0 + 4.75, lines: [{ product: 'p2', id: 'p2', price: 0.1, quantity: 1 }] }),
      ];
      const result = await commit(storage(), { events, impressions, sales });
      expect(result.newSales).toEqual([true, true]);
      expect(await storage().events.eventsOfVisitors(id, [v])).toEqual(events.map((e, i) => stored(e, result.eventSeqs[i])).reverse());
      expect(await storage().events.findImpression(id, 'r1')).toEqual(impressions[0]);
      expect(await storage().events.findImpression(id, 'missing')).toBeNull();
      const [numeric, text] = [await storage().events.getSale(id, '123'), await storage().events.getSale(id, '0042')];
      expect([numeric, text]).toEqual(sales);
      expect(typeof numeric?.saleId).toBe('number');
      expect(text?.saleId).toBe('0042');
      expect(await storage().events.getSale(id, '124')).toBeNull();
    });

    it('answers eventSeqs parallel to the events, increasing across batches', async () => {
      const { id } = await newStore();
      const v = visitor();
      const first = await commit(storage(), { events: [1, 2, 3].map((n) => event(id, v, { product: `p${n}` })) });
      const second = await commit(storage(), { events: [event(id, v, { product: 'p4' })] });
      expect(await commit(storage(), {})).toEqual({ newSales: [], eventSeqs: [], saleSeqs: [] });
      const seqs = [...first.eventSeqs, ...second.eventSeqs];
      expect(seqs.every((s, i) => Number.isInteger(s) && (i === 0 || s > seqs[i - 1]))).toBe(true);
      const log = await storage().events.eventsSince(seqs[0] - 1, 100);
      expect(log.map((e) => `${e.seq}:${e.product}`)).toEqual(seqs.map((s, i) => `${s}:p${i + 1}`));
    });

    it('stores a sale once when it is logged three times in a row; the first copy is kept', async () => {
      const { id } = await newStore();
      const answers = [];
      for (const price of [1, 2, 3]) answers.push((await commit(storage(), { sales: [sale(id, 'o1', { lines: [{ product: 'p', id: 'p', price, quantity: 1 }] })] })).newSales);
      expect(answers).toEqual([[true], [false], [false]]);
      expect((await storage().events.getSale(id, 'o1'))?.lines[0].price).toBe(1);
    });

    it('stores a sale once when three handles log it at the same time', async () => {
      const { id } = await newStore();
      const writers = [storage(), ...handles];
      for (let round = 0; round < 5; round++) {
        const answers = await Promise.all(writers.map((h, w) => commit(h, { events: [event(id, visitor())], sales: [sale(id, `s${round}`, { lines: [{ product: 'p', id: w, price: 1, quantity: 1 }] })] })));
        expect(answers.map((a) => a.newSales[0]).filter(Boolean).length).toBe(1);
        const winner = answers.findIndex((a) => a.newSales[0]);
        expect((await storage().events.getSale(id, `s${round}`))?.lines[0].id).toBe(winner);
      }
    });

    it('marks repeats within one batch as not new and keeps the first impression of a request_id', async () => {
      const [a, b] = [await newStore(), await newStore()];
      const v = visitor();
      const first = await commit(storage(), {
        sales: [sale(a.id, 's1'), sale(a.id, 's2'), sale(a.id, 's1', { time: T0 + 9 }), sale(b.id, 's1'), sale(a.id, 's2')],
        impressions: [impression(a.id, v, 'r1', ['p1']), impression(a.id, v, 'r1', ['p2']), impression(b.id, v, 'r1', ['p3'])],
      });
      expect(first.newSales).toEqual([true, true, false, true, false]);
      expect((await commit(storage(), { sales: [sale(a.id, 's2'), sale(a.id, 's3'), sale(a.id, 's3')] })).newSales).toEqual([false, true, false]);
      await commit(storage(), { impressions: [impression(a.id, v, 'r1', ['p4'])] });
      expect((await storage().events.findImpression(a.id, 'r1'))?.results).toEqual(['p1']);
      expect((await storage().events.findImpression(b.id, 'r1'))?.results).toEqual(['p3']);
      expect((await storage().events.getSale(a.id, 's1'))?.time).toBe(T0 + 0.5);
    });

    it('numbers new sales in the sale log (saleSeqs), repeats not, and salesSince reads them back in seq order', async () => {
      const { id } = await newStore();
      const before = await storage().events.latestSaleSeq();
      const first = await commit(storage(), { sales: [sale(id, 'a'), sale(id, 'b'), sale(id, 'a')] });
      expect(first.saleSeqs[2]).toBeNull();
      const second = await commit(storage(), { sales: [sale(id, 'b'), sale(id, 'c', { visitor: 'vx' })] });
      expect(second.saleSeqs[0]).toBeNull();
      const seqs = [first.saleSeqs[0], first.saleSeqs[1], second.saleSeqs[1]] as number[];
      expect(seqs.every((q, i) => Number.isInteger(q) && q > before && (i === 0 || q > seqs[i - 1]))).toBe(true);
      expect(await storage().events.latestSaleSeq()).toBeGreaterThanOrEqual(seqs[2]);
      const log = (await storage().events.salesSince(before, 100)).filter((e) => e.sale.storeId === id);
      expect(log.map((e) => [e.seq, e.sale.sale])).toEqual([[seqs[0], 'a'], [seqs[1], 'b'], [seqs[2], 'c']]);
      expect(log[2].sale).toEqual(await storage().events.getSale(id, 'c'));
      expect(await storage().events.salesSince(seqs[0], 1)).toEqual([log[1]]); // paged by after and limit
      expect(await storage().events.salesSince(before, 0)).toEqual([]);
    });

    it('lets a tailer follow concurrent writers through salesSince without missing a sale', async () => {
      const { id } = await newStore();
      const mark = await storage().events.latestSaleSeq();
      // Sale-only batches too: they must be ordered like batches with events.
      const seen = await tailDuring((after) => storage().events.salesSince(after, 1000), mark, Promise.all([storage(), ...handles].map(async (h, w) => {
        for (let round = 0; round < 15; round++) {
          const events = round % 2 === 0 ? [event(id, `w${w}`)] : [];
          await commit(h, { events, sales: [sale(id, `w${w}-${round}`), sale(id, `w${w}-${round}b`)] });
        }
      })));
      const all = (await storage().events.salesSince(mark, 10_000)).filter((e) => e.sale.storeId === id).map((e) => e.seq);
      expect(all.length).toBe(90);
      expect(seen.filter((q) => all.includes(q))).toEqual(all);
    });

    it('lets a tailer follow concurrent writers through eventsSince without missing a row', async () => {
      const { id } = await newStore();
      const mark = (await commit(storage(), { events: [event(id, null)] })).eventSeqs[0];
      const seen = await tailDuring((after) => storage().events.eventsSince(after, 1000), mark, Promise.all([storage(), ...handles].map(async (h, w) => {
        for (let round = 0; round < 15; round++) await commit(h, { events: [event(id, `w${w}`), event(id, `w${w}`, { product: `p${round}` })] });
      })));
      const all = (await storage().events.eventsSince(mark, 10_000)).map((e) => e.seq);
      expect(all.length).toBe(90);
      expect(seen).toEqual(all);
    });

    it('tails events of every store in seq order, paged by after and limit', async () => {
      const [a, b] = [await newStore(), await newStore()];
      const batches = [[a, b, a], [b], [a, a, b, b]].map((stores) => stores.map((s, i) => event(s.id, 'tailx', { product: `${s.id}-${i}` })));
      const seqs: number[] = [];
      for (const events of batches) seqs.push(...(await commit(storage(), { events })).eventSeqs);
      const pages: StoredEvent[][] = [];
      for (let after = seqs[0] - 1; ; ) {
        const page = await storage().events.eventsSince(after, 3);
        if (page.length === 0) break;
        pages.push(page);
        after = page[page.length - 1].seq;
      }
      expect(pages.map((p) => p.length)).toEqual([3, 3, 2]);
      expect(pages.flat()).toEqual(batches.flat().map((e, i) => stored(e, seqs[i])));
      expect(await storage().events.eventsSince(seqs[0] - 1, 0)).toEqual([]);
      expect(await storage().events.latestEventSeq()).toBe(seqs[seqs.length - 1]);
    });
  });

  describe('events: returns', () => {
    it('sums the returned units of one order line, numeric and string order IDs alike', async () => {
      const [a, b] = [await newStore(), await newStore()];
      const ret = (storeId: number, order: Id, product: string, quantity: number) => event(storeId, null, { type: 'returned', product, data: { order, quantity, price: 5 } });
      await commit(storage(), { events: [ret(a.id, 9, 'p1', 1), ret(a.id, 9, 'p1', 2), ret(a.id, 9, 'p2', 1), ret(a.id, '10', 'p1', 1), ret(b.id, 9, 'p1', 4)] });
      expect(await storage().events.returnedUnits(a.id, '9', 'p1')).toBe(3);
      expect(await storage().events.returnedUnits(a.id, '10', 'p1')).toBe(1);
      expect(await storage().events.returnedUnits(a.id, '9', 'p3')).toBe(0);
      expect(await storage().events.returnedUnits(b.id, '9', 'p1')).toBe(4);
    });
  });

  describe('events: queued rollups', () => {
    const HOUR = Math.floor(T0 / 3600) * 3600;
    const DAY = Math.floor(T0 / 86400) * 86400;
    const click = (storeId: number, product: string, visitor: string): RollupDelta[] => [
      { storeId, hour: HOUR, kind: 'total', name: '', api: '', metrics: { clicks: 1 }, unique: { visitor, metric: 'clickers' } },
      { storeId, hour: HOUR, kind: 'product', name: product, api: '', metrics: { clicks: 1 } },
    ];
    const products = async (storeId: number) =>
      Object.fromEntries((await storage().analytics.queryRollups(storeId, { kind: 'product', grain: 'day', from: DAY, to: DAY + 86400, groupBy: 'name' })).map((r) => [r.name, r.metrics.clicks]));
    const total = async (storeId: number) =>
      (await storage().analytics.queryRollups(storeId, { kind: 'total', grain: 'hour', from: HOUR, to: HOUR + 3600, groupBy: 'name' }))[0]?.metrics;
    const drain = async (handle: Storage, maxRows: number) => {
      let taken = 0;
      for (let n = -1; n !== 0; taken += n) n = await handle.analytics.applyQueuedRollups(maxRows);
      return taken;
    };

    it('queues a batch\'s increments with it and counts them once applied', async () => {
      const { id } = await newStore();
      const [v1, v2] = [visitor(), visitor()];
      await commit(storage(), { events: [event(id, v1)], rollups: [...click(id, 'p1', v1), ...click(id, 'p1', v2), ...click(id, 'p2', v1)] });
      expect(await products(id)).toEqual({});
      expect(await drain(storage(), 100)).toBeGreaterThanOrEqual(1);
      expect(await products(id)).toEqual({ p1: 2, p2: 1 });
      expect(await total(id)).toMatchObject({ clicks: 3, clickers: 2 });
      expect(await storage().analytics.applyQueuedRollups(100)).toBe(0);
      expect(await products(id)).toEqual({ p1: 2, p2: 1 });
    });

    it('counts a visitor again the day another handle forgot them (its cache of counted uniques is not trusted past a forget)', async () => {
      const { id } = await newStore();
      const [a, b] = handles;
      const v = visitor();
      await commit(a, { events: [event(id, v)], rollups: click(id, 'p1', v) });
      await drain(a, 100); // a's cache now says: v already clicked this day
      expect(await total(id)).toMatchObject({ clicks: 1, clickers: 1 });
      await b.events.forget(id, { visitors: [v], emails: [], customers: [] }, uncountedDeltas);
      expect(await total(id)).toMatchObject({ clicks: 1, clickers: 0 }); // the queued click above is not one of v's stored events
      await commit(a, { events: [event(id, v)], rollups: click(id, 'p2', v) }); // v comes back the same day, through a
      await drain(a, 100);
      expect(await total(id)).toMatchObject({ clicks: 2, clickers: 1 });
    });

    it('applies a delta with several names to each of their rows', async () => {
      const { id } = await newStore();
      const v = visitor();
      const shown: RollupDelta = { storeId: id, hour: HOUR, kind: 'product', name: '', api: '', metrics: { clicks: 1 }, names: ['p1', 'p2', 'p3'] };
      await commit(storage(), { events: [event(id, v)], rollups: [shown, ...click(id, 'p2', v)] });
      await drain(storage(), 100);
      expect(await products(id)).toEqual({ p1: 1, p2: 2, p3: 1 });
    });

    it('queues nothing for a repeated sale', async () => {
      const { id } = await newStore();
      const orders = (n: number): RollupDelta => ({ storeId: id, hour: HOUR, kind: 'total', name: '', api: '', metrics: { orders: n }, onlyIfNewSale: 'o9' });
      await commit(storage(), { sales: [sale(id, 'o9')], rollups: [orders(1)] });
      await commit(storage(), { sales: [sale(id, 'o9')], rollups: [orders(1)] });
      await drain(storage(), 100);
      expect(await total(id)).toMatchObject({ orders: 1 });
    });

    it('applies each queued row exactly once when three handles drain at the same time', async () => {
      const { id } = await newStore();
      for (let b = 0; b < 30; b++) await commit(storage(), { rollups: click(id, `p${b % 3}`, visitor()) });
      await Promise.all([storage(), ...handles].map((h) => drain(h, 4)));
      expect(await products(id)).toEqual({ p0: 10, p1: 10, p2: 10 });
      expect(await total(id)).toMatchObject({ clicks: 30, clickers: 30 });
    });

    it('drops a store\'s queued increments with its rollups, and only that store\'s', async () => {
      const [a, b] = [await newStore(), await newStore()];
      await commit(storage(), { rollups: [...click(a.id, 'p1', visitor()), ...click(b.id, 'p1', visitor())] });
      await storage().analytics.clearRollups(a.id);
      await drain(storage(), 100);
      expect(await products(a.id)).toEqual({});
      expect(await products(b.id)).toEqual({ p1: 1 });
    });
  });

  describe('events: lookups', () => {
    it('finds the latest impression that showed a product, by api, labels and since, per visitor', async () => {
      const [{ id }, other] = [await newStore(), await newStore()];
      const [v1, v2, v3] = [visitor(), visitor(), visitor()];
      const i1 = impression(id, v1, 'i1', ['p1', 'p2'], { time: 100, api: 'search/search', labels: ['Search'] });
      const i2 = impression(id, v1, 'i2', ['p2', 'p3'], { time: 200, labels: ['Home', 'Trending'] });
      const i3 = impression(id, v1, 'i3', ['p3'], { time: 300, labels: ['Home'] });
      const i4 = impression(id, v2, 'i4', ['p1', 'p2'], { time: 400, api: 'search/search', labels: ['Search', 'Extra'] });
      const noise = [impression(id, v3, 'i5', ['p1', 'p2', 'p3'], { time: 500 }), impression(other.id, v1, 'i6', ['p1', 'p2', 'p3'], { time: 600 })];
      await commit(storage(), { impressions: [i3, i1, noise[0], i4, i2, noise[1]] });
      const latest = async (visitor: string, product: string, opts: { api?: string; labels?: string[]; since?: number } = {}) =>
        (await storage().events.joinImpressions(id, [{ visitor, product, ...opts }]))[0];
      const find = async (visitor: string, product: string, opts: { api?: string; labels?: string[]; since?: number } = {}) => (await latest(visitor, product, opts))?.requestId ?? null;
      expect(await find(v1, 'p2')).toBe('i2');
      expect(await find(v1, 'p1')).toBe('i1');
      expect(await find(v2, 'p2')).toBe('i4');
      expect(await find(v1, 'p2', { api: 'recommendations/trending' })).toBe('i2');
      expect(await find(v1, 'p3', { labels: ['Home', 'Trending'] })).toBe('i2');
      expect(await find(v1, 'p3', { labels: ['Home'] })).toBe('i3');
      expect(await find(v2, 'p1', { labels: ['Extra', 'Search'], api: 'search/search' })).toBe('i4');
      expect(await find(v1, 'p1', { labels: ['Nope'] })).toBeNull();
      expect(await find(v2, 'p1', { labels: ['Nope'] })).toBeNull();
      expect(await find(v1, 'p2', { since: 250 })).toBeNull();
      expect(await find(v1, 'p2', { since: 200 })).toBe('i2');
      expect(await find(v1, 'p9')).toBeNull();
      expect(await find(visitor(), 'p1')).toBeNull();
      expect(await latest(v1, 'p2')).toEqual(i2);
    });

    it('joins many clicks at once: by request ID when it is the visitor’s, else the latest impression showing the product', async () => {
      const [{ id }, other] = [await newStore(), await newStore()];
      const [v1, v2] = [visitor(), visitor()];
      const i1 = impression(id, v1, 'j1', ['p1', 'p2'], { time: 100, api: 'search/search', labels: ['Search'] });
      const i2 = impression(id, v1, 'j2', ['p2'], { time: 200, labels: ['Home'] });
      const i3 = impression(id, v2, 'j3', ['p1'], { time: 300 });
      await commit(storage(), { impressions: [i1, i2, i3, impression(other.id, v1, 'j4', ['p1'], { time: 400 })] });
      const joined = await storage().events.joinImpressions(id, [
        { visitor: v1, product: 'p2' },
        { visitor: v1, product: 'p2', requestId: 'j1' },
        { visitor: v2, product: 'p1', requestId: 'j1' }, // another visitor's request ID: falls back to v2's own
        { visitor: v1, product: 'p1', requestId: 'missing' },
        { visitor: v1, product: 'p2', api: 'search/search' },
        { visitor: v1, product: 'p2', labels: ['Home'], since: 250 },
        { visitor: v1, product: 'p9' },
        { visitor: visitor(), product: 'p1' },
        { visitor: v1, product: 'p1', requestId: 'j4' }, // another store's request ID
      ]);
      expect(joined.map((i) => i?.requestId ?? null)).toEqual(['j2', 'j1', 'j3', 'j1', 'j1', null, null, null, 'j1']);
      expect(joined[0]).toEqual(i2);
      expect(await storage().events.joinImpressions(id, [])).toEqual([]);
    });

    it(`looks at no more than the newest ${IMPRESSION_WINDOW} impressions per visitor`, async () => {
      const { id } = await newStore();
      const v = visitor();
      const impressions = Array.from({ length: IMPRESSION_WINDOW + 1 }, (_, i) => impression(id, v, `w${i}`, [i === 0 ? 'old' : 'new'], { time: i }));
      await commit(storage(), { impressions });
      expect((await storage().events.joinImpressions(id, [{ visitor: v, product: 'old' }, { visitor: v, product: 'new' }])).map((i) => i?.requestId ?? null)).toEqual([null, `w${IMPRESSION_WINDOW}`]);
    });

    it('lists events and impressions of visitors newest first, by type and limit', async () => {
      const { id } = await newStore();
      const [v1, v2] = [visitor(), visitor()];
      const events = [event(id, v1, { time: 5, type: 'click' }), event(id, v2, { time: 7 }), event(id, v1, { time: 7, type: 'cart' }), event(id, visitor(), { time: 9 })];
      const { eventSeqs } = await commit(storage(), { events, impressions: [impression(id, v1, 'a', [], { time: 2 }), impression(id, v2, 'b', [], { time: 3 }), impression(id, v2, 'c', [], { time: 3 })] });
      const history = (opts?: Parameters<Storage['events']['eventsOfVisitors']>[2]) => storage().events.eventsOfVisitors(id, [v1, v2], opts).then((es) => es.map((e) => e.seq));
      expect(await history()).toEqual([eventSeqs[2], eventSeqs[1], eventSeqs[0]]);
      expect(await history({ types: ['click', 'cart'] })).toEqual([eventSeqs[2], eventSeqs[0]]);
      expect(await history({ limit: 1 })).toEqual([eventSeqs[2]]);
      expect(await storage().events.eventsOfVisitors(id, [])).toEqual([]);
      const shown = (limit?: number) => storage().events.impressionsOfVisitors(id, [v1, v2], limit).then((is) => is.map((i) => i.requestId));
      expect(await shown()).toEqual(['c', 'b', 'a']);
      expect(await shown(2)).toEqual(['c', 'b']);
    });

    it('lists a store\'s impressions since a time, newest first, up to a limit', async () => {
      const [{ id }, other] = [await newStore(), await newStore()];
      const [v1, v2] = [visitor(), visitor()];
      await commit(storage(), {
        impressions: [
          impression(id, v1, 'old', [], { time: 1 }), impression(id, v2, 'b', [], { time: 5 }), impression(id, v1, 'c', [], { time: 5 }),
          impression(id, v2, 'd', [], { time: 9 }), impression(other.id, v1, 'e', [], { time: 9 }),
        ],
      });
      const since = (from: number, limit: number) => storage().events.impressionsSince(id, from, limit).then((is) => is.map((i) => i.requestId));
      expect(await since(5, 10)).toEqual(['d', 'c', 'b']);
      expect(await since(0, 2)).toEqual(['d', 'c']);
      expect(await since(10, 10)).toEqual([]);
      expect(await since(0, 0)).toEqual([]);
      expect((await storage().events.impressionsSince(id, 9, 1))[0]).toEqual(impression(id, v2, 'd', [], { time: 9 }));
    });

    it('finds the sales of a person by visitor, email or customer, newest first, and replaces attribution', async () => {
      const [{ id }, other] = [await newStore(), await newStore()];
      const v = visitor();
      const sales = [sale(id, 1, { visitor: v, time: 10 }), sale(id, 2, { email: 'p@x.io', time: 30 }), sale(id, 3, { customer: 'c9', time: 20 }), sale(id, 4, { visitor: visitor(), time: 40 })];
      await commit(storage(), { sales: [...sales, sale(other.id, 5, { email: 'p@x.io' })] });
      const person = { visitors: [v], emails: ['p@x.io'], customers: ['c9'] };
      expect(await storage().events.salesOf(id, person)).toEqual([sales[1], sales[2], sales[0]]);
      expect(await storage().events.salesOf(id, { visitors: [], emails: [], customers: ['c9'] })).toEqual([sales[2]]);
      expect(await storage().events.salesOf(id, { visitors: [], emails: [], customers: [] })).toEqual([]);
      await storage().events.setSaleAttribution(id, '1', { total: 3, lines: [{ product: 'p1', click: 'r1' }] });
      expect((await storage().events.getSale(id, '1'))?.attribution).toEqual({ total: 3, lines: [{ product: 'p1', click: 'r1' }] });
      await storage().events.setSaleAttribution(id, '1', null);
      expect((await storage().events.getSale(id, '1'))?.attribution).toBeNull();
    });

    it('scans the sales of a store in (time, sale) pages', async () => {
      const [{ id }, other] = [await newStore(), await newStore()];
      const sales = Array.from({ length: 25 }, (_, i) => sale(id, `k${String((i * 7) % 25).padStart(2, '0')}`, { time: 1000 + Math.floor(i / 3) }));
      await commit(storage(), { sales: [...sales].reverse() });
      const scan = async (storeId: number, pageSize?: number) => {
        const pages: SaleRecord[][] = [];
        for await (const page of storage().events.scanSales(storeId, pageSize)) pages.push(page);
        return pages;
      };
      const order = [...sales].sort((x, y) => x.time - y.time || (x.sale < y.sale ? -1 : 1));
      const pages = await scan(id, 7);
      expect(pages.map((p) => p.length)).toEqual([7, 7, 7, 4]);
      expect(pages.flat()).toEqual(order);
      expect((await scan(id)).map((p) => p.length)).toEqual([25]);
      expect(await scan(other.id)).toEqual([]);
      await expect(scan(id, 0)).rejects.toThrow(RangeError);
    });

    it('isolates stores: the same visitor, request_id and sale live apart', async () => {
      const [a, b] = [await newStore(), await newStore()];
      const v = visitor();
      const { newSales } = await commit(storage(), {
        events: [event(a.id, v, { product: 'pa' }), event(b.id, v, { product: 'pb' })],
        impressions: [impression(a.id, v, 'r', ['pa']), impression(b.id, v, 'r', ['pb'])],
        sales: [sale(a.id, 1, { visitor: v }), sale(b.id, 1, { visitor: v, time: 1 })],
      });
      expect(newSales).toEqual([true, true]);
      expect((await storage().events.eventsOfVisitors(b.id, [v])).map((e) => e.product)).toEqual(['pb']);
      expect((await storage().events.impressionsOfVisitors(b.id, [v])).map((i) => i.results)).toEqual([['pb']]);
      expect((await storage().events.findImpression(b.id, 'r'))?.storeId).toBe(b.id);
      expect(await storage().events.joinImpressions(b.id, [{ visitor: v, product: 'pa' }])).toEqual([null]);
      expect((await storage().events.salesOf(b.id, { visitors: [v], emails: [], customers: [] })).map((s) => s.time)).toEqual([1]);
      expect((await storage().events.getSale(a.id, '1'))?.time).toBe(T0 + 0.5);
    });
  });

  describe('events: privacy forget', () => {
    /** A person with two devices, an email and a customer ID, traces of them everywhere, and a bystander. */
    const seedPerson = async (storeId: number, keep: string) => {
      const [v1, v2] = [visitor(), visitor()];
      // Record keys come from a tag, not from the visitors, so a kept key never looks like a trace.
      const tag = unique('t').replace(/-/g, '');
      const email = `${unique('mail')}@x.io`;
      const customer = unique('cust');
      await storage().identity.link(storeId, v1, { email });
      await storage().identity.link(storeId, v2, { email, customer });
      const attribution = { total: 20, visitor: v1, lines: [{ product: 'p1', amount: 20, clicks: [{ visitor: v1, request_id: 'q1' }], email }] };
      await commit(storage(), {
        events: [event(storeId, v1, { type: 'click', data: { email } }), event(storeId, v2, { type: 'email', data: { email } }), event(storeId, keep)],
        impressions: [impression(storeId, v1, `${tag}r1`, ['p1']), impression(storeId, v2, `${tag}r2`, ['p1']), impression(storeId, keep, `${tag}r3`, ['p1'])],
        sales: [sale(storeId, `${tag}s1`, { visitor: v1, attribution }), sale(storeId, `${tag}s2`, { email, customer }), sale(storeId, `${tag}s3`, { visitor: keep })],
      });
      await storage().catalog.upsertDocs(storeId, 'orders', [
        { key: `${tag}o1`, doc: { id: `${tag}o1`, email, customer, total: 20 }, email, customer, time: 5 },
        { key: `${tag}o2`, doc: { id: `${tag}o2`, customer, total: 7 }, customer },
        { key: `${tag}o3`, doc: { id: `${tag}o3`, email: 'other@x.io' }, email: 'other@x.io' },
      ]);
      await storage().catalog.upsertDocs(storeId, 'parcels', [
        { key: `${tag}pa1`, doc: { parcel_id: `${tag}pa1`, order_id: `${tag}o1`, tracking_code: 'TRACK1' }, ref: `${tag}o1` },
        { key: `${tag}pa3`, doc: { parcel_id: `${tag}pa3`, order_id: `${tag}o3`, tracking_code: 'TRACK3' }, ref: `${tag}o3` },
      ]);
      await storage().catalog.upsertDocs(storeId, 'customers', [
        { key: customer, doc: { id: customer, email, name: 'Ann' }, email },
        { key: `${tag}c1`, doc: { id: `${tag}c1`, email }, email },
        { key: `${tag}c3`, doc: { id: `${tag}c3` } },
      ]);
      return { tag, v1, v2, email, customer, keys: { visitors: [v1, v2], emails: [email], customers: [customer] } };
    };

    it('removes the history and identity of a person, anonymises sales and orders, and leaves no trace in any table', async () => {
      const { id } = await newStore();
      const keep = visitor();
      const { tag, v1, v2, email, customer, keys } = await seedPerson(id, keep);
      const mark = await storage().catalog.latestChangeSeq();
      const before = await storage().events.latestForgetSeq();
      expect(await storage().events.stillKnown(id, { ...keys, visitors: [...keys.visitors, keep, 'nobodyx'] })).toEqual({ ...keys, visitors: [...keys.visitors, keep] });
      const stats = await storage().events.forget(id, keys, uncountedDeltas);
      expect(stats).toEqual({ events: 2, impressions: 2, salesAnonymised: 2, ordersAnonymised: 2, parcelsRemoved: 1, customersRemoved: 2, identitiesRemoved: 4, logSeq: expect.any(Number) });
      // The forget log says where, not whom; stillKnown then tells who is gone.
      expect(stats.logSeq).toBeGreaterThan(before);
      expect(await storage().events.latestForgetSeq()).toBeGreaterThanOrEqual(stats.logSeq);
      expect((await storage().events.forgetsSince(before, 100)).find((f) => f.seq === stats.logSeq)).toEqual({ seq: stats.logSeq, storeId: id });
      expect(await storage().events.stillKnown(id, { ...keys, visitors: [...keys.visitors, keep] })).toEqual({ visitors: [keep], emails: [], customers: [] });
      const events = storage().events;
      expect(await events.eventsOfVisitors(id, [v1, v2, keep])).toEqual([expect.objectContaining({ visitor: keep })]);
      expect((await events.impressionsOfVisitors(id, [v1, v2, keep])).map((i) => i.visitor)).toEqual([keep]);
      expect(await events.salesOf(id, keys)).toEqual([]);
      expect(await events.getSale(id, `${tag}s1`)).toEqual(sale(id, `${tag}s1`, { attribution: { total: 20, lines: [{ product: 'p1', amount: 20 }] } }));
      expect(await events.getSale(id, `${tag}s2`)).toEqual(sale(id, `${tag}s2`));
      expect((await events.getSale(id, `${tag}s3`))?.visitor).toBe(keep);
      const orders = await storage().catalog.getDocs(id, 'orders', [`${tag}o1`, `${tag}o2`, `${tag}o3`]);
      expect(orders.map((o) => [o.doc, o.email, o.customer])).toEqual([
        [{ id: `${tag}o1`, total: 20 }, null, null],
        [{ id: `${tag}o2`, total: 7 }, null, null],
        [{ id: `${tag}o3`, email: 'other@x.io' }, 'other@x.io', null],
      ]);
      expect(orders[0].time).toBe(5);
      expect((await storage().catalog.getDocs(id, 'customers', [customer, `${tag}c1`, `${tag}c3`])).map((c) => c.key)).toEqual([`${tag}c3`]);
      const changes = (await storage().catalog.changesSince(mark, 100)).map((c) => `${c.kind}:${c.key}`);
      expect(changes.sort()).toEqual([`customers:${customer}`, `customers:${tag}c1`, `orders:${tag}o1`, `orders:${tag}o2`, `parcels:${tag}pa1`].sort());
      // The parcel of another person's order stays, still found by its order.
      expect((await storage().catalog.findDocsByRef(id, 'parcels', [`${tag}o1`, `${tag}o3`])).map((p) => p.key)).toEqual([`${tag}pa3`]);
      for (const by of [{ visitor: v1 }, { visitor: v2 }, { email }, { customer }]) expect(await storage().identity.personOf(id, by)).toBeNull();
      const dump = await ctx.dumpRows();
      expect(dump).toContain(keep);
      for (const trace of [email, v1, v2, 'TRACK1']) expect(dump).not.toContain(trace);
    });

    it('removes every link of the persons named, and only in the store asked', async () => {
      const [a, b] = [await newStore(), await newStore()];
      const keep = visitor();
      const inA = await seedPerson(a.id, keep);
      await storage().identity.link(b.id, inA.v1, { email: inA.email });
      await commit(storage(), { events: [event(b.id, inA.v1)], sales: [sale(b.id, 'b1', { email: inA.email })] });
      await storage().catalog.upsertDocs(b.id, 'customers', [{ key: inA.customer, doc: {}, email: inA.email }]);
      const stats = await storage().events.forget(a.id, { visitors: [inA.v1], emails: [], customers: [] }, uncountedDeltas);
      expect(stats).toMatchObject({ events: 1, impressions: 1, salesAnonymised: 1, ordersAnonymised: 0, parcelsRemoved: 0, customersRemoved: 0, identitiesRemoved: 4 });
      expect(await storage().identity.personOf(a.id, { customer: inA.customer })).toBeNull();
      expect(await storage().identity.personOf(b.id, { visitor: inA.v1 })).not.toBeNull();
      expect((await storage().events.eventsOfVisitors(b.id, [inA.v1])).length).toBe(1);
      expect((await storage().events.getSale(b.id, 'b1'))?.email).toBe(inA.email);
      expect(await storage().catalog.countDocs(b.id, 'customers')).toBe(1);
      const none = { visitors: [], emails: [], customers: [] };
      expect(await storage().events.forget(b.id, none, uncountedDeltas)).toEqual({ events: 0, impressions: 0, salesAnonymised: 0, ordersAnonymised: 0, parcelsRemoved: 0, customersRemoved: 0, identitiesRemoved: 0, logSeq: expect.any(Number) });
      expect(await storage().events.stillKnown(b.id, { visitors: [inA.v1], emails: [inA.email], customers: [inA.customer] })).toEqual({ visitors: [inA.v1], emails: [inA.email], customers: [inA.customer] });
    });
  });
}
