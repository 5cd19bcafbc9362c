/**
 * Driver-free rollup helpers shared by both adapters: which deltas of a batch apply, merging
 * deltas that hit the same row, and mapping summed rows back to the port's shape.
 */
import { HOURLY_KINDS, ROLLUP_METRICS, type RollupDelta, type RollupMetric, type RollupQuery, type RollupRow } from './ports.js';

export const METRIC_COLUMNS = ROLLUP_METRICS.join(', ');
export const DAY = 86400;

// Keys join fields with U+001F, a character names and labels do not carry (cheaper than JSON).
const US = '\u001f';

/** The row a delta increments under one of its names. */
export const rowKey = (d: RollupDelta, name: string) => `${d.storeId}${US}${d.kind}${US}${d.hour}${US}${name}${US}${d.api}`;

/** The per-day unique a delta asks for (null when none). */
export function uniqueKey(d: RollupDelta): string | null {
  return d.unique ? uniqueKeyOf(d.storeId, dayOf(d.hour), d.kind, d.name, d.api, d.unique.metric, d.unique.visitor) : null;
}

/** The key of a per-day unique from its columns. */
export function uniqueKeyOf(storeId: number, day: number, kind: string, name: string, api: string, metric: string, visitor: string): string {
  return `${storeId}${US}${day}${US}${kind}${US}${name}${US}${api}${US}${metric}${US}${visitor}`;
}

/** A deleted per-day unique (privacy/forget); `hour` is where its +1 went (null: stored before migration 9). */
export interface RemovedUnique {
  storeId: number;
  kind: string;
  name: string;
  api: string;
  metric: string;
  hour: number | null;
}

/**
 * The deltas that take back deleted per-day uniques: -1 in the hour row (hourly kinds) and the
 * day row where the +1 went. Rows stored before the hour was recorded cannot be placed and stay.
 */
export function uniqueRemovals(rows: RemovedUnique[]): RollupDelta[] {
  const out: RollupDelta[] = [];
  for (const r of rows) {
    if (r.hour === null) continue;
    out.push({ storeId: r.storeId, hour: r.hour, kind: r.kind as RollupDelta['kind'], name: r.name, api: r.api, metrics: { [r.metric]: -1 } });
  }
  return out;
}

/** The daily row of a merged hourly row. */
export function dayOf(hour: number): number {
  return Math.floor(hour / DAY) * DAY;
}

/** Drops the deltas of sales that were not new (`newSales` holds `storeId/sale` keys of inserted sales). */
export function applicableDeltas(deltas: RollupDelta[], newSales: Set<string>): RollupDelta[] {
  return deltas.filter((d) => d.onlyIfNewSale === undefined || newSales.has(`${d.storeId}/${d.onlyIfNewSale}`));
}

/**
 * The rollup-queue rows of a batch's applicable deltas: one [storeId, JSON array] per store
 * (a store's rows can then be dropped with its rollups). `onlyIfNewSale` was settled by the
 * commit and is left out.
 */
export function queueRows(deltas: RollupDelta[]): Array<[storeId: number, deltas: string]> {
  const byStore = new Map<number, RollupDelta[]>();
  for (const d of deltas) {
    const rest = d.onlyIfNewSale === undefined ? d : settled(d);
    const list = byStore.get(d.storeId);
    if (list) list.push(rest);
    else byStore.set(d.storeId, [rest]);
  }
  return [...byStore].map(([storeId, list]) => [storeId, JSON.stringify(list)]);
}

function settled(d: RollupDelta): RollupDelta {
  const { onlyIfNewSale: _settled, ...rest } = d;
  return rest;
}

/**
 * A batch's deltas with every plain increment summed per row: N clicks on one label in a batch
 * become one delta, not N, before they are queued as JSON and later merged again. Per-day uniques
 * become metric-free deltas (one per unique key; the applier adds their +1 where new), multi-row
 * deltas (`names`) and sale deltas (`onlyIfNewSale`, settled by the commit) are kept as they are.
 * Equivalent under mergeDeltas to the input, in any grain.
 */
export function compactDeltas(deltas: RollupDelta[]): RollupDelta[] {
  const sums = new Map<string, RollupDelta>();
  const kept: RollupDelta[] = [];
  const uniques = new Set<string>();
  for (const d of deltas) {
    if (d.names || d.onlyIfNewSale !== undefined) {
      kept.push(d);
      continue;
    }
    if (d.unique) {
      const u = uniqueKey(d)!;
      if (!uniques.has(u)) {
        uniques.add(u);
        kept.push({ storeId: d.storeId, hour: d.hour, kind: d.kind, name: d.name, api: d.api, metrics: {}, unique: d.unique });
      }
    }
    let any = false;
    for (const _m in d.metrics) {
      any = true;
      break;
    }
    if (!any) continue;
    const key = rowKey(d, d.name);
    const sum = sums.get(key);
    if (!sum) {
      sums.set(key, { storeId: d.storeId, hour: d.hour, kind: d.kind, name: d.name, api: d.api, metrics: { ...d.metrics } });
      continue;
    }
    const into = sum.metrics as Record<string, number>;
    for (const m in d.metrics) into[m] = (into[m] ?? 0) + (d.metrics as Record<string, number>)[m];
  }
  return [...sums.values(), ...kept];
}

