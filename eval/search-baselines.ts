/**
 * Reference search methods for the Chorus evaluation and the search benchmark, run in-process on
 * the same products and queries as Relevo:
 * - plain field-weighted BM25 exactly as the data's README defines it (k1 1.2, b 0.75; title ×2,
 *   supplier ×1.5, name ×1, short_description ×0.5; lower-cased alphanumeric tokens, no stemming),
 *   OR semantics;
 * - MiniSearch 7, configured as a Node developer would: the same fields and boosts, prefix
 *   matching and fuzzy matching (0.2 of the word length) on, OR semantics (its default).
 */
import MiniSearch from 'minisearch';
import type { Doc } from '../src/storage/ports.js';

/** A search method: query → product IDs, best first. */
export interface SearchMethod {
  name: string;
  search(query: string, limit: number): string[];
}

const BM25_FIELDS: Array<[keyof Doc, number]> = [['name', 2], ['brand', 1.5], ['sku', 1], ['description', 0.5]];
const tokens = (text: unknown) => (typeof text === 'string' ? text.toLowerCase().match(/[a-z0-9]+/g) ?? [] : []);

/** Plain BM25 (per-field BM25 summed with the field weights), OR over the query's tokens. */
export function plainBm25(products: Doc[]): SearchMethod {
  const k1 = 1.2;
  const b = 0.75;
  const postings = BM25_FIELDS.map(() => new Map<string, Array<[number, number]>>());
  const lengths = BM25_FIELDS.map(() => new Float64Array(products.length));
  products.forEach((p, i) => {
    BM25_FIELDS.forEach(([field], f) => {
      const toks = tokens(p[field]);
      lengths[f][i] = toks.length;
      const tf = new Map<string, number>();
      for (const t of toks) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const [t, n] of tf) {
        let list = postings[f].get(t);
        if (!list) postings[f].set(t, (list = []));
        list.push([i, n]);
      }
    });
  });
  const avg = lengths.map((l) => l.reduce((a, x) => a + x, 0) / Math.max(1, products.length));
  const N = products.length;
  return {
    name: 'Plain BM25 (README reference)',
    search(query, limit) {
      const scores = new Map<number, number>();
      for (const t of new Set(tokens(query))) {
        BM25_FIELDS.forEach(([, weight], f) => {
          const list = postings[f].get(t);
          if (!list) return;
          const idf = Math.log(1 + (N - list.length + 0.5) / (list.length + 0.5));
          for (const [i, tf] of list) {
            const s = (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * lengths[f][i]) / avg[f]));
            scores.set(i, (scores.get(i) ?? 0) + weight * s);
          }
        });
      }
      return [...scores].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([i]) => String(products[i].id));
    },
  };
}

/** MiniSearch with prefix and fuzzy on: what a Node developer would pick instead. */
export function miniSearch(products: Doc[]): SearchMethod & { index: MiniSearch } {
  const index = buildMiniSearch(products);
  return {
    name: 'MiniSearch 7 (prefix, fuzzy 0.2, field boosts)',
    index,
    search(query, limit) {
      return index.search(query).slice(0, limit).map((r) => String(r.id));
    },
  };
}

/** The MiniSearch index of the products (also timed by the benchmark). */
export function buildMiniSearch(products: Doc[]): MiniSearch {
  const index = new MiniSearch({
    fields: ['name', 'brand', 'sku', 'description'],
    storeFields: [],
    searchOptions: { boost: { name: 2, brand: 1.5, sku: 1, description: 0.5 }, prefix: true, fuzzy: 0.2 },
  });
  index.addAll(products.map((p) => ({ id: String(p.id), name: p.name ?? '', brand: p.brand ?? '', sku: p.sku ?? '', description: p.description ?? '' })));
  return index;
}
