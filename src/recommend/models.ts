/**
 * The per-store models behind the result endpoints, held in memory, rebuilt from storage at
 * start-up and updated after every commit (so the next request sees each event).
 */
import type { Logger } from 'pino';
import type { CatalogEntry, Doc, SaleRecord, Storage, StoredEvent } from '../storage/ports.js';
import type { CommittedBatch } from '../tracking/ingest.js';
import { Popularity } from './popularity.js';

export class StoreModels {
  readonly popularity = new Popularity();

  /** Applies one stored event. */
  applyEvent(e: StoredEvent): void {
    if ((e.type === 'product' || e.type === 'click') && e.product) this.popularity.addView(e.product, e.time);
  }

  /** Applies one new sale or catalog order. */
  applyOrder(productKeys: string[], time: number): void {
    this.popularity.addOrder(productKeys, time);
  }
}

export class Models {
  private readonly stores = new Map<number, StoreModels>();

  constructor(private readonly log: Logger) {}

  /** The models of a store (empty until events arrive). */
  of(storeId: number): StoreModels {
    let m = this.stores.get(storeId);
    if (!m) this.stores.set(storeId, (m = new StoreModels()));
    return m;
  }

  /** Rebuilds every store's models from storage: events, logged sales and catalog orders. */
  async rebuild(storage: Storage): Promise<void> {
    const started = Date.now();
    let events = 0;
    for (let after = 0; ; ) {
      const page = await storage.events.eventsSince(after, 5000);
      if (page.length === 0) break;
      for (const e of page) this.of(e.storeId).applyEvent(e);
      events += page.length;
      after = page[page.length - 1].seq;
    }
    let orders = 0;
    for (const store of await storage.stores.listStores()) {
      for await (const sales of storage.events.scanSales(store.id)) {
        for (const s of sales) this.applySale(s);
        orders += sales.length;
      }
      for await (const page of storage.catalog.scanDocs(store.id, 'orders')) {
        this.applyCatalogOrders(store.id, page);
        orders += page.length;
      }
    }
    this.log.info({ events, orders, ms: Date.now() - started }, 'models rebuilt');
  }

  /** Commit listener: applies a committed batch. */
  readonly onCommit = (batch: CommittedBatch): void => {
    for (const e of batch.events) this.of(e.storeId).applyEvent(e);
    for (const s of batch.sales) this.applySale(s);
  };

  /** Catalog write listener: orders pushed with /orders or a feed count as sales too. */
  applyCatalogOrders(storeId: number, entries: CatalogEntry[]): void {
    for (const entry of entries) {
      const lines = (entry.doc as Doc).products;
      if (Array.isArray(lines)) this.of(storeId).applyOrder(lines.map((l) => String((l as Doc).id)), entry.time ?? Number((entry.doc as Doc).time) ?? 0);
    }
  }

  private applySale(s: SaleRecord): void {
    this.of(s.storeId).applyOrder(s.lines.map((l) => l.product), s.time);
  }
}
