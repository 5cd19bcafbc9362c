/**
 * Recommendation endpoints. Each ranks candidate product keys from a model; the shared
 * `resultRoute` filters, pages and decorates them and records the impression.
 */
import { z } from 'zod';
import type { CatalogService } from '../../catalog/catalog-service.js';
import type { Models } from '../../recommend/models.js';
import { shapeResults } from '../../recommend/results.js';
import type { Ingest } from '../../tracking/ingest.js';
import { recordImpression } from '../../tracking/impressions.js';
import { labelsArg } from '../../tracking/labels.js';
import { visitorArg } from '../../tracking/visitor.js';
import { route, type HandlerContext, type RouteDef } from '../route.js';
import { attributes, filter, ids, limit, offset } from '../schemas.js';

export interface RecommendationDeps {
  catalog: CatalogService;
  models: Models;
  ingest: Ingest;
  now: () => number;
}

/** The arguments every product-returning result endpoint takes. */
export const resultArgs = {
  limit: limit(),
  offset: offset().optional(),
  visitor: visitorArg().optional(),
  labels: labelsArg().optional(),
  filter: filter().optional(),
  exclude: ids().optional(),
  attributes: attributes().optional(),
  facets: attributes().optional(),
  orderby: z.string().regex(/^[A-Za-z0-9_]{1,100}$/).optional(),
  order: z.enum(['asc', 'desc']).optional(),
};
const resultSchema = z.object(resultArgs);
type ResultArgs = z.infer<typeof resultSchema>;

/** A product-returning endpoint: rank → shape → record the impression → answer. */
function resultRoute<S extends z.ZodObject<typeof resultArgs>>(
  deps: RecommendationDeps,
  name: string,
  schema: S,
  rank: (a: z.infer<S>, ctx: HandlerContext, now: number) => Promise<Iterable<string>> | Iterable<string>,
  input: (a: z.infer<S>) => Record<string, unknown> = () => ({}),
): RouteDef {
  return route({
    name, methods: ['GET', 'POST'], auth: 'public', schema,
    handler: async (a, ctx) => {
      const args = a as ResultArgs;
      const now = deps.now();
      const state = await deps.catalog.state(ctx.store.id);
      const shaped = shapeResults(state, await rank(a, ctx, now), args);
      const requestId = await recordImpression(deps.ingest, ctx, { visitor: args.visitor, api: name, labels: args.labels, input: input(a), results: shaped.keys, time: now });
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

/** The recommendations part of the route table. */
export function recommendationRoutes(deps: RecommendationDeps): RouteDef[] {
  return [
    resultRoute(deps, 'recommendations/popular', resultSchema, async (_a, ctx, now) => {
      const state = await deps.catalog.state(ctx.store.id);
      // Best sellers, then most viewed, then the rest of the catalog (newest first), so the list
      // is never empty while the catalog is not.
      return [...deps.models.of(ctx.store.id).popularity.ranking(now), ...newestFirst(state.products)];
    }),
  ];
}

/** Product keys, newest `created_at` first (keys as the tie-break, for a stable order). */
export function newestFirst(products: Map<string, Record<string, unknown>>): string[] {
  const created = (d: Record<string, unknown>) => (typeof d.created_at === 'number' ? d.created_at : 0);
  return [...products.entries()].sort((a, b) => created(b[1]) - created(a[1]) || (a[0] < b[0] ? -1 : 1)).map(([k]) => k);
}
