/**
 * A query → clauses. Each clause covers one query word (or two, or a synonym's phrase) and
 * lists alternative ways a document can satisfy it; every non-stop-word clause must be satisfied
 * unless the search is long-tail. An alternative is a conjunction of groups; a group is a
 * disjunction of index terms, each with the weight of how it relates to the query word:
 *
 * | variant  | weight | when |
 * | exact    | 1      | the word itself |
 * | stem     | 0.9    | another form with the same light stem (per `language`) |
 * | joined   | 1      | two query words written as one in the index ("head set" → "headset") |
 * | split    | 0.5 ×2 | one query word written as two adjacent words in a name ("headset" → "head set") |
 * | synonym  | 0.9    | from the store's /synonyms rules |
 * | prefix   | ≤ 0.7  | the word is unfinished (last word of the query): completions |
 * | typo     | 0.5 / 0.35 | 1 edit from 4 letters, 2 edits from 8 letters (Damerau-Levenshtein) |
 *
 * Prefix and typo variants are "inexact": a result found only through them sets no_exact_match.
 */
import { fold, terms as analyse } from './analyzer.js';
import { isStopWord, type Language } from './languages.js';
import type { SearchIndex } from './search-index.js';
import type { StemLookup } from './stems.js';

export interface Variant {
  term: string;
  weight: number;
  exact: boolean;
}
/** A disjunction of terms: a document matches the group when it has any of them. */
export type Group = Variant[];
export interface Alternative {
  groups: Group[];
  /** Only documents whose name has these two terms next to each other, in order (a split word). */
  adjacent?: [string, string];
}
export interface Clause {
  /** The query words it covers. */
  words: string[];
  alternatives: Alternative[];
  /** A stop word: scored when present, never required. */
  optional: boolean;
}

export interface PlanOptions {
  language: Language;
  /** Complete the last word as a prefix (search-as-you-type; also on in search/search). */
  prefixLast: boolean;
  /** Typo tolerance (on unless the store turned it off). */
  typos: boolean;
  /** Synonym alternatives of a phrase (folded words) → other phrases (folded words). */
  synonyms?: (words: string[]) => string[][];
  /** Longest synonym phrase in words (to bound the scan). */
  maxSynonymWords?: number;
}

export interface QueryPlan {
  /** The query's words, folded. */
  words: string[];
  clauses: Clause[];
}

const PREFIX_LIMIT = 40;
const TYPO_LIMIT = 24;
const STEM_WEIGHT = 0.9;
/** Per half of a split word: the two halves together count about as much as one word. */
const SPLIT_WEIGHT = 0.5;
const SYNONYM_WEIGHT = 0.9;
/** Documents a word (with its forms) must be in before typo variants are no longer looked for. */
const KNOWN_WORD_DF = 3;

/** Allowed typos for a word of this length. */
export function maxTypos(length: number): number {
  return length >= 8 ? 2 : length >= 4 ? 1 : 0;
}

/** The normalised form of a query (folded words joined by one space): the key of learning and rules. */
export function normalizeQuery(query: string): string {
  return analyse(query).join(' ');
}

/** Plans a query against an index. */
export function planQuery(query: string, index: SearchIndex, opts: PlanOptions): QueryPlan {
  const stems = index.stems;
  const words = analyse(query);
  const clauses: Clause[] = [];
  const allStop = words.every((w) => isStopWord(w, opts.language));
  for (let i = 0; i < words.length; ) {
    const last = i === words.length - 1;
    // A synonym phrase starting here (longest first) becomes one clause over its words.
    const span = synonymSpan(words, i, opts);
    if (span) {
      const phrase = words.slice(i, i + span.length);
      clauses.push({
        words: phrase,
        alternatives: [
          { groups: phrase.map((w, k) => wordGroup(w, index, stems, opts, last && k === phrase.length - 1)) },
          ...span.others.map((other) => ({ groups: other.map((w) => synonymGroup(w, index, stems, opts)) })),
        ],
        optional: false,
      });
      i += span.length;
      continue;
    }
    const w = words[i];
    const next = words[i + 1];
    const optional = !allStop && isStopWord(w, opts.language);
    const alternatives: Alternative[] = [];
    // Two words the index knows as one ("head set" → "headset"): one clause over both.
    if (next !== undefined && !optional && !isStopWord(next, opts.language) && index.contains(w + next)) {
      alternatives.push({ groups: [wordGroup(w, index, stems, opts, false), wordGroup(next, index, stems, opts, i + 1 === words.length - 1)] });
      alternatives.push({ groups: [[{ term: w + next, weight: 1, exact: true }]] });
      clauses.push({ words: [w, next], alternatives, optional: false });
      i += 2;
      continue;
    }
    alternatives.push({ groups: [wordGroup(w, index, stems, opts, last)] });
    const split = optional ? null : splitWord(w, index);
    if (split) alternatives.push({ groups: split.map((part) => [{ term: part, weight: SPLIT_WEIGHT, exact: true }]), adjacent: split });
    clauses.push({ words: [w], alternatives, optional });
    i++;
  }
  return { words, clauses };
}

