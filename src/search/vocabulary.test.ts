import { describe, expect, it } from 'vitest';
import { editDistance, Vocabulary } from './vocabulary.js';

const vocab = new Vocabulary(['bluetooth', 'laptop', 'laptops', 'lapel', 'speaker', 'speakers', 'spear', 'sweater'].sort());
const words = (ms: Array<{ id: number; distance: number }>) => ms.map((m) => `${vocab.terms[m.id]}:${m.distance}`);

describe('Vocabulary', () => {
  it('looks terms up and ranges prefixes', () => {
    expect(vocab.id('laptop')).toBe(vocab.terms.indexOf('laptop'));
    expect(vocab.id('nope')).toBe(-1);
    const [from, to] = vocab.prefixRange('lap');
    expect(vocab.terms.slice(from, to)).toEqual(['lapel', 'laptop', 'laptops']);
    expect(vocab.prefixRange('zzz')).toEqual([vocab.size, vocab.size]);
  });

  it('finds terms within the allowed edits, transpositions counting one', () => {
    expect(words(vocab.fuzzy('lpatop', 1))).toEqual(['laptop:1']);
    expect(words(vocab.fuzzy('speker', 1))).toEqual(['speaker:1']);
    expect(words(vocab.fuzzy('bluetoth', 1))).toEqual(['bluetooth:1']);
    expect(words(vocab.fuzzy('bluetoht', 1))).toEqual([]); // a swap and a missing letter: two edits
    expect(words(vocab.fuzzy('speakrs', 2))).toEqual(['speakers:1', 'speaker:2', 'spear:2']);
    expect(words(vocab.fuzzy('laptop', 0))).toEqual([]);
  });

  it('keeps a fixed prefix exact', () => {
    expect(words(vocab.fuzzy('xpeakers', 2, 10, 1))).toEqual([]);
    expect(words(vocab.fuzzy('sweeter', 2, 10, 1))).toEqual(['sweater:1']);
  });

  it('agrees with the plain edit distance', () => {
    const all = ['laptop', 'speaker', 'bluetooth', 'lapel'];
    for (const q of ['lapotp', 'spaeker', 'blutooth', 'lapl', 'xyz']) {
      for (const w of all) {
        const d = editDistance(q, w, 2);
        const found = vocab.fuzzy(q, 2).find((m) => vocab.terms[m.id] === w);
        expect(found?.distance ?? 3, `${q} ~ ${w}`).toBe(Math.min(d, 3));
      }
    }
  });
});
