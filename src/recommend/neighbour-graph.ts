import { expectMap } from './snapshot-state.js';

/**
 * A weighted item → item graph with a bounded number of neighbours per item. Co-view and
 * co-purchase counts both live in one: the state grows with the catalog, never with the number of
 * events, because each item keeps only its strongest `cap` neighbours.
 */

/** Weighted neighbours per item, pruned to the strongest `cap` when a row grows past twice that. */
export class NeighbourGraph {
  private rows = new Map<string, Map<string, number>>();

  constructor(readonly cap = 100) {}

  /** The rows, for a model snapshot (not copied: serialize before the next add). */
  snapshot(): Map<string, Map<string, number>> {
    return this.rows;
  }

  restore(rows: Map<string, Map<string, number>>): void {
    this.rows = expectMap(rows, 'neighbour graph');
  }

  /** Adds `weight` to the edge a → b. */
  add(a: string, b: string, weight: number): void {
    let row = this.rows.get(a);
    if (!row) this.rows.set(a, (row = new Map()));
    row.set(b, (row.get(b) ?? 0) + weight);
    // Pruning at 2×cap (not at cap) keeps the amortised cost per add constant; a pruned edge that
    // keeps coming back re-enters with its new weight only, which is the price of the bound.
    if (row.size > 2 * this.cap) this.rows.set(a, topEntries(row, this.cap));
  }

  /** The neighbours of `a` with their weights (empty when unknown). */
  row(a: string): ReadonlyMap<string, number> {
    return this.rows.get(a) ?? EMPTY;
  }

  /** Sum of the weights of a's edges (for normalising one item's row). */
  rowTotal(a: string): number {
    let total = 0;
    for (const w of this.row(a).values()) total += w;
    return total;
  }

  /** Number of items with neighbours. */
  get size(): number {
    return this.rows.size;
  }
}

const EMPTY: ReadonlyMap<string, number> = new Map();

/** The `n` heaviest entries of a map (ties by key, so pruning is deterministic). */
export function topEntries(row: ReadonlyMap<string, number>, n: number): Map<string, number> {
  return new Map([...row.entries()].sort(byScoreThenKey).slice(0, n));
}

/** Descending score, then ascending key. */
export function byScoreThenKey(a: readonly [string, number], b: readonly [string, number]): number {
  return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

/** Keys of a score map, best first. */
export function rankScores(scores: ReadonlyMap<string, number>): string[] {
  return [...scores.entries()].sort(byScoreThenKey).map(([k]) => k);
}

/**
 * Sums the rows of several items into one score map, each row normalised to total 1 first so
 * that a heavily viewed item does not drown the others in a multi-product query.
 */
export function combineRows(graph: NeighbourGraph, items: readonly string[], score: (from: string, to: string, weight: number) => number = (_f, _t, w) => w): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) {
    const row = graph.row(item);
    let total = 0;
    const scored: Array<[string, number]> = [];
    for (const [to, w] of row) {
      const s = score(item, to, w);
      if (s <= 0) continue;
      scored.push([to, s]);
      total += s;
    }
    for (const [to, s] of scored) out.set(to, (out.get(to) ?? 0) + s / total);
  }
  return out;
}
