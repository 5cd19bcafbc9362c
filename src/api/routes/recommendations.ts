/**
 * Recommendation endpoints (all but `visitor/*` and `customer/*`). Each ranks candidate product
 * keys with a function of recommend/recommenders.ts; the shared `resultRoute` filters, pages and
 * decorates them and records the impression. Content endpoints (page/*, popular_subcategories)
 * are in recommendation-content.ts.
 */
import { v, type Infer, type Schema } from '../validate.js';
import type { CatalogService } from '../../catalog/catalog-service.js';
import { keysOf } from '../../catalog/catalog-service.js';
import { requireKey } from '../../recommend/catalog-index.js';
import type { Models } from '../../recommend/models.js';
import { productsForPage } from '../../recommend/page-recommenders.js';
import * as rank from '../../recommend/recommenders.js';
import type { RankContext } from '../../recommend/recommenders.js';
import { shapeResults } from '../../recommend/results.js';
import type { Doc, Id } from '../../storage/ports.js';
import type { Ingest } from '../../tracking/ingest.js';
import { recordImpression } from '../../tracking/impressions.js';
import { labelsArg } from '../../tracking/labels.js';
import { visitorArg } from '../../tracking/visitor.js';
import { resultsAnswer } from '../answers.js';
import { route, type ArgsSchema, type HandlerContext, type RouteDef } from '../route.js';
import { attributes, bool, filter, id, ids, limit, offset } from '../schemas.js';
import { contentRoutes } from './recommendation-content.js';

export interface RecommendationDeps {
  catalog: CatalogService;
  models: Models;
  ingest: Ingest;
  now: () => number;
}

/** Clerk's common result options (C) plus `filter`, which Relevo takes on every product list. */
export const commonArgs = {
  limit: limit(),
  visitor: visitorArg().optional(),
  labels: labelsArg().optional(),
  filter: filter().optional(),
  exclude: ids().optional(),
  attributes: attributes().optional(),
};
const paging = { offset: offset().optional() };
const facets = { facets: attributes().optional() };
const ordering = { orderby: v.string().regex(/^[A-Za-z0-9_]{1,100}$/).optional(), order: v.enum(['asc', 'desc']).optional() };
const products = { products: ids() };
const category = { category: id() };

/** Every argument a product list can take (popular has them all). */
export const resultArgs = { ...commonArgs, ...paging, ...facets, ...ordering };

/** What shaping reads from any product-list endpoint's arguments. */
interface ShapeArgs {
  limit: number;
  visitor?: string | null;
  labels?: string[];
  filter?: string;
  exclude?: Id[];
  attributes?: string[];
  offset?: number;
  facets?: string[];
  orderby?: string;
  order?: 'asc' | 'desc';
}

export interface ResultRouteOptions<A> {
  /** RC shape: answer `count` and `facets` too. */
  counted?: boolean;
  /** What was asked, for the impression (products / category / page / keywords). */
  input?: (a: A) => Doc;
}

/** A product-returning endpoint: rank → shape → record the impression → answer (R or RC shape). */
export function resultRoute<S extends ArgsSchema & Schema<ShapeArgs>>(
  deps: RecommendationDeps,
  name: string,
  schema: S,
  ranker: (a: Infer<S>, c: RankContext, ctx: HandlerContext) => Iterable<string>,
  opts: ResultRouteOptions<Infer<S>> = {},
): RouteDef {
  return route({
    name, methods: ['GET', 'POST'], auth: 'public', schema, answer: resultsAnswer(opts.counted === true),
    handler: async (a, ctx) => {
      const args = a as ShapeArgs;
      const now = deps.now();
      const state = await deps.catalog.state(ctx.store.id);
      const ranked = ranker(a, { models: deps.models.of(ctx.store.id), state, now }, ctx);
      // Without count, facets or re-sorting, only the first offset+limit matches are ever needed.
      const lazy = !opts.counted && !args.orderby && !(args.facets && args.facets.length > 0);
      const shaped = shapeResults(state, lazy ? rank.firstMatches(state, ranked, args, (args.offset ?? 0) + args.limit) : ranked, args);
      const requestId = await recordImpression(deps.ingest, ctx, { visitor: args.visitor, api: name, labels: args.labels, input: opts.input?.(a) ?? {}, results: shaped.keys, time: now });
      return {
        result: shaped.result,
        ...(opts.counted ? { count: shaped.count, facets: shaped.facets } : {}),
        ...(shaped.product_data ? { product_data: shaped.product_data } : {}),
        request_id: requestId,
      };
    },
  });
}

