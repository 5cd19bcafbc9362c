/**
 * privacy/info and privacy/forget: everything stored about a person, found through any of their
 * visitor IDs, emails or customer IDs (across devices), and its removal. Forgetting deletes click
 * and view history and identity links, anonymises orders (totals stay), and tells every derived
 * model to purge the person.
 */
import { uncountedDeltas } from '../analytics/deltas.js';
import type { CatalogService } from '../catalog/catalog-service.js';
import type { Doc, ForgetStats, PersonKeys, SaleRecord, Storage, StoredEvent } from '../storage/ports.js';

export interface PersonQuery {
  email?: string;
  customer?: string | number;
  visitor?: string;
}

export interface ActivityEntry {
  visitor: string | null;
  type: 'click' | 'product' | 'category' | 'cart' | 'sale' | 'email' | 'impression';
  product?: string | number;
  category?: string | number;
  labels?: string[];
  description: string;
  time: number;
}

/** Listeners that hold derived state about persons (models, caches) and must drop it. */
/** logSeq: the forget's seq in the forget log (EventStore.forgetsSince). */
export type ForgetListener = (storeId: number, keys: PersonKeys, logSeq: number) => void;

export class Privacy {
  private readonly listeners: ForgetListener[] = [];

  constructor(
    private readonly storage: Storage,
    private readonly catalog: CatalogService,
    /** Waits for this instance's queued writes (impressions), so info and forget see all of them. */
    private readonly settle: () => Promise<void> = async () => undefined,
  ) {}

  onForget(listener: ForgetListener): void {
    this.listeners.push(listener);
  }

  /** Every visitor, email and customer ID of the person the query names (the query's own keys included). */
  async personKeys(storeId: number, query: PersonQuery): Promise<PersonKeys> {
    const by = { email: query.email, customer: query.customer === undefined ? undefined : String(query.customer), visitor: query.visitor };
    const person = await this.storage.identity.personOf(storeId, by);
    const keys: PersonKeys = person ? await this.storage.identity.keysOf(storeId, person) : { visitors: [], emails: [], customers: [] };
    const add = (list: string[], v: string | undefined) => v !== undefined && !list.includes(v) && list.push(v);
    add(keys.visitors, by.visitor);
    add(keys.emails, by.email);
    add(keys.customers, by.customer);
    return keys;
  }

  /** privacy/info: orders (IDs) and one activity entry per stored event, newest first. */
  async info(storeId: number, query: PersonQuery): Promise<{ orders: Array<string | number>; activity: ActivityEntry[] }> {
    await this.settle();
    const keys = await this.personKeys(storeId, query);
    const [events, impressions, sales, catalogOrders] = await Promise.all([
      this.storage.events.eventsOfVisitors(storeId, keys.visitors, { limit: 1_000_000 }),
      this.storage.events.impressionsOfVisitors(storeId, keys.visitors, 1_000_000),
      this.storage.events.salesOf(storeId, keys),
      this.catalogOrders(storeId, keys),
    ]);
    // Products are answered as the catalog stores their IDs (123 stays a number), whatever the event held.
    const products = (await this.catalog.state(storeId)).products;
    const asStored = (key: string | number | undefined) => (key === undefined ? undefined : ((products.get(String(key))?.id as string | number | undefined) ?? key));
    const activity: ActivityEntry[] = [
      ...events.flatMap(eventActivity).map((a) => (a.product === undefined ? a : { ...a, product: asStored(a.product) })),
      ...impressions.map((i): ActivityEntry => ({
        visitor: i.visitor, type: 'impression', labels: i.labels, time: i.time,
        description: `Shown ${i.results.length} result${i.results.length === 1 ? '' : 's'} by ${i.api}`,
      })),
      ...sales.flatMap(saleActivity).map((a) => ({ ...a, product: asStored(a.product) })),
    ].sort((a, b) => b.time - a.time);
    const orders = [...sales.map((s) => s.saleId), ...catalogOrders.map((o) => o.id as string | number)];
    return { orders: [...new Map(orders.map((o) => [String(o), o])).values()], activity };
  }

  /** privacy/forget: removes the person's history and links, anonymises their orders, purges models. */
  async forget(storeId: number, query: PersonQuery): Promise<ForgetStats> {
    await this.settle();
    const keys = await this.personKeys(storeId, query);
    const stats = await this.storage.events.forget(storeId, keys, uncountedDeltas);
    // Catalog customers and orders changed in storage: refresh the in-memory copies too.
    await this.catalog.tailOnce();
    for (const listener of this.listeners) listener(storeId, keys, stats.logSeq);
    return stats;
  }

  private async catalogOrders(storeId: number, keys: PersonKeys): Promise<Doc[]> {
    const byEmail = keys.emails.length > 0 ? await this.catalog.findByEmail(storeId, 'orders', keys.emails) : [];
    const byCustomer = keys.customers.length > 0 ? await this.catalog.findByCustomer(storeId, 'orders', keys.customers) : [];
    return [...byEmail, ...byCustomer];
  }
}

function eventActivity(e: StoredEvent): ActivityEntry[] {
  const base = { visitor: e.visitor, time: e.time };
  switch (e.type) {
    case 'click':
      return [{ ...base, type: 'click', product: e.product!, ...(e.labels ? { labels: e.labels } : {}), description: `Clicked product ${e.product}${e.labels ? ` in ${e.labels.join(', ')}` : ''}${e.external ? ' (external)' : ''}` }];
    case 'product':
      return [{ ...base, type: 'product', product: e.product!, description: `Viewed product ${e.product}` }];
    case 'category':
      return [{ ...base, type: 'category', category: e.category!, description: `Viewed category ${e.category}` }];
    case 'email':
      return [{ ...base, type: 'email', description: 'Email linked to this visitor' }];
    case 'cart': {
      const op = String(e.data?.op ?? 'update');
      return [{ ...base, type: 'cart', ...(e.product ? { product: e.product } : {}), description: `Basket ${op}${e.product ? `: product ${e.product} × ${String(e.data?.qty ?? 1)}` : ''}` }];
    }
    default:
      return []; // returns and diagnostics are about orders, not the person's activity
  }
}

function saleActivity(s: SaleRecord): ActivityEntry[] {
  return s.lines.map((l) => ({
    visitor: s.visitor, type: 'sale' as const, product: l.id, time: s.time,
    description: `Bought ${l.quantity} × product ${l.product} at ${l.price} in order ${s.sale}`,
  }));
}
