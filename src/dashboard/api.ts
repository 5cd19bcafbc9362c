/**
 * The dashboard's JSON and CSV endpoints under /dashboard/api/. Thin: read the session's store,
 * parse the range with the analytics service's own parser (so the dashboard and the public
 * analytics API agree on every number), call one service method, shape JSON or CSV.
 */
import { Issue } from '../api/validate.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { assertDepth } from '../api/args.js';
import { shapeError } from '../api/envelope.js';
import { parseQuery } from '../analytics/query.js';
import type { Doc } from '../storage/ports.js';
import type { AnalyticsQuery, FeedEvent, LabelRow, Overview, ProductRow, SearchesAnswer, SeriesPoint } from '../analytics/types.js';
import { invalidArgument, missingArgument } from '../errors.js';
import { labelsArg } from '../tracking/labels.js';
import {
  EVENT_COLUMNS, LABEL_COLUMNS, LABEL_PRODUCT_COLUMNS, PRODUCT_COLUMNS, QUERY_COUNT_COLUMNS, SERIES_COLUMNS, TOP_QUERY_COLUMNS, toCsv, type Column, type LabelProductRow,
} from './csv.js';

/** What the dashboard needs of the analytics service (src/analytics/service.ts implements it). */
export interface DashboardAnalytics {
  overview(storeId: number, q: AnalyticsQuery): Promise<Overview>;
  labels(storeId: number, q: AnalyticsQuery): Promise<LabelRow[]>;
  products(storeId: number, q: AnalyticsQuery): Promise<ProductRow[]>;
  searches(storeId: number, q: AnalyticsQuery): Promise<SearchesAnswer>;
  timeseries(storeId: number, q: AnalyticsQuery): Promise<SeriesPoint[]>;
  labelDetail(storeId: number, label: string, q: AnalyticsQuery): Promise<{ series: SeriesPoint[]; products: LabelProductRow[]; positions: Array<{ position: number; clicks: number }> }>;
  recentEvents(storeId: number, afterSeq: number, limit: number): Promise<FeedEvent[]>;
}

/** Resolves the request's session to a store ID, or answers (redirect or 401) and returns null. */
export type SessionGuard = (req: FastifyRequest, reply: FastifyReply, kind: 'page' | 'api') => Promise<number | null>;

type Query = Record<string, string | string[] | undefined>;
const EVENTS_LIMIT = 50;

/** The latest orders with their parcels (src/catalog/parcels.ts implements it). */
export interface DashboardOrders {
  latestOrders(storeId: number, limit: number): Promise<Doc[]>;
}
const ORDERS_LIMIT = 50;

/** Every /dashboard/api/ path registered (e.g. `overview`, `labels.csv`), for tests that walk them all. */
export const DASHBOARD_API_PATHS: string[] = [];
/** The route of a /dashboard/api/ path, which is listed in DASHBOARD_API_PATHS on the way. */
const apiRoute = (path: string): string => {
  if (!DASHBOARD_API_PATHS.includes(path)) DASHBOARD_API_PATHS.push(path);
  return `/dashboard/api/${path}`;
};

