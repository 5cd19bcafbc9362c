/**
 * Ranked candidates for one person (visitor/* and customer/*): the session model's scores, the
 * person's orders, content similarity (same category, near price), then popularity and the
 * newest products, so no list is empty while the catalog is not. Returns product keys in rank
 * order; the caller filters, excludes and cuts (shapeResults).
 */
import type { CatalogState } from '../catalog/catalog-state.js';
import type { Doc, PersonKeys, Storage } from '../storage/ports.js';
import { categoryKeys, newestProducts, productsIn } from './catalog-index.js';
import type { StoreModels } from './models.js';
import { SessionModel } from './session-model.js';

/** A person as the routes resolve it: their visitors (the asked one first), emails, customer IDs. */
export type Person = PersonKeys;

/** Name the session model is registered under (runtime.ts). */
export const SESSION_MODEL = 'session';
/** How many of a person's latest items lend their accessory links to complementary lists. */
const ACCESSORY_SEEDS = 3;
/** Model candidates asked for when a filter may drop most of them. */
const POOL = 500;

export class PersonRanking {
  private readonly session: SessionModel;

  constructor(
    private readonly models: StoreModels,
    private readonly state: CatalogState,
    private readonly storage: Storage,
    private readonly storeId: number,
    /**
     * How many candidates the caller needs (offset + limit), or null when a filter may drop any
     * number of them. Shaping every candidate costs more than the model itself, so unfiltered
     * lists stop early; the caller asks again with null if index:false products left it short.
     */
    private readonly need: number | null,
  ) {
    this.session = models.get<SessionModel>(SESSION_MODEL);
  }

  /** Model candidates to ask for. */
  private get pool(): number {
    return this.need === null ? POOL : this.need + 10;
  }

  /**
   * visitor/history: the person's viewed/clicked/carted/bought items, newest first. A person
   * without history gets popularity instead (SPEC §6: no empty list while the catalog is not).
   */
  history(p: Person, now: number): string[] {
    const items = this.session.history(p.visitors, 1000);
    return items.length > 0 ? items : this.fallback(now, new Set());
  }

  /** visitor/complementary: accessories of the latest items, the session model's next items, then popularity. */
  visitorComplementary(p: Person, now: number, includeSeen: boolean): string[] {
    const recs = this.session.recommend(p.visitors, { limit: this.pool, includeSeen }).map((s) => s.key);
    const seen = includeSeen ? new Set<string>() : new Set(this.session.history(p.visitors, 10_000));
    return [...this.accessoriesOf(this.session.history(p.visitors, ACCESSORY_SEEDS), seen), ...recs, ...this.fallback(now, seen)];
  }

  /** visitor/substituting: co-viewed with what the person viewed, then same category / near price. */
  visitorSubstituting(p: Person, now: number, includeSeen: boolean): string[] {
    const viewed = this.session.history(p.visitors, 10_000);
    const seen = includeSeen ? new Set<string>() : new Set(viewed);
    return this.alternatives(viewed.slice(0, 5), seen, now);
  }

  /** Keys of the products the person bought (logged sales and catalog orders), newest first, once each. */
  async boughtBy(p: Person): Promise<string[]> {
    const sales = await this.storage.events.salesOf(this.storeId, p);
    const lines = sales.map((s) => ({ time: s.time, products: s.lines.map((l) => l.product) }));
    const orders = [
      ...(p.emails.length ? await this.storage.catalog.findDocsByEmail(this.storeId, 'orders', p.emails) : []),
      ...(p.customers.length ? await this.storage.catalog.findDocsByCustomer(this.storeId, 'orders', p.customers) : []),
    ];
    for (const o of orders) {
      const products = Array.isArray(o.doc.products) ? o.doc.products.map((l) => String((l as Doc).id)) : [];
      lines.push({ time: o.time ?? (typeof o.doc.time === 'number' ? o.doc.time : 0), products });
    }
    lines.sort((a, b) => b.time - a.time);
    return [...new Set(lines.flatMap((l) => l.products))];
  }

  /** customer/history: bought products, newest first. */
  orderHistory(bought: string[], now: number): string[] {
    return bought.length > 0 ? bought : this.fallback(now, new Set());
  }

  /** customer/complementary: bought together with / viewed after the person's purchases. */
  customerComplementary(bought: string[], now: number): string[] {
    const seen = new Set(bought);
    const recs = this.session.complements(bought.slice(0, 10), this.pool).map((s) => s.key).filter((k) => !seen.has(k));
    return [...this.accessoriesOf(bought.slice(0, ACCESSORY_SEEDS), seen), ...recs, ...this.fallback(now, seen)];
  }

  /** The shop's accessory links of these items (they lead complementary lists), without the seen ones. */
  private accessoriesOf(items: string[], seen: ReadonlySet<string>): string[] {
    if (this.state.accessories.size === 0 || items.length === 0) return [];
    return this.state.accessoryIndex().linkedFrom(items).filter((k) => !seen.has(k));
  }

  /** customer/substituting: alternatives to what the person bought. */
  customerSubstituting(bought: string[], now: number): string[] {
    return this.alternatives(bought.slice(0, 10), new Set(bought), now);
  }

  /** Co-viewed neighbours of the inputs, then content neighbours of the newest input, then popularity. */
  private alternatives(inputs: string[], seen: Set<string>, now: number): string[] {
    const co = this.session.coViewed(inputs, this.pool).map((s) => s.key);
    const content = inputs.length ? nearPriceProducts(this.state, inputs[0], 200) : [];
    return [...co, ...content].filter((k) => !seen.has(k)).concat(this.fallback(now, seen));
  }

  /** Popularity, then newest products, without the seen ones (capped unless a filter may drop most). */
  private fallback(now: number, seen: Set<string>): string[] {
    // the recommended keys come first and may repeat here: twice the need covers them
    const cap = this.need === null ? Infinity : 2 * this.need + 10;
    const out: string[] = [];
    for (const list of [this.models.popularity.ranking(now), newestProducts(this.state, now)]) {
      for (const k of list) {
        if (out.length >= cap) return out;
        if (!seen.has(k)) out.push(k);
      }
    }
    return out;
  }
}

/**
 * Products sharing a category with `key`, nearest price first (content similarity). Candidates
 * come from the per-category index, not a scan of the catalog.
 */
export function nearPriceProducts(state: CatalogState, key: string, limit: number): string[] {
  const doc = state.products.get(key);
  if (!doc) return [];
  const candidates = new Set<string>();
  for (const c of categoryKeys(doc)) for (const k of productsIn(state, c)) candidates.add(k);
  candidates.delete(key);
  const price = typeof doc.price === 'number' ? doc.price : 0;
  const out: Array<[string, number]> = [];
  for (const k of candidates) {
    const p = state.products.get(k)!.price;
    out.push([k, Math.abs((typeof p === 'number' ? p : 0) - price) / Math.max(price, 1)]);
  }
  return out.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limit).map(([k]) => k);
}

