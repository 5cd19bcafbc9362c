/**
 * Floors: what any implementation of an endpoint must at least spend, measured beside the bare
 * server in the same rounds, so a ratio target can be read against the best a durable store
 * reaches on the same machine. Each is the bare server plus Relevo's own group commit
 * (WriteBuffer → EventStore.commitBatch: the real schema, indexes and fsync) and nothing else:
 * no key lookup, no argument validation beyond the visitor rule, no gates, no rollups, no models.
 * - `click`: `log/click`; one `events` row per call, answered after its commit (the fsync).
 * - `sale`: `log/sale`; one `events` row per sold line (`products`), answered after the commit.
 * - `recommend`: `visitor/complementary`; answers 20 product IDs looked up in a fixed table (no
 *   model) with a request_id, and queues the impression row for the next commit without waiting,
 *   as Relevo does.
 * - `mixed`: the load bench's mix by path: `log/click` and `log/product` as `click`, `log/sale`
 *   as `sale`, `visitor/complementary` and `search/search` as `recommend` (a search answers a
 *   fixed list of 20 as well: no index, no ranking).
 * Usage: `floor-server.js click|sale|recommend|mixed <database URL>`; prints {"port":N}.
 */
import { createServer, type ServerResponse } from 'node:http';
import { openStorage } from '../src/storage/open.js';
import type { EventBatch, ImpressionRecord, TrackedEvent } from '../src/storage/ports.js';
import { Ingest } from '../src/tracking/ingest.js';
import { VISITOR_PATTERN } from '../src/tracking/visitor.js';
import { WriteBuffer } from '../src/tracking/write-buffer.js';
import { listenAndAnnounce } from './lib/listen.js';

const RESULTS = 20;
/** Distinct answers the `recommend` floor cycles through (by visitor). */
const LISTS = 1000;

type Mode = 'click' | 'sale' | 'recommend';
const mode = process.argv[2];
if (mode !== 'click' && mode !== 'sale' && mode !== 'recommend' && mode !== 'mixed') throw new Error(`floor-server: mode must be click, sale, recommend or mixed, not ${mode}`);
/** The mixed mode's floor for each path. */
const MIXED: Record<string, Mode> = {
  '/v2/log/click': 'click',
  '/v2/log/product': 'click',
  '/v2/log/sale': 'sale',
  '/v2/recommendations/visitor/complementary': 'recommend',
  '/v2/search/search': 'recommend',
};
const storage = await openStorage(process.argv[3]);
// Clicks and sales queue events, recommendations impressions.
const buffer = new WriteBuffer<TrackedEvent[] | ImpressionRecord, void>({
  maxItems: 1000,
  maxWaitMs: 0,
  write: async (items) => {
    const batch: EventBatch = {
      events: items.filter((i): i is TrackedEvent[] => Array.isArray(i)).flat(),
      impressions: items.filter((i): i is ImpressionRecord => !Array.isArray(i)),
      sales: [],
    };
    await storage.events.commitBatch(batch);
    return items.map(() => undefined);
  },
});
const lists = Array.from({ length: LISTS }, (_, i) => Array.from({ length: RESULTS }, (_, j) => String((i * 7919 + j * 104729) % 20000)));

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(body);
}

function handle(mode: Mode | undefined, args: { visitor?: unknown; product?: unknown; products?: unknown }, res: ServerResponse): void {
  if (mode === undefined) return answer(res, 404, '{"status":"error"}');
  if (typeof args.visitor !== 'string' || !VISITOR_PATTERN.test(args.visitor)) return answer(res, 400, '{"status":"error"}');
  const time = Date.now() / 1000;
  if (mode === 'click') {
    if (args.product === undefined) return answer(res, 400, '{"status":"error"}');
    const event: TrackedEvent = { storeId: 1, type: 'click', time, visitor: args.visitor, product: String(args.product) };
    buffer.add([event]).then(() => answer(res, 200, '{"status":"ok"}'), () => answer(res, 500, '{"status":"error"}'));
    return;
  }
  if (mode === 'sale') {
    if (!Array.isArray(args.products) || args.products.length === 0) return answer(res, 400, '{"status":"error"}');
    const visitor = args.visitor;
    const lines = (args.products as Array<{ id?: unknown }>).map((l): TrackedEvent => ({ storeId: 1, type: 'product', time, visitor, product: String(l.id) }));
    buffer.add(lines).then(() => answer(res, 200, '{"status":"ok"}'), () => answer(res, 500, '{"status":"error"}'));
    return;
  }
  let h = 0;
  for (let i = 0; i < args.visitor.length; i++) h = (h * 31 + args.visitor.charCodeAt(i)) >>> 0;
  const results = lists[h % LISTS];
  const requestId = Ingest.requestId();
  const api = 'recommendations/visitor/complementary';
  buffer.add({ storeId: 1, requestId, time, visitor: args.visitor, api, labels: [api], input: {}, results }).catch(() => undefined);
  answer(res, 200, JSON.stringify({ status: 'ok', request_id: requestId, count: results.length, result: results }));
}

const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    let args: { visitor?: unknown; product?: unknown; products?: unknown };
    try {
      args = JSON.parse(body) as typeof args;
    } catch {
      return answer(res, 400, '{"status":"error"}');
    }
    handle(mode === 'mixed' ? MIXED[(req.url ?? '').split('?')[0]] : mode, args, res);
  });
});
listenAndAnnounce(server);
process.on('SIGTERM', () => server.close(() => void buffer.close().then(() => storage.close()).then(() => process.exit(0))));
