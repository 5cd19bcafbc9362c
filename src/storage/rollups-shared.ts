/**
 * Driver-free rollup helpers shared by both adapters: which deltas of a batch apply, merging
 * deltas that hit the same row, and mapping summed rows back to the port's shape.
 */
import { ROLLUP_METRICS, type RollupDelta, type RollupMetric, type RollupQuery, type RollupRow } from './ports.js';

export const METRIC_COLUMNS = ROLLUP_METRICS.join(', ');
export const DAY = 86400;

/** The row a delta increments. */
export const rowKey = (d: RollupDelta) => JSON.stringify([d.storeId, d.kind, d.hour, d.name, d.api]);

/** The per-day unique a delta asks for (null when none). */
export function uniqueKey(d: RollupDelta): string | null {
  return d.unique ? JSON.stringify([d.storeId, Math.floor(d.hour / DAY) * DAY, d.kind, d.name, d.api, d.unique.metric, d.unique.visitor]) : null;
}

/** Drops the deltas of sales that were not new (`newSales` holds `storeId/sale` keys of inserted sales). */
export function applicableDeltas(deltas: RollupDelta[], newSales: Set<string>): RollupDelta[] {
  return deltas.filter((d) => d.onlyIfNewSale === undefined || newSales.has(`${d.storeId}/${d.onlyIfNewSale}`));
}

/**
 * Sums deltas per row; `isNewUnique(key)` says whether a delta's per-day unique was new (its
 * metric then gets +1). Rows whose every metric is 0 are dropped.
 */
export function mergeDeltas(deltas: RollupDelta[], isNewUnique: (key: string) => boolean): Array<{ delta: RollupDelta; metrics: Record<RollupMetric, number> }> {
  const rows = new Map<string, { delta: RollupDelta; metrics: Record<RollupMetric, number> }>();
  for (const d of deltas) {
    const k = rowKey(d);
    let row = rows.get(k);
    if (!row) rows.set(k, (row = { delta: d, metrics: Object.fromEntries(ROLLUP_METRICS.map((m) => [m, 0])) as Record<RollupMetric, number> }));
    for (const [m, v] of Object.entries(d.metrics)) row.metrics[m as RollupMetric] += v ?? 0;
    const u = uniqueKey(d);
    if (u && d.unique && isNewUnique(u)) row.metrics[d.unique.metric] += 1;
  }
  return [...rows.values()].filter((r) => ROLLUP_METRICS.some((m) => r.metrics[m] !== 0));
}

/** SQL expression of a query's bucket (`hour` is the column). */
export function bucketExpression(q: RollupQuery): string {
  if (q.groupBy === 'hour') return 'hour';
  if (q.groupBy === 'day' || q.groupBy === 'name-day') return `(hour / ${DAY}) * ${DAY}`;
  return '0';
}

/** GROUP BY / ORDER BY of a query (a constant bucket is not grouped: SQL reads `GROUP BY 0` as a column number). */
export function groupClause(byName: boolean, bucket: string): string {
  const cols = [...(byName ? ['name'] : []), ...(bucket !== '0' ? [bucket] : [])];
  return cols.length === 0 ? '' : `GROUP BY ${cols.join(', ')} ORDER BY ${cols.join(', ')}`;
}

/** Whether a query groups by name. */
export const groupsByName = (q: RollupQuery) => q.groupBy === 'name' || q.groupBy === 'name-day';

/** A summed result row (numbers may arrive as strings from pg). */
export function toRollupRow(row: Record<string, unknown>): RollupRow {
  return {
    name: String(row.name ?? ''),
    bucket: Number(row.bucket ?? 0),
    metrics: Object.fromEntries(ROLLUP_METRICS.map((m) => [m, Math.round(Number(row[m] ?? 0) * 1e6) / 1e6])) as Record<RollupMetric, number>,
  };
}

/** `SUM(x) AS x, …` for every metric. */
export const SUM_METRICS = ROLLUP_METRICS.map((m) => `SUM(${m}) AS ${m}`).join(', ');
