/**
 * Reading products for answers: pick the asked attributes, and list which attributes are worth
 * faceting when a client does not say.
 */
import type { Doc } from '../storage/ports.js';

/** The asked fields of a product (all when none asked); `id` is always present. Missing fields are omitted. */
export function pickAttributes(doc: Doc, attributes: readonly string[] | undefined): Doc {
  if (!attributes || attributes.length === 0) return { ...doc };
  const out: Doc = { id: doc.id };
  for (const name of attributes) if (doc[name] !== undefined) out[name] = doc[name];
  return out;
}

const NOT_FACETABLE = new Set(['id', 'name', 'description', 'url', 'image', 'keywords', 'created_at', 'sku', 'index']);

/** Attributes with scalar (or list-of-scalar) values in any of the products, for default facets. */
export function facetableAttributes(docs: Iterable<Doc>): string[] {
  const names = new Set<string>();
  for (const doc of docs) {
    for (const [name, value] of Object.entries(doc)) {
      if (NOT_FACETABLE.has(name) || names.has(name)) continue;
      const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
      if (scalar(value) || (Array.isArray(value) && value.length > 0 && value.every(scalar))) names.add(name);
    }
  }
  return [...names].sort();
}
