import { describe, expect, it } from 'vitest';
import { computeFacets, type Facet, type FacetContext } from './facets.js';

const NAMES: Record<string, string> = { '10': 'Lighting', '11': 'Lamps', '12': 'Chairs' };
const ctx: FacetContext = { categoryName: (id) => NAMES[id] };

const docsOf = (attribute: string, values: unknown[]) => values.map((v, i) => ({ id: i, [attribute]: v }));

/** Every value must land in exactly one bucket, and only in one whose [min, max] holds it. */
function expectExactCover(facets: Facet[], values: number[]): void {
  const ranges = facets.map((f) => {
    if (f.type !== 'range') throw new Error(`expected a range facet, got ${JSON.stringify(f)}`);
    return f;
  });
  const counts = ranges.map(() => 0);
  for (const v of values) {
    const hits = ranges.flatMap((r, i) => (v >= r.min && v <= r.max ? [i] : []));
    expect(hits, `value ${v}`).toHaveLength(1);
    counts[hits[0]]++;
  }
  expect(counts).toEqual(ranges.map((r) => r.count));
  for (let i = 1; i < ranges.length; i++) expect(ranges[i].min).toBeGreaterThan(ranges[i - 1].max);
}

describe('computeFacets: unit facets', () => {
  it('counts strings, sorted by count then name', () => {
    const docs = docsOf('brand', ['Globex', 'Acme', 'Initech', 'Acme', 'Globex', 'Acme', 'Beta']);
    expect(computeFacets(docs, ['brand'], ctx)).toEqual({
      brand: [
        { type: 'unit', name: 'Acme', value: 'Acme', count: 3 },
        { type: 'unit', name: 'Globex', value: 'Globex', count: 2 },
        { type: 'unit', name: 'Beta', value: 'Beta', count: 1 },
        { type: 'unit', name: 'Initech', value: 'Initech', count: 1 },
      ],
    });
  });

  it('counts each list member once per product', () => {
    const docs = docsOf('colors', [['red', 'blue', 'red'], ['blue'], 'red', [], ['green', 'blue']]);
    expect(computeFacets(docs, ['colors'], ctx).colors).toEqual([
      { type: 'unit', name: 'blue', value: 'blue', count: 3 },
      { type: 'unit', name: 'red', value: 'red', count: 2 },
      { type: 'unit', name: 'green', value: 'green', count: 1 },
    ]);
  });

  it('names categories and keeps their IDs as stored, merging 11 and "11"', () => {
    const docs = docsOf('categories', [[10, 11], ['11'], [12, 10], [99], [11, '11']]);
    expect(computeFacets(docs, ['categories'], ctx).categories).toEqual([
      { type: 'unit', name: 'Lamps', value: 11, count: 3 },
      { type: 'unit', name: 'Lighting', value: 10, count: 2 },
      { type: 'unit', name: '99', value: 99, count: 1 },
      { type: 'unit', name: 'Chairs', value: 12, count: 1 },
    ]);
  });

  it('keeps categories as unit facets however many numeric IDs there are', () => {
    const docs = docsOf('categories', Array.from({ length: 20 }, (_, i) => [i]));
    const facets = computeFacets(docs, ['categories'], ctx).categories;
    expect(facets).toHaveLength(20);
    expect(facets.every((f) => f.type === 'unit' && f.count === 1)).toBe(true);
  });

  it('treats booleans as units, never as numbers', () => {
    const docs = docsOf('on_sale', [true, false, true, true]);
    expect(computeFacets(docs, ['on_sale'], ctx).on_sale).toEqual([
      { type: 'unit', name: 'true', value: true, count: 3 },
      { type: 'unit', name: 'false', value: false, count: 1 },
    ]);
  });

  it('uses units for 10 or fewer distinct numbers', () => {
    const docs = docsOf('stock', [0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const facets = computeFacets(docs, ['stock'], ctx).stock;
    expect(facets[0]).toEqual({ type: 'unit', name: '1', value: 1, count: 2 });
    expect(facets.map((f) => (f.type === 'unit' ? f.value : null))).toEqual([1, 0, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('uses units when numbers are mixed with strings (typed values)', () => {
    const values = [...Array.from({ length: 12 }, (_, i) => i), '5', 'n/a'];
    const facets = computeFacets(docsOf('size', values), ['size'], ctx).size;
    expect(facets).toHaveLength(14);
    expect(facets.every((f) => f.type === 'unit' && f.count === 1)).toBe(true);
    expect(facets.slice(0, 3)).toEqual([
      { type: 'unit', name: '0', value: 0, count: 1 },
      { type: 'unit', name: '1', value: 1, count: 1 },
      { type: 'unit', name: '10', value: 10, count: 1 },
    ]);
  });

  it('uses units for lists of numbers', () => {
    const docs = docsOf('sizes', Array.from({ length: 12 }, (_, i) => [30 + i, 31 + i]));
    const facets = computeFacets(docs, ['sizes'], ctx).sizes;
    expect(facets).toHaveLength(13);
    expect(facets.slice(0, 2)).toEqual([
      { type: 'unit', name: '31', value: 31, count: 2 },
      { type: 'unit', name: '32', value: 32, count: 2 },
    ]);
  });

  it('caps unit facets at 100, keeping the most frequent', () => {
    const values = Array.from({ length: 150 }, (_, i) => `v${String(i).padStart(3, '0')}`);
    const facets = computeFacets(docsOf('tag', [...values, 'v149', 'v149']), ['tag'], ctx).tag;
    expect(facets).toHaveLength(100);
    expect(facets[0]).toEqual({ type: 'unit', name: 'v149', value: 'v149', count: 3 });
    expect(facets[1]).toEqual({ type: 'unit', name: 'v000', value: 'v000', count: 1 });
    expect(facets[99]).toEqual({ type: 'unit', name: 'v098', value: 'v098', count: 1 });
  });

  it('skips objects, nulls and nested lists', () => {
    const docs = docsOf('misc', [{ a: 1 }, null, [['x']], ['y', { b: 2 }], 'y']);
    expect(computeFacets(docs, ['misc'], ctx).misc).toEqual([{ type: 'unit', name: 'y', value: 'y', count: 2 }]);
  });
});

describe('computeFacets: range facets', () => {
  const prices = [10, 19.99, 24.5, 33, 49.99, 50, 74.99, 75, 99.95, 120, 149.99, 24.99];

  it('buckets prices with nice boundaries and cent-precision maxima', () => {
    const docs = [...docsOf('price', prices), { id: 'no-price' }, { id: 'text', price: undefined }];
    const facets = computeFacets(docs, ['price'], ctx).price;
    expect(facets).toEqual([
      { type: 'range', name: '0 - 24.99', min: 0, max: 24.99, count: 4 },
      { type: 'range', name: '25 - 49.99', min: 25, max: 49.99, count: 2 },
      { type: 'range', name: '50 - 74.99', min: 50, max: 74.99, count: 2 },
      { type: 'range', name: '75 - 99.99', min: 75, max: 99.99, count: 2 },
      { type: 'range', name: '100 - 124.99', min: 100, max: 124.99, count: 1 },
      { type: 'range', name: '125 - 149.99', min: 125, max: 149.99, count: 1 },
    ]);
    expectExactCover(facets, prices);
  });

  it('buckets integers with integer maxima', () => {
    const values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10];
    const facets = computeFacets(docsOf('stock', values), ['stock'], ctx).stock;
    expect(facets).toEqual([
      { type: 'range', name: '0 - 1', min: 0, max: 1, count: 2 },
      { type: 'range', name: '2 - 3', min: 2, max: 3, count: 2 },
      { type: 'range', name: '4 - 5', min: 4, max: 5, count: 2 },
      { type: 'range', name: '6 - 7', min: 6, max: 7, count: 2 },
      { type: 'range', name: '8 - 9', min: 8, max: 9, count: 2 },
      { type: 'range', name: '10 - 11', min: 10, max: 11, count: 2 },
    ]);
    expectExactCover(facets, values);
  });

  it('handles negatives and fractional steps', () => {
    const negatives = [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6];
    const f1 = computeFacets(docsOf('t', negatives), ['t'], ctx).t;
    expect(f1[0]).toEqual({ type: 'range', name: '-6 - -5', min: -6, max: -5, count: 1 });
    expectExactCover(f1, negatives);

    const ratings = [1, 1.5, 2, 2.5, 3, 3.2, 3.5, 4, 4.1, 4.5, 5];
    const f2 = computeFacets(docsOf('rating', ratings), ['rating'], ctx).rating;
    expect(f2).toEqual([
      { type: 'range', name: '1 - 1.9', min: 1, max: 1.9, count: 2 },
      { type: 'range', name: '2 - 2.9', min: 2, max: 2.9, count: 2 },
      { type: 'range', name: '3 - 3.9', min: 3, max: 3.9, count: 3 },
      { type: 'range', name: '4 - 4.9', min: 4, max: 4.9, count: 3 },
      { type: 'range', name: '5 - 5.9', min: 5, max: 5.9, count: 1 },
    ]);
    expectExactCover(f2, ratings);
  });

  it('leaves empty buckets out but still covers every value exactly once', () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 990];
    const facets = computeFacets(docsOf('w', values), ['w'], ctx).w;
    expect(facets).toEqual([
      { type: 'range', name: '0 - 199', min: 0, max: 199, count: 10 },
      { type: 'range', name: '800 - 999', min: 800, max: 999, count: 1 },
    ]);
    expectExactCover(facets, values);
  });

  it('covers many awkward distributions exactly once with 5 to 8 buckets', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const sets = [
      Array.from({ length: 500 }, () => Math.round(random() * 100000) / 100),
      Array.from({ length: 300 }, () => 1_700_000_000 + Math.floor(random() * 40_000_000)),
      Array.from({ length: 50 }, (_, i) => i / 3),
      Array.from({ length: 40 }, (_, i) => -1000 + i * 0.25),
      Array.from({ length: 11 }, (_, i) => 0.001 * i),
    ];
    for (const values of sets) {
      const facets = computeFacets(docsOf('x', values), ['x'], ctx).x;
      expectExactCover(facets, values);
      expect(facets.length).toBeGreaterThanOrEqual(1);
      expect(facets.length).toBeLessThanOrEqual(8);
    }
  });
});

describe('computeFacets: attributes', () => {
  it('gives an empty list for attributes no doc has, or only as objects', () => {
    const docs = [{ id: 1, brand: 'Acme', meta: { a: 1 } }];
    expect(computeFacets(docs, ['gender', 'meta', 'brand'], ctx)).toEqual({
      gender: [],
      meta: [],
      brand: [{ type: 'unit', name: 'Acme', value: 'Acme', count: 1 }],
    });
    expect(computeFacets([], ['brand'], ctx)).toEqual({ brand: [] });
  });

  it('reads a one-shot iterable once for all attributes', () => {
    function* docs() {
      yield { id: 1, brand: 'Acme', on_sale: true };
      yield { id: 2, brand: 'Acme', on_sale: false };
    }
    expect(computeFacets(docs(), ['brand', 'on_sale', 'brand'], ctx)).toEqual({
      brand: [{ type: 'unit', name: 'Acme', value: 'Acme', count: 2 }],
      on_sale: [
        { type: 'unit', name: 'false', value: false, count: 1 },
        { type: 'unit', name: 'true', value: true, count: 1 },
      ],
    });
  });

  it('never reads inherited properties and keeps odd names as own keys', () => {
    const result = computeFacets([{ id: 1 }], ['constructor', '__proto__'], ctx);
    expect(Object.keys(result)).toEqual(['constructor', '__proto__']);
    expect(result.constructor).toEqual([]);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
  });
});
