import { describe, expect, it } from 'vitest';
import { Bm25, queryFromTerms, termsOf, tokenize } from './text-index.js';

describe('tokenize', () => {
  it('lower-cases, strips accents, stop words and plural s', () => {
    expect(tokenize('The Red Shoes for Café-racers!')).toEqual(['red', 'shoe', 'cafe', 'racer']);
    expect(tokenize('glass dress')).toEqual(['glass', 'dress']);
  });
});

describe('Bm25', () => {
  const index = new Bm25([
    ['1', termsOf([['Red running shoes', 3], ['Light shoes for the road', 1]])],
    ['2', termsOf([['Blue denim jacket', 3]])],
    ['3', termsOf([['Trail socks', 3], ['Socks for trail running', 1]])],
  ]);

  it('ranks by matching weighted terms, rarer terms counting more', () => {
    const scores = index.search(termsOf([['running shoes', 1]]));
    expect([...scores.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k)).toEqual(['1', '3']);
    expect(index.idf('denim')).toBeGreaterThan(index.idf('running'));
  });

  it('queries with a document’s strongest terms', () => {
    const q = queryFromTerms(termsOf([['denim jacket', 1]]), index);
    expect([...index.search(q).keys()]).toEqual(['2']);
  });
});
