/**
 * Recommendation endpoints that answer pages or categories rather than products:
 * `page/product|category|substituting` (`{result: [pageId], pages: [Page]}`),
 * `page/related_categories` (`{count, result: [catId], categories: [Category]}`) and
 * `category/popular_subcategories` (`{count, result: [{id, name, url}]}`).
 */
import { v, type Infer, type Schema } from '../validate.js';
import type { CatalogState } from '../../catalog/catalog-state.js';
import { pickAttributes } from '../../catalog/product-read.js';
import { requireKey } from '../../recommend/catalog-index.js';
import { categoriesForPage, pagesForCategory, pagesForProduct, similarPages } from '../../recommend/page-recommenders.js';
import { rankSubcategories, type RankContext } from '../../recommend/recommenders.js';
import type { Doc, Id } from '../../storage/ports.js';
import { recordImpression } from '../../tracking/impressions.js';
import { labelsArg } from '../../tracking/labels.js';
import { visitorArg } from '../../tracking/visitor.js';
import { route, type ArgsSchema, type HandlerContext, type RouteDef } from '../route.js';
import { attributes, id, limit, offset } from '../schemas.js';
import type { RecommendationDeps } from './recommendations.js';

const listArgs = { limit: limit(), visitor: visitorArg().optional(), labels: labelsArg().optional(), attributes: attributes().optional() };
/** Page lists also take `type` (only pages of that type). */
const pageListArgs = { ...listArgs, type: v.string().min(1).max(200).optional() };

interface ListArgs {
  limit: number;
  visitor?: string | null;
  labels?: string[];
  attributes?: string[];
}

/** Ranks keys, records the impression (of the keys shown) and shapes the answer. */
function listRoute<S extends ArgsSchema & Schema<ListArgs>>(
  deps: RecommendationDeps,
  name: string,
  schema: S,
  run: (a: Infer<S>, c: RankContext) => { keys: string[]; answer: Doc; input: Doc },
): RouteDef {
  return route({
    name: `recommendations/${name}`, methods: ['GET', 'POST'], auth: 'public', schema,
    handler: async (a, ctx: HandlerContext) => {
      const args = a as ListArgs;
      const now = deps.now();
      const state = await deps.catalog.state(ctx.store.id);
      const { keys, answer, input } = run(a, { models: deps.models.of(ctx.store.id), state, now });
      const requestId = await recordImpression(deps.ingest, ctx, { visitor: args.visitor, api: `recommendations/${name}`, labels: args.labels, input, results: keys, time: now });
      return { ...answer, request_id: requestId };
    },
  });
}

/** `{result: [pageId], pages: [Page]}` for the first `limit` ranked pages. */
function pagesAnswer(state: CatalogState, ranked: string[], a: ListArgs, input: Doc) {
  const keys = ranked.slice(0, a.limit);
  const docs = keys.map((k) => state.pages.get(k)!);
  return { keys, input, answer: { result: docs.map((d) => d.id as Id), pages: docs.map((d) => pickAttributes(d, a.attributes)) } };
}

/** The page and category part of the recommendations route table. */
export function contentRoutes(deps: RecommendationDeps): RouteDef[] {
  return [
    listRoute(deps, 'page/product', v.object({ ...pageListArgs, product: id() }), (a, c) =>
      pagesAnswer(c.state, pagesForProduct(c.state, requireKey(c.state, 'products', 'product', a.product), a.type), a, { products: [a.product] })),
    listRoute(deps, 'page/category', v.object({ ...pageListArgs, category: id() }), (a, c) =>
      pagesAnswer(c.state, pagesForCategory(c.state, requireKey(c.state, 'categories', 'category', a.category), a.type), a, { category: a.category })),
    listRoute(deps, 'page/substituting', v.object({ ...pageListArgs, page: id() }), (a, c) =>
      pagesAnswer(c.state, similarPages(c.state, requireKey(c.state, 'pages', 'page', a.page), a.type), a, { page: a.page })),
    listRoute(deps, 'page/related_categories', v.object({ ...listArgs, page: id() }), (a, c) => {
      const ranked = categoriesForPage(c, requireKey(c.state, 'pages', 'page', a.page));
      const keys = ranked.slice(0, a.limit);
      const docs = keys.map((k) => c.state.categories.get(k)!);
      const answer = { count: ranked.length, result: docs.map((d) => d.id as Id), categories: docs.map((d) => pickAttributes(d, a.attributes)) };
      return { keys, answer, input: { page: a.page } };
    }),
    listRoute(deps, 'category/popular_subcategories', v.object({ ...listArgs, category: id(), offset: offset().optional(), order: v.enum(['asc', 'desc']).default('desc') }), (a, c) => {
      const ranked = rankSubcategories(c, requireKey(c.state, 'categories', 'category', a.category), a.order);
      const from = a.offset ?? 0;
      const keys = ranked.slice(from, from + a.limit);
      const result = keys.map((k) => {
        const d = c.state.categories.get(k)!;
        return { id: d.id as Id, name: d.name, url: d.url };
      });
      return { keys, answer: { count: ranked.length, result }, input: { category: a.category } };
    }),
  ];
}
