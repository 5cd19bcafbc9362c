/**
 * Facet counts for search results from per-attribute columns of the index: each document slot's
 * value as a small integer (or a list of them), built on first use of an attribute and extended
 * as slots are added. Counting a result set is then one array increment per slot instead of a
 * document lookup and a map update; the facets themselves are finished by catalog/facets.ts
 * (facetsFromCounts), so they are exactly what computeFacets gives over the same documents.
 */
import { facetsFromCounts, type Facet, type FacetContext, type Scalar } from '../catalog/facets.js';
import type { Doc } from '../storage/ports.js';
import type { SearchIndex } from './search-index.js';

const NONE = -1;
const LIST = -2;

interface Column {
  /** Slots covered so far. */
  built: number;
  /** Slot → value id, NONE, or LIST (then `lists` holds its distinct ids). */
  ids: Int32Array;
  lists: Map<number, number[]>;
  /** Value id → the first value seen with that key. */
  values: Scalar[];
  keys: Map<Scalar, number>;
}

/** The facet key of a value (categories compare as text), or undefined when it cannot be faceted. */
function keyOf(attribute: string, v: unknown): Scalar | undefined {
  if (!(typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))) return undefined;
  return attribute === 'categories' ? String(v) : v;
}

export class FacetColumns {
  private readonly columns = new Map<string, Column>();

  constructor(
    private readonly index: SearchIndex,
    private readonly docOf: (key: string) => Doc | undefined,
  ) {}

  /** Facets of `attributes` over the documents in `slots`. */
  facets(slots: readonly number[], attributes: string[], ctx: FacetContext): Record<string, Facet[]> {
    const out: Record<string, Facet[]> = {};
    for (const attribute of new Set(attributes)) {
      const c = this.column(attribute);
      const counts = new Int32Array(c.values.length);
      let list = false;
      for (const slot of slots) {
        const id = c.ids[slot];
        if (id >= 0) counts[id]++;
        else if (id === LIST) {
          list = true;
          for (const m of c.lists.get(slot)!) counts[m]++;
        }
      }
      const entries: Array<{ value: Scalar; count: number }> = [];
      let numeric = true;
      for (let id = 0; id < counts.length; id++) {
        if (counts[id] === 0) continue;
        entries.push({ value: c.values[id], count: counts[id] });
        if (typeof c.values[id] !== 'number') numeric = false;
      }
      out[attribute] = facetsFromCounts(attribute, entries, numeric, list, ctx);
    }
    return out;
  }

  /**
   * A weight per slot from weights of `attribute`'s values (keyed as facets key them: categories
   * as text), read from the column instead of the document: for a document whose value is a
   * scalar (`shape` 'scalar') or a list, the highest of its values' weights (`shape` 'list');
   * 0 otherwise. For ranking signals that weigh every match by an attribute.
   */
  weigher(attribute: string, weights: ReadonlyMap<Scalar, number>, shape: 'scalar' | 'list'): (slot: number) => number {
    const c = this.column(attribute);
    const byId = new Float64Array(c.values.length);
    for (const [value, w] of weights) {
      const id = c.keys.get(value);
      if (id !== undefined) byId[id] = w;
    }
    const { ids, lists } = c;
    if (shape === 'scalar') return (slot) => (ids[slot] >= 0 ? byId[ids[slot]] : 0);
    return (slot) => {
      if (ids[slot] !== LIST) return 0;
      let best = 0;
      for (const id of lists.get(slot)!) if (byId[id] > best) best = byId[id];
      return best;
    };
  }

  private column(attribute: string): Column {
    let c = this.columns.get(attribute);
    if (!c) this.columns.set(attribute, (c = { built: 0, ids: new Int32Array(0), lists: new Map(), values: [], keys: new Map() }));
    const size = this.index.slotCount;
    if (c.built >= size) return c;
    if (c.ids.length < size) {
      const grown = new Int32Array(Math.max(size, c.ids.length * 2)).fill(NONE);
      grown.set(c.ids.subarray(0, c.built));
      c.ids = grown;
    }
    const idOf = (v: unknown): number => {
      const key = keyOf(attribute, v);
      if (key === undefined) return NONE;
      let id = c!.keys.get(key);
      if (id === undefined) {
        id = c!.values.length;
        c!.values.push(v as Scalar);
        c!.keys.set(key, id);
      }
      return id;
    };
    for (let slot = c.built; slot < size; slot++) {
      const doc = this.index.isAlive(slot) ? this.docOf(this.index.keyOf(slot)) : undefined;
      if (!doc || !Object.hasOwn(doc, attribute)) continue;
      const raw = doc[attribute];
      if (!Array.isArray(raw)) {
        c.ids[slot] = idOf(raw);
        continue;
      }
      c.ids[slot] = LIST;
      c.lists.set(slot, [...new Set(raw.map(idOf).filter((id) => id >= 0))]);
    }
    c.built = size;
    return c;
  }
}
