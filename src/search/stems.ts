/** Other forms of a word among an index's terms (query planning). */
import { stem, type Language } from './languages.js';

/** What a stem lookup reads of its index. */
export interface TermSource {
  allTerms(): Iterable<string>;
}

/**
 * Other forms of a word in an index, by light stem and language. The map from stem to the
 * index's terms is built once per (index, language) on first use; terms added to the index
 * later are found by stemming them on the way (the delta is small).
 */
export class StemLookup {
  private readonly maps = new Map<Language, Map<string, string[]>>();

  constructor(private readonly index: TermSource) {}

  forms(word: string, language: Language): string[] {
    const key = stem(word, language);
    let map = this.maps.get(language);
    if (!map) this.maps.set(language, (map = this.build(language)));
    return map.get(key) ?? [];
  }

  /** Called when a term enters the index after the maps were built. */
  addTerm(term: string): void {
    for (const [language, map] of this.maps) {
      const key = stem(term, language);
      const list = map.get(key);
      if (!list) map.set(key, [term]);
      else if (!list.includes(term)) list.push(term);
    }
  }

  private build(language: Language): Map<string, string[]> {
    const map = new Map<string, string[]>();
    for (const term of this.index.allTerms()) {
      if (term.length <= 3) continue;
      const key = stem(term, language);
      if (key === term && !map.has(key)) {
        map.set(key, [term]);
        continue;
      }
      const list = map.get(key);
      if (list) list.push(term);
      else map.set(key, [term]);
    }
    return map;
  }
}

