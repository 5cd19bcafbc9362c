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

/** Past this exponent the normalised weights are rescaled to a later base time (e^500 is far from overflow). */
const MAX_EXPONENT = 500;
/** How many recently changed keys the model remembers for the slot columns that mirror it. */
const CHANGE_LOG = 8192;

/** A search index's documents by slot (slots are never reused for another key). */
export interface SlotKeys {
  readonly slotCount: number;
  keyOf(slot: number): string;
  slotOf(key: string): number;
}

/** The normalised weights of one index's slots, and how far through the change log they are. */
interface SlotColumn {
  orders: Float64Array;
  views: Float64Array;
  filled: number;
  synced: number;
  epoch: number;
}

export class Popularity implements ModelComponent {
  readonly orders = new DecayingCounter(SALES_HALF_LIFE_SECONDS);
  readonly views = new DecayingCounter(VIEWS_HALF_LIFE_SECONDS);
  /**
   * The counters again in a normalised form, both in one entry per product, for `weigher`: each
   * event adds its weight times e^(rate·(t − base)), so the decayed sum at any `now` is the
   * entry times e^(−rate·(now − base)), one factor per call instead of an exponential per key.
   */
  private normalised = new Map<string, { orders: number; views: number }>();
  private base: number | null = null;
  /** Keys in the order their normalised weight changed: the last of `changeCount` changes. */
  private changes: string[] = [];
  private changeCount = 0;
  /** Bumped when every normalised weight changes at once (a restore, a rebase): columns reload. */
  private epoch = 0;
  private readonly columns = new WeakMap<SlotKeys, SlotColumn>();
  private unordered: DecayingCounter | null = null;
  private readonly orderRate = Math.LN2 / SALES_HALF_LIFE_SECONDS;
  private readonly viewRate = Math.LN2 / VIEWS_HALF_LIFE_SECONDS;

  applyEvent(e: StoredEvent): void {
    if ((e.type === 'product' || e.type === 'click') && e.product) this.addView(e.product, e.time);
  }

  snapshot(): PopularityState {
    return { orders: this.orders.snapshot(), views: this.views.snapshot() };
  }

  restore(s: PopularityState): void {
    this.orders.restore(s.orders);
    this.views.restore(s.views);
    this.unordered = null;
    this.normalised.clear();
    this.base = null;
    this.epoch++;
    // Every column reloads (the epoch moved): the change log need not hear of these.
    for (const [key, e] of s.orders.scores) this.weigh(key, e.at, e.score, 0);
    for (const [key, e] of s.views.scores) this.weigh(key, e.at, 0, e.score);
  }

  applyOrder(o: OrderSignal): void {
    this.addOrder(o.products, o.time);
  }

  /** One order: each distinct product counts once, whatever its quantity. */
  addOrder(productKeys: Iterable<string>, time: number): void {
    for (const key of new Set(productKeys)) {
      if (this.unordered && !this.orders.has(key)) this.unordered.delete(key);
      this.orders.add(key, time);
      this.addNormalised(key, time, 1, 0);
    }
  }

  /** A product view or click. */
  addView(productKey: string, time: number): void {
    this.views.add(productKey, time);
    if (this.unordered && !this.orders.has(productKey)) this.unordered.add(productKey, time);
    this.addNormalised(productKey, time, 0, 1);
  }

  /**
   * Each product's order score plus a tenth of its view score at `now` (what search's popularity
   * prior and category popularity weigh). Equal to reading the two counters for any `now` not
   * before the product's events; an event after `now` (a backfill ahead of the clock) counts
   * slightly more than its weight instead of exactly its weight.
   */
  weigher(now: number): (key: string) => number {
    if (this.base === null) return () => 0;
    const { orderFactor, viewFactor } = this.factors(this.base, now);
    const normalised = this.normalised;
    return (key) => {
      const e = normalised.get(key);
      return e ? e.orders * orderFactor + e.views * viewFactor : 0;
    };
  }

  /**
   * `weigher` by the slots of a search index: the weights mirrored into two arrays per index and
   * brought up to date from the change log on each call, so a search reads two array cells per
   * match instead of a map entry per match. Exactly `weigher`'s values.
   */
  slotWeigher(index: SlotKeys, now: number): (slot: number) => number {
    if (this.base === null) return () => 0;
    const { orders, views } = this.column(index);
    const { orderFactor, viewFactor } = this.factors(this.base, now);
    return (slot) => (slot < orders.length ? orders[slot] * orderFactor + views[slot] * viewFactor : 0);
  }

