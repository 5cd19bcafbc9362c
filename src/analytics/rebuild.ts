/**
 * Rebuilding a store's rollups from raw events, and re-attributing its sales (after the
 * attribution window changes: `relevo reattribute`). Raw events are the truth; rollups are
 * derived and can always be recounted, which is also how the tests prove they agree.
 */
import type { RollupDelta, SaleRecord, Storage, StoredEvent } from '../storage/ports.js';
import { attributeSale, readAttribution } from './attribution.js';
import { eventDeltas, impressionDeltas, saleDeltas } from './deltas.js';
import { personClicks } from './person-clicks.js';

const BATCH = 5000;

/**
 * Recounts every rollup of a store from its impressions, events and sales, taken in time order
 * (merged), as the live path met them: a visitor's per-day unique lands in the hour of their first
 * record that day on both paths (exactly so when events were logged in time order, not backfilled).
 */
export async function rebuildRollups(storage: Storage, storeId: number): Promise<{ deltas: number }> {
  // The sales first, by ID: a return is subtracted where its sale is credited now. The map keeps
  // scanSales' (time, sale) order, so it is also the sales' stream below (one read, not two).
  const sales = new Map<string, SaleRecord>();
  for await (const page of storage.events.scanSales(storeId)) for (const sale of page) sales.set(sale.sale, sale);
  await storage.analytics.clearRollups(storeId);
  let pending: RollupDelta[] = [];
  let total = 0;
  const records = mergeByTime<Counted>([
    pages(storage.analytics.scanImpressions(storeId), (imp) => ({ time: imp.time, deltas: () => impressionDeltas(imp) })),
    pages(inOnePage(sales.values()), (sale) => ({ time: sale.time, deltas: () => saleDeltas(sale).map(({ onlyIfNewSale: _ignored, ...d }) => d) })),
    pages(storeEvents(storage, storeId), (e) => ({ time: e.time, deltas: () => eventDeltas(withCurrentCredit(e, sales)) })),
  ]);
  for await (const record of records) {
    pending.push(...record.deltas());
    if (pending.length >= BATCH) {
      await storage.analytics.applyRollups(pending);
      total += pending.length;
      pending = [];
    }
  }
  if (pending.length > 0) await storage.analytics.applyRollups(pending);
  return { deltas: total + pending.length };
}

interface Counted {
  time: number;
  deltas(): RollupDelta[];
}

/** A store's events in seq order, paged. */
async function* storeEvents(storage: Storage, storeId: number): AsyncGenerator<StoredEvent[]> {
  for (let after = 0; ; ) {
    const page = await storage.events.eventsSince(after, BATCH);
    if (page.length === 0) return;
    yield page.filter((e) => e.storeId === storeId);
    after = page[page.length - 1].seq;
  }
}

/** Values already in memory as a paged scan of one page. */
async function* inOnePage<T>(values: Iterable<T>): AsyncGenerator<T[]> {
  yield [...values];
}

/** The records of a paged scan, one at a time, mapped. */
async function* pages<T, R>(scan: AsyncIterable<T[]>, map: (t: T) => R): AsyncGenerator<R> {
  for await (const page of scan) for (const item of page) yield map(item);
}

/** Merges streams that are each in time order into one (ties: the earlier stream first). */
async function* mergeByTime<R extends { time: number }>(streams: AsyncIterator<R>[]): AsyncGenerator<R> {
  const heads = await Promise.all(streams.map((s) => s.next()));
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) if (!heads[i].done && (best < 0 || heads[i].value.time < heads[best].value.time)) best = i;
    if (best < 0) return;
    yield heads[best].value as R;
    heads[best] = await streams[best].next();
  }
}

/** A return is subtracted where its sale is credited now (the sale may have been re-attributed). */
function withCurrentCredit(e: StoredEvent, sales: Map<string, SaleRecord>): StoredEvent {
  if (e.type !== 'returned' || !e.data) return e;
  const line = readAttribution(sales.get(String(e.data.order))?.attribution)?.lines.find((l) => l.product === e.product);
  if (!line) return e;
  return { ...e, data: { ...e.data, channel: line.channel, labels: line.click?.labels ?? [], api: line.click?.api ?? null, price: line.price } };
}

/** Re-attributes every sale of a store with a new window, then rebuilds its rollups. */
export async function reattributeStore(storage: Storage, storeId: number, windowSeconds: number, onProgress?: (sales: number) => void): Promise<{ sales: number; changed: number }> {
  let count = 0;
  let changed = 0;
  for await (const page of storage.events.scanSales(storeId)) {
    for (const sale of page) {
      const clicks = await personClicks(storage, storeId, sale);
      const attribution = attributeSale(sale.lines, sale.time, clicks, windowSeconds);
      const before = JSON.stringify(sale.attribution ?? null);
      const after = JSON.stringify(attribution);
      if (before !== after) {
        await storage.events.setSaleAttribution(storeId, sale.sale, attribution as unknown as Record<string, unknown>);
        changed++;
      }
      count++;
    }
    onProgress?.(count);
  }
  await rebuildRollups(storage, storeId);
  return { sales: count, changed };
}
