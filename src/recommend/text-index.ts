/**
 * Content text → products, pages and categories: a small BM25 index per kind, with field weights
 * (a word in a product's name counts more than one in its description). Derived from the
 * in-memory catalog and rebuilt when the catalog changes; `keywords` and every `page/*` endpoint
 * rank with it, and document-to-document similarity uses a document's own terms as the query.
 */
import type { CatalogState } from '../catalog/catalog-state.js';
import type { Doc } from '../storage/ports.js';

const K1 = 1.2;
const B = 0.75;
/** Terms of a document used when it is the query (its most weighted ones). */
const MAX_QUERY_TERMS = 32;
const STOP_WORDS = new Set('a an and are as at be by for from has have in is it its of on or our that the this to was were will with your you og i på en et af til er de der det som med for den'.split(' '));

/** Lower-cased words without accents or stop words; a trailing plural "s" is dropped. */
export function tokenize(text: string): string[] {
  const words = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.filter((w) => w.length > 1 && !STOP_WORDS.has(w)).map((w) => (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w));
}

/** Weighted term frequencies of text fields: [value, weight] pairs (strings or lists of strings). */
export function termsOf(fields: ReadonlyArray<readonly [unknown, number]>): Map<string, number> {
  const terms = new Map<string, number>();
  for (const [value, weight] of fields) {
    const texts = Array.isArray(value) ? value : [value];
    for (const t of texts) if (typeof t === 'string' || typeof t === 'number') for (const w of tokenize(String(t))) terms.set(w, (terms.get(w) ?? 0) + weight);
  }
  return terms;
}

/** Okapi BM25 over documents given as weighted term maps. */
export class Bm25 {
  private readonly postings = new Map<string, Array<[number, number]>>();
  private readonly keys: string[] = [];
  private readonly lengths: number[] = [];
  private avgLength = 1;

  constructor(docs: Iterable<readonly [string, Map<string, number>]>) {
    for (const [key, terms] of docs) {
      const i = this.keys.push(key) - 1;
      let length = 0;
      for (const [term, tf] of terms) {
        let list = this.postings.get(term);
        if (!list) this.postings.set(term, (list = []));
        list.push([i, tf]);
        length += tf;
      }
      this.lengths.push(length);
    }
    this.avgLength = this.lengths.reduce((a, b) => a + b, 0) / Math.max(1, this.lengths.length) || 1;
  }

  idf(term: string): number {
    const df = this.postings.get(term)?.length ?? 0;
    return Math.log(1 + (this.keys.length - df + 0.5) / (df + 0.5));
  }

  /** BM25 score of every matching document for a weighted query. */
  search(query: ReadonlyMap<string, number>): Map<string, number> {
    const scores = new Map<string, number>();
    for (const [term, qw] of query) {
      const list = this.postings.get(term);
      if (!list) continue;
      const idf = this.idf(term);
      for (const [i, tf] of list) {
        const norm = tf + K1 * (1 - B + (B * this.lengths[i]) / this.avgLength);
        const key = this.keys[i];
        scores.set(key, (scores.get(key) ?? 0) + qw * idf * ((tf * (K1 + 1)) / norm));
      }
    }
    return scores;
  }
}

/** A document's strongest terms, as a query against another index (weights by that index's idf). */
export function queryFromTerms(terms: ReadonlyMap<string, number>, against: Bm25): Map<string, number> {
  const weighted = [...terms.entries()].map(([t, tf]) => [t, Math.log(1 + tf) * against.idf(t)] as [string, number]);
  weighted.sort((a, b) => b[1] - a[1]);
  return new Map(weighted.slice(0, MAX_QUERY_TERMS).filter(([, w]) => w > 0));
}

/** Indexed text of a product: name, brand, keywords, category names, description. */
export function productTerms(doc: Doc, state: CatalogState): Map<string, number> {
  const categories = Array.isArray(doc.categories) ? doc.categories.map((c) => state.categoryName(String(c))) : [];
  return termsOf([[doc.name, 3], [doc.brand, 2], [doc.keywords, 2], [categories, 2], [doc.description, 1]]);
}

/** Indexed text of a content page: title, tags, text. */
export function pageTerms(doc: Doc): Map<string, number> {
  return termsOf([[doc.title, 3], [doc.tags, 2], [doc.keywords, 2], [doc.text, 1], [doc.description, 1]]);
}

/** Indexed text of a category: its name and description. */
export function categoryTerms(doc: Doc): Map<string, number> {
  return termsOf([[doc.name, 3], [doc.description, 1]]);
}

export interface TextIndex {
  products: Bm25;
  pages: Bm25;
  categories: Bm25;
}

const cache = new WeakMap<CatalogState, { version: number; index: TextIndex }>();

/** The store's text index, rebuilt when its catalog changed since the last build. */
export function textIndexOf(state: CatalogState): TextIndex {
  const hit = cache.get(state);
  if (hit && hit.version === state.version) return hit.index;
  const version = state.version;
  const index: TextIndex = {
    products: new Bm25([...state.products].filter(([, d]) => d.index !== false).map(([k, d]) => [k, productTerms(d, state)] as const)),
    pages: new Bm25([...state.pages].map(([k, d]) => [k, pageTerms(d)] as const)),
    categories: new Bm25([...state.categories].map(([k, d]) => [k, categoryTerms(d)] as const)),
  };
  cache.set(state, { version, index });
  return index;
}
