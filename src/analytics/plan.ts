/**
 * Query planning over the two rollup grains: hourly rows exist for the store total, labels and
 * channels; daily rows for every kind. A range is read as hourly rows for its partial days at
 * either end and daily rows for the whole days between, so a 90-day query sums a few hundred
 * rows, not thousands, and stays exact to the hour. Kinds kept per day only (products, queries,
 * label detail) are read for the UTC days the range touches.
 */
import { HOURLY_KINDS, ROLLUP_METRICS, type RollupQuery, type RollupRow, type Storage } from '../storage/ports.js';

const DAY = 86400;

export type PlannedQuery = Omit<RollupQuery, 'grain'>;

/** The reads a query needs, each with its grain and bounds. */
export function planReads(query: PlannedQuery): RollupQuery[] {
  // Hourly rows start on the hour: a `from` inside an hour includes that hour.
  const q = { ...query, from: Math.floor(query.from / 3600) * 3600 };
  if (q.groupBy === 'hour') return [{ ...q, grain: 'hour' }];
  if (!HOURLY_KINDS.includes(q.kind)) return [{ ...q, grain: 'day', from: Math.floor(q.from / DAY) * DAY }];
  const firstDay = Math.ceil(q.from / DAY) * DAY;
  const lastDay = Math.floor(q.to / DAY) * DAY;
  if (firstDay >= lastDay) return [{ ...q, grain: 'hour' }];
  const reads: RollupQuery[] = [];
  if (q.from < firstDay) reads.push({ ...q, grain: 'hour', to: firstDay });
  reads.push({ ...q, grain: 'day', from: firstDay, to: lastDay });
  if (lastDay < q.to) reads.push({ ...q, grain: 'hour', from: lastDay });
  return reads;
}

/** Runs the planned reads and sums rows of the same name and bucket. */
export async function readRollups(storage: Storage, storeId: number, q: PlannedQuery): Promise<RollupRow[]> {
  const parts = await Promise.all(planReads(q).map((r) => storage.analytics.queryRollups(storeId, r)));
  if (parts.length === 1) return parts[0];
  const merged = new Map<string, RollupRow>();
  for (const row of parts.flat()) {
    const key = `${row.name}\u001f${row.bucket}`;
    const prev = merged.get(key);
    if (!prev) merged.set(key, { ...row, metrics: { ...row.metrics } });
    else for (const m of ROLLUP_METRICS) prev.metrics[m] = Math.round((prev.metrics[m] + row.metrics[m]) * 1e6) / 1e6;
  }
  return [...merged.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.bucket - b.bucket));
}
