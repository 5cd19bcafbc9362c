/**
 * What each tracking call records. Handlers pass validated arguments; this module resolves the
 * visitor, runs the gates, links identities, joins clicks to impressions, and commits.
 */
import { attributeSale, readAttribution } from '../analytics/attribution.js';
import { personClicks } from '../analytics/person-clicks.js';
import { AuthenticationError, LogicalError } from '../errors.js';
import type { CatalogService } from '../catalog/catalog-service.js';
import type { Id, SaleLine, Storage, TrackedEvent } from '../storage/ports.js';
import { joinedClick } from './click-join.js';
import { Ingest, type TrackContext } from './ingest.js';

/** How far back a click without a request_id looks for the impression that showed the product. */
const JOIN_WINDOW_SECONDS = 30 * 24 * 3600;

export interface ClickInput {
  product: Id;
  visitor: string | null;
  api?: string;
  labels?: string[];
  n?: number;
  external?: boolean;
  request_id?: string;
  time?: number;
}

export interface CartLineInput {
  id: Id;
  qty: number;
}

export interface SaleInput {
  sale: Id;
  products: Array<Id | { id: Id; price: number; quantity: number }>;
  visitor?: string | null;
  email?: string;
  customer?: Id;
  time?: number;
}

export class Tracker {
  /** The last queued call per key of oneAtATime. */
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly storage: Storage,
    private readonly catalog: CatalogService,
    readonly ingest: Ingest,
    private readonly now: () => number,
    private readonly attributionWindowSeconds: number,
  ) {}

  /** The event time: now, or the backfilled `time`, which needs the private key. */
  timeOf(ctx: TrackContext, time: number | undefined): number {
    if (time === undefined) return this.now();
    if (!ctx.privileged) throw new AuthenticationError('Argument time (backfill) requires private_key');
    return time;
  }

  /** log/click: the visitor clicked a product Relevo showed; joined to its impression. */
  async click(ctx: TrackContext, input: ClickInput): Promise<void> {
    const time = this.timeOf(ctx, input.time);
    const visitor = await this.ingest.visitorOf(ctx, input.visitor);
    if (await this.ingest.gate(ctx, visitor)) return;
    const product = String(input.product);
    const event: TrackedEvent = { storeId: ctx.store.id, type: 'click', time, visitor, product, external: input.external ?? false };
    const given = { labels: input.labels, api: input.api, n: input.n };
    const query = { visitor: visitor!, product, requestId: input.request_id, api: input.api, labels: input.labels, since: time - JOIN_WINDOW_SECONDS };
    // Memory first (impression-index.ts): an exact request_id match, or without a request_id the
    // newest queued impression showing the product, or (SQLite) what memory alone knows storage
    // would answer, settles it; else the group commit joins the click with the rest of its batch
    // (one storage call), where a stored exact match beats the queued fallback and the queued
    // fallback beats older ones.
    const memory = this.ingest.joinFromMemory(ctx.store.id, query);
    if (!memory.settled) return void (await this.ingest.commitClick(event, { query, given, queued: memory.queued }));
    if (memory.singleWriter) return void (await this.ingest.commitClick(event, { query, given, queued: null, memory: memory.impression }));
    await this.ingest.commitEvents([joinedClick(event, given, memory.impression)]);
  }

  /** log/product and log/category: a page view. */
  async view(ctx: TrackContext, type: 'product' | 'category', id: Id, visitorArg: string | null, timeArg?: number): Promise<void> {
    const time = this.timeOf(ctx, timeArg);
    const visitor = await this.ingest.visitorOf(ctx, visitorArg);
    if (await this.ingest.gate(ctx, visitor)) return;
    await this.ingest.commitEvents([{ storeId: ctx.store.id, type, time, visitor, [type]: String(id) }]);
  }

  /** log/email: links the visitor to an email (cross-device identity). */
  async email(ctx: TrackContext, email: string, visitorArg: string | null, timeArg?: number): Promise<void> {
    const time = this.timeOf(ctx, timeArg);
    const visitor = await this.ingest.visitorOf(ctx, visitorArg);
    if (await this.ingest.gate(ctx, visitor)) return;
    await this.storage.identity.link(ctx.store.id, visitor, { email });
    await this.ingest.commitEvents([{ storeId: ctx.store.id, type: 'email', time, visitor }]);
  }

  /**
   * log/cart/* and log/basket/set: one cart event per line (so activity and models see products).
   * Without a visitor, a known email stands in: the person's email-only visitor records it.
   */
  async cart(ctx: TrackContext, op: 'add' | 'remove' | 'update' | 'set', lines: CartLineInput[], opts: { visitor?: string | null; email?: string; basketId?: string; time?: number }): Promise<string> {
    const time = this.timeOf(ctx, opts.time);
    const basketId = opts.basketId ?? Ingest.requestId();
    let visitor = await this.ingest.visitorOf(ctx, opts.visitor);
    if (visitor === null && opts.email) visitor = await this.emailVisitor(ctx.store.id, opts.email);
    if (await this.ingest.gate(ctx, visitor)) return basketId;
    if (opts.email) await this.storage.identity.link(ctx.store.id, visitor, { email: opts.email });
    const base = { storeId: ctx.store.id, type: 'cart' as const, time, visitor };
    const events: TrackedEvent[] = lines.length > 0
      ? lines.map((l) => ({ ...base, product: String(l.id), data: { op, basket_id: basketId, id: l.id, qty: l.qty } }))
      : [{ ...base, data: { op, basket_id: basketId } }];
    await this.ingest.commitEvents(events);
    return basketId;
  }

  /** log/sale: idempotent per (store, sale); links email/customer to the visitor. */
  async sale(ctx: TrackContext, input: SaleInput): Promise<{ new: boolean }> {
    const time = this.timeOf(ctx, input.time);
    const visitor = await this.ingest.visitorOf(ctx, input.visitor);
    if (await this.ingest.gate(ctx, visitor, false)) return { new: false };
    const customer = input.customer === undefined ? null : String(input.customer);
    if (input.email || customer) await this.storage.identity.link(ctx.store.id, visitor, { email: input.email ?? null, customer });
    const lines = await this.saleLines(ctx.store.id, input.products);
    const clicks = await personClicks(this.storage, ctx.store.id, { visitor, email: input.email ?? null, customer });
    const attribution = attributeSale(lines, time, clicks, this.attributionWindowSeconds);
    const isNew = await this.ingest.commitSale({
      storeId: ctx.store.id, sale: String(input.sale), saleId: input.sale, time, visitor,
      email: input.email ?? null, customer, lines, attribution: attribution as unknown as Record<string, unknown>,
    });
    return { new: isNew };
  }

  /** Sale lines; a bare ID is one unit at the catalog's current price (0 when unknown). */
  private async saleLines(storeId: number, products: SaleInput['products']): Promise<SaleLine[]> {
    const state = await this.catalog.state(storeId);
    return products.map((p) => {
      if (typeof p === 'object') return { product: String(p.id), id: p.id, price: p.price, quantity: p.quantity };
      const price = state.products.get(String(p))?.price;
      return { product: String(p), id: p, price: typeof price === 'number' ? price : 0, quantity: 1 };
    });
  }

  /** log/returned: returned units of an order line (private key); the order and line must exist. */
  async returned(ctx: TrackContext, input: { product: Id; order: Id; quantity: number; time?: number }): Promise<void> {
    const time = this.timeOf(ctx, input.time);
    const product = String(input.product);
    const order = String(input.order);
    const sale = await this.storage.events.getSale(ctx.store.id, order);
    const lines = sale?.lines ?? orderLines((await this.catalog.get(ctx.store.id, 'orders', [order]))[0]);
    // The return is subtracted where the sale was credited: same price, channel and labels.
    const credited = readAttribution(sale?.attribution)?.lines.find((l) => l.product === product);
    if (!lines) throw new LogicalError(`Argument order: no order with id ${JSON.stringify(order)}`, 404);
    const sold = lines.filter((l) => l.product === product).reduce((n, l) => n + l.quantity, 0);
    if (sold === 0) throw new LogicalError(`Argument product: order ${JSON.stringify(order)} has no product ${JSON.stringify(product)}`);
    if (input.quantity > sold) throw new LogicalError(`Argument quantity: ${input.quantity} returned but ${sold} sold`);
    const price = credited?.price ?? lines.find((l) => l.product === product)!.price;
    await this.oneAtATime(`${ctx.store.id}/${order}/${product}`, async () => {
      // Earlier returns of the line count too: a line of 2 returned 1 + 1 + 1 would subtract 3.
      const returned = await this.storage.events.returnedUnits(ctx.store.id, order, product);
      if (returned + input.quantity > sold) {
        throw new LogicalError(`Argument quantity: ${input.quantity} returned but only ${sold - returned} of ${sold} sold are not returned yet`);
      }
      await this.ingest.commitEvents([{
        storeId: ctx.store.id, type: 'returned', time, visitor: sale?.visitor ?? null, product,
        data: {
          order: input.order, quantity: input.quantity, price,
          channel: credited?.channel ?? 'organic',
          labels: credited?.click?.labels ?? [],
          api: credited?.click?.api ?? null,
        },
      }]);
    });
  }

  /**
   * Runs fn once every earlier call with the same key has finished, so two returns of one order
   * line cannot both pass the check (within this process: two instances can still race).
   */
  private async oneAtATime(key: string, fn: () => Promise<void>): Promise<void> {
    const previous = this.running.get(key) ?? Promise.resolve();
    const current = previous.then(fn);
    const settled = current.catch(() => undefined);
    this.running.set(key, settled);
    try {
      await current;
    } finally {
      if (this.running.get(key) === settled) this.running.delete(key);
    }
  }

  /** The visitor that stands in for a person known only by email (created on first use). */
  private async emailVisitor(storeId: number, email: string): Promise<string> {
    const person = await this.storage.identity.link(storeId, null, { email });
    return `p${person}`.slice(0, 32);
  }
}

function orderLines(doc: Record<string, unknown> | undefined): SaleLine[] | null {
  if (!doc || !Array.isArray(doc.products)) return null;
  return (doc.products as Array<{ id: Id; price: number; quantity: number }>).map((l) => ({ product: String(l.id), id: l.id, price: l.price, quantity: l.quantity }));
}
