import { expectMap } from './snapshot-state.js';

/** A row as flat arrays (edge order as in the row) and its strongest weight: what rankings read. */
export interface RowView {
  readonly items: Int32Array;
  readonly weights: Float64Array;
  readonly max: number;
}

/**
 * A sparse weighted item graph with bounded rows: each item keeps at most ~`maxEdges` of its
 * strongest neighbours, so memory grows with the catalog, not with the number of events. A row
 * that overflows by half is pruned back to its strongest `maxEdges` (the weak tail is noise).
 */
export class WeightGraph {
  private rows = new Map<number, Map<number, number>>();
  /**
   * Flat copies of rows read by rankings since the row last changed: a request reads a dozen
   * rows of up to 1.5 × maxEdges edges, and flat arrays with the maximum at hand are read in one
   * pass instead of walking a Map twice (its maximum, then its edges). Derived, so not in a snapshot.
   */
  private views = new Map<number, RowView>();

  constructor(readonly maxEdges: number) {}

  /** The rows, for a model snapshot (not copied: serialize before the next add). */
  snapshot(): Map<number, Map<number, number>> {
    return this.rows;
  }

  restore(rows: Map<number, Map<number, number>>): void {
    this.rows = expectMap(rows, 'weight graph');
    this.views.clear();
  }

  /** Adds w to a → b (w may be negative: forgetting); an edge at or below zero disappears. */
  add(a: number, b: number, w: number): void {
    let row = this.rows.get(a);
    if (!row) {
      if (w <= 0) return;
      this.rows.set(a, (row = new Map()));
    }
    this.views.delete(a);
    const v = (row.get(b) ?? 0) + w;
    if (v <= 1e-9) row.delete(b);
    else row.set(b, v);
    if (row.size > this.maxEdges * 1.5) this.prune(a, row);
  }

  /** The outgoing edges of a (do not mutate). */
  row(a: number): Map<number, number> | undefined {
    return this.rows.get(a);
  }

  /** The outgoing edges of a as flat arrays, built once per change of the row (do not mutate). */
  view(a: number): RowView | undefined {
    const cached = this.views.get(a);
    if (cached) return cached;
    const row = this.rows.get(a);
    if (!row || row.size === 0) return undefined;
    const view = toRowView(row);
    this.views.set(a, view);
    return view;
  }

  /** Number of stored edges (for tests and size checks). */
  edges(): number {
    let n = 0;
    for (const r of this.rows.values()) n += r.size;
    return n;
  }

  private prune(a: number, row: Map<number, number>): void {
    const kept = [...row].sort((x, y) => y[1] - x[1]).slice(0, this.maxEdges);
    this.rows.set(a, new Map(kept));
  }
}

/** A row's flat copy (WeightGraph.view; tests build rows with it). */
export function toRowView(row: ReadonlyMap<number, number>): RowView {
  const items = new Int32Array(row.size);
  const weights = new Float64Array(row.size);
  let i = 0;
  let max = 0;
  for (const [b, w] of row) {
    items[i] = b;
    weights[i++] = w;
    if (w > max) max = w;
  }
  return { items, weights, max };
}
