/**
 * The analytics queries: plan which rollups to read, run them through the AnalyticsStore (the
 * adapter's dialect), and shape the answer (fill empty buckets, compute ratios) here, in shared
 * code. No query reads raw events, except the live feed, which reads the newest few.
 */
import type { CatalogService } from '../catalog/catalog-service.js';
import { ROLLUP_METRICS, type RollupMetric, type RollupRow, type Storage } from '../storage/ports.js';
import { CHANNELS } from './attribution.js';
import { readRollups } from './plan.js';
import { conversionRate, conversionUplift, ctr, meanPosition, ratio, revenuePerMille, round } from './metrics.js';
import type { AnalyticsQuery, FeedEvent, LabelRow, Overview, ProductRow, SearchesAnswer, SeriesPoint } from './types.js';

type Counters = Record<RollupMetric, number>;
const zero = (): Counters => Object.fromEntries(ROLLUP_METRICS.map((m) => [m, 0])) as Counters;

function sum(rows: RollupRow[]): Counters {
  const out = zero();
  for (const r of rows) for (const m of ROLLUP_METRICS) out[m] += r.metrics[m];
  for (const m of ROLLUP_METRICS) out[m] = round(out[m]);
  return out;
}

const SEP = '\u001f';

export class AnalyticsService {
  constructor(
    private readonly storage: Storage,
    private readonly catalog: CatalogService,
    /** Waits for this instance's queued writes (impressions), so an answer counts what was just shown. */
    private readonly settle: () => Promise<void> = async () => undefined,
  ) {}

  /** Store totals, Relevo's attributed share and the split by channel. */
  async overview(storeId: number, q: AnalyticsQuery): Promise<Overview> {
    await this.settle();
    const range = { from: q.from, to: q.to };
    const [totals, channels, labels] = await Promise.all([
      readRollups(this.storage, storeId, { ...range, kind: 'total', groupBy: 'name' }),
      readRollups(this.storage, storeId, { ...range, kind: 'channel', groupBy: 'name' }),
      q.labels || q.api ? readRollups(this.storage, storeId, { ...range, kind: 'label', groupBy: 'name', names: q.labels, api: q.api }) : Promise.resolve(null),
    ]);
    const t = sum(totals);
    // With a label or api filter, "attributed" means credited to those labels (an order credited
    // to two of them counts twice: see docs/analytics.md).
    const credited = labels ? sum(labels) : null;
    const attributed_orders = credited ? credited.orders : t.attributed_orders;
    const attributed_revenue = credited ? credited.revenue : t.attributed_revenue;
    const byChannel = Object.fromEntries(CHANNELS.map((c) => {
      const m = sum(channels.filter((r) => r.name === c));
      return [c, { orders: m.orders, revenue: m.revenue }];
    })) as Overview['channels'];
    return {
      orders: t.orders, revenue: t.revenue, attributed_orders, attributed_revenue,
      attributed_share: ratio(attributed_revenue, t.revenue), channels: byChannel,
      impressions: t.impressions, clicks: t.clicks, ctr: ctr(t), conversion: conversionUplift(t),
    };
  }

  /** Per-label performance, sorted by revenue then impressions. */
  async labels(storeId: number, q: AnalyticsQuery): Promise<LabelRow[]> {
    await this.settle();
    const rows = await readRollups(this.storage, storeId, { from: q.from, to: q.to, kind: 'label', groupBy: 'name', names: q.labels, api: q.api });
    return rows
      .map((r) => labelRow(r.name, r.metrics))
      .sort((a, b) => b.revenue - a.revenue || b.impressions - a.impressions || (a.label < b.label ? -1 : 1));
  }

  /** Per-product performance (shown, clicked, sold, attributed), best sellers first. */
  async products(storeId: number, q: AnalyticsQuery, limit = 1000): Promise<ProductRow[]> {
    await this.settle();
    const rows = await readRollups(this.storage, storeId, { from: q.from, to: q.to, kind: 'product', groupBy: 'name' });
    const state = await this.catalog.state(storeId);
    return rows
      .map((r) => {
        const m = r.metrics;
        const doc = state.products.get(r.name);
        return {
          product: (doc?.id as string | number | undefined) ?? r.name, name: typeof doc?.name === 'string' ? doc.name : null,
          impressions: m.impressions, clicks: m.clicks, ctr: ctr(m), orders: m.orders, units: m.units, revenue: m.revenue,
          attributed_orders: m.attributed_orders, attributed_units: m.attributed_units, attributed_revenue: m.attributed_revenue,
        };
      })
      .sort((a, b) => b.revenue - a.revenue || b.clicks - a.clicks || b.impressions - a.impressions)
      .slice(0, limit);
  }

