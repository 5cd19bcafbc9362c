/**
 * What of a document is searchable, and how much each part counts. A field is a weighted group
 * of attributes; the index scores with BM25F over these fields (see search-index.ts).
 */
import type { CatalogState } from '../catalog/catalog-state.js';
import type { Doc } from '../storage/ports.js';

export interface FieldSpec {
  name: string;
  /** How much a match in this field counts relative to the others. */
  weight: number;
  /** BM25 length normalisation for the field (0: none, 1: full). */
  b: number;
  /** The field's text values of a document. */
  values(doc: Doc): string[];
}

/** Text values of one attribute: strings, numbers and lists of them. */
export function textOf(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (typeof value === 'number' && Number.isFinite(value)) return [String(value)];
  if (Array.isArray(value)) return value.flatMap((v) => (typeof v === 'string' || typeof v === 'number' ? textOf(v) : []));
  return [];
}

/** Attributes that name a product code: matched like the name's model numbers. */
const CODE_ATTRIBUTES = ['sku', 'ean', 'gtin', 'mpn', 'upc', 'isbn', 'model', 'part_number', 'variant_skus', 'skus'];
/** Attributes never searched: links, media, numbers that would make "10" match every price. */
const NOT_SEARCHED = new Set([
  'id', 'name', 'brand', 'description', 'keywords', 'categories', ...CODE_ATTRIBUTES,
  'url', 'image', 'images', 'thumbnail', 'price', 'list_price', 'stock', 'created_at', 'age', 'index', 'on_sale',
]);

/** Every other string attribute (colours, materials, types …), at a low weight. */
function otherText(doc: Doc): string[] {
  const out: string[] = [];
  for (const key of Object.keys(doc)) {
    if (NOT_SEARCHED.has(key)) continue;
    const v = doc[key];
    if (typeof v === 'string') {
      if (v.length <= 200 && !v.startsWith('http')) out.push(v);
    } else if (Array.isArray(v)) {
      for (const m of v) if (typeof m === 'string' && m.length <= 200 && !m.startsWith('http')) out.push(m);
    }
  }
  return out;
}

/** Product fields: name, brand, codes, category names, keywords, description, other text. */
export function productFields(state: CatalogState): FieldSpec[] {
  return [
    { name: 'name', weight: 3, b: 0.5, values: (d) => textOf(d.name) },
    { name: 'brand', weight: 2, b: 0, values: (d) => textOf(d.brand) },
    { name: 'codes', weight: 2, b: 0, values: (d) => CODE_ATTRIBUTES.flatMap((a) => textOf(d[a])) },
    {
      name: 'categories', weight: 1.5, b: 0.3,
      values: (d) => (Array.isArray(d.categories) ? d.categories.flatMap((c) => textOf(state.categoryName(String(c)))) : []),
    },
    { name: 'keywords', weight: 1.5, b: 0.3, values: (d) => textOf(d.keywords) },
    { name: 'description', weight: 0.75, b: 0.75, values: (d) => textOf(d.description) },
    { name: 'other', weight: 0.45, b: 0.5, values: otherText },
  ];
}

/** Index of the `name` field in productFields (phrase and proximity use it). */
export const NAME_FIELD = 0;

/** Category fields: name, then description. */
export const CATEGORY_FIELDS: FieldSpec[] = [
  { name: 'name', weight: 3, b: 0.3, values: (d) => textOf(d.name) },
  { name: 'description', weight: 0.75, b: 0.75, values: (d) => textOf(d.description) },
];

/** Page fields: title, tags and keywords, text. */
export const PAGE_FIELDS: FieldSpec[] = [
  { name: 'title', weight: 3, b: 0.5, values: (d) => textOf(d.title ?? d.name) },
  { name: 'tags', weight: 1.5, b: 0.3, values: (d) => [...textOf(d.tags), ...textOf(d.keywords)] },
  { name: 'text', weight: 0.5, b: 0.75, values: (d) => [...textOf(d.text), ...textOf(d.description)] },
];
