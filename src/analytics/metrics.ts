/**
 * Every derived metric, defined once (docs/analytics.md says the same in words). Inputs are the
 * summed rollup counters; ratios are fractions, never percent; a ratio over zero is 0 (or null
 * where "no data" must differ from zero: mean position, uplift).
 */
import type { RollupMetric } from '../storage/ports.js';

type Counters = Record<RollupMetric, number>;

/** num / den, 0 when den is 0. */
export const ratio = (num: number, den: number): number => (den > 0 ? round(num / den) : 0);
export const round = (x: number, digits = 6): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** clicks / impressions. */
export const ctr = (m: Counters) => ratio(m.clicks, m.impressions);
/** Attributed orders / clicking visitors (visitor-days). */
export const conversionRate = (m: Counters) => ratio(m.orders, m.clickers);
/** Attributed revenue per 1,000 impressions. */
export const revenuePerMille = (m: Counters) => (m.impressions > 0 ? round((m.revenue * 1000) / m.impressions) : 0);
/** Mean 0-based position of clicks that told their position; null when none did. */
export const meanPosition = (m: Counters) => (m.position_n > 0 ? round(m.position_sum / m.position_n) : null);

/** Orders per visitor-day of clickers and non-clickers, and the relative uplift (null when non-clickers convert at 0). */
export function conversionUplift(m: Counters) {
  const clickers = { visitors: m.clickers, orders: m.clicker_orders, rate: ratio(m.clicker_orders, m.clickers) };
  const nonVisitors = Math.max(0, m.visitors - m.clickers);
  const nonOrders = Math.max(0, m.orders - m.clicker_orders);
  const non_clickers = { visitors: nonVisitors, orders: nonOrders, rate: ratio(nonOrders, nonVisitors) };
  return { clickers, non_clickers, uplift: non_clickers.rate > 0 ? round(clickers.rate / non_clickers.rate - 1) : null };
}
