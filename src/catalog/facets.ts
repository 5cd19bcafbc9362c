/**
 * Facet counts over a (filtered) set of product documents.
 *
 * Decisions:
 * - Values: strings, booleans and finite numbers; objects, nulls and nested lists are skipped.
 *   A list attribute counts each distinct member once per product.
 * - Range facets: for an attribute whose present values are all plain numbers (never a list,
 *   never `categories`) with more than 10 distinct values. Otherwise unit facets.
 * - Unit facets: one per distinct stored value (typed: 5 and "5" are two values, except for
 *   `categories`, whose IDs are compared as strings). `name` is the value as text, or for
 *   `categories` the category name (the ID as text when the category is unknown) with `value` the
 *   ID as stored. Sorted by count desc, then name; at most 100.
 * - Range buckets: equal-width, step a "nice" number (1, 2, 2.5 or 5 × 10^k) and a multiple of
 *   the data's precision unit (10^-d, d = most decimals among the values, capped at 6), chosen to
 *   give the bucket count closest to 6 (ties: wider step), normally 5–8. Bucket i holds
 *   `lo_i <= v < lo_{i+1}`; all buckets are closed (no "< x" / "x <" open ends) and together
 *   cover min..max, so every value lands in exactly one. `min` = lo_i, `max` = lo_{i+1} minus
 *   the precision unit (integers: `"0 - 24"`, prices: `"0 - 24.99"`), name `"<min> - <max>"`.
 *   Empty buckets are left out; buckets are in ascending order.
 */

/** One facet entry: a discrete value or a numeric range bucket. */
export type Facet =
  | { type: 'unit'; name: string; value: unknown; count: number }
  | { type: 'range'; name: string; min: number; max: number; count: number };

/** What facet naming needs to know about the store. */
export interface FacetContext {
  /** Display name of a category, by ID as string. */
  categoryName(id: string): string | undefined;
}

const MAX_UNIT_FACETS = 100;
const RANGE_ABOVE_DISTINCT = 10;
const TARGET_BUCKETS = 6;
const MAX_BUCKETS_CONSIDERED = 1000;
const MAX_USEFUL_BUCKETS = 50;
const MAX_DECIMALS = 6;
const NICE = [1, 2, 2.5, 5];

export type Scalar = string | number | boolean;
interface Tally {
  name: string;
  values: Map<Scalar, { value: Scalar; count: number }>;
  numeric: boolean;
  list: boolean;
}

/** Facets for each of `attributes`, counted over every doc given (one pass over `docs`). */
export function computeFacets(
  docs: Iterable<Record<string, unknown>>,
  attributes: string[],
  ctx: FacetContext,
): Record<string, Facet[]> {
  const tallies: Tally[] = [...new Set(attributes)].map((name) => ({
    name, values: new Map(), numeric: true, list: false,
  }));
  for (const doc of docs) {
    for (const t of tallies) {
      if (!Object.hasOwn(doc, t.name)) continue;
      const raw = doc[t.name];
      if (!Array.isArray(raw)) {
        count(t, raw);
        continue;
      }
      t.list = true;
      const seen = new Set<Scalar>();
      for (const m of raw) {
        const key = keyOf(t.name, m);
        if (key !== undefined && !seen.has(key)) {
          seen.add(key);
          count(t, m);
        }
      }
    }
  }
  return Object.fromEntries(tallies.map((t) => [t.name, facetsOf(t, ctx)]));
}

function keyOf(attribute: string, v: unknown): Scalar | undefined {
  const scalar =
    typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
  if (!scalar) return undefined;
  return attribute === 'categories' ? String(v) : (v as Scalar);
}

function count(t: Tally, v: unknown): void {
  const key = keyOf(t.name, v);
  if (key === undefined) return;
  const entry = t.values.get(key);
  if (entry) entry.count++;
  else t.values.set(key, { value: v as Scalar, count: 1 });
  if (typeof v !== 'number') t.numeric = false;
}

function facetsOf(t: Tally, ctx: FacetContext): Facet[] {
  return facetsFromCounts(t.name, [...t.values.values()], t.numeric, t.list, ctx);
}

