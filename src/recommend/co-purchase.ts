/**
 * Co-purchases: products bought in the same orders. Raw pair counts would put the blockbuster in
 * every list, so edges are scored by cosine similarity with shrinkage:
 *   c_ab / sqrt(c_a · c_b) · c_ab / (c_ab + SHRINK)
 * The cosine discounts products that are in many orders anyway; the shrinkage factor discounts
 * pairs seen once or twice, whose cosine is noise.
 */
import type { ModelComponent, OrderSignal } from './models.js';
import { combineRows, NeighbourGraph } from './neighbour-graph.js';
import { expectMap } from './snapshot-state.js';

export const CO_PURCHASE_MODEL = 'co-purchase';
/** Pseudo-count of the shrinkage factor. */
export const CO_PURCHASE_SHRINK = 1;
/** Orders with more distinct products than this add no pairs (bulk orders link nothing useful, quadratically). */
export const MAX_ORDER_SIZE = 50;

/** Significance of "bought with": cosine of the two products' order sets, shrunk for small counts. */
export function coPurchaseScore(pair: number, countA: number, countB: number, shrink = CO_PURCHASE_SHRINK): number {
  if (pair <= 0 || countA <= 0 || countB <= 0) return 0;
  return (pair / Math.sqrt(countA * countB)) * (pair / (pair + shrink));
}

export class CoPurchase implements ModelComponent {
  readonly pairs = new NeighbourGraph(100);
  /** Orders containing each product. */
  counts = new Map<string, number>();

  snapshot(): { pairs: ReturnType<NeighbourGraph['snapshot']>; counts: Map<string, number> } {
    return { pairs: this.pairs.snapshot(), counts: this.counts };
  }

  restore(s: { pairs: ReturnType<NeighbourGraph['snapshot']>; counts: Map<string, number> }): void {
    this.pairs.restore(s.pairs);
    this.counts = expectMap(s.counts, 'co-purchase counts');
  }

  applyOrder(o: OrderSignal): void {
    this.addOrder(o.products);
  }

  /** One order: every pair of distinct products counts once, whatever the quantities. */
  addOrder(products: Iterable<string>): void {
    const distinct = [...new Set(products)];
    for (const p of distinct) this.counts.set(p, (this.counts.get(p) ?? 0) + 1);
    if (distinct.length > MAX_ORDER_SIZE) return;
    for (const a of distinct) for (const b of distinct) if (a !== b) this.pairs.add(a, b, 1);
  }

  /** How many orders held both a and b (as far as the bounded graph remembers). */
  pairCount(a: string, b: string): number {
    return this.pairs.row(a).get(b) ?? 0;
  }

  /** Products bought with the given ones, by summed significance (each given product's row normalised). */
  boughtWith(items: readonly string[]): Map<string, number> {
    return combineRows(this.pairs, items, (from, to, pair) => coPurchaseScore(pair, this.counts.get(from) ?? 0, this.counts.get(to) ?? 0));
  }
}