  /** Search volume, zero-result and no-click rates, and the top / zero-result / no-click queries. */
  async searches(storeId: number, q: AnalyticsQuery, limit = 50): Promise<SearchesAnswer> {
    await this.settle();
    const rows = await readRollups(this.storage, storeId, { from: q.from, to: q.to, kind: 'query', groupBy: 'name', api: q.api });
    const queries = rows.map((r) => ({
      query: r.name, searches: r.metrics.impressions, zero_results: r.metrics.zero_results, clicks: r.metrics.clicks, ctr: ctr(r.metrics),
      orders: r.metrics.orders, units: r.metrics.units, revenue: r.metrics.revenue, conversion_rate: ratio(r.metrics.orders, r.metrics.impressions),
    }));
    const total = queries.reduce((n, x) => n + x.searches, 0);
    // A search without a click: estimated per query as searches minus clicks (floored at 0).
    const noClick = (x: (typeof queries)[number]) => Math.max(0, x.searches - x.clicks);
    const bySearches = (a: { searches: number; query: string }, b: { searches: number; query: string }) => b.searches - a.searches || (a.query < b.query ? -1 : 1);
    return {
      searches: total,
      zero_result_rate: ratio(queries.reduce((n, x) => n + x.zero_results, 0), total),
      no_click_rate: ratio(queries.reduce((n, x) => n + noClick(x), 0), total),
      top: [...queries].sort(bySearches).slice(0, limit),
      zero_result: queries.filter((x) => x.zero_results > 0).map((x) => ({ query: x.query, searches: x.zero_results })).sort(bySearches).slice(0, limit),
      no_click: queries.filter((x) => noClick(x) > 0).map((x) => ({ query: x.query, searches: noClick(x) })).sort(bySearches).slice(0, limit),
    };
  }

  /** Store (or, with labels/api, label) metrics per bucket; every bucket present. */
  async timeseries(storeId: number, q: AnalyticsQuery): Promise<SeriesPoint[]> {
    await this.settle();
    return this.series(storeId, q);
  }

  /** timeseries() without the settle, for answers that settled already. */
  private async series(storeId: number, q: AnalyticsQuery): Promise<SeriesPoint[]> {
    const labelScoped = Boolean(q.labels || q.api);
    const rows = await readRollups(this.storage, storeId, {
      from: q.from, to: q.to, kind: labelScoped ? 'label' : 'total', groupBy: q.granularity, names: q.labels, api: q.api,
    });
    // Label rows hold only what was credited to the label, so there orders are attributed orders.
    return fillSeries(rows, q, (m) => ({
      impressions: m.impressions, clicks: m.clicks, ctr: ctr(m), orders: m.orders, revenue: m.revenue,
      attributed_orders: labelScoped ? m.orders : m.attributed_orders, attributed_revenue: labelScoped ? m.revenue : m.attributed_revenue,
    }));
  }

  /** One label: its series, its top products (clicks, orders, revenue) and its click-position histogram. */
  async labelDetail(storeId: number, label: string, q: AnalyticsQuery) {
    await this.settle();
    const [series, pairs, positions] = await Promise.all([
      this.series(storeId, { ...q, labels: [label] }),
      readRollups(this.storage, storeId, { from: q.from, to: q.to, kind: 'label_product', groupBy: 'name' }),
      readRollups(this.storage, storeId, { from: q.from, to: q.to, kind: 'label_position', groupBy: 'name' }),
    ]);
    const state = await this.catalog.state(storeId);
    const mine = (rows: RollupRow[]) => rows.filter((r) => r.name.startsWith(label + SEP)).map((r) => ({ second: r.name.slice(label.length + 1), m: r.metrics }));
    const products = mine(pairs)
      .map(({ second, m }) => {
        const doc = state.products.get(second);
        return { product: (doc?.id as string | number | undefined) ?? second, name: typeof doc?.name === 'string' ? doc.name : null, clicks: m.clicks, orders: m.orders, units: m.units, revenue: m.revenue };
      })
      .sort((a, b) => b.revenue - a.revenue || b.clicks - a.clicks)
      .slice(0, 50);
    const histogram = mine(positions).map(({ second, m }) => ({ position: Number(second), clicks: m.clicks })).sort((a, b) => a.position - b.position);
    return { label, series, products, positions: histogram };
  }

  /** The newest events (live feed), newest first. */
  async recentEvents(storeId: number, after: number, limit: number): Promise<FeedEvent[]> {
    await this.settle();
    const events = await this.storage.analytics.recentEvents(storeId, after, Math.min(Math.max(limit, 1), 200));
    return events.map((e) => ({ seq: e.seq, type: e.type, time: e.time, visitor: e.visitor, product: e.product ?? null, category: e.category ?? null, labels: e.labels ?? null, api: e.api ?? null }));
  }
}

/** One label's row from its summed counters. */
export function labelRow(label: string, m: Counters): LabelRow {
  return {
    label, impressions: m.impressions, products_shown: m.products_shown, visitors: m.visitors, clicks: m.clicks, ctr: ctr(m),
    orders: m.orders, units: m.units, revenue: m.revenue, conversion_rate: conversionRate(m), revenue_per_mille: revenuePerMille(m), mean_position: meanPosition(m),
  };
}

/** Every bucket of the range, zeros where no row exists. */
function fillSeries(rows: RollupRow[], q: AnalyticsQuery, shape: (m: Counters) => Omit<SeriesPoint, 't'>): SeriesPoint[] {
  const step = q.granularity === 'hour' ? 3600 : 86400;
  const byBucket = new Map<number, Counters>();
  for (const r of rows) byBucket.set(r.bucket, sum([...(byBucket.has(r.bucket) ? [{ name: '', bucket: r.bucket, metrics: byBucket.get(r.bucket)! }] : []), r]));
  const out: SeriesPoint[] = [];
  for (let t = Math.floor(q.from / step) * step; t < q.to; t += step) out.push({ t, ...shape(byBucket.get(t) ?? zero()) });
  return out;
}

