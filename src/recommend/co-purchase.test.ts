import { describe, expect, it } from 'vitest';
import { CoPurchase, coPurchaseScore } from './co-purchase.js';

describe('coPurchaseScore', () => {
  it('prefers a niche partner over a blockbuster with more joint orders', () => {
    const blockbuster = coPurchaseScore(3, 5, 40);
    const niche = coPurchaseScore(2, 5, 2);
    expect(niche).toBeGreaterThan(blockbuster);
  });

  it('shrinks pairs seen once', () => {
    expect(coPurchaseScore(1, 1, 1)).toBe(0.5);
    expect(coPurchaseScore(10, 10, 10)).toBeCloseTo(10 / 11);
    expect(coPurchaseScore(0, 1, 1)).toBe(0);
  });
});

describe('CoPurchase', () => {
  it('counts each order once per product, whatever the quantities', () => {
    const m = new CoPurchase();
    m.addOrder(['a', 'a', 'b']);
    expect(m.counts.get('a')).toBe(1);
    expect(m.pairCount('a', 'b')).toBe(1);
    expect(m.pairCount('a', 'a')).toBe(0);
  });

  it('ranks bought-with by significance', () => {
    const m = new CoPurchase();
    for (let i = 0; i < 3; i++) m.addOrder(['x', 'hit']);
    for (let i = 0; i < 2; i++) m.addOrder(['x', 'niche']);
    for (let i = 0; i < 30; i++) m.addOrder(['hit', `o${i}`]);
    const scores = m.boughtWith(['x']);
    expect(scores.get('niche')!).toBeGreaterThan(scores.get('hit')!);
  });

  it('adds no pairs for bulk orders', () => {
    const m = new CoPurchase();
    m.addOrder(Array.from({ length: 60 }, (_, i) => `p${i}`));
    expect(m.pairs.size).toBe(0);
    expect(m.counts.size).toBe(60);
  });
});
