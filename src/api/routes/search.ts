/**
 * search/* endpoints (public key). search/search and search/predictive return products and
 * record an impression (query, result IDs, count) like every result endpoint, so clicks join
 * it and analytics/searches sees zero-result and no-click queries. The other four return
 * strings, categories or pages and record nothing.
 */
import { v } from '../validate.js';
import type { CatalogService } from '../../catalog/catalog-service.js';
import type { Doc, Id } from '../../storage/ports.js';
import type { ProductSearchAnswer, ProductSearchRequest, SearchService } from '../../search/search-service.js';
import type { Ingest } from '../../tracking/ingest.js';
import { recordImpression } from '../../tracking/impressions.js';
import { labelsArg } from '../../tracking/labels.js';
import { visitorArg } from '../../tracking/visitor.js';
import { route, type HandlerContext, type RouteDef } from '../route.js';
import { attributes, bool, filter, ids, limit, offset } from '../schemas.js';
import { listAnswer, predictiveAnswer, searchAnswer } from '../answers.js';

export interface SearchDeps {
  search: SearchService;
  catalog: CatalogService;
  ingest: Ingest;
  now: () => number;
}

const query = () => v.string().max(1000);
const language = () => v.string().trim().min(1).max(40).optional();
const common = {
  visitor: visitorArg().optional(),
  labels: labelsArg().optional(),
  language: language(),
  debug: bool().optional(),
};
const productArgs = {
  ...common,
  query: query(),
  filter: filter().optional(),
  facets: attributes().optional(),
  exclude: ids().optional(),
  attributes: attributes().optional(),
};
const searchSchema = v.object({
  ...productArgs,
  limit: limit(),
  offset: offset().optional(),
  orderby: v.string().regex(/^[A-Za-z0-9_]{1,100}$/, 'attribute names are letters, digits and underscores').optional(),
  order: v.enum(['asc', 'desc']).optional(),
  longtail: bool().optional(),
});
const predictiveSchema = v.object({ ...productArgs, limit: limit(10) });

/** The search part of the route table. */
export function searchRoutes(deps: SearchDeps): RouteDef[] {
  return [
    route({
      name: 'search/search', methods: ['GET', 'POST'], auth: 'public', schema: searchSchema, answer: searchAnswer,
      handler: (a, ctx) => productSearch(deps, ctx, 'search/search', a, (r) => ({ result: r.result, count: r.count, hits: r.count, facets: r.facets })),
    }),
    route({
      name: 'search/predictive', methods: ['GET', 'POST'], auth: 'public', schema: predictiveSchema, answer: predictiveAnswer,
      handler: (a, ctx) => productSearch(deps, ctx, 'search/predictive', a, (r) => ({ query: r.completed, result: r.result, hits: r.count, ...(r.facets ? { facets: r.facets } : {}) })),
    }),
    route({
      name: 'search/suggestions', methods: ['GET', 'POST'], auth: 'public', schema: v.object({ ...common, query: query(), limit: limit(10) }), answer: listAnswer({ type: 'string' }),
      handler: async (a, ctx) => ({ result: await deps.search.suggestions(ctx.store.id, a.query, a.limit, deps.now()) }),
    }),
    route({
      name: 'search/categories', methods: ['GET', 'POST'], auth: 'public', schema: v.object({ ...common, query: query().default(''), limit: limit(10) }),
      answer: listAnswer({ anyOf: [{ type: 'string' }, { type: 'integer' }] }, { categories: { type: 'array', items: { type: 'object' } } }),
      handler: async (a, ctx) => {
        const keys = await deps.search.categories(ctx.store.id, a.query, a.limit, a.language, deps.now());
        const state = await deps.catalog.state(ctx.store.id);
        const categories = keys.map((k) => categoryObject(state.categories.get(k)!, state.childCategories(k).map((c) => (state.categories.get(c)?.id as Id | undefined) ?? c)));
        return { result: categories.map((c) => c.id as Id), categories };
      },
    }),
    route({
      name: 'search/pages', methods: ['GET', 'POST'], auth: 'public', schema: v.object({ ...common, query: query(), limit: limit(10), type: v.string().max(200).optional() }),
      answer: listAnswer({ type: 'object' }, { pages: { type: 'array', items: { type: 'object' } } }),
      handler: async (a, ctx) => {
        const keys = await deps.search.pages(ctx.store.id, a.query, a.limit, a.type, a.language, deps.now());
        const state = await deps.catalog.state(ctx.store.id);
        const pages = keys.map((k) => state.pages.get(k)!);
        return { result: pages, pages };
      },
    }),
    route({
      name: 'search/popular', methods: ['GET', 'POST'], auth: 'public', schema: v.object({ ...common, limit: limit(10) }), answer: listAnswer({ type: 'string' }),
      handler: async (a, ctx) => ({ result: await deps.search.popular(ctx.store.id, a.limit, deps.now()) }),
    }),
  ];
}

/** Runs a product search and answers its own fields, then the shared ones and the impression's request_id. */
async function productSearch(deps: SearchDeps, ctx: HandlerContext, api: string, a: Omit<ProductSearchRequest, 'visitor'> & { visitor?: string | null; labels?: string[] }, own: (r: ProductSearchAnswer) => Doc): Promise<Doc> {
  const now = deps.now();
  const r = await deps.search.products(ctx.store.id, { ...a, visitor: await visitorOf(deps, ctx, a.visitor) }, now);
  return {
    ...own(r),
    no_exact_match: r.noExactMatch,
    ...(r.productData ? { product_data: r.productData } : {}),
    ...(r.redirect !== null ? { redirect: r.redirect } : {}),
    ...(r.debug ? { debug: r.debug } : {}),
    request_id: await impression(deps, ctx, api, a, r.keys, r.count, now),
  };
}

/** The visitor a search is personalised for: a real ID, or none ("auto" resolves, "null" is none). */
async function visitorOf(deps: SearchDeps, ctx: HandlerContext, visitor: string | null | undefined): Promise<string | null> {
  return (await deps.ingest.visitorOf(ctx, visitor)) ?? null;
}

/** Records the search's impression (query, shown IDs, count); answers its request_id. */
function impression(deps: SearchDeps, ctx: HandlerContext, api: string, a: { visitor?: string | null; labels?: string[]; query: string }, keys: string[], count: number, now: number): Promise<string> {
  return recordImpression(deps.ingest, ctx, { visitor: a.visitor, api, labels: a.labels, input: { query: a.query, count }, results: keys, time: now });
}

/** Clerk's category object: the stored fields, with `subcategories`, `parent`, `children` and `image` always present. */
function categoryObject(doc: Doc, children: Id[]): Doc {
  return {
    ...doc,
    subcategories: Array.isArray(doc.subcategories) ? doc.subcategories : children,
    parent: doc.parent ?? null,
    children,
    image: doc.image ?? null,
  };
}
