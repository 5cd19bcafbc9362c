/**
 * The ranking behind each non-visitor recommendation endpoint: candidate product keys, best
 * first, from the store's models, followed by fallbacks (popularity, then newest) so that a list
 * is never empty while the catalog is not. Shaping (filter, exclude, index:false, paging) is
 * results.ts's job; these functions only order candidates.
 */
import type { CatalogState } from '../catalog/catalog-state.js';
import { makeFilter } from '../catalog/filter.js';
import type { Id } from '../storage/ports.js';
import { categoryKeys, newestProducts, productsInSubtree, productsInSubtreeSet } from './catalog-index.js';
import { CO_PURCHASE_MODEL, type CoPurchase } from './co-purchase.js';
import { CO_VIEW_MODEL, type CoView } from './co-view.js';
import type { StoreModels } from './models.js';
import { rankScores } from './neighbour-graph.js';
import { RECENT_MODEL, type Recent } from './recent.js';
import { isShowable } from './results.js';
import { similarProducts } from './similar.js';
import { termsOf, textIndexOf } from './text-index.js';
import { TRENDING_MODEL, type Trending } from './trending.js';

/** Co-viewed alternatives in a shared category get this factor (a co-view across categories is more often an accessory). */
const SAME_CATEGORY_BOOST = 1.5;
/** How many of a category's best sellers seed `category/complementary`. */
const CATEGORY_SEEDS = 5;

/** Everything a ranking needs about one store at one moment. */
export interface RankContext {
  models: StoreModels;
  state: CatalogState;
  now: number;
}

/** Lazily concatenates ranked lists (duplicates are dropped by shapeResults). */
export function* chain(...lists: Array<Iterable<string>>): Iterable<string> {
  for (const list of lists) yield* list;
}

/** Lazily drops the given keys from a ranked list. */
export function* without(keys: Iterable<string>, given: ReadonlySet<string>): Iterable<string> {
  for (const k of keys) if (!given.has(k)) yield k;
}

/** Lazily keeps only the keys of a set. */
export function* within(keys: Iterable<string>, inside: ReadonlySet<string>): Iterable<string> {
  for (const k of keys) if (inside.has(k)) yield k;
}

/**
 * The first `n` candidates that shaping would keep (showable, not excluded, passing the filter),
 * read lazily: an uncounted list (R shape) then costs O(limit), not O(catalog), because the
 * fallback tail of the whole catalog is never walked. shapeResults checks them again.
 */
export function* firstMatches(state: CatalogState, ranked: Iterable<string>, opts: { filter?: string; exclude?: Id[] }, n: number): Iterable<string> {
  const predicate = makeFilter(opts.filter, { categoryDescendants: (id) => state.categoryDescendants(id) });
  const skip = new Set((opts.exclude ?? []).map(String));
  let found = 0;
  for (const key of ranked) {
    if (found >= n) return;
    if (skip.has(key)) continue;
    skip.add(key);
    const doc = state.products.get(key);
    if (!isShowable(doc) || (predicate && !predicate(doc))) continue;
    found++;
    yield key;
  }
}

/** Store-wide fallback: best sellers, most viewed, then the rest of the catalog newest first. */
export function popularThenNewest(c: RankContext): Iterable<string> {
  return chain(c.models.popularity.ranking(c.now), newestProducts(c.state, c.now));
}

/** `trending`: fastest-growing products (orders, then views), then popularity. */
export function rankTrending(c: RankContext): Iterable<string> {
  return chain(c.models.get<Trending>(TRENDING_MODEL).ranking(c.now), popularThenNewest(c));
}

/** `new`: newest by `created_at` (or `age`). */
export function rankNewest(c: RankContext): Iterable<string> {
  return newestProducts(c.state, c.now);
}

/** `currently_watched`: viewed by other visitors in the last minutes, most viewers first. */
export function rankCurrentlyWatched(c: RankContext, self: string | null): Iterable<string> {
  return chain(c.models.get<Recent>(RECENT_MODEL).currentlyWatched(c.now, self), popularThenNewest(c));
}

/** `recently_bought`: the latest purchased products, newest purchase first. */
export function rankRecentlyBought(c: RankContext): Iterable<string> {
  return chain(c.models.get<Recent>(RECENT_MODEL).recentlyBought(), popularThenNewest(c));
}

/** `specific`: the products the shop names, in its order (shaping drops unknown, hidden, excluded and filtered ones). */
export function rankSpecific(items: readonly string[]): Iterable<string> {
  return items;
}

