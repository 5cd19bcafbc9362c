import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../storage/ports.js';
import { SearchLearning } from './learning.js';

const click = (product: string, query: string, time: number, visitor = 'v'): StoredEvent =>
  ({ seq: 0, storeId: 1, type: 'click', time, visitor, product, api: 'search/search', data: { query } });

describe('SearchLearning', () => {
  it('learns clicks per normalised query, saturating and decaying', () => {
    const l = new SearchLearning();
    l.applyEvent(click('p1', 'Laptop ', 0));
    expect(l.knows('laptop')).toBe(true);
    const one = l.boost('laptop', 'p1', 0);
    for (let i = 0; i < 20; i++) l.applyEvent(click('p1', 'laptop', 0));
    expect(l.boost('laptop', 'p1', 0)).toBeGreaterThan(one);
    expect(l.boost('laptop', 'p1', 0)).toBeLessThan(1);
    expect(l.boost('laptop', 'p1', 90 * 86400)).toBeLessThan(l.boost('laptop', 'p1', 0));
    expect(l.boost('notebook', 'p1', 0)).toBe(0);
  });

  it('ignores clicks that did not come from a search', () => {
    const l = new SearchLearning();
    l.applyEvent({ ...click('p1', 'laptop', 0), api: 'recommendations/popular' });
    expect(l.knows('laptop')).toBe(false);
  });

  it('credits a sale to the same visitor’s search click on the product within a day, once', () => {
    const l = new SearchLearning();
    l.applyEvent(click('p1', 'laptop', 100));
    const before = l.boost('laptop', 'p1', 200);
    l.applyOrder({ products: ['p1', 'p1'], time: 200, visitor: 'v', email: null, customer: null, order: 'o' });
    const after = l.boost('laptop', 'p1', 200);
    expect(after).toBeGreaterThan(before);
    l.applyOrder({ products: ['p1'], time: 200 + 2 * 86400, visitor: 'v', email: null, customer: null, order: 'o2' });
    expect(l.boost('laptop', 'p1', 200 + 2 * 86400)).toBeLessThan(after);
    l.forget({ visitors: ['v'], emails: [], customers: [] });
    expect(l.people().visitors).toEqual([]);
  });
});
