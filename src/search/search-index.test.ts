import { describe, expect, it } from 'vitest';
import { CatalogState } from '../catalog/catalog-state.js';
import { computeFacets } from '../catalog/facets.js';
import { searchCore } from './core.js';
import { FacetColumns } from './facet-columns.js';
import { productFields } from './fields.js';
import { SearchIndex } from './search-index.js';

const docs: Array<[string, Record<string, unknown>]> = [
  ['1', { id: 1, name: 'Privacy filter for notebooks', brand: 'Acme', price: 10, colors: ['red', 'blue'] }],
  ['2', { id: 2, name: 'HP 250 Notebook', brand: 'HP', price: 300, colors: ['black'] }],
  ['3', { id: 3, name: 'Notebook sleeve', brand: 'Acme', price: 15.5, description: 'fits a notebook' }],
];
const keys = (index: SearchIndex, q: string) => searchCore(index, q, { language: 'english' }).ranked.all().map((r) => r.key);

describe('SearchIndex', () => {
  it('ranks what a name is above what it fits ("filter for notebooks")', () => {
    const index = new SearchIndex(docs, productFields(new CatalogState()));
    expect(keys(index, 'notebook')[2]).toBe('1');
  });

  it('indexes changes in the delta at once, and a removal hides the old version', () => {
    const index = new SearchIndex(docs, productFields(new CatalogState()));
    index.upsert('2', { id: 2, name: 'HP 250 Laptop', brand: 'HP' });
    expect(keys(index, 'laptop')).toEqual(['2']);
    expect(keys(index, 'notebook').sort()).toEqual(['1', '3']);
    index.upsert('4', { id: 4, name: 'Laptop stand' });
    expect(keys(index, 'lapt').sort()).toEqual(['2', '4']);
    expect(keys(index, 'laptpo').sort()).toEqual(['2', '4']); // a typo of a delta-only term
    index.remove('4');
    expect(keys(index, 'laptop')).toEqual(['2']);
    expect(index.size).toBe(3);
    expect(index.deltaSize).toBe(2);
  });

  it('counts facets from its columns exactly as computeFacets does over the documents', () => {
    const more = Array.from({ length: 40 }, (_, i) => [`m${i}`, { id: `m${i}`, name: `Notebook ${i}`, brand: ['Acme', 'HP', 'Dell'][i % 3], price: i * 7.25, colors: i % 2 ? ['red'] : [] }] as [string, Record<string, unknown>]);
    const all = [...docs, ...more];
    const index = new SearchIndex(all, productFields(new CatalogState()));
    index.upsert('m1', { id: 'm1', name: 'Notebook one', brand: 'Lenovo', price: 1 });
    const current = new Map(all);
    current.set('m1', { id: 'm1', name: 'Notebook one', brand: 'Lenovo', price: 1 });
    const columns = new FacetColumns(index, (k) => current.get(k));
    const ranked = searchCore(index, 'notebook', { language: 'english' }).ranked.all();
    const ctx = { categoryName: () => undefined };
    const expected = computeFacets(ranked.map((r) => current.get(r.key)!), ['brand', 'price', 'colors'], ctx);
    expect(columns.facets(ranked.map((r) => r.slot), ['brand', 'price', 'colors'], ctx)).toEqual(expected);
  });

  it('weighs slots from their column as a document read would: scalar brands, category lists', () => {
    const brands = ['Acme', 'HP', 7, ['Acme'], undefined];
    const cats = [[1, '2'], '1', [3, 3, 1], [], undefined, [2, { x: 1 }]];
    const all = Array.from({ length: 60 }, (_, i) => [`d${i}`, { id: i, name: `Thing ${i}`, brand: brands[i % 5], categories: cats[i % 6] }] as [string, Record<string, unknown>]);
    const index = new SearchIndex(all, productFields(new CatalogState()));
    const current = new Map(all);
    index.upsert('d3', { id: 3, name: 'Thing 3', brand: 'HP', categories: ['3'] });
    current.set('d3', { id: 3, name: 'Thing 3', brand: 'HP', categories: ['3'] });
    const columns = new FacetColumns(index, (k) => current.get(k));
    const brandW = new Map<string | number | boolean, number>([['Acme', 0.5], ['HP', 0.25]]);
    const catW = new Map<string | number | boolean, number>([['1', 0.3], ['2', 0.9], ['3', 0.1]]);
    columns.weigher('brand', brandW, 'scalar');
    columns.weigher('categories', catW, 'list');
    // a document added after the columns were built
    current.set('d99', { id: 99, name: 'Thing 99', brand: 'Acme', categories: [2] });
    index.upsert('d99', current.get('d99')!);
    const byBrand = columns.weigher('brand', brandW, 'scalar');
    const byCategory = columns.weigher('categories', catW, 'list');
    for (const [key, doc] of current) {
      const slot = index.slotOf(key);
      const brand = typeof doc.brand === 'string' ? brandW.get(doc.brand) ?? 0 : 0;
      const category = Array.isArray(doc.categories) ? Math.max(0, ...doc.categories.map((c) => catW.get(String(c)) ?? 0)) : 0;
      expect([key, byBrand(slot), byCategory(slot)]).toEqual([key, brand, category]);
    }
  });
});
