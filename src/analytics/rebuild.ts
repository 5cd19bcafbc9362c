/**
 * Rebuilding a store's rollups from raw events, and re-attributing its sales (after the
 * attribution window changes: `relevo reattribute`). Raw events are the truth; rollups are
 * derived and can always be recounted, which is also how the tests prove they agree. Once
 * retention dropped raw records before a horizon (analytics/retention.ts), the rollups before it
 * are the only count left: both keep them and work from the horizon on.
 */
import { isDeepStrictEqual } from 'node:util';
import type { RollupDelta, SaleRecord, Storage, StoredEvent } from '../storage/ports.js';
import { attributeSale, readAttribution } from './attribution.js';
import { eventDeltas, impressionDeltas, saleDeltas } from './deltas.js';
import { personClicks } from './person-clicks.js';
import { LogicalError } from '../errors.js';

const BATCH = 5000;

/**
 * Recounts every rollup of a store from its impressions, events and sales, taken in time order
 * (merged), as the live path met them: a visitor's per-day unique lands in the hour of their first
 * record that day on both paths (exactly so when events were logged in time order, not backfilled).
 * With a retention horizon only the rollups (and per-day uniques) from it on are cleared and
 * recounted from the records at or after it: every delta lands in its own record's hour, and the
 * horizon is a day start, so the kept rows and the recount never overlap.
 */
export async function rebuildRollups(storage: Storage, storeId: number): Promise<{ deltas: number }> {
  const horizon = await storage.analytics.retentionHorizon(storeId);
  // The sales first, by ID: a return is subtracted where its sale is credited now. The map keeps
  // scanSales' (time, sale) order, so it is also the sales' stream below (one read, not two).
  // Every sale is in it (a return after the horizon may be of an older sale); only those from
  // the horizon on are counted, the older ones are in the kept rows.
  const sales = new Map<string, SaleRecord>();
  for await (const page of storage.events.scanSales(storeId)) for (const sale of page) sales.set(sale.sale, sale);
  await storage.analytics.clearRollups(storeId, horizon > 0 ? horizon : undefined);
  let pending: RollupDelta[] = [];
  let total = 0;
  // A record older than the horizon that is still there (logged with an old time after the last
  // retention run) was counted into the kept rows through the queue: not again.
  const kept = <T extends { time: number }>(page: T[]) => (horizon > 0 ? page.filter((r) => r.time >= horizon) : page);
  const records = mergeByTime<Counted>([
    pages(storage.analytics.scanImpressions(storeId), (imp) => ({ time: imp.time, deltas: () => impressionDeltas(imp) }), kept),
    pages(inOnePage(sales.values()), (sale) => ({ time: sale.time, deltas: () => saleDeltas(sale).map(({ onlyIfNewSale: _ignored, ...d }) => d) }), kept),
    pages(storeEvents(storage, storeId), (e) => ({ time: e.time, deltas: () => eventDeltas(withCurrentCredit(e, sales)) }), kept),
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
  // Retention running meanwhile (another process) may have dropped records this recount had not
  // read yet: the rows from the old horizon to the new one would then miss them.
  const after = await storage.analytics.retentionHorizon(storeId);
  if (after !== horizon) throw new LogicalError(`the retention horizon moved during the rollup rebuild (${horizon} to ${after}): run it again`, 409);
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

/** The records of a paged scan, one at a time, filtered and mapped. */
async function* pages<T, R>(scan: AsyncIterable<T[]>, map: (t: T) => R, filter: (page: T[]) => T[] = (page) => page): AsyncGenerator<R> {
  for await (const page of scan) for (const item of filter(page)) yield map(item);
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

/**
 * Re-attributes every sale of a store with a new window, then rebuilds its rollups. A sale whose
 * window reaches back before the retention horizon may have lost the clicks it was credited to:
 * it keeps its stored attribution (and is not counted in `sales`).
 */
export async function reattributeStore(storage: Storage, storeId: number, windowSeconds: number, onProgress?: (sales: number) => void): Promise<{ sales: number; changed: number; kept: number }> {
  const horizon = await storage.analytics.retentionHorizon(storeId);
  const from = horizon > 0 ? horizon + windowSeconds : 0;
  let count = 0;
  let changed = 0;
  let kept = 0;
  for await (const page of storage.events.scanSales(storeId)) {
    for (const sale of page) {
      if (sale.time < from) {
        kept++;
        continue;
      }
      const clicks = await personClicks(storage, storeId, sale);
      const attribution = attributeSale(sale.lines, sale.time, clicks, windowSeconds);
      // As stored (JSON), compared whatever the key order: PostgreSQL's jsonb gives a stored
      // attribution back with its keys reordered, so comparing JSON text called every sale changed.
      if (!isDeepStrictEqual(sale.attribution ?? null, JSON.parse(JSON.stringify(attribution)))) {
        await storage.events.setSaleAttribution(storeId, sale.sale, attribution as unknown as Record<string, unknown>);
        changed++;
      }
      count++;
    }
    onProgress?.(count);
  }
  await rebuildRollups(storage, storeId);
  return { sales: count, changed, kept };
}
