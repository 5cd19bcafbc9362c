/**
 * Content similarity between products, for `substituting` when behaviour says little: an
 * alternative shares the category, sits at a similar price, and shares brand or other attributes.
 */
import type { CatalogState } from '../catalog/catalog-state.js';
import type { Doc } from '../storage/ports.js';
import { categoryKeys, productsIn } from './catalog-index.js';
import { rankScores } from './neighbour-graph.js';

/** Scalar attributes that say two products are alike when equal (besides brand). */
const SHARED_ATTRIBUTES = ['brand', 'gender', 'color', 'material', 'size', 'type'] as const;
/** Candidates scored per call: the products sharing a category, at most this many per category. */
const MAX_CANDIDATES_PER_CATEGORY = 2000;

/**
 * How alike two products are, 0..~4: shared categories (Jaccard, ×2), price closeness
 * (1 − |a−b| / max), and 0.5 per shared attribute among brand, gender, colour, material, size,
 * type.
 */
export function contentSimilarity(a: Doc, b: Doc): number {
  const ca = new Set(categoryKeys(a));
  const cb = categoryKeys(b);
  const shared = cb.filter((c) => ca.has(c)).length;
  const union = ca.size + cb.length - shared;
  let score = union > 0 ? (2 * shared) / union : 0;
  if (typeof a.price === 'number' && typeof b.price === 'number' && a.price > 0 && b.price > 0) {
    score += 1 - Math.abs(a.price - b.price) / Math.max(a.price, b.price);
  }
  for (const name of SHARED_ATTRIBUTES) {
    const va = a[name];
    if ((typeof va === 'string' || typeof va === 'number') && va === b[name]) score += 0.5;
  }
  return score;
}

/** Products sharing a category with the given ones, most similar first (the given ones left out). */
export function similarProducts(state: CatalogState, items: readonly string[]): string[] {
  const given = new Set(items);
  const scores = new Map<string, number>();
  for (const item of items) {
    const doc = state.products.get(item);
    if (!doc) continue;
    for (const c of categoryKeys(doc)) {
      for (const key of productsIn(state, c).slice(0, MAX_CANDIDATES_PER_CATEGORY)) {
        const other = given.has(key) ? undefined : state.products.get(key);
        if (other) scores.set(key, Math.max(scores.get(key) ?? 0, contentSimilarity(doc, other)));
      }
    }
  }
  return rankScores(scores);
}
