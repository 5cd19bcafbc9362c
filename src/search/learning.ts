/**
 * What search learns from behaviour, per store: for each normalised query, the products clicked
 * on its results and the products then bought (within a day of the click, by the same visitor),
 * as decaying scores (30-day half-life; a sale counts as three clicks). A product's learned boost
 * for a query rises with its score and saturates (1 − e^(−score/3)), so a few clicks move it
 * up, a flood of them cannot push it past every better text match by more than the ranker's
 * `learned` share. Only that query is affected: "case" learns nothing from clicks on "laptop".
 *
 * Fed by the model hooks (own commits, other instances' events through the event log tail,
 * every event again at start-up), so every instance learns the same.
 */
import type { ModelComponent, OrderSignal } from '../recommend/models.js';
import type { PersonKeys, StoredEvent } from '../storage/ports.js';
import { normalizeQuery } from './query-plan.js';
import { expectMap } from '../recommend/snapshot-state.js';

export const SEARCH_LEARNING_MODEL = 'search-learning';

const HALF_LIFE_SECONDS = 30 * 24 * 3600;
const RATE = Math.LN2 / HALF_LIFE_SECONDS;
const SALE_WEIGHT = 3;
const SATURATION = 3;
/** A sale is credited to the visitor's search clicks on its products up to a day before. */
const SALE_WINDOW_SECONDS = 24 * 3600;
const MAX_PRODUCTS_PER_QUERY = 200;
const MAX_QUERIES = 100_000;
const MAX_CLICKS_PER_VISITOR = 20;

interface Score {
  score: number;
  at: number;
}

interface SearchClick {
  query: string;
  product: string;
  time: number;
}

export class SearchLearning implements ModelComponent {
  private queries = new Map<string, Map<string, Score>>();
  /** Each visitor's latest search clicks, for crediting their sales. */
  private clicks = new Map<string, SearchClick[]>();

  snapshot(): { queries: Map<string, Map<string, Score>>; clicks: Map<string, SearchClick[]> } {
    return { queries: this.queries, clicks: this.clicks };
  }

  restore(s: { queries: Map<string, Map<string, Score>>; clicks: Map<string, SearchClick[]> }): void {
    this.queries = expectMap(s.queries, 'search learning');
    this.clicks = expectMap(s.clicks, 'search clicks');
  }

  applyEvent(e: StoredEvent): void {
    if (e.type !== 'click' || !e.product || !e.api?.startsWith('search/')) return;
    const raw = e.data?.query;
    if (typeof raw !== 'string') return;
    const query = normalizeQuery(raw);
    if (query === '') return;
    this.add(query, e.product, e.time, 1);
    if (!e.visitor) return;
    const list = this.clicks.get(e.visitor) ?? [];
    list.push({ query, product: e.product, time: e.time });
    if (list.length > MAX_CLICKS_PER_VISITOR) list.shift();
    this.clicks.set(e.visitor, list);
  }

  applyOrder(o: OrderSignal): void {
    if (!o.visitor) return;
    const list = this.clicks.get(o.visitor);
    if (!list) return;
    const bought = new Set(o.products);
    const credited = new Set<string>();
    for (let i = list.length - 1; i >= 0; i--) {
      const c = list[i];
      const pair = `${c.query}\u0000${c.product}`;
      if (!bought.has(c.product) || credited.has(pair) || c.time > o.time || c.time < o.time - SALE_WINDOW_SECONDS) continue;
      credited.add(pair);
      this.add(c.query, c.product, o.time, SALE_WEIGHT);
    }
  }

  forget(keys: PersonKeys): void {
    for (const v of keys.visitors) this.clicks.delete(v);
  }

  people(): PersonKeys {
    return { visitors: [...this.clicks.keys()], emails: [], customers: [] };
  }

  /** The learned boost of a product for a normalised query at `now`, 0..1. */
  boost(query: string, product: string, now: number): number {
    const s = this.queries.get(query)?.get(product);
    if (!s) return 0;
    const score = now >= s.at ? s.score * Math.exp(-RATE * (now - s.at)) : s.score;
    return 1 - Math.exp(-score / SATURATION);
  }

  /** True when anything was learned for this query (saves the per-product lookups). */
  knows(query: string): boolean {
    return this.queries.has(query);
  }

  private add(query: string, product: string, t: number, weight: number): void {
    let products = this.queries.get(query);
    if (products) {
      // Most recently used last: the first key is the one to drop when over the cap.
      this.queries.delete(query);
    } else {
      products = new Map();
      if (this.queries.size >= MAX_QUERIES) this.queries.delete(this.queries.keys().next().value!);
    }
    this.queries.set(query, products);
    const s = products.get(product);
    if (!s) products.set(product, { score: weight, at: t });
    else if (t >= s.at) {
      s.score = s.score * Math.exp(-RATE * (t - s.at)) + weight;
      s.at = t;
    } else s.score += weight * Math.exp(-RATE * (s.at - t));
    if (products.size > MAX_PRODUCTS_PER_QUERY) {
      let weakest: string | null = null;
      let low = Infinity;
      for (const [k, v] of products) if (v.score < low) [weakest, low] = [k, v.score];
      if (weakest !== null) products.delete(weakest);
    }
  }
}
