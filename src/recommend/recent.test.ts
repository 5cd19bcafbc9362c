import { describe, expect, it } from 'vitest';
import { Recent, Ring, watchedSince } from './recent.js';

describe('Ring', () => {
  it('overwrites the oldest entry past capacity', () => {
    const r = new Ring<number>(3);
    for (let i = 1; i <= 5; i++) r.push(i);
    expect([...r.values()].sort()).toEqual([3, 4, 5]);
  });

  it('resumes overwriting at the oldest kept entry after a removal', () => {
    const r = new Ring<number>(3);
    for (let i = 1; i <= 4; i++) r.push(i); // holds 2, 3, 4
    r.removeWhere((x) => x === 3);
    r.push(5);
    r.push(6); // overwrites 2, the oldest
    expect([...r.values()].sort()).toEqual([4, 5, 6]);
  });
});

describe('watchedSince', () => {
  it('counts distinct other viewers in the window', () => {
    const views = [
      { product: 'a', visitor: 'v1', time: 100 }, { product: 'a', visitor: 'v1', time: 101 },
      { product: 'b', visitor: 'v2', time: 102 }, { product: 'b', visitor: 'v3', time: 103 },
      { product: 'c', visitor: 'me', time: 104 }, { product: 'd', visitor: 'v4', time: 10 },
    ];
    expect(watchedSince(views, 50, 'me')).toEqual(['b', 'a']);
  });
});

describe('Recent', () => {
  it('lists bought products newest first, each once, and forgets a person', () => {
    const m = new Recent();
    m.applyOrder({ products: ['a'], time: 1, visitor: 'v1', email: null, customer: null, order: 'o1' });
    m.applyOrder({ products: ['b', 'a'], time: 2, visitor: null, email: 'x@y.z', customer: null, order: 'o2' });
    expect(m.recentlyBought()).toEqual(['a', 'b']);
    m.forget({ visitors: [], emails: ['x@y.z'], customers: [] });
    expect(m.recentlyBought()).toEqual(['a']);
  });
});