/** The deltas of queued rows, oldest row first. */
export function queuedDeltas(rows: Array<{ deltas: string }>): RollupDelta[] {
  return rows.flatMap((r) => JSON.parse(r.deltas) as RollupDelta[]);
}

const METRIC_INDEX: Record<string, number> = Object.fromEntries(ROLLUP_METRICS.map((m, i) => [m, i]));

/** One merged row: the delta that named it, its name and key, and its summed metrics in ROLLUP_METRICS order. */
export interface MergedRow {
  delta: RollupDelta;
  name: string;
  key: string;
  values: Float64Array;
}

/**
 * Sums deltas per row; `isNewUnique(key)` says whether a delta's per-day unique was new (its
 * metric then gets +1). Rows whose every metric is 0 are dropped. Typed arrays: this runs for
 * every delta of every commit.
 */
export function mergeDeltas(deltas: RollupDelta[], isNewUnique: (key: string) => boolean): MergedRow[] {
  const rows = new Map<string, MergedRow>();
  const row = (d: RollupDelta, name: string): MergedRow => {
    const key = rowKey(d, name);
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { delta: d, name, key, values: new Float64Array(ROLLUP_METRICS.length) }));
    return r;
  };
  for (const d of deltas) {
    if (d.names) {
      for (const name of d.names) addMetrics(row(d, name).values, d.metrics);
      continue;
    }
    const { values } = row(d, d.name);
    addMetrics(values, d.metrics);
    if (d.unique) {
      const u = uniqueKey(d)!;
      if (isNewUnique(u)) values[METRIC_INDEX[d.unique.metric]] += 1;
    }
  }
  return [...rows.values()].filter((r) => r.values.some((v) => v !== 0));
}

function addMetrics(values: Float64Array, metrics: RollupDelta['metrics']): void {
  for (const m in metrics) values[METRIC_INDEX[m]] += (metrics as Record<string, number>)[m];
}

/**
 * A batch's deltas merged into hourly rows (HOURLY_KINDS only) and daily rows (every kind).
 * `fresh` holds the per-day uniques the batch inserted; each grain consumes its own copy, since
 * a unique is new for its first delta only.
 */
export function mergeByGrain(deltas: RollupDelta[], fresh: ReadonlySet<string>): { hourly: MergedRow[]; daily: MergedRow[] } {
  const freshHourly = new Set(fresh);
  const freshDaily = new Set(fresh);
  return {
    hourly: mergeDeltas(deltas.filter((d) => HOURLY_KINDS.includes(d.kind)), (key) => freshHourly.delete(key)),
    daily: mergeDeltas(deltas.map((d) => ({ ...d, hour: dayOf(d.hour) })), (key) => freshDaily.delete(key)),
  };
}

/**
 * Per-day uniques this process knows are stored, so a visitor seen again the same day costs no
 * insert. Only committed keys go in (a rolled-back batch must count them again); cleared when
 * it grows past its bound.
 */
export class UniqueCache {
  private keys = new Set<string>();
  /** The newest forget-log seq this cache has been checked against. */
  private forgetSeq = 0;
  constructor(private readonly max = 500_000) {}
  /**
   * The forget log's newest seq, read in the transaction about to use the cache: a forget by
   * another process deleted uniques this cache still holds (a visitor coming back the same day
   * would not be counted again), so any new forget empties it.
   */
  checkForgets(latestSeq: number): void {
    if (latestSeq === this.forgetSeq) return;
    this.forgetSeq = latestSeq;
    this.clear();
  }
  has(key: string): boolean {
    return this.keys.has(key);
  }
  /** Forgets everything (the uniques table was cleared). */
  clear(): void {
    this.keys = new Set();
  }
  /** Records keys of a committed batch. */
  addAll(keys: Iterable<string>): void {
    for (const k of keys) {
      if (this.keys.size >= this.max) this.keys = new Set();
      this.keys.add(k);
    }
  }
}

/** SQL expression of a query's bucket (`hour` is the time column of both tables). */
export function bucketExpression(q: RollupQuery): string {
  if (q.groupBy === 'hour') return 'hour';
  if (q.groupBy === 'day' || q.groupBy === 'name-day') return q.grain === 'day' ? 'hour' : `(hour / ${DAY}) * ${DAY}`;
  return '0';
}

/** The table of a query's grain. */
export const tableOf = (q: RollupQuery) => (q.grain === 'day' ? 'rollups_daily' : 'rollups');

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
