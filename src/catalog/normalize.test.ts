import { describe, expect, it } from 'vitest';
import { ParsingError } from '../errors.js';
import type { CatalogKind } from '../storage/ports.js';
import { mayCoerce, mergeEntry, normalizeEntry, RecordError } from './normalize.js';

const STRICT = { strict: true };
const LAX = { strict: false };

function errorOf(kind: CatalogKind, raw: unknown, opts = STRICT): { field: string; message: string } {
  try {
    normalizeEntry(kind, raw, opts);
  } catch (err) {
    if (err instanceof RecordError) return { field: err.field, message: err.message };
    throw err;
  }
  throw new Error('expected a RecordError');
}

describe('normalizeEntry: products', () => {
  it('keeps a valid product as given, keyed by its ID as a string', () => {
    const raw = { id: 12, name: 'Lamp', price: 24.5, categories: [10, 'x'], created_at: 1700000000, index: true, extra: { a: [1] } };
    expect(normalizeEntry('products', raw, STRICT)).toEqual({ key: '12', doc: raw });
  });

  it('omits null and missing values instead of storing null', () => {
    expect(normalizeEntry('products', { id: 'a', brand: null, size: null }, STRICT)).toEqual({ key: 'a', doc: { id: 'a' } });
  });

  it('wraps a single category ID in a list', () => {
    expect(normalizeEntry('products', { id: 1, categories: 7 }, STRICT).doc.categories).toEqual([7]);
  });

  it.each([
    [{ name: 'x' }, 'id', 'is required'],
    [{ id: 1.5 }, 'id', 'must be an integer or a non-empty string'],
    [{ id: true }, 'id', 'must be an integer or a non-empty string'],
    [{ id: null }, 'id', 'is required'],
    [{ id: {} }, 'id', 'must be an integer or a non-empty string'],
    [{ id: '' }, 'id', 'must be an integer or a non-empty string'],
    [{ id: 'x'.repeat(201) }, 'id', 'must be at most 200 characters'],
    [{ id: 1, price: -1 }, 'price', 'must be a number ≥ 0'],
    [{ id: 1, price: '12' }, 'price', 'must be a number ≥ 0'],
    [{ id: 1, list_price: 'n/a' }, 'list_price', 'must be a number ≥ 0'],
    [{ id: 1, stock: 2.5 }, 'stock', 'must be an integer'],
    [{ id: 1, created_at: -5 }, 'created_at', 'must be an integer ≥ 0'],
    [{ id: 1, age: 1.5 }, 'age', 'must be an integer ≥ 0'],
    [{ id: 1, categories: [1, 2, 2.5] }, 'categories[2]', 'must be an integer or a non-empty string'],
    [{ id: 1, index: 'false' }, 'index', 'must be true or false'],
    [{ id: 1, on_sale: 1 }, 'on_sale', 'must be true or false'],
    [{ id: 1, name: 5 }, 'name', 'must be a string'],
    [{ id: 1, keywords: ['a', 3] }, 'keywords[1]', 'must be a string'],
    [{ id: 1, 'bad-name': 1 }, 'bad-name', 'attribute names may contain only letters, digits and underscore'],
  ])('rejects %j at %s', (raw, field, message) => {
    expect(errorOf('products', raw)).toEqual({ field, message });
  });

  it('rejects what is not a plain object', () => {
    expect(errorOf('products', [1])).toEqual({ field: '', message: 'must be an object' });
    expect(errorOf('products', 'p1')).toEqual({ field: '', message: 'must be an object' });
  });

  it('rejects more than 1,000 attributes and nesting deeper than 16 levels', () => {
    const wide: Record<string, unknown> = { id: 1 };
    for (let i = 0; i < 1000; i++) wide[`a${i}`] = i;
    expect(errorOf('products', wide)).toEqual({ field: '', message: 'has more than 1000 attributes' });
    let deep: unknown = 1;
    for (let i = 0; i < 16; i++) deep = { d: deep };
    expect(normalizeEntry('products', { id: 1, deep }, STRICT).doc.deep).toBe(deep);
    expect(errorOf('products', { id: 1, deep: [deep] })).toEqual({ field: 'deep', message: 'must not nest deeper than 16 levels' });
  });

  it('rejects a __proto__ attribute instead of letting it reach the prototype', () => {
    expect(errorOf('products', JSON.parse('{"id":1,"__proto__":{"x":1}}'))).toEqual({ field: '__proto__', message: 'is a reserved name' });
  });

  it('is a ParsingError, so an unwrapped one still answers 400', () => {
    expect(new RecordError('price', 'must be a number ≥ 0')).toBeInstanceOf(ParsingError);
  });
});

