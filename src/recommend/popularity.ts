/**
 * Popularity per store: how many orders contained each product (quantity does not count) over a
 * decaying window, and, for a shop with few orders yet, how often products were viewed or clicked.
 * Updated on every committed event and order; rebuilt from storage at start-up.
 */
import type { StoredEvent } from '../storage/ports.js';
import { DecayingCounter } from './decay.js';
import type { ModelComponent, OrderSignal } from './models.js';

/** Orders fade with a 30-day half-life: "best sellers" of the last months, not of all time. */
export const SALES_HALF_LIFE_SECONDS = 30 * 24 * 3600;
/** Views and clicks are a faster signal: a 7-day half-life. */
export const VIEWS_HALF_LIFE_SECONDS = 7 * 24 * 3600;

interface PopularityState {
  orders: ReturnType<DecayingCounter['snapshot']>;
  views: ReturnType<DecayingCounter['snapshot']>;
}

export class Popularity implements ModelComponent {
  readonly orders = new DecayingCounter(SALES_HALF_LIFE_SECONDS);
  readonly views = new DecayingCounter(VIEWS_HALF_LIFE_SECONDS);
  private cache: { at: number; version: number; ranking: string[] } | null = null;
  private version = 0;

  applyEvent(e: StoredEvent): void {
    if ((e.type === 'product' || e.type === 'click') && e.product) this.addView(e.product, e.time);
  }

  snapshot(): PopularityState {
    return { orders: this.orders.snapshot(), views: this.views.snapshot() };
  }

  restore(s: PopularityState): void {
    this.orders.restore(s.orders);
    this.views.restore(s.views);
    this.cache = null;
    this.version++;
  }

  applyOrder(o: OrderSignal): void {
    this.addOrder(o.products, o.time);
  }

  /** One order: each distinct product counts once, whatever its quantity. */
  addOrder(productKeys: Iterable<string>, time: number): void {
    for (const key of new Set(productKeys)) this.orders.add(key, time);
    this.version++;
  }

  /** A product view or click. */
  addView(productKey: string, time: number): void {
    this.views.add(productKey, time);
    this.version++;
  }

  /**
   * Products by order score, then (for products never ordered) by view score. Cached for a
   * second: popularity is a store-wide list, and sorting every product on every call would cost
   * more than a second's staleness is worth.
   */
  ranking(now: number): string[] {
    if (this.cache && this.cache.version === this.version && now - this.cache.at < 1) return this.cache.ranking;
    const ordered = this.orders.ranked(now);
    const inOrders = new Set(ordered);
    const ranking = [...ordered, ...this.views.ranked(now).filter((k) => !inOrders.has(k))];
    this.cache = { at: now, version: this.version, ranking };
    return ranking;
  }
}
