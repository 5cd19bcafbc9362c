/**
 * recommendations/visitor/* and recommendations/customer/*: results for a person (all their
 * visitors across devices, linked by email/customer). Ranking comes from the session model and
 * the person's orders (recommend/person-ranking.ts); this file parses, resolves the person,
 * shapes the result and records the impression.
 */
import { v, type Infer } from '../validate.js';
import type { CatalogService } from '../../catalog/catalog-service.js';
import type { Models } from '../../recommend/models.js';
import { PersonRanking, type Person } from '../../recommend/person-ranking.js';
import { shapeResults } from '../../recommend/results.js';
import type { Storage } from '../../storage/ports.js';
import { recordImpression } from '../../tracking/impressions.js';
import type { Ingest } from '../../tracking/ingest.js';
import { visitorArg } from '../../tracking/visitor.js';
import { route, type HandlerContext, type RouteDef } from '../route.js';
import { resultsAnswer } from '../answers.js';
import { bool, email, id } from '../schemas.js';
import { resultArgs } from './recommendations.js';

export interface VisitorRecommendationDeps {
  catalog: CatalogService;
  models: Models;
  ingest: Ingest;
  storage: Storage;
  now: () => number;
}

const visitorSchema = v.object({ ...resultArgs, visitor: visitorArg(), email: email().optional(), include_seen: bool().optional() });
const customerSchema = v.object({ ...resultArgs, email: email(), customer: id().optional() });
type VisitorArgs = Infer<typeof visitorSchema>;
type CustomerArgs = Infer<typeof customerSchema>;
type Ranker = (r: PersonRanking, p: Person, now: number, includeSeen: boolean) => Promise<Iterable<string>> | Iterable<string>;

/** The visitor/* and customer/* part of the route table. */
export function visitorRecommendationRoutes(deps: VisitorRecommendationDeps): RouteDef[] {
  const visitorRoute = (name: string, rank: Ranker) =>
    personRoute(deps, `recommendations/visitor/${name}`, visitorSchema, (a, ctx) => visitorPerson(deps, ctx, a), rank, (a) => a.include_seen ?? false);
  const customerRoute = (name: string, rank: Ranker) =>
    personRoute(deps, `recommendations/customer/${name}`, customerSchema, (a, ctx) => customerPerson(deps, ctx.store.id, a), rank, () => false);
  return [
    visitorRoute('history', (r, p, now) => r.history(p, now)),
    visitorRoute('complementary', (r, p, now, seen) => r.visitorComplementary(p, now, seen)),
    visitorRoute('substituting', (r, p, now, seen) => r.visitorSubstituting(p, now, seen)),
    customerRoute('history', async (r, p, now) => r.orderHistory(await r.boughtBy(p), now)),
    customerRoute('complementary', async (r, p, now) => r.customerComplementary(await r.boughtBy(p), now)),
    customerRoute('substituting', async (r, p, now) => r.customerSubstituting(await r.boughtBy(p), now)),
  ];
}

/** Resolve the person → rank → shape (filter/exclude before the cut) → impression → answer. */
function personRoute<S extends typeof visitorSchema | typeof customerSchema>(
  deps: VisitorRecommendationDeps,
  name: string,
  schema: S,
  person: (a: Infer<S>, ctx: HandlerContext) => Promise<Person>,
  rank: Ranker,
  includeSeen: (a: Infer<S>) => boolean,
): RouteDef {
  return route({
    name, methods: ['GET', 'POST'], auth: 'public', schema, answer: resultsAnswer(true),
    handler: async (a, ctx) => {
      const typed = a as Infer<S>;
      const args = a as VisitorArgs | CustomerArgs;
      const now = deps.now();
      const state = await deps.catalog.state(ctx.store.id);
      const who = await person(typed, ctx);
      const shapeWith = async (need: number | null) => {
        const ranking = new PersonRanking(deps.models.of(ctx.store.id), state, deps.storage, ctx.store.id, need);
        return shapeResults(state, await rank(ranking, who, now, includeSeen(typed)), args);
      };
      const need = args.filter === undefined ? (args.offset ?? 0) + args.limit + (args.exclude?.length ?? 0) : null;
      let shaped = await shapeWith(need);
      if (need !== null && shaped.result.length < args.limit) shaped = await shapeWith(null); // index:false or unknown products left it short
      const requestId = await recordImpression(deps.ingest, ctx, { visitor: args.visitor, api: name, labels: args.labels, input: {}, results: shaped.keys, time: now });
      return {
        result: shaped.result,
        count: shaped.count,
        facets: shaped.facets,
        ...(shaped.product_data ? { product_data: shaped.product_data } : {}),
        request_id: requestId,
      };
    },
  });
}

/** visitor/*: the asked visitor plus every visitor of its person; `email` links and takes precedence. */
async function visitorPerson(deps: VisitorRecommendationDeps, ctx: HandlerContext, a: VisitorArgs): Promise<Person> {
  const visitor = await deps.ingest.visitorOf(ctx, a.visitor);
  const storeId = ctx.store.id;
  if (a.email && visitor) await deps.storage.identity.link(storeId, visitor, { email: a.email });
  const person = (a.email ? await deps.storage.identity.personOf(storeId, { email: a.email }) : null)
    ?? (visitor ? await deps.storage.identity.personOf(storeId, { visitor }) : null);
  const keys = person ? await deps.storage.identity.keysOf(storeId, person) : { visitors: [], emails: a.email ? [a.email] : [], customers: [] };
  return { ...keys, visitors: visitor ? [visitor, ...keys.visitors.filter((v) => v !== visitor)] : keys.visitors };
}

/** customer/*: the person of the email (else of the customer ID); unknown → just these keys. */
async function customerPerson(deps: VisitorRecommendationDeps, storeId: number, a: CustomerArgs): Promise<Person> {
  const customer = a.customer === undefined ? undefined : String(a.customer);
  const person = (await deps.storage.identity.personOf(storeId, { email: a.email }))
    ?? (customer ? await deps.storage.identity.personOf(storeId, { customer }) : null);
  const keys = person ? await deps.storage.identity.keysOf(storeId, person) : { visitors: [], emails: [], customers: [] };
  // orders may carry the asked email/customer without any identity link yet
  return { ...keys, emails: [...new Set([a.email, ...keys.emails])], customers: [...new Set([...(customer ? [customer] : []), ...keys.customers])] };
}