describe('normalizeEntry: lenient mode (strict false)', () => {
  it('turns numeric strings into numbers and "true"/"false" into booleans where the field wants them', () => {
    const raw = { id: '12', price: '12.50', stock: '007', index: 'FALSE', categories: ['3', '04'], size: '42', ratio: '0.5', zip: '01234', big: '12345678901234567890', name: '123' };
    expect(normalizeEntry('products', raw, LAX).doc).toEqual({
      id: 12, price: 12.5, stock: 7, index: false, categories: [3, '04'], size: 42, ratio: 0.5, zip: '01234', big: '12345678901234567890', name: '123',
    });
  });

  it('converts numeric strings inside lists of free attributes but not inside nested objects', () => {
    expect(normalizeEntry('products', { id: 1, sizes: ['40', 'XL'], meta: { n: '5' } }, LAX).doc).toEqual({ id: 1, sizes: [40, 'XL'], meta: { n: '5' } });
  });

  it('keeps strings as they are in strict mode', () => {
    expect(normalizeEntry('products', { id: '12', size: '42' }, STRICT)).toEqual({ key: '12', doc: { id: '12', size: '42' } });
  });

  it('still rejects what no conversion can fix', () => {
    expect(errorOf('products', { id: 1, price: 'cheap' }, LAX)).toEqual({ field: 'price', message: 'must be a number ≥ 0' });
    expect(errorOf('products', { id: 1, created_at: '-1' }, LAX)).toEqual({ field: 'created_at', message: 'must be an integer ≥ 0' });
  });

  it('converts only integer-shaped IDs', () => {
    expect(normalizeEntry('products', { id: '1.5' }, LAX)).toEqual({ key: '1.5', doc: { id: '1.5' } });
    expect(normalizeEntry('products', { id: '007' }, LAX)).toEqual({ key: '007', doc: { id: '007' } });
  });
});

describe('mayCoerce', () => {
  it('is false exactly when no string could be converted', () => {
    expect(mayCoerce({ id: 1, name: 'Lamp', tags: ['a'], lines: [{ id: 'x' }] })).toBe(false);
    expect(mayCoerce({ id: '1' })).toBe(true);
    expect(mayCoerce({ id: 1, flag: 'true' })).toBe(true);
    expect(mayCoerce({ id: 1, sizes: ['a', '3'] })).toBe(true);
    expect(mayCoerce({ id: 1, products: [{ id: 1, quantity: '2' }] })).toBe(true);
  });
});

