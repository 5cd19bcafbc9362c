/**
 * Rollup increments of committed records: what each impression, event and sale adds to the
 * per-hour rows of the store total, labels, channels, products and search queries. Pure: the
 * ingest computes them before the commit and the adapter applies them in the same transaction,
 * so rollups never disagree with raw events, even after a crash.
 */
import type { ImpressionRecord, RollupDelta, RollupKind, RollupMetric, SaleRecord, TrackedEvent } from '../storage/ports.js';
import { readAttribution, type Channel } from './attribution.js';
import { round } from './metrics.js';

type Metrics = Partial<Record<RollupMetric, number>>;

/** Start of the UTC hour of `time`. */
export function hourOf(time: number): number {
  return Math.floor(time / 3600) * 3600;
}


function delta(storeId: number, time: number, kind: RollupKind, name: string, api: string, metrics: Metrics, extra: Partial<RollupDelta> = {}): RollupDelta {
  return { storeId, hour: hourOf(time), kind, name, api, metrics, ...extra };
}

/** The search query of an impression's input, normalised (trimmed, lower-cased), if any. */
export function queryOf(input: Record<string, unknown> | null | undefined): string | null {
  const q = input?.query;
  return typeof q === 'string' && q.trim() !== '' ? q.trim().toLowerCase().slice(0, 200) : null;
}

/** What an impression adds: totals, each label, each product shown, and the search query. */
export function impressionDeltas(imp: ImpressionRecord): RollupDelta[] {
  const { storeId, time, api, visitor } = imp;
  const out = [delta(storeId, time, 'total', '', '', { impressions: 1 }, { unique: { visitor, metric: 'visitors' } })];
  for (const label of imp.labels) {
    out.push(delta(storeId, time, 'label', label, api, { impressions: 1, products_shown: imp.results.length }, { unique: { visitor, metric: 'visitors' } }));
  }
  if (imp.results.length > 0) out.push(delta(storeId, time, 'product', '', '', { impressions: 1 }, { names: [...new Set(imp.results)] }));
  const query = queryOf(imp.input);
  if (query !== null) out.push(delta(storeId, time, 'query', query, api, { impressions: 1, zero_results: imp.results.length === 0 ? 1 : 0 }));
  return out;
}

/** What a tracked event adds: clicks to their labels, products and query; every event marks an active visitor. */
export function eventDeltas(e: TrackedEvent): RollupDelta[] {
  const { storeId, time } = e;
  const out: RollupDelta[] = [];
  if (e.visitor && e.type !== 'returned') out.push(delta(storeId, time, 'total', '', '', {}, { unique: { visitor: e.visitor, metric: 'visitors' } }));
  if (e.type === 'click') {
    const position: Metrics = e.position !== null && e.position !== undefined ? { position_sum: e.position, position_n: 1 } : {};
    out.push(delta(storeId, time, 'total', '', '', { clicks: 1 }, e.visitor ? { unique: { visitor: e.visitor, metric: 'clickers' } } : {}));
    for (const label of e.labels ?? []) {
      out.push(delta(storeId, time, 'label', label, e.api ?? '', { clicks: 1, ...position }, e.visitor ? { unique: { visitor: e.visitor, metric: 'clickers' } } : {}));
    }
    if (e.product) out.push(delta(storeId, time, 'product', e.product, '', { clicks: 1 }));
    for (const label of e.labels ?? []) {
      if (e.product) out.push(delta(storeId, time, 'label_product', pair(label, e.product), '', { clicks: 1 }));
      if (position.position_n) out.push(delta(storeId, time, 'label_position', pair(label, String(e.position)), '', { clicks: 1 }));
    }
    const query = queryOf(e.data as Record<string, unknown> | null);
    if (query !== null) out.push(delta(storeId, time, 'query', query, e.api ?? '', { clicks: 1 }));
  }
  if (e.type === 'returned') out.push(...returnDeltas(e));
  return out;
}

/** A return subtracts units and revenue where the sale added them (orders stay counted). */
function returnDeltas(e: TrackedEvent): RollupDelta[] {
  const d = e.data ?? {};
  const units = Number(d.quantity ?? 0);
  const revenue = round(units * Number(d.price ?? 0));
  const channel = (d.channel as Channel | undefined) ?? 'organic';
  const attributed = channel !== 'organic';
  const minus: Metrics = { units: -units, revenue: -revenue };
  const minusAttributed: Metrics = attributed ? { attributed_units: -units, attributed_revenue: -revenue } : {};
  const out = [
    delta(e.storeId, e.time, 'total', '', '', { ...minus, ...minusAttributed }),
    delta(e.storeId, e.time, 'channel', channel, '', minus),
    delta(e.storeId, e.time, 'product', e.product ?? '', '', { ...minus, ...minusAttributed }),
  ];
  for (const label of (d.labels as string[] | undefined) ?? []) out.push(delta(e.storeId, e.time, 'label', label, String(d.api ?? ''), minus));
  return out;
}

