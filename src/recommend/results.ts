/**
 * Shaping a ranked candidate list into a Clerk result: drop products that must never be shown
 * (`index: false`, unknown, excluded), apply the filter BEFORE the cut so `limit` is honoured,
 * count, page with offset/limit, and add `product_data` and facets over the whole filtered set.
 */
import type { CatalogState } from '../catalog/catalog-state.js';
import { computeFacets, type Facet } from '../catalog/facets.js';
import { makeFilter } from '../catalog/filter.js';
import { pickAttributes } from '../catalog/product-read.js';
import type { Doc, Id } from '../storage/ports.js';

export interface ResultOptions {
  limit: number;
  offset?: number;
  filter?: string;
  exclude?: Array<string | number>;
  attributes?: string[];
  facets?: string[];
  orderby?: string;
  order?: 'asc' | 'desc';
}

export interface ShapedResult {
  /** Product IDs in the type they were stored with. */
  result: Id[];
  /** Keys of the products shown (for the impression). */
  keys: string[];
  count: number;
  product_data?: Doc[];
  facets: Record<string, Facet[]> | null;
}

/** True for a product that may appear in results. */
export function isShowable(doc: Doc | undefined): doc is Doc {
  return doc !== undefined && doc.index !== false;
}

/** Filters, sorts (when orderby is given), pages and decorates ranked candidates. */
export function shapeResults(state: CatalogState, ranked: Iterable<string>, opts: ResultOptions): ShapedResult {
  const predicate = makeFilter(opts.filter, { categoryDescendants: (id) => state.categoryDescendants(id) });
  const excluded = new Set((opts.exclude ?? []).map(String));
  const seen = new Set<string>();
  let matches: Array<[string, Doc]> = [];
  for (const key of ranked) {
    if (seen.has(key) || excluded.has(key)) continue;
    seen.add(key);
    const doc = state.products.get(key);
    if (!isShowable(doc) || (predicate && !predicate(doc))) continue;
    matches.push([key, doc]);
  }
  if (opts.orderby) matches = sortBy(matches, opts.orderby, opts.order ?? 'asc');
  const offset = opts.offset ?? 0;
  const page = matches.slice(offset, offset + opts.limit);
  const shaped: ShapedResult = {
    result: page.map(([, d]) => d.id as Id),
    keys: page.map(([k]) => k),
    count: matches.length,
    facets: opts.facets && opts.facets.length > 0 ? computeFacets(matches.map(([, d]) => d), opts.facets, { categoryName: (id) => state.categoryName(id) }) : null,
  };
  if (opts.attributes && opts.attributes.length > 0) shaped.product_data = page.map(([, d]) => pickAttributes(d, opts.attributes));
  return shaped;
}

/** Stable sort by an attribute; products without it go last in either order. */
export function sortBy(items: Array<[string, Doc]>, attribute: string, order: 'asc' | 'desc'): Array<[string, Doc]> {
  const dir = order === 'desc' ? -1 : 1;
  const value = (d: Doc) => d[attribute];
  return items
    .map((item, i) => ({ item, i, v: value(item[1]) }))
    .sort((a, b) => {
      const av = a.v;
      const bv = b.v;
      if (av === undefined || av === null) return bv === undefined || bv === null ? a.i - b.i : 1;
      if (bv === undefined || bv === null) return -1;
      const c = typeof av === 'number' && typeof bv === 'number' ? av - bv : String(av).localeCompare(String(bv));
      return c !== 0 ? c * dir : a.i - b.i;
    })
    .map((x) => x.item);
}