  /** The index's column, synced: changed keys re-read, new slots filled, all reloaded when the log no longer reaches. */
  private column(index: SlotKeys): SlotColumn {
    let c = this.columns.get(index);
    const behind = c ? this.changeCount - c.synced : Infinity;
    if (!c || c.epoch !== this.epoch || behind > this.changes.length) {
      c = { orders: new Float64Array(0), views: new Float64Array(0), filled: 0, synced: this.changeCount, epoch: this.epoch };
      this.columns.set(index, c);
    } else if (behind > 0) {
      const { changes } = this;
      for (let i = changes.length - behind; i < changes.length; i++) {
        const slot = index.slotOf(changes[i]);
        if (slot >= 0 && slot < c.filled) this.fillSlot(c, slot, changes[i]);
      }
      c.synced = this.changeCount;
    }
    const count = index.slotCount;
    if (c.filled < count) {
      if (c.orders.length < count) {
        const size = Math.max(count, c.orders.length * 2, 64);
        const orders = new Float64Array(size);
        const views = new Float64Array(size);
        orders.set(c.orders.subarray(0, c.filled));
        views.set(c.views.subarray(0, c.filled));
        c.orders = orders;
        c.views = views;
      }
      for (let slot = c.filled; slot < count; slot++) this.fillSlot(c, slot, index.keyOf(slot));
      c.filled = count;
    }
    return c;
  }

  /** What a normalised entry's order and view weights are multiplied by at `now` (views count a tenth). */
  private factors(base: number, now: number): { orderFactor: number; viewFactor: number } {
    return { orderFactor: Math.exp(-this.orderRate * (now - base)), viewFactor: 0.1 * Math.exp(-this.viewRate * (now - base)) };
  }

  private fillSlot(c: SlotColumn, slot: number, key: string): void {
    const e = this.normalised.get(key);
    c.orders[slot] = e ? e.orders : 0;
    c.views[slot] = e ? e.views : 0;
  }

  /**
   * Products by order score, then (for products never ordered) by view score, walked lazily:
   * the callers need the first few dozen not yet seen, not an array of the whole catalogue.
   */
  ranking(now: number): Iterable<string> {
    const orderRanking = this.orders.ranked(now);
    const viewRanking = this.unorderedViews().ranked(now);
    return {
      *[Symbol.iterator]() {
        yield* orderRanking;
        yield* viewRanking;
      },
    };
  }

  /**
   * The view counts of the products never ordered, kept beside `views` once asked for: walking
   * all views and skipping the ordered products went through most of the catalogue in a shop
   * where most products sell.
   */
  private unorderedViews(): DecayingCounter {
    this.unordered ??= this.views.subset((key) => !this.orders.has(key));
    return this.unordered;
  }

  private addNormalised(key: string, t: number, orderWeight: number, viewWeight: number): void {
    this.weigh(key, t, orderWeight, viewWeight);
    this.changes.push(key);
    this.changeCount++;
    if (this.changes.length > 2 * CHANGE_LOG) this.changes = this.changes.slice(-CHANGE_LOG);
  }

  /** Adds weights to a key's normalised entry (rebasing first when its exponent would grow too large). */
  private weigh(key: string, t: number, orderWeight: number, viewWeight: number): void {
    if (this.base === null) this.base = t;
    else if (this.viewRate * (t - this.base) > MAX_EXPONENT) this.rebase(t);
    let e = this.normalised.get(key);
    if (!e) this.normalised.set(key, (e = { orders: 0, views: 0 }));
    if (orderWeight !== 0) e.orders += orderWeight * Math.exp(this.orderRate * (t - this.base));
    if (viewWeight !== 0) e.views += viewWeight * Math.exp(this.viewRate * (t - this.base));
  }

  /** Moves the base time forward, rescaling every entry (once in years of a shop's life). */
  private rebase(base: number): void {
    const orderScale = Math.exp(-this.orderRate * (base - this.base!));
    const viewScale = Math.exp(-this.viewRate * (base - this.base!));
    for (const e of this.normalised.values()) {
      e.orders *= orderScale;
      e.views *= viewScale;
    }
    this.base = base;
    this.epoch++;
  }
}
