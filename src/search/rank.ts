/**
 * Final ranking of matched documents: text score, then the name-field boosts (all words in the
 * name, the query's words adjacent and in order there), then what was learned for the query
 * (clicks and sales on its results), the visitor's own affinity and merchandising boosts.
 * Pure: signals come in as functions of the document key.
 */
import type { Match, MatchResult } from './matcher.js';
import type { Clause } from './query-plan.js';
import type { SearchIndex } from './search-index.js';

export interface RankSignals {
  /** Learned boost of a product for this query, 0..1 (clicks and sales on its results). */
  learned?: (key: string) => number;
  /** The visitor's affinity to a product, 0..1; by key or by its slot in the index. */
  personal?: (key: string, slot: number) => number;
  /** Store-wide popularity of a product (sales, views), 0..1; by key or by its slot in the index. */
  popular?: (key: string, slot: number) => number;
  /** Merchandising multiplier (boost > 1, bury < 1); 1 when no campaign touches it. */
  merchandising?: (key: string) => number;
}

export interface RankWeights {
  /** Multiplier when every required word is found in the name. */
  allInName: number;
  /** Added per adjacent in-order word pair in the name, relative to the mean clause score. */
  phrase: number;
  /** Added per word pair within three positions in the name. */
  near: number;
  /** Share of the best text score a fully learned product gains. */
  learned: number;
  /** How much the strongest personal affinity multiplies a product's score by (1 + personal). */
  personal: number;
  /** Share of the best text score the most popular product adds. */
  popular: number;
  /** How many of the best text matches get the name-field (proximity) pass. */
  proximityDepth: number;
  /**
   * How many of the best text matches the popularity and personal signals re-rank (they are a
   * few per cent of a score: past this depth they could not lift a match onto the first pages).
   * Learned boosts and merchandising apply to every match.
   */
  signalDepth: number;
}

export const DEFAULT_WEIGHTS: RankWeights = { allInName: 1.1, phrase: 0.6, near: 0.25, learned: 0.6, personal: 0.1, popular: 0.1, proximityDepth: 200, signalDepth: 300 };

export interface Ranked {
  slot: number;
  key: string;
  score: number;
}

/** Terms a clause's words can take in the index (first and last word of each alternative). */
function clauseTerms(clause: Clause): { first: Set<string>; last: Set<string> } {
  const first = new Set<string>();
  const last = new Set<string>();
  for (const alt of clause.alternatives) {
    if (alt.groups.length === 0) continue;
    for (const v of alt.groups[0]) first.add(v.term);
    for (const v of alt.groups[alt.groups.length - 1]) last.add(v.term);
  }
  return { first, last };
}

/** Proximity bonus of one document: adjacent (or near) in-order pairs of consecutive clauses in its name. */
function proximity(sequence: string[], pairs: Array<{ left: Set<string>; right: Set<string> }>, w: RankWeights): number {
  if (sequence.length < 2 || pairs.length === 0) return 0;
  let bonus = 0;
  for (const { left, right } of pairs) {
    let best = 0;
    for (let i = 0; i < sequence.length && best < w.phrase; i++) {
      if (!left.has(sequence[i])) continue;
      for (let j = i + 1; j < Math.min(sequence.length, i + 4); j++) {
        if (!right.has(sequence[j])) continue;
        best = Math.max(best, j === i + 1 ? w.phrase : w.near);
        break;
      }
    }
    bonus += best;
  }
  return bonus;
}

/**
 * Scores every match (count and facets need the whole set) and orders them lazily: a page needs
 * the best few, and sorting thousands of matches (a one-word query in a large category) cost
 * more than scoring them.
 */
