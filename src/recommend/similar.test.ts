import { describe, expect, it } from 'vitest';
import { contentSimilarity } from './similar.js';

describe('contentSimilarity', () => {
  const base = { id: 1, categories: [1], price: 100, brand: 'Acme' };
  it('rises with shared categories, closer price and shared brand', () => {
    const sameAll = contentSimilarity(base, { id: 2, categories: [1], price: 100, brand: 'Acme' });
    const otherBrand = contentSimilarity(base, { id: 3, categories: [1], price: 100, brand: 'Other' });
    const pricier = contentSimilarity(base, { id: 4, categories: [1], price: 300, brand: 'Other' });
    const otherCategory = contentSimilarity(base, { id: 5, categories: [2], price: 300, brand: 'Other' });
    expect(sameAll).toBe(3.5);
    expect(sameAll).toBeGreaterThan(otherBrand);
    expect(otherBrand).toBeGreaterThan(pricier);
    expect(pricier).toBeGreaterThan(otherCategory);
  });
});
