/**
 * Derived views of a store's catalog that recommenders need on every call: products per category,
 * products newest first, and category subtrees. Cached per catalog version, so a 20,000-product
 * catalog is sorted once per change, not once per request.
 */
import type { CatalogState } from '../catalog/catalog-state.js';
import { LogicalError } from '../errors.js';
import type { Doc, Id } from '../storage/ports.js';

interface Derived {
  version: number;
  byCategory: Map<string, string[]>;
  subtrees: Map<string, string[]>;
  subtreeSets: Map<string, ReadonlySet<string>>;
}

const cache = new WeakMap<CatalogState, Derived>();
const newestCache = new WeakMap<CatalogState, { version: number; keys: string[] }>();

function derived(state: CatalogState): Derived {
  const hit = cache.get(state);
  if (hit && hit.version === state.version) return hit;
  const byCategory = new Map<string, string[]>();
  for (const [key, doc] of state.products) {
    for (const c of categoryKeys(doc)) {
      let list = byCategory.get(c);
      if (!list) byCategory.set(c, (list = []));
      list.push(key);
    }
  }
  const d: Derived = { version: state.version, byCategory, subtrees: new Map(), subtreeSets: new Map() };
  cache.set(state, d);
  return d;
}

/** Creation time of a product: `created_at`, else derived from `age` (days), else 0. */
export function createdAt(doc: Doc, now: number): number {
  if (typeof doc.created_at === 'number') return doc.created_at;
  if (typeof doc.age === 'number') return now - doc.age * 86400;
  return 0;
}

/** Product keys, newest first (keys break ties, for a stable order); `age` counts back from `now`. */
export function sortNewest(products: ReadonlyMap<string, Doc>, now: number): string[] {
  return [...products.entries()]
    .map(([k, d]) => [k, createdAt(d, now)] as const)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k]) => k);
}

/** Category keys of a product. */
export function categoryKeys(doc: Doc): string[] {
  return Array.isArray(doc.categories) ? doc.categories.map(String) : [];
}

/**
 * Every product key, newest first, cached per catalog version (so an `age`-only product's place
 * is fixed at the time of the last catalog change: days, not seconds, matter there).
 */
export function newestProducts(state: CatalogState, now: number): readonly string[] {
  const hit = newestCache.get(state);
  if (hit && hit.version === state.version) return hit.keys;
  const keys = sortNewest(state.products, now);
  newestCache.set(state, { version: state.version, keys });
  return keys;
}

/** Products filed directly under a category. */
export function productsIn(state: CatalogState, category: string): readonly string[] {
  return derived(state).byCategory.get(category) ?? [];
}

/** Products of a category and all its subcategories, each once. */
export function productsInSubtree(state: CatalogState, category: string): readonly string[] {
  const d = derived(state);
  const hit = d.subtrees.get(category);
  if (hit) return hit;
  const keys = new Set<string>();
  for (const c of state.categoryDescendants(category)) for (const k of d.byCategory.get(c) ?? []) keys.add(k);
  const list = [...keys];
  d.subtrees.set(category, list);
  return list;
}

/** The same products as a set, for membership tests (cached per catalog version like the list). */
export function productsInSubtreeSet(state: CatalogState, category: string): ReadonlySet<string> {
  const d = derived(state);
  let set = d.subtreeSets.get(category);
  if (!set) d.subtreeSets.set(category, (set = new Set(productsInSubtree(state, category))));
  return set;
}

const SINGULAR = { products: 'product', categories: 'category', pages: 'page' } as const;

/** The key of an existing product, category or page; LogicalError 404 naming the argument otherwise. */
export function requireKey(state: CatalogState, kind: keyof typeof SINGULAR, arg: string, value: Id): string {
  const key = String(value);
  if (!state[kind].has(key)) throw new LogicalError(`${arg}: no ${SINGULAR[kind]} with id ${JSON.stringify(value)}`, 404);
  return key;
}
