/**
 * Trending: products whose activity grows fastest, the last day against the day before. Counts
 * are kept in hourly buckets per product for the last two days only, so the state is bounded by
 * the catalog. Orders weigh more than views; a shop without orders yet trends on views alone.
 */
import type { StoredEvent } from '../storage/ports.js';
import type { ModelComponent, OrderSignal } from './models.js';
import { rankScores } from './neighbour-graph.js';
import { expectMap, expectNumber } from './snapshot-state.js';

export const TRENDING_MODEL = 'trending';
/** Length of the recent window (and of the previous one it is compared with). */
export const TRENDING_WINDOW_SECONDS = 24 * 3600;
const BUCKET_SECONDS = 3600;
/** One order in the window counts as this many views. */
export const ORDER_WEIGHT = 5;

/**
 * Growth of a count between two equal windows, as a Poisson z-score: (recent − previous) /
 * sqrt(previous + 1). Rewards relative growth, but needs volume to be believed (3 → 6 ranks below
 * 30 → 60).
 */
export function growthScore(recent: number, previous: number): number {
  return (recent - previous) / Math.sqrt(previous + 1);
}

interface Buckets {
  /** bucket index → [orders, views] */
  counts: Map<number, [number, number]>;
}

export class Trending implements ModelComponent {
  private products = new Map<string, Buckets>();
  private latest = 0;

  snapshot(): { products: Map<string, Buckets>; latest: number } {
    return { products: this.products, latest: this.latest };
  }

  restore(s: { products: Map<string, Buckets>; latest: number }): void {
    this.products = expectMap(s.products, 'trending buckets');
    this.latest = expectNumber(s.latest, 'trending time');
  }

  applyEvent(e: StoredEvent): void {
    if ((e.type === 'product' || e.type === 'click') && e.product) this.add(e.product, e.time, 1);
  }

  applyOrder(o: OrderSignal): void {
    for (const p of new Set(o.products)) this.add(p, o.time, 0);
  }

  /** Counts one order (kind 0) or view (kind 1) of a product at time t. */
  add(product: string, time: number, kind: 0 | 1): void {
    const bucket = Math.floor(time / BUCKET_SECONDS);
    if (time > this.latest) this.latest = time;
    if (bucket < this.oldestBucket(this.latest)) return; // too old to matter to either window
    let b = this.products.get(product);
    if (!b) this.products.set(product, (b = { counts: new Map() }));
    const c = b.counts.get(bucket) ?? [0, 0];
    c[kind]++;
    b.counts.set(bucket, c);
    this.prune(b);
  }

  /** Growth score per product at `now`; only growing products are listed. */
  scores(now: number): Map<string, number> {
    const out = new Map<string, number>();
    const recentFrom = now - TRENDING_WINDOW_SECONDS;
    const previousFrom = recentFrom - TRENDING_WINDOW_SECONDS;
    for (const [product, b] of this.products) {
      const recent = [0, 0];
      const previous = [0, 0];
      for (const [bucket, [orders, views]] of b.counts) {
        const t = bucket * BUCKET_SECONDS;
        const into = t >= recentFrom && t <= now ? recent : t >= previousFrom && t < recentFrom ? previous : null;
        if (!into) continue;
        into[0] += orders;
        into[1] += views;
      }
      const score = ORDER_WEIGHT * growthScore(recent[0], previous[0]) + growthScore(recent[1], previous[1]);
      if (score > 0) out.set(product, score);
    }
    return out;
  }

  /** Growing products at `now`, fastest first. */
  ranking(now: number): string[] {
    return rankScores(this.scores(now));
  }

  private oldestBucket(now: number): number {
    return Math.floor((now - 2 * TRENDING_WINDOW_SECONDS) / BUCKET_SECONDS) - 1;
  }

  private prune(b: Buckets): void {
    if (b.counts.size <= 2 * TRENDING_WINDOW_SECONDS / BUCKET_SECONDS + 2) return;
    const oldest = this.oldestBucket(this.latest);
    for (const bucket of b.counts.keys()) if (bucket < oldest) b.counts.delete(bucket);
  }
}