export function rankMatches(index: SearchIndex, clauses: Clause[], result: MatchResult, signals: RankSignals, w: RankWeights = DEFAULT_WEIGHTS): RankedMatches {
  const required = clauses.filter((c) => !c.optional);
  const terms = required.map(clauseTerms);
  const pairs = terms.slice(1).map((t, i) => ({ left: terms[i].last, right: t.first }));
  const relaxed = result.relaxed || result.matches.some((m) => m.matched < result.required);
  const n = result.matches.length;
  const text = new Float64Array(n);
  let best = 0;
  for (let i = 0; i < n; i++) {
    const m = result.matches[i];
    text[i] = m.score * (m.inName === result.required ? w.allInName : 1);
    if (text[i] > best) best = text[i];
  }
  // The text scores of the proximityDepth-th and signalDepth-th best matches: the passes below
  // reach the matches at or above them without sorting all matches twice.
  const proximityFloor = kthLargest(text, w.proximityDepth);
  const signalFloor = kthLargest(text, w.signalDepth);
  const meanClause = result.required > 0 ? best / result.required : best;
  const keys: string[] = new Array(n);
  const slots = new Int32Array(n);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const m = result.matches[i];
    let score = text[i];
    if (text[i] >= proximityFloor && pairs.length > 0) score += meanClause * proximity(index.sequenceOf(m.slot), pairs, w);
    const key = index.keyOf(m.slot);
    if (signals.learned) score += best * w.learned * signals.learned(key);
    // Multiplied, not added: a visitor's taste reorders comparable matches, it never lifts a weak one.
    if (text[i] >= signalFloor) {
      if (signals.personal) score *= 1 + w.personal * signals.personal(key, m.slot);
      if (signals.popular) score += best * w.popular * signals.popular(key, m.slot);
    }
    if (signals.merchandising) score *= signals.merchandising(key);
    keys[i] = key;
    slots[i] = m.slot;
    scores[i] = relaxed ? score + tierOf(m) * best * 10 : score;
  }
  return new RankedMatches(keys, slots, scores);
}

/** How many matches the first step of an ordered walk sorts; each later step sorts four times more. */
const FIRST_STEP = 32;

/**
 * Scored matches, best first by score, then by key. Walking them in order sorts step by step:
 * the best FIRST_STEP (and their ties) by selection, then four times more each further step,
 * so a page of the best costs a selection over all matches and a sort of a few.
 */
export class RankedMatches implements Iterable<Ranked> {
  /** Every position in rank order, once all() needed it. */
  private full: number[] | null = null;

  constructor(
    private readonly keys: readonly string[],
    private readonly slots: Int32Array,
    private readonly scores: Float64Array,
  ) {}

  get length(): number {
    return this.keys.length;
  }

  /** The match at position i (positions follow the matcher's order, not the rank). */
  at(i: number): Ranked {
    return { slot: this.slots[i], key: this.keys[i], score: this.scores[i] };
  }

  keyAt(i: number): string {
    return this.keys[i];
  }

  slotAt(i: number): number {
    return this.slots[i];
  }

  /** Every match in rank order. */
  all(): Ranked[] {
    return this.allPositions().map((i) => this.at(i));
  }

  /** Every position in rank order, sorted at once (for a caller that needs them all). */
  allPositions(): readonly number[] {
    this.full ??= this.order(Array.from({ length: this.keys.length }, (_, i) => i));
    return this.full;
  }

  /** The best `n` in rank order. */
  top(n: number): Ranked[] {
    const out: Ranked[] = [];
    if (n <= 0) return out;
    for (const i of this.positions()) {
      out.push(this.at(i));
      if (out.length >= n) break;
    }
    return out;
  }

  /** Positions in rank order, sorted step by step as the walk goes on. */
  *positions(): IterableIterator<number> {
    if (this.full) return yield* this.full;
    const { scores } = this;
    let rest: number[] | null = null; // null: every position
    let step = FIRST_STEP;
    for (;;) {
      const size = rest ? rest.length : scores.length;
      if (size <= step) return yield* this.order(rest ?? Array.from({ length: size }, (_, i) => i));
      let values = scores;
      if (rest) {
        values = new Float64Array(size);
        for (let k = 0; k < size; k++) values[k] = scores[rest[k]];
      }
      // Everything at or above the step's floor comes before everything below it (ties too).
      const floor = kthLargest(values, step);
      const head: number[] = [];
      const tail: number[] = [];
      for (let k = 0; k < size; k++) if (values[k] >= floor) head.push(rest ? rest[k] : k);
      yield* this.order(head);
      // The walk goes on: what is below the floor.
      for (let k = 0; k < size; k++) if (!(values[k] >= floor)) tail.push(rest ? rest[k] : k);
      rest = tail;
      step *= 4;
    }
  }

  *[Symbol.iterator](): IterableIterator<Ranked> {
    for (const i of this.positions()) yield this.at(i);
  }

  /** Sorts positions by score, best first, ties by key. */
  private order(positions: number[]): number[] {
    const { scores, keys } = this;
    return positions.sort((a, b) => scores[b] - scores[a] || (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
  }
}

/** The k-th largest value, −Infinity when there are no more than k (all are among the k best): quickselect on a copy. */
export function kthLargest(values: Float64Array, k: number): number {
  if (k <= 0) return Infinity;
  if (values.length <= k) return -Infinity;
  const a = values.slice();
  let lo = 0;
  let hi = a.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i++] = a[j];
        a[j--] = t;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return a[target];
}

/** Long-tail and relaxed results: documents matching more words come first. */
function tierOf(m: Match): number {
  return m.matched;
}
