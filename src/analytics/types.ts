/**
 * The analytics API's query and answer types (SPEC §7). Money is in the shop's currency, net of
 * returns; ratios are fractions, not percent. Every metric is defined once in metrics.ts and in
 * docs/analytics.md.
 */

export type Granularity = 'hour' | 'day';

/** A parsed analytics query: [from, to) in unix seconds, optional label and api filters. */
export interface AnalyticsQuery {
  from: number;
  to: number;
  labels?: string[];
  api?: string;
  granularity: Granularity;
}

export interface ChannelTotals {
  orders: number;
  revenue: number;
}

export interface Overview {
  orders: number;
  revenue: number;
  attributed_orders: number;
  attributed_revenue: number;
  attributed_share: number;
  channels: { search: ChannelTotals; recommendations: ChannelTotals; external: ChannelTotals; organic: ChannelTotals };
  /** Relevo extension: impressions, clicks and CTR over the range. */
  impressions: number;
  clicks: number;
  ctr: number;
  /** Conversion of visitors who clicked a Relevo result against those who did not (orders per visitor-day). */
  conversion: { clickers: { visitors: number; orders: number; rate: number }; non_clickers: { visitors: number; orders: number; rate: number }; uplift: number | null };
}

export interface LabelRow {
  label: string;
  impressions: number;
  products_shown: number;
  visitors: number;
  clicks: number;
  ctr: number;
  orders: number;
  units: number;
  revenue: number;
  conversion_rate: number;
  revenue_per_mille: number;
  mean_position: number | null;
}

export interface ProductRow {
  product: string | number;
  name: string | null;
  impressions: number;
  clicks: number;
  ctr: number;
  orders: number;
  units: number;
  revenue: number;
  attributed_orders: number;
  attributed_units: number;
  attributed_revenue: number;
}

export interface SearchesAnswer {
  searches: number;
  zero_result_rate: number;
  no_click_rate: number;
  top: Array<{ query: string; searches: number; zero_results: number; clicks: number; ctr: number; orders: number; units: number; revenue: number; conversion_rate: number }>;
  zero_result: Array<{ query: string; searches: number }>;
  no_click: Array<{ query: string; searches: number }>;
}

export interface SeriesPoint {
  /** Bucket start, unix seconds (UTC hour or day). */
  t: number;
  impressions: number;
  clicks: number;
  ctr: number;
  orders: number;
  revenue: number;
  attributed_orders: number;
  attributed_revenue: number;
}

/** One line of the live event feed (newest events of a store). */
export interface FeedEvent {
  seq: number;
  type: string;
  time: number;
  visitor: string | null;
  product: string | null;
  category: string | null;
  labels: string[] | null;
  api: string | null;
}