function synonymSpan(words: string[], i: number, opts: PlanOptions): { length: number; others: string[][] } | null {
  if (!opts.synonyms) return null;
  const max = Math.min(opts.maxSynonymWords ?? 4, words.length - i);
  for (let n = max; n >= 1; n--) {
    const others = opts.synonyms(words.slice(i, i + n));
    if (others.length > 0) return { length: n, others };
  }
  return null;
}

/** A synonym's word: itself and its forms (no prefixes or typos: the rule spelled it right). */
function synonymGroup(word: string, index: SearchIndex, stems: StemLookup, opts: PlanOptions): Group {
  const group: Group = [{ term: word, weight: SYNONYM_WEIGHT, exact: true }];
  for (const form of stems.forms(word, opts.language)) if (form !== word) group.push({ term: form, weight: SYNONYM_WEIGHT * STEM_WEIGHT, exact: true });
  return group.filter((v) => index.contains(v.term));
}

/** The variants of one query word. */
export function wordGroup(word: string, index: SearchIndex, stems: StemLookup, opts: PlanOptions, last: boolean): Group {
  const seen = new Set<string>([word]);
  const group: Group = [];
  if (index.contains(word)) group.push({ term: word, weight: 1, exact: true });
  for (const form of stems.forms(word, opts.language)) {
    if (seen.has(form)) continue;
    seen.add(form);
    group.push({ term: form, weight: STEM_WEIGHT, exact: true });
  }
  if (last && opts.prefixLast && word.length >= (group.length > 0 ? 3 : 2)) {
    for (const term of index.prefixTerms(word, PREFIX_LIMIT)) {
      if (seen.has(term)) continue;
      seen.add(term);
      group.push({ term, weight: Math.max(0.35, (0.7 * word.length) / term.length), exact: false });
    }
  }
  // A word the catalog uses often enough is taken as meant: looking for typos of "case" would
  // only add "cast" and "cave" (and the typo walk is the costliest part of a query).
  const known = group.reduce((n, v) => n + index.df(v.term), 0) >= KNOWN_WORD_DF;
  const typos = opts.typos && !known ? maxTypos(word.length) : 0;
  if (typos > 0 && !/^\d+$/.test(word)) {
    for (const m of index.fuzzyTerms(word, typos, TYPO_LIMIT)) {
      if (seen.has(m.term)) continue;
      seen.add(m.term);
      group.push({ term: m.term, weight: m.distance === 1 ? 0.5 : 0.35, exact: false });
    }
  }
  return group;
}

/** "headset" → ["head", "set"]: the cut whose rarer half is commonest, both halves in the index. */
function splitWord(word: string, index: SearchIndex): [string, string] | null {
  if (word.length < 6 || /\d/.test(word)) return null;
  let best: [string, string] | null = null;
  let bestDf = 0;
  for (let cut = 3; cut <= word.length - 3; cut++) {
    const a = word.slice(0, cut);
    const b = word.slice(cut);
    const df = Math.min(index.df(a), index.df(b));
    if (df > bestDf) {
      best = [a, b];
      bestDf = df;
    }
  }
  return best;
}

/** Folded words of a rule phrase (the same cut as queries). */
export function phraseWords(text: string): string[] {
  return analyse(fold(text));
}
