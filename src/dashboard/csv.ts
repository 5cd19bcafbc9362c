/**
 * CSV export of the dashboard's tables (RFC 4180: CRLF line ends, fields with a comma, quote or
 * line break quoted, quotes doubled). Each table's columns are defined once here, so the export
 * and its header row cannot drift apart.
 */
import type { FeedEvent, LabelRow, ProductRow, SearchesAnswer, SeriesPoint } from '../analytics/types.js';

type Cell = string | number | boolean | null | undefined;

export interface Column<Row> {
  header: string;
  value: (row: Row) => Cell;
}

/** One field, quoted when it must be. Text that a spreadsheet would run as a formula gets a leading `'`. */
export function csvField(value: Cell): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  // Search queries and labels come from shoppers: "=HYPERLINK(…)" must not become a live formula.
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The whole document: header row, then one row per item, each line ended by CRLF. */
export function toCsv<Row>(columns: Column<Row>[], rows: Row[]): string {
  const lines = [columns.map((c) => csvField(c.header)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(c.value(row))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

const col = <Row, K extends keyof Row & string>(key: K): Column<Row> => ({ header: key, value: (r) => r[key] as Cell });

export const LABEL_COLUMNS: Column<LabelRow>[] = (
  ['label', 'impressions', 'products_shown', 'visitors', 'clicks', 'ctr', 'orders', 'units', 'revenue', 'conversion_rate', 'revenue_per_mille', 'mean_position'] as const
).map((k) => col<LabelRow, typeof k>(k));

export const PRODUCT_COLUMNS: Column<ProductRow>[] = (
  ['product', 'name', 'impressions', 'clicks', 'ctr', 'orders', 'units', 'revenue', 'attributed_orders', 'attributed_units', 'attributed_revenue'] as const
).map((k) => col<ProductRow, typeof k>(k));

/** A product's row on one label's page: what that label's clicks and credited sales did. */
export type LabelProductRow = Pick<ProductRow, 'product' | 'name' | 'clicks' | 'orders' | 'units' | 'revenue'>;

export const LABEL_PRODUCT_COLUMNS: Column<LabelProductRow>[] = (['product', 'name', 'clicks', 'orders', 'units', 'revenue'] as const).map((k) => col<LabelProductRow, typeof k>(k));

export const SERIES_COLUMNS: Column<SeriesPoint>[] = [
  { header: 'time', value: (p) => new Date(p.t * 1000).toISOString() },
  ...(['impressions', 'clicks', 'ctr', 'orders', 'revenue', 'attributed_orders', 'attributed_revenue'] as const).map((k) => col<SeriesPoint, typeof k>(k)),
];

export const TOP_QUERY_COLUMNS: Column<SearchesAnswer['top'][number]>[] = (['query', 'searches', 'zero_results', 'clicks', 'ctr', 'orders', 'units', 'revenue', 'conversion_rate'] as const).map((k) =>
  col<SearchesAnswer['top'][number], typeof k>(k),
);

export const QUERY_COUNT_COLUMNS: Column<{ query: string; searches: number }>[] = [col('query'), col('searches')];


export const EVENT_COLUMNS: Column<FeedEvent>[] = [
  col('seq'),
  col('type'),
  { header: 'time', value: (e) => new Date(e.time * 1000).toISOString() },
  col('visitor'),
  col('product'),
  col('category'),
  { header: 'labels', value: (e) => (e.labels ?? []).join('|') },
  col('api'),
];
