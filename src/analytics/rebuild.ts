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

/** Recounts every rollup of a store from its impressions, events and sales. */
export async function rebuildRollups(storage: Storage, storeId: number): Promise<{ deltas: number }> {
  await storage.analytics.clearRollups(storeId);
  let pending: RollupDelta[] = [];
  let total = 0;
  const flush = async (force = false) => {
    if (pending.length === 0 || (!force && pending.length < BATCH)) return;
    await storage.analytics.applyRollups(pending);
    total += pending.length;
    pending = [];
  };
  for await (const page of storage.analytics.scanImpressions(storeId)) {
    for (const imp of page) pending.push(...impressionDeltas(imp));
    await flush();
  }
  const sales = new Map<string, SaleRecord>();
  for await (const page of storage.events.scanSales(storeId)) {
    for (const sale of page) {
      sales.set(sale.sale, sale);
      pending.push(...saleDeltas(sale).map(({ onlyIfNewSale: _ignored, ...d }) => d));
    }
    await flush();
  }
  for (let after = 0; ; ) {
    const page = await storage.events.eventsSince(after, BATCH);
    if (page.length === 0) break;
    for (const e of page) if (e.storeId === storeId) pending.push(...eventDeltas(withCurrentCredit(e, sales)));
    after = page[page.length - 1].seq;
    await flush();
  }
  await flush(true);
  return { deltas: total };
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
