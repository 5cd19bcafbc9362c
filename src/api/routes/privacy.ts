/** privacy/info and privacy/forget (private key): by email, customer or visitor. */
import { v, type Infer } from '../validate.js';
import { missingArgument } from '../../errors.js';
import type { Privacy } from '../../tracking/privacy.js';
import { route, type RouteDef } from '../route.js';
import { answerOf, okOnly } from '../answers.js';
import { email, id } from '../schemas.js';

const person = v.object({ email: email().optional(), customer: id().optional(), visitor: v.string().regex(/^[A-Za-z0-9]{1,32}$/, 'must match ^[A-Za-z0-9]{1,32}$').optional() });

function requireOne(a: Infer<typeof person>) {
  if (a.email === undefined && a.customer === undefined && a.visitor === undefined) throw missingArgument('email, customer or visitor');
  return a;
}

export function privacyRoutes({ privacy }: { privacy: Privacy }): RouteDef[] {
  return [
    route({
      name: 'privacy/info', methods: ['GET', 'POST'], auth: 'private', schema: person,
      answer: answerOf({
        orders: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] }, description: 'IDs of the person\'s orders and sales.' },
        activity: { type: 'array', items: { type: 'object', required: ['visitor', 'type', 'description', 'time'], properties: { visitor: { type: ['string', 'null'] }, product: { anyOf: [{ type: 'string' }, { type: 'integer' }] }, category: { anyOf: [{ type: 'string' }, { type: 'integer' }] }, labels: { type: 'array', items: { type: 'string' } }, type: { enum: ['click', 'product', 'category', 'cart', 'sale', 'email', 'impression'] }, description: { type: 'string' }, time: { type: 'number' } } } },
      }),
      handler: async (a, ctx) => privacy.info(ctx.store.id, requireOne(a)),
    }),
    route({
      name: 'privacy/forget', methods: ['GET', 'POST'], auth: 'private', schema: person, answer: okOnly,
      handler: async (a, ctx) => void (await privacy.forget(ctx.store.id, requireOne(a))),
    }),
  ];
}