/** Registers /dashboard/api/* on the app. */
export function registerDashboardApi(app: FastifyInstance, deps: { analytics: DashboardAnalytics; orders: DashboardOrders; log: Logger; guard: SessionGuard; now: () => number }): void {
  const { analytics } = deps;
  const parse = (query: Query) => parseRange(query, deps.now());
  const json = (path: string, run: (storeId: number, query: Query) => Promise<Record<string, unknown>>) =>
    app.get(apiRoute(path), async (req, reply) => {
      const storeId = await deps.guard(req, reply, 'api');
      if (storeId === null) return reply;
      try {
        return await reply.header('content-type', 'application/json; charset=utf-8').send(JSON.stringify({ status: 'ok', ...(await run(storeId, checkedQuery(req.query))) }));
      } catch (err) {
        return sendError(reply, deps.log, err);
      }
    });
  const csv = <Row>(name: string, columns: Column<Row>[], run: (storeId: number, q: AnalyticsQuery, query: Query) => Promise<Row[]>) =>
    app.get(apiRoute(`${name}.csv`), async (req, reply) => {
      const storeId = await deps.guard(req, reply, 'api');
      if (storeId === null) return reply;
      try {
        const query = checkedQuery(req.query);
        const q = parse(query);
        const rows = await run(storeId, q, query);
        return await reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="relevo-${name}-${day(q.from)}-${day(q.to - 1)}.csv"`)
          .send(toCsv(columns, rows));
      } catch (err) {
        return sendError(reply, deps.log, err);
      }
    });

  json('overview', async (id, query) => ({ ...(await analytics.overview(id, parse(query))) }));
  json('labels', async (id, query) => ({ labels: await analytics.labels(id, parse(query)) }));
  json('products', async (id, query) => ({ products: await analytics.products(id, parse(query)) }));
  json('searches', async (id, query) => ({ ...(await analytics.searches(id, parse(query))) }));
  json('timeseries', async (id, query) => ({ series: await analytics.timeseries(id, parse(query)) }));
  json('label', async (id, query) => ({ label: labelName(query), ...(await analytics.labelDetail(id, labelName(query), parse(query))) }));
  json('events', async (id, query) => ({ events: await analytics.recentEvents(id, afterSeq(query), EVENTS_LIMIT) }));
  json('orders', async (id) => ({ orders: (await deps.orders.latestOrders(id, ORDERS_LIMIT)).map(orderRow) }));

  csv('labels', LABEL_COLUMNS, (id, q) => analytics.labels(id, q));
  csv('products', PRODUCT_COLUMNS, (id, q) => analytics.products(id, q));
  csv('timeseries', SERIES_COLUMNS, (id, q) => analytics.timeseries(id, q));
  csv('searches-top', TOP_QUERY_COLUMNS, async (id, q) => (await analytics.searches(id, q)).top);
  csv('searches-zero-result', QUERY_COUNT_COLUMNS, async (id, q) => (await analytics.searches(id, q)).zero_result);
  csv('searches-no-click', QUERY_COUNT_COLUMNS, async (id, q) => (await analytics.searches(id, q)).no_click);
  csv('channels', CHANNEL_COLUMNS, async (id, q) => channelRows(await analytics.overview(id, q)));
  csv('label-products', LABEL_PRODUCT_COLUMNS, async (id, q, query) => (await analytics.labelDetail(id, labelName(query), q)).products);
  csv('events', EVENT_COLUMNS, (id, _q, query) => analytics.recentEvents(id, afterSeq(query), EVENTS_LIMIT));
}

/** One order as the Orders page shows it: totals of its lines and its parcels. */
function orderRow(o: Doc): Record<string, unknown> {
  const lines = Array.isArray(o.products) ? (o.products as Doc[]) : [];
  let units = 0;
  let revenue = 0;
  for (const l of lines) {
    units += l.quantity as number;
    revenue += (l.price as number) * (l.quantity as number);
  }
  return {
    order: String(o.id), time: o.time, customer: o.customer ?? o.email ?? null, status: o.status ?? null,
    lines: lines.length, units, revenue: Math.round(revenue * 100) / 100, parcels: o.parcels,
  };
}

interface ChannelRow {
  channel: string;
  orders: number;
  revenue: number;
}
const CHANNEL_COLUMNS: Column<ChannelRow>[] = [
  { header: 'channel', value: (r) => r.channel },
  { header: 'orders', value: (r) => r.orders },
  { header: 'revenue', value: (r) => r.revenue },
];

function channelRows(o: Overview): ChannelRow[] {
  return (['search', 'recommendations', 'external', 'organic'] as const).map((c) => ({ channel: c, ...o.channels[c] }));
}

/**
 * The query string, refused (ParsingError) when a value holds a NUL or an unpaired surrogate:
 * PostgreSQL text cannot hold them, so they would fail in the adapter as a 500.
 */
function checkedQuery(query: unknown): Query {
  assertDepth(query, 4);
  return query as Query;
}

function first(query: Query, name: string): string | undefined {
  const v = query[name];
  return Array.isArray(v) ? v[0] : v === '' ? undefined : v;
}

/**
 * The range and filters, parsed by the same parseQuery as the public analytics API, so both
 * agree on every number. `labels` is a JSON array of labels or one label, as on the API.
 */
function parseRange(query: Query, now: number): AnalyticsQuery {
  const raw = first(query, 'labels');
  let labels: string[] | undefined;
  if (raw !== undefined) {
    let value: unknown = raw;
    try {
      if (raw.startsWith('[')) value = JSON.parse(raw);
    } catch {
      throw invalidArgument('labels', 'not JSON');
    }
    try {
      labels = labelsArg().parse(value);
    } catch (err) {
      if (err instanceof Issue) throw invalidArgument('labels', err.message);
      throw err;
    }
  }
  const granularity = first(query, 'granularity');
  if (granularity !== undefined && granularity !== 'hour' && granularity !== 'day') throw invalidArgument('granularity', 'hour or day');
  return parseQuery({ from: first(query, 'from'), to: first(query, 'to'), labels, api: first(query, 'api'), granularity }, now);
}

function labelName(query: Query): string {
  const name = first(query, 'name');
  if (!name) throw missingArgument('name');
  return name;
}

function afterSeq(query: Query): number {
  const after = Number(first(query, 'after') ?? 0);
  if (!Number.isSafeInteger(after) || after < 0) throw invalidArgument('after');
  return after;
}

function day(t: number): string {
  return new Date(t * 1000).toISOString().slice(0, 10).replace(/-/g, '');
}

function sendError(reply: FastifyReply, log: Logger, err: unknown): FastifyReply {
  const shaped = shapeError(err);
  if (shaped.cause) log.error({ err: shaped.cause, errorId: shaped.body.id, url: reply.request.url.split('?')[0] }, 'dashboard api error');
  if (shaped.retryAfter !== undefined) reply.header('retry-after', String(shaped.retryAfter));
  return reply.code(shaped.httpStatus).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(shaped.body));
}