/** What a new sale adds (applied only when the sale is new): totals, channels, credited labels, products. */
export function saleDeltas(sale: SaleRecord): RollupDelta[] {
  const { storeId, time } = sale;
  const only = { onlyIfNewSale: sale.sale };
  const attribution = readAttribution(sale.attribution);
  const lines = attribution?.lines ?? sale.lines.map((l) => ({ product: l.product, quantity: l.quantity, price: l.price, channel: 'organic' as Channel, click: null }));
  const units = lines.reduce((n, l) => n + l.quantity, 0);
  const revenue = round(lines.reduce((n, l) => n + l.quantity * l.price, 0));
  const credited = lines.filter((l) => l.click !== null);
  const out = [
    delta(storeId, time, 'total', '', '', {
      orders: 1, units, revenue,
      attributed_orders: credited.length > 0 ? 1 : 0,
      attributed_units: credited.reduce((n, l) => n + l.quantity, 0),
      attributed_revenue: round(credited.reduce((n, l) => n + l.quantity * l.price, 0)),
      clicker_orders: attribution?.clicker ? 1 : 0,
    }, sale.visitor ? { onlyIfNewSale: sale.sale, unique: { visitor: sale.visitor, metric: 'visitors' } } : only),
  ];
  const byChannel = group(lines, (l) => l.channel);
  for (const [channel, ls] of byChannel) out.push(delta(storeId, time, 'channel', channel, '', sums(ls, true), only));
  // A label (with the api of its click) is credited once per order, with the units and revenue of its lines.
  const byLabel = new Map<string, typeof lines>();
  for (const l of credited) for (const label of new Set(l.click!.labels)) {
    const key = JSON.stringify([label, l.click!.api ?? '']);
    byLabel.set(key, [...(byLabel.get(key) ?? []), l]);
  }
  for (const [key, ls] of byLabel) {
    const [label, api] = JSON.parse(key) as [string, string];
    out.push(delta(storeId, time, 'label', label, api, sums(ls, true), only));
  }
  for (const l of credited) for (const label of new Set(l.click!.labels)) {
    out.push(delta(storeId, time, 'label_product', pair(label, l.product), '', sums([l], true), only));
  }
  // A search query is credited once per order with the lines its clicks led to, like a label.
  const byQuery = group(credited.filter((l) => l.click!.query), (l) => JSON.stringify([l.click!.query, l.click!.api ?? '']));
  for (const [key, ls] of byQuery) {
    const [query, api] = JSON.parse(key) as [string, string];
    out.push(delta(storeId, time, 'query', query, api, sums(ls, true), only));
  }
  for (const [product, ls] of group(lines, (l) => l.product)) {
    const attributed = ls.filter((l) => l.click !== null);
    const a = sums(attributed, false);
    const all = sums(ls, true);
    out.push(delta(storeId, time, 'product', product, '', {
      orders: 1, units: all.units, revenue: all.revenue,
      attributed_orders: attributed.length > 0 ? 1 : 0, attributed_units: a.units ?? 0, attributed_revenue: a.revenue ?? 0,
    }, only));
  }
  return out;
}

/**
 * What deleted events and impressions had added, negated (privacy/forget takes it back so the
 * rollups stay a recount of what remains). Per-day uniques are left out: the adapter takes those
 * back from the unique rows it deletes, where it knows which hour each went to.
 */
export function uncountedDeltas(removed: { events: TrackedEvent[]; impressions: ImpressionRecord[] }): RollupDelta[] {
  const added = [...removed.impressions.flatMap(impressionDeltas), ...removed.events.flatMap(eventDeltas)];
  return added.map(({ unique: _unique, onlyIfNewSale: _only, metrics, ...d }) => ({
    ...d,
    metrics: Object.fromEntries(Object.entries(metrics).map(([m, v]) => [m, -(v as number)])),
  }));
}

/** The name of a label_product / label_position row. */
export function pair(label: string, second: string): string {
  return `${label}\u001f${second}`;
}

function group<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const item of items) m.set(key(item), [...(m.get(key(item)) ?? []), item]);
  return m;
}

// Literals of fixed shapes, not spreads of optional parts: every new sale builds several of these
// (a conditional spread cost more than the rest of saleDeltas together).
function sums(lines: Array<{ quantity: number; price: number }>, countOrder: boolean): Metrics {
  let units = 0;
  let money = 0;
  for (const l of lines) {
    units += l.quantity;
    money += l.quantity * l.price;
  }
  const revenue = round(money);
  return countOrder ? { orders: 1, units, revenue } : { units, revenue };
}
