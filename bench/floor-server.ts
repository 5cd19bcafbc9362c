/**
 * The floor of a durable click: what any implementation of `log/click` must at least spend. It is
 * the bare `parse-ok` server plus Relevo's own group commit of one `events` row per click
 * (WriteBuffer → EventStore.commitBatch: the real schema, indexes and the fsync before the
 * answer), and nothing else: no key lookup, no argument validation beyond the visitor rule, no
 * gates, no impression join, no rollups, no models. The tracking benchmark measures it beside
 * the bare server, so the ratio target can be read against the best a durable store reaches on
 * the same machine in the same run. Usage: `floor-server.js <database URL>`; prints {"port":N}.
 */
import { createServer } from 'node:http';
import { openStorage } from '../src/storage/open.js';
import type { TrackedEvent } from '../src/storage/ports.js';
import { WriteBuffer } from '../src/tracking/write-buffer.js';

const VISITOR = /^[A-Za-z0-9]{1,32}$/;

const storage = await openStorage(process.argv[2]);
const buffer = new WriteBuffer<TrackedEvent, number>({
  maxItems: 1000,
  maxWaitMs: 0,
  write: async (events) => (await storage.events.commitBatch({ events, impressions: [], sales: [] })).eventSeqs,
});

const answer = (res: import('node:http').ServerResponse, status: number, body: string) =>
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(body);

const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    let args: { visitor?: unknown; product?: unknown };
    try {
      args = JSON.parse(body) as typeof args;
    } catch {
      return answer(res, 400, '{"status":"error"}');
    }
    if (typeof args.visitor !== 'string' || !VISITOR.test(args.visitor) || args.product === undefined) return answer(res, 400, '{"status":"error"}');
    const event: TrackedEvent = { storeId: 1, type: 'click', time: Date.now() / 1000, visitor: args.visitor, product: String(args.product) };
    buffer.add(event).then(() => answer(res, 200, '{"status":"ok"}'), () => answer(res, 500, '{"status":"error"}'));
  });
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
process.on('SIGTERM', () => server.close(() => void buffer.close().then(() => storage.close()).then(() => process.exit(0))));