/** `keywords`: products whose text matches a piece of content (BM25). */
export function rankKeywords(c: RankContext, text: string): Iterable<string> {
  return chain(rankScores(textIndexOf(c.state).products.search(termsOf([[text, 1]]))), popularThenNewest(c));
}

/**
 * `complementary` / `most_sold_with` / `bundle` (and so a basket's cross-sell): the shop's own
 * accessory links first, then bought with the given products, then co-viewed, then same category.
 */
export function rankComplementary(c: RankContext, items: readonly string[]): Iterable<string> {
  const given = new Set(items);
  return chain(
    c.state.accessories.size > 0 ? c.state.accessoryIndex().linkedFrom(items) : [],
    without(rankScores(c.models.get<CoPurchase>(CO_PURCHASE_MODEL).boughtWith(items)), given),
    without(rankScores(c.models.get<CoView>(CO_VIEW_MODEL).neighbours(items)), given),
    similarProducts(c.state, items),
    without(popularThenNewest(c), given),
  );
}

/**
 * `substituting`: products viewed together with the given ones in sessions (boosted when they
 * share a category), then content-similar products, then neighbours of the strongest co-viewed
 * products (two hops). With `includeGiven` (the `include_seen`
 * extension) the given products lead the list: the product just viewed is the likeliest next
 * view in click data, about a quarter of next clicks on yoochoose.
 */
export function rankSubstituting(c: RankContext, items: readonly string[], includeGiven = false): Iterable<string> {
  const given = new Set(items);
  const cats = new Set(items.flatMap((k) => categoryKeys(c.state.products.get(k) ?? {})));
  const model = c.models.get<CoView>(CO_VIEW_MODEL);
  const coViews = model.neighbours(items);
  if (cats.size > 0) {
    for (const [k, s] of coViews) if (categoryKeys(c.state.products.get(k) ?? {}).some((x) => cats.has(x))) coViews.set(k, s * SAME_CATEGORY_BOOST);
  }
  const tail = includeGiven ? popularThenNewest(c) : without(popularThenNewest(c), given);
  return chain(includeGiven ? items : [], without(rankScores(coViews), given), similarProducts(c.state, items), without(rankScores(model.secondHop(coViews)), given), tail);
}

/** `category/popular`: best sellers of the subtree, then its newest products. */
export function rankCategoryPopular(c: RankContext, category: string): Iterable<string> {
  const inside = productsInSubtreeSet(c.state, category);
  return chain(within(c.models.popularity.ranking(c.now), inside), newestProducts(c.state, c.now).filter((k) => inside.has(k)));
}

/** `category/trending`: growing products of the subtree, then its best sellers. */
export function rankCategoryTrending(c: RankContext, category: string): Iterable<string> {
  const inside = productsInSubtreeSet(c.state, category);
  return chain(c.models.get<Trending>(TRENDING_MODEL).ranking(c.now).filter((k) => inside.has(k)), rankCategoryPopular(c, category));
}

/** `category/new`: newest products of the subtree. */
export function rankCategoryNew(c: RankContext, category: string): Iterable<string> {
  const inside = productsInSubtreeSet(c.state, category);
  return newestProducts(c.state, c.now).filter((k) => inside.has(k));
}

/**
 * `category/complementary` (undocumented by Clerk): what buyers of the category's best sellers
 * buy from outside it (cross-sell for a category page), then popular products outside it.
 */
export function rankCategoryComplementary(c: RankContext, category: string): Iterable<string> {
  const inside = productsInSubtreeSet(c.state, category);
  const seeds = [...rankCategoryPopular(c, category)].slice(0, CATEGORY_SEEDS);
  return chain(without(rankComplementary(c, seeds), inside), popularThenNewest(c));
}

/** Popularity of one product: order score plus a tenth of its view score (views are cheaper). */
export function productPopularity(c: RankContext, key: string): number {
  const p = c.models.popularity;
  return p.orders.score(key, c.now) + 0.1 * p.views.score(key, c.now);
}

/** `category/popular_subcategories`: immediate children by the summed popularity of their subtrees. */
export function rankSubcategories(c: RankContext, category: string, order: 'asc' | 'desc'): string[] {
  const scores = new Map<string, number>();
  for (const child of c.state.childCategories(category)) {
    let total = 0;
    for (const k of productsInSubtree(c.state, child)) total += productPopularity(c, k);
    scores.set(child, total);
  }
  const ranked = rankScores(scores);
  return order === 'asc' ? ranked.reverse() : ranked;
}
