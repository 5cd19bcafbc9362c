/**
 * `/orders/parcels`: the shipments of an order (Clerk's CRUD resource). One stored document per
 * parcel, keyed by `parcel_id`, its `ref` the order's key, so an order's parcels are one indexed
 * lookup. Parcels are read from storage, never held in memory: they are looked at per order.
 * `created` and `updated` are set here (unix seconds), never taken from the caller.
 */
import { randomUUID } from 'node:crypto';
import { LogicalError } from '../errors.js';
import type { CatalogEntry, Doc, Id, Storage } from '../storage/ports.js';
import { normalizeEntry } from './normalize.js';

/** What POST and PATCH may set. */
export interface ParcelFields {
  tracking_code?: string;
  tracking_link?: string;
  status?: string;
}

export class Parcels {
  constructor(
    private readonly storage: Storage,
    private readonly now: () => number,
  ) {}

  /** The order's parcels, oldest first (or just `parcelId`); an unknown order or parcel is a 404 naming the argument. */
  async list(storeId: number, orderId: Id, parcelId?: Id): Promise<Doc[]> {
    await this.requireOrder(storeId, orderId);
    const parcels = sortParcels((await this.storage.catalog.findDocsByRef(storeId, 'parcels', [String(orderId)])).map((e) => e.doc));
    if (parcelId === undefined) return parcels;
    const one = parcels.filter((p) => String(p.parcel_id) === String(parcelId));
    if (one.length === 0) throw new LogicalError(`parcel_id: order ${JSON.stringify(String(orderId))} has no parcel ${JSON.stringify(String(parcelId))}`, 404);
    return one;
  }

  /** The parcels of each of these orders (keys), oldest first; orders without parcels are absent. */
  async ofOrders(storeId: number, orderKeys: string[]): Promise<Map<string, Doc[]>> {
    const byOrder = new Map<string, Doc[]>();
    if (orderKeys.length === 0) return byOrder;
    for (const entry of await this.storage.catalog.findDocsByRef(storeId, 'parcels', orderKeys)) {
      const key = entry.ref ?? String(entry.doc.order_id);
      let list = byOrder.get(key);
      if (!list) byOrder.set(key, (list = []));
      list.push(entry.doc);
    }
    for (const list of byOrder.values()) sortParcels(list);
    return byOrder;
  }

  /** The newest catalog orders by time (at most `limit`), each with its `parcels` (the dashboard's Orders page). */
  async latestOrders(storeId: number, limit: number): Promise<Doc[]> {
    const orders = await this.storage.catalog.latestDocs(storeId, 'orders', limit);
    const byOrder = await this.ofOrders(storeId, orders.map((o) => o.key));
    return orders.map((o) => ({ ...o.doc, parcels: byOrder.get(o.key) ?? [] }));
  }

  /**
   * POST: a new parcel on the order (its ID assigned when absent), or the parcel of that ID
   * replaced (it keeps its `created`). A parcel ID already used on another order is refused.
   */
  async create(storeId: number, orderId: Id, parcelId: Id | undefined, fields: ParcelFields): Promise<Doc> {
    await this.requireOrder(storeId, orderId);
    const id = parcelId ?? randomUUID();
    const existing = await this.find(storeId, id);
    if (existing && String(existing.order_id) !== String(orderId)) {
      throw new LogicalError(`parcel_id: parcel ${JSON.stringify(String(id))} belongs to order ${JSON.stringify(String(existing.order_id))}`, 409);
    }
    const now = Math.floor(this.now());
    return this.write(storeId, { parcel_id: id, order_id: orderId, ...fields, created: existing?.created ?? now, updated: now });
  }

  /** PATCH: the fields sent replace the stored ones; the parcel must be on that order. */
  async update(storeId: number, orderId: Id, parcelId: Id, fields: ParcelFields): Promise<Doc> {
    await this.requireOrder(storeId, orderId);
    const existing = await this.find(storeId, parcelId);
    if (!existing || String(existing.order_id) !== String(orderId)) {
      throw new LogicalError(`parcel_id: order ${JSON.stringify(String(orderId))} has no parcel ${JSON.stringify(String(parcelId))}`, 404);
    }
    return this.write(storeId, { ...existing, ...fields, updated: Math.max(Math.floor(this.now()), existing.created as number) });
  }

  /** DELETE: removes the parcels; an unknown parcel ID is a 404 naming it (nothing is removed then). */
  async remove(storeId: number, parcelIds: Id[]): Promise<number> {
    const keys = [...new Set(parcelIds.map(String))];
    const found = new Set((await this.storage.catalog.getDocs(storeId, 'parcels', keys)).map((e) => e.key));
    const missing = keys.find((k) => !found.has(k));
    if (missing !== undefined) throw new LogicalError(`parcel_id: no parcel ${JSON.stringify(missing)}`, 404);
    return this.storage.catalog.removeDocs(storeId, 'parcels', keys);
  }

  private async write(storeId: number, doc: Doc): Promise<Doc> {
    const entry: CatalogEntry = normalizeEntry('parcels', doc, { strict: true });
    await this.storage.catalog.upsertDocs(storeId, 'parcels', [entry]);
    return entry.doc;
  }

  private async find(storeId: number, parcelId: Id): Promise<Doc | null> {
    return (await this.storage.catalog.getDocs(storeId, 'parcels', [String(parcelId)]))[0]?.doc ?? null;
  }

  private async requireOrder(storeId: number, orderId: Id): Promise<void> {
    const found = await this.storage.catalog.getDocs(storeId, 'orders', [String(orderId)]);
    if (found.length === 0) throw new LogicalError(`order_id: no order with id ${JSON.stringify(String(orderId))}`, 404);
  }
}

/** Oldest first, then by parcel ID, so an order's parcels always answer in one order. */
function sortParcels(list: Doc[]): Doc[] {
  return list.sort((a, b) => (a.created as number) - (b.created as number) || (String(a.parcel_id) < String(b.parcel_id) ? -1 : 1));
}
