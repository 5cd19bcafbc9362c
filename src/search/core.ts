/**
 * The search core: plan a query, match it, rank the matches. No HTTP, no storage: the service
 * (search-service.ts) feeds it the store's index, rules and learned signals; the benchmark and
 * the evaluation call it directly.
 */
import type { Language } from './languages.js';
import { matchPlan } from './matcher.js';
import { planQuery, type QueryPlan } from './query-plan.js';
import { DEFAULT_WEIGHTS, rankMatches, type RankSignals, type RankWeights, RankedMatches } from './rank.js';
import type { SearchIndex } from './search-index.js';

export interface CoreOptions {
  language: Language;
  longtail?: boolean;
  /** Complete the last word as a prefix (default true). */
  prefix?: boolean;
  /** Typo tolerance (default true). */
  typos?: boolean;
  synonyms?: (words: string[]) => string[][];
  maxSynonymWords?: number;
  signals?: RankSignals;
  weights?: RankWeights;
}

export interface CoreResult {
  plan: QueryPlan;
  /** Every match, scored; walked best first. */
  ranked: RankedMatches;
  noExactMatch: boolean;
}

/** Every match of a query, best first. */
export function searchCore(index: SearchIndex, query: string, opts: CoreOptions): CoreResult {
  const plan = planQuery(query, index, {
    language: opts.language,
    prefixLast: opts.prefix ?? true,
    typos: opts.typos ?? true,
    synonyms: opts.synonyms,
    maxSynonymWords: opts.maxSynonymWords,
  });
  if (plan.clauses.length === 0) return { plan, ranked: new RankedMatches([], new Int32Array(0), new Float64Array(0)), noExactMatch: true };
  const result = matchPlan(index, plan.clauses, { longtail: opts.longtail ?? false, nameMask: 1 });
  const ranked = rankMatches(index, plan.clauses, result, opts.signals ?? {}, opts.weights ?? DEFAULT_WEIGHTS);
  return { plan, ranked, noExactMatch: result.noExactMatch || result.relaxed };
}
