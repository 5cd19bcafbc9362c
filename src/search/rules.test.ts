import { describe, expect, it } from 'vitest';
import { CatalogState } from '../catalog/catalog-state.js';
import { rulesOf } from './rules.js';

function stateWith(kind: 'synonyms' | 'redirects' | 'customized_search' | 'campaigns', docs: Array<[string, Record<string, unknown>]>) {
  const state = new CatalogState();
  for (const [k, d] of docs) state.apply(kind, k, d);
  return state;
}

describe('compiled rules', () => {
  it('expands two-way synonyms among the whole group, directed ones from the query only', () => {
    const rules = rulesOf(stateWith('synonyms', [['tv', { query: 'TV', synonyms: ['television', 'flat screen'], directed_synonyms: ['monitor'] }]]));
    expect(rules.synonymsOf(['tv'])).toEqual([['television'], ['flat', 'screen'], ['monitor']]);
    expect(rules.synonymsOf(['flat', 'screen'])).toEqual([['tv'], ['television']]);
    expect(rules.synonymsOf(['monitor'])).toEqual([]);
    expect(rules.maxSynonymWords).toBe(2);
  });

  it('matches redirects and customized searches exactly or by contained words', () => {
    const state = stateWith('redirects', [['u', { url: 'https://x/sale', queries: ['black friday'], exact_match: false }]]);
    state.apply('customized_search', 'gift', { query: 'gift', products: { pin: [3, 1], hide: [2] } });
    const rules = rulesOf(state);
    expect(rules.apply('big black friday deals', 0).redirect).toBe('https://x/sale');
    expect(rules.apply('black', 0).redirect).toBeNull();
    const gift = rules.apply('gift', 0);
    expect(gift.pins).toEqual(['3', '1']);
    expect([...gift.hidden]).toEqual(['2']);
    expect(rules.apply('gift card', 0).pins).toEqual([]);
  });

  it('runs campaigns only while active and scheduled, for their triggers', () => {
    const day = (d: string) => Date.parse(`${d}T12:00:00Z`) / 1000;
    const rules = rulesOf(stateWith('campaigns', [['c', {
      id: 'c', name: 'x', active: true, start_at: '2026-01-10', end_at: '2026-01-12',
      rules: [{ action: 'bury', filter: "brand = 'A'" }, { action: 'pin', products: [9] }], triggers: [{ type: 'search', query: 'shoes' }],
    }]]));
    expect(rules.apply('red shoes', day('2026-01-09')).factor).toBeNull();
    const live = rules.apply('red shoes', day('2026-01-12'));
    expect(live.pins).toEqual(['9']);
    expect(live.factor!('1', { id: 1, brand: 'A' })).toBe(0.25);
    expect(live.factor!('2', { id: 2, brand: 'B' })).toBe(1);
    expect(rules.apply('red shoes', day('2026-01-13')).pins).toEqual([]);
    expect(rules.apply('boots', day('2026-01-11')).pins).toEqual([]);
  });

  it('recompiles only when the rules change', () => {
    const state = stateWith('synonyms', []);
    const first = rulesOf(state);
    state.apply('products', '1', { id: 1 });
    expect(rulesOf(state)).toBe(first);
    state.apply('synonyms', 'a', { query: 'a', synonyms: ['b'] });
    expect(rulesOf(state)).not.toBe(first);
  });
});
