/**
 * Rankings behind `recommendations/page/*`: text similarity between content pages, products and
 * categories, with the BM25 indexes of text-index.ts (a document's own strongest terms are the
 * query). Lists are topped up so they are never empty while there is anything to show: pages with
 * the newest first, categories by popularity.
 */
import type { CatalogState } from '../catalog/catalog-state.js';
import { productsInSubtree } from './catalog-index.js';
import { rankScores } from './neighbour-graph.js';
import { chain, popularThenNewest, productPopularity, type RankContext } from './recommenders.js';
import { categoryTerms, pageTerms, productTerms, queryFromTerms, textIndexOf, type Bm25 } from './text-index.js';

/** Page keys, newest first (pages without `created_at` last, by key). */
function newestPages(state: CatalogState): string[] {
  return [...state.pages.entries()]
    .map(([k, d]) => [k, (typeof d.created_at === 'number' ? d.created_at : 0)] as const)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k]) => k);
}

/** Documents of `index` most similar to `terms`, best first, without `self`. */
function similarTo(terms: Map<string, number>, index: Bm25, self?: string): string[] {
  return rankScores(index.search(queryFromTerms(terms, index))).filter((k) => k !== self);
}

/** Ranked page keys, restricted to one page `type` when asked, each once. */
function pageList(state: CatalogState, ranked: Iterable<string>, type: string | undefined, self?: string): string[] {
  const out = new Set<string>();
  for (const k of chain(ranked, newestPages(state))) {
    const doc = state.pages.get(k);
    if (!doc || k === self || (type !== undefined && doc.type !== type)) continue;
    out.add(k);
  }
  return [...out];
}

/** `page/product`: pages whose text matches the product's. */
export function pagesForProduct(state: CatalogState, product: string, type?: string): string[] {
  const terms = productTerms(state.products.get(product) ?? {}, state);
  return pageList(state, similarTo(terms, textIndexOf(state).pages), type);
}

/** `page/category`: pages whose text matches the category's name, description and subcategory names. */
export function pagesForCategory(state: CatalogState, category: string, type?: string): string[] {
  const terms = categoryTerms(state.categories.get(category) ?? {});
  for (const child of state.childCategories(category)) {
    for (const [t, w] of categoryTerms({ name: state.categoryName(child) })) terms.set(t, (terms.get(t) ?? 0) + w / 3);
  }
  return pageList(state, similarTo(terms, textIndexOf(state).pages), type);
}

/** `page/substituting`: other pages with similar text. */
export function similarPages(state: CatalogState, page: string, type?: string): string[] {
  return pageList(state, similarTo(pageTerms(state.pages.get(page) ?? {}), textIndexOf(state).pages, page), type, page);
}

/** `page/related_products`: products whose text matches the page's, then popularity. */
export function productsForPage(c: RankContext, page: string): Iterable<string> {
  return chain(similarTo(pageTerms(c.state.pages.get(page) ?? {}), textIndexOf(c.state).products), popularThenNewest(c));
}

/** `page/related_categories`: categories whose name matches the page's text, then the most popular categories. */
export function categoriesForPage(c: RankContext, page: string): string[] {
  const matched = similarTo(pageTerms(c.state.pages.get(page) ?? {}), textIndexOf(c.state).categories);
  const byPopularity = new Map<string, number>();
  for (const key of c.state.categories.keys()) {
    let total = 0;
    for (const p of productsInSubtree(c.state, key)) total += productPopularity(c, p);
    byPopularity.set(key, total);
  }
  return [...new Set([...matched, ...rankScores(byPopularity)])];
}

