/** Tracking endpoints: log/click, log/product, log/category, log/email, log/sale, carts, returns, debug. */
import { v } from '../validate.js';
import type { Logger } from 'pino';
import { visitorArg } from '../../tracking/visitor.js';
import { labelsArg } from '../../tracking/labels.js';
import type { Tracker } from '../../tracking/tracker.js';
import { route, type RouteDef } from '../route.js';
import { answerOf, okOnly } from '../answers.js';
import { bool, email, id, int, list, num } from '../schemas.js';

const time = () => num().pipe(v.number().min(0).max(32503680000)).optional();
const basketLine = v.object({ id: id(), qty: int(1, 1_000_000) });
const saleLine = v.object({ id: id(), price: num().pipe(v.number().min(0).finite()), quantity: int(1, 1_000_000) });
const methods = ['GET', 'POST'] as const;

export interface LogRouteDeps {
  tracker: Tracker;
  log: Logger;
}

/** The tracking part of the route table. */
export function logRoutes({ tracker, log }: LogRouteDeps): RouteDef[] {
  const cart = (op: 'add' | 'remove' | 'update') =>
    route({
      name: `log/cart/${op}`, methods, auth: 'public', answer: answerOf({ basket_id: { type: 'string' } }),
      schema: v.object({ products: v.array(basketLine).max(1000), visitor: visitorArg().optional(), email: email().optional(), basket_id: v.string().min(1).max(100).optional(), time: time() }),
      handler: async (a, ctx) => ({ basket_id: await tracker.cart(ctx, op, a.products, { visitor: a.visitor, email: a.email, basketId: a.basket_id, time: a.time }) }),
    });
  return admitted(tracker, [
    route({
      name: 'log/click', methods, auth: 'public', answer: okOnly,
      schema: v.object({
        product: id(), visitor: visitorArg(), api: v.string().min(1).max(200).optional(), labels: labelsArg().optional(),
        n: int(0, 100_000).optional(), external: bool().optional(), request_id: v.string().min(1).max(100).optional(), time: time(),
      }),
      handler: async (a, ctx) => void (await tracker.click(ctx, a)),
    }),
    route({
      name: 'log/product', methods, auth: 'public', answer: okOnly,
      schema: v.object({ product: id(), visitor: visitorArg(), time: time() }),
      handler: async (a, ctx) => void (await tracker.view(ctx, 'product', a.product, a.visitor, a.time)),
    }),
    route({
      name: 'log/category', methods, auth: 'public', answer: okOnly,
      schema: v.object({ category: id(), visitor: visitorArg(), time: time() }),
      handler: async (a, ctx) => void (await tracker.view(ctx, 'category', a.category, a.visitor, a.time)),
    }),
    route({
      name: 'log/email', methods, auth: 'public', answer: okOnly,
      schema: v.object({ email: email(), visitor: visitorArg(), time: time() }),
      handler: async (a, ctx) => void (await tracker.email(ctx, a.email, a.visitor, a.time)),
    }),
    route({
      name: 'log/sale', methods, auth: 'public', answer: okOnly,
      schema: v.object({
        sale: id(), products: v.array(v.union([id(), saleLine])).min(1).max(1000),
        visitor: visitorArg().optional(), email: email().optional(), customer: id().optional(), time: time(),
      }),
      handler: async (a, ctx) => void (await tracker.sale(ctx, a)),
    }),
    cart('add'),
    cart('remove'),
    cart('update'),
    route({
      name: 'log/basket/set', methods, auth: 'public', answer: okOnly,
      schema: v.object({ products: list(id()).pipe(v.array(v.union([v.string(), v.number()])).max(1000)), email: email(), time: time() }),
      handler: async (a, ctx) => void (await tracker.cart(ctx, 'set', a.products.map((p) => ({ id: p, qty: 1 })), { email: a.email, time: a.time })),
    }),
    route({
      name: 'log/returned', methods, auth: 'private', answer: okOnly,
      schema: v.object({ product: id(), order: id(), quantity: int(1, 1_000_000), time: time() }),
      handler: async (a, ctx) => void (await tracker.returned(ctx, a)),
    }),
    route({
      // Undocumented; sent by shop plugins and Clerk.js. A diagnostic line, not a shopper event:
      // it goes to the log (with the store), not to the event store. `time` here is the client's.
      name: 'log/debug', methods, auth: 'public', answer: okOnly,
      schema: v.object({ source: v.string().max(200).optional(), time: v.unknown().optional(), type: v.enum(['log', 'warn', 'error']).optional(), message: v.string().max(10000).optional(), metadata: v.unknown().optional() }),
      handler: (a, ctx) => void log.info({ store: ctx.store.name, source: a.source, level: a.type ?? 'log', message: a.message, metadata: a.metadata, clientTime: a.time }, 'client debug'),
    }),
  ]);
}

/** The routes, each refusing at once (503, before any write) while the write buffer is full. */
function admitted(tracker: Tracker, routes: RouteDef[]): RouteDef[] {
  return routes.map((r) => ({
    ...r,
    handler: (a, ctx) => {
      tracker.ingest.admit();
      return r.handler(a, ctx);
    },
  }));
}
