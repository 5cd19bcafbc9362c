import { describe, expect, it } from 'vitest';
import { attributeSale, channelOf, type ClickRef } from './attribution.js';

const click = (over: Partial<ClickRef>): ClickRef => ({ time: 1000, product: 'p1', labels: ['Home'], api: 'recommendations/popular', external: false, requestId: 'r1', position: 0, ...over });
const line = (product: string, quantity = 1, price = 10) => ({ product, id: product, price, quantity });

describe('attributeSale', () => {
  it('credits each line to the latest click on its product within the window', () => {
    const a = attributeSale([line('p1', 2), line('p2')], 2000, [click({ time: 900, labels: ['Old'] }), click({ time: 1500, labels: ['New'], requestId: 'r2' })], 3600);
    expect(a).toEqual({
      window_seconds: 3600,
      clicker: true,
      lines: [
        { product: 'p1', quantity: 2, price: 10, channel: 'recommendations', click: { time: 1500, labels: ['New'], api: 'recommendations/popular', external: false, request_id: 'r2', position: 0 } },
        { product: 'p2', quantity: 1, price: 10, channel: 'organic', click: null },
      ],
    });
  });

  it('ignores clicks outside the window and after the sale', () => {
    const a = attributeSale([line('p1')], 10_000, [click({ time: 10_000 - 3601 }), click({ time: 10_001 })], 3600);
    expect(a.lines[0].channel).toBe('organic');
    expect(a.clicker).toBe(false);
  });

  it('names channels: external, search, recommendations', () => {
    expect(channelOf({ api: 'search/search', external: false })).toBe('search');
    expect(channelOf({ api: 'search/search', external: true })).toBe('external');
    expect(channelOf({ api: null, external: false })).toBe('recommendations');
  });
});