describe('normalizeEntry: categories, pages, customers, orders', () => {
  it('defaults subcategories to [] and drops a null parent', () => {
    expect(normalizeEntry('categories', { id: 10, name: 'Lighting', parent: null }, STRICT)).toEqual({ key: '10', doc: { id: 10, name: 'Lighting', subcategories: [] } });
    expect(errorOf('categories', { id: 10, subcategories: [1, null] })).toEqual({ field: 'subcategories[1]', message: 'must be an integer or a non-empty string' });
    expect(errorOf('categories', { id: 10, parent: 1.5 })).toEqual({ field: 'parent', message: 'must be an integer or a non-empty string' });
  });

  it('keys pages by id', () => {
    expect(normalizeEntry('pages', { id: 'about', type: 'cms page', title: 'About', text: 'Hi' }, STRICT).key).toBe('about');
  });

  it('keys customers by id, customerid or the normalised email, and indexes the email', () => {
    expect(normalizeEntry('customers', { id: 7, email: ' Ann@Example.COM ' }, STRICT)).toEqual({ key: '7', doc: { id: 7, email: ' Ann@Example.COM ' }, email: 'ann@example.com' });
    expect(normalizeEntry('customers', { customerid: 'c-1', name: 'Bo' }, STRICT)).toEqual({ key: 'c-1', doc: { customerid: 'c-1', name: 'Bo' } });
    expect(normalizeEntry('customers', { email: 'Cy@Example.com' }, STRICT)).toEqual({ key: 'cy@example.com', doc: { email: 'Cy@Example.com' }, email: 'cy@example.com' });
    expect(errorOf('customers', { name: 'Nobody', email: '  ' })).toEqual({ field: 'id', message: 'is required (customers need id, customerid or email)' });
    expect(errorOf('customers', { id: 1, subscribed: 'yes' })).toEqual({ field: 'subscribed', message: 'must be true or false' });
  });

  it('indexes the customer, email and time of an order', () => {
    const raw = { id: 9001, products: [{ id: 1, quantity: 2, price: 24.5 }], time: 1700000500, customer: 77, email: 'A@B.C' };
    expect(normalizeEntry('orders', raw, STRICT)).toEqual({ key: '9001', doc: raw, customer: '77', email: 'a@b.c', time: 1700000500 });
  });

  it('converts order lines in lenient mode', () => {
    const raw = { id: '1', products: [{ id: '5', quantity: '2', price: '3.5' }], time: '1700000500' };
    expect(normalizeEntry('orders', raw, LAX)).toEqual({ key: '1', doc: { id: 1, products: [{ id: 5, quantity: 2, price: 3.5 }], time: 1700000500 }, time: 1700000500 });
  });

  it.each([
    [{ id: 1, time: 1 }, 'products', 'is required'],
    [{ id: 1, products: [], time: 1 }, 'products', 'must be a non-empty list'],
    [{ id: 1, products: [5], time: 1 }, 'products[0]', 'must be an object'],
    [{ id: 1, products: [{ price: 1, quantity: 1 }], time: 1 }, 'products[0].id', 'is required'],
    [{ id: 1, products: [{ id: 1, price: 1, quantity: 0 }], time: 1 }, 'products[0].quantity', 'must be an integer ≥ 1'],
    [{ id: 1, products: [{ id: 1, price: 1, qty: 1 }], time: 1 }, 'products[0].quantity', 'is required'],
    [{ id: 1, products: [{ id: 1, price: -1, quantity: 1 }], time: 1 }, 'products[0].price', 'must be a number ≥ 0'],
    [{ id: 1, products: [{ id: 1, price: 1, quantity: 1 }] }, 'time', 'is required'],
    [{ id: 1, products: [{ id: 1, price: 1, quantity: 1 }], time: 1.5 }, 'time', 'must be an integer ≥ 0'],
    [{ id: 1, products: [{ id: 1, price: 1, quantity: 1 }], time: 1, email: 3 }, 'email', 'must be a string'],
    [{ id: 1, products: [{ id: 1, price: 1, quantity: 1 }], time: 1, customer: 2.5 }, 'customer', 'must be an integer or a non-empty string'],
  ])('rejects order %j at %s', (raw, field, message) => {
    expect(errorOf('orders', raw)).toEqual({ field, message });
  });
});

describe('mergeEntry', () => {
  const stored = { id: 12, name: 'Lamp', price: 24.5, brand: 'Lumo' };

  it('merges shallowly; null removes a field', () => {
    expect(mergeEntry('products', stored, { price: 19, brand: null, colour: 'red' }, STRICT)).toEqual({
      key: '12',
      doc: { id: 12, name: 'Lamp', price: 19, colour: 'red' },
    });
  });

  it('validates the merged result', () => {
    expect(() => mergeEntry('products', stored, { price: -1 }, STRICT)).toThrow(new RecordError('price', 'must be a number ≥ 0'));
  });

  it('keeps the stored ID type when the patch repeats the ID in the other type', () => {
    expect(mergeEntry('products', stored, { id: '12', name: 'Desk lamp' }, STRICT).doc.id).toBe(12);
  });

  it('refuses to change the key', () => {
    const err = (() => {
      try {
        mergeEntry('products', stored, { id: 13 }, STRICT);
      } catch (e) {
        return e as RecordError;
      }
    })();
    expect([err?.field, err?.message]).toEqual(['id', 'cannot be changed']);
    expect(() => mergeEntry('customers', { email: 'a@b.c' }, { email: 'd@e.f' }, STRICT)).toThrow('cannot be changed');
    expect(mergeEntry('customers', { id: 1, email: 'a@b.c' }, { email: 'D@e.f' }, STRICT).email).toBe('d@e.f');
  });
});
