import { expectMap } from './snapshot-state.js';

/**
 * A sparse weighted item graph with bounded rows: each item keeps at most ~`maxEdges` of its
 * strongest neighbours, so memory grows with the catalog, not with the number of events. A row
 * that overflows by half is pruned back to its strongest `maxEdges` (the weak tail is noise).
 */
export class WeightGraph {
  private rows = new Map<number, Map<number, number>>();

  constructor(readonly maxEdges: number) {}

  /** The rows, for a model snapshot (not copied: serialize before the next add). */
  snapshot(): Map<number, Map<number, number>> {
    return this.rows;
  }

  restore(rows: Map<number, Map<number, number>>): void {
    this.rows = expectMap(rows, 'weight graph');
  }

  /** Adds w to a → b (w may be negative: forgetting); an edge at or below zero disappears. */
  add(a: number, b: number, w: number): void {
    let row = this.rows.get(a);
    if (!row) {
      if (w <= 0) return;
      this.rows.set(a, (row = new Map()));
    }
    const v = (row.get(b) ?? 0) + w;
    if (v <= 1e-9) row.delete(b);
    else row.set(b, v);
    if (row.size > this.maxEdges * 1.5) this.prune(a, row);
  }

  /** The outgoing edges of a (do not mutate). */
  row(a: number): Map<number, number> | undefined {
    return this.rows.get(a);
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