/** A visitor ID that names one visitor (not "auto"/"null"), to leave that visitor's own views out. */
const ownVisitor = (v: string | null | undefined) => (v && v !== 'auto' && v !== 'null' ? v : null);

/** The recommendations part of the route table (visitor/* and customer/* come from their own module). */
export function recommendationRoutes(deps: RecommendationDeps): RouteDef[] {
  const r = <S extends ArgsSchema & Schema<ShapeArgs>>(name: string, schema: S, ranker: (a: Infer<S>, c: RankContext, ctx: HandlerContext) => Iterable<string>, opts?: ResultRouteOptions<Infer<S>>) =>
    resultRoute(deps, `recommendations/${name}`, schema, ranker, opts);
  const byProducts = { input: (a: { products: Id[] }) => ({ products: a.products }) };
  const byCategory = { input: (a: { category: Id }) => ({ category: a.category }) };
  return [
    r('popular', v.object(resultArgs), (_a, c) => rank.popularThenNewest(c), { counted: true }),
    r('trending', v.object({ ...commonArgs, ...paging, ...facets }), (_a, c) => rank.rankTrending(c), { counted: true }),
    r('new', v.object(commonArgs), (_a, c) => rank.rankNewest(c)),
    r('currently_watched', v.object(commonArgs), (a, c) => rank.rankCurrentlyWatched(c, ownVisitor(a.visitor))),
    // Clerk makes `limit` optional here only; 10 is the size of its default widget.
    r('recently_bought', v.object({ ...commonArgs, limit: limit().default(10) }), (_a, c) => rank.rankRecentlyBought(c)),
    r('keywords', v.object({ ...commonArgs, keywords: v.union([v.string().min(1).max(10000), v.array(v.string().max(1000)).min(1).max(100)]) }),
      (a, c) => rank.rankKeywords(c, [a.keywords].flat().join(' ')), { input: (a) => ({ keywords: a.keywords }) }),
    r('complementary', v.object({ ...commonArgs, ...products }), (a, c) => rank.rankComplementary(c, keysOf(a.products)), byProducts),
    r('most_sold_with', v.object({ ...commonArgs, ...products }), (a, c) => rank.rankComplementary(c, keysOf(a.products)), { ...byProducts, counted: true }),
    r('substituting', v.object({ ...commonArgs, ...products, include_seen: bool().optional() }),
      (a, c) => rank.rankSubstituting(c, keysOf(a.products), a.include_seen === true), byProducts),
    // Hand-picked sliders: the shop names the products; the impression makes them tracked like any label.
    r('specific', v.object({ ...commonArgs, ...products }), (a) => rank.rankSpecific(keysOf(a.products)), byProducts),
    r('bundle', v.object({ ...commonArgs, product: id() }), (a, c) => rank.rankComplementary(c, [String(a.product)]), { input: (a) => ({ products: [a.product] }) }),
    r('category/popular', v.object({ ...resultArgs, ...category }),
      (a, c) => rank.rankCategoryPopular(c, requireKey(c.state, 'categories', 'category', a.category)), { ...byCategory, counted: true }),
    r('category/trending', v.object({ ...commonArgs, ...paging, ...facets, ...category }),
      (a, c) => rank.rankCategoryTrending(c, requireKey(c.state, 'categories', 'category', a.category)), { ...byCategory, counted: true }),
    r('category/new', v.object({ ...commonArgs, ...category }),
      (a, c) => rank.rankCategoryNew(c, requireKey(c.state, 'categories', 'category', a.category)), { ...byCategory, counted: true }),
    r('category/complementary', v.object({ ...commonArgs, ...category }),
      (a, c) => rank.rankCategoryComplementary(c, requireKey(c.state, 'categories', 'category', a.category)), byCategory),
    r('page/related_products', v.object({ ...commonArgs, page: id() }),
      (a, c) => productsForPage(c, requireKey(c.state, 'pages', 'page', a.page)), { input: (a) => ({ page: a.page }), counted: true }),
    ...contentRoutes(deps),
  ];
}