/**
 * The facets of one attribute from its distinct values and their counts (as computeFacets
 * tallies them; the search index counts its own columns and finishes here, so both agree).
 * `numeric`: every counted value was a number; `list`: some document held a list.
 */
export function facetsFromCounts(name: string, entries: Array<{ value: Scalar; count: number }>, numeric: boolean, list: boolean, ctx: FacetContext): Facet[] {
  if (numeric && !list && name !== 'categories' && entries.length > RANGE_ABOVE_DISTINCT) {
    return rangeFacets(entries as { value: number; count: number }[]);
  }
  const units: Facet[] = entries.map(({ value, count }) => ({
    type: 'unit',
    name: name === 'categories' ? (ctx.categoryName(String(value)) ?? String(value)) : String(value),
    value,
    count,
  }));
  units.sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return units.slice(0, MAX_UNIT_FACETS);
}

function rangeFacets(entries: { value: number; count: number }[]): Facet[] {
  let min = Infinity;
  let max = -Infinity;
  let decimals = 0;
  for (const { value } of entries) {
    min = Math.min(min, value);
    max = Math.max(max, value);
    decimals = Math.max(decimals, decimalsOf(value));
  }
  const unit = 10 ** -decimals;
  const bounds = bestBoundaries(min, max, decimals);
  const counts = new Array<number>(bounds.length - 1).fill(0);
  for (const { value, count } of entries) counts[bucketOf(bounds, value)] += count;
  const facets: Facet[] = [];
  counts.forEach((n, i) => {
    if (n === 0) return;
    const lo = bounds[i];
    const hi = round(bounds[i + 1] - unit, decimals);
    facets.push({ type: 'range', name: `${lo} - ${hi}`, min: lo, max: hi, count: n });
  });
  return facets;
}

function decimalsOf(v: number): number {
  if (Number.isInteger(v)) return 0;
  const s = String(v);
  if (s.includes('e')) return MAX_DECIMALS;
  return Math.min(MAX_DECIMALS, s.length - s.indexOf('.') - 1);
}

function round(x: number, decimals: number): number {
  return Number(x.toFixed(decimals));
}

/** Boundaries lo_0 < … < lo_n with lo_0 <= min and lo_n > max, for the best nice step. */
function bestBoundaries(min: number, max: number, decimals: number): number[] {
  let best: number[] | undefined;
  const magnitude = Math.log10(max - min);
  const kMax = Math.ceil(magnitude) + 1;
  for (let k = Math.max(-decimals, Math.floor(magnitude) - 2); k <= kMax; k++) {
    for (const m of NICE) {
      if (m === 2.5 && k + decimals < 1) continue; // 2.5 × 10^k must be a multiple of the unit
      const stepDecimals = Math.max(0, m === 2.5 ? 1 - k : -k);
      const step = round(m * 10 ** k, stepDecimals);
      // A step giving far more buckets than the target never wins (some nice step always gives
      // 3..15), so its boundaries are not built: that loop was most of a range facet's cost.
      if ((max - min) / step > MAX_USEFUL_BUCKETS) continue;
      const bounds = boundaries(min, max, step, stepDecimals);
      if (!bounds) continue;
      const off = Math.abs(bounds.length - 1 - TARGET_BUCKETS);
      if (!best || off <= Math.abs(best.length - 1 - TARGET_BUCKETS)) best = bounds;
    }
  }
  return best ?? [min, max]; // unreachable for finite data; one bucket rather than none
}

/** The boundaries for one step, or undefined when too many or not representable. */
function boundaries(min: number, max: number, step: number, decimals: number): number[] | undefined {
  let first = Math.floor(min / step);
  if (round(first * step, decimals) > min) first--;
  const bounds = [round(first * step, decimals)];
  if (bounds[0] > min) return undefined;
  for (let i = first + 1; bounds[bounds.length - 1] <= max; i++) {
    const next = round(i * step, decimals);
    if (next <= bounds[bounds.length - 1] || bounds.length > MAX_BUCKETS_CONSIDERED) return undefined;
    bounds.push(next);
  }
  return bounds;
}

/** Index i of the bucket with bounds[i] <= v < bounds[i + 1]. */
function bucketOf(bounds: number[], v: number): number {
  let lo = 0;
  let hi = bounds.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (bounds[mid] <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
