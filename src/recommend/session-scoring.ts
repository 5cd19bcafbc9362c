/**
 * Pure scoring functions of the session model: sequential rules over the person's recent items,
 * a V-SKNN session neighbourhood, repeat consumption of already-seen items, and their blend.
 * Items are dense integer indexes; the functions take plain arrays and Maps and return scores, so
 * they are unit-tested and tuned in the evaluation harness without a server. Scores are
 * ItemScores, written into caller-owned buffers when given (a model's ScoringScratch): a request
 * then allocates no per-item Maps, whose lookups and garbage dominated its cost.
 */
import { BestK } from './best-k.js';
import { ItemScores, ItemSet } from './item-scores.js';

/** A neighbour candidate: another visitor's recent items (oldest first). */
export interface NeighbourTrack {
  items: readonly number[];
}

/**
 * Tuning knobs; defaults tuned on yoochoose train_tr → train_valid (docs/BENCHMARKS.md) and
 * checked on train_tr's own last day. Gained there (excl-seen MRR@20 0.164 → 0.169, include_seen
 * 0.376 → 0.380, HR@20 unchanged): simDecay (exponential instead of linear session weights in
 * neighbour similarity), popDamping, and counting rules once per step (SessionModel.pairs).
 * Tried without gain (±0.001) and removed: STAN-style position decay inside neighbours, items
 * before the shared one weighing less, similarity powers, idf-weighted similarity, neighbour
 * length normalisation, time-decayed rules and neighbours, a popularity prior (all-time or
 * recent), popularity damping of the rule lists, an agreement bonus between the lists,
 * calibrated per-rank repeat probabilities; fusion by sum instead of max, score powers, rank
 * fusion, an srWeight per session length; second-order rules (the two newest items) from counts
 * or from neighbours, rules read off the neighbours after the shared item; dwell-time weights;
 * neighbours drawn only through the newest item(s); rule rows shrunk by their support. A
 * listwise-trained linear blend of all these signals gained ~+0.003 MRR on a held-out half:
 * what the lists carry is nearly used up.
 */
export interface ScoringParams {
  /** How many of the newest distinct session items feed the sequential rules. */
  srItems: number;
  /** An earlier item's rules weigh srDecay^(steps back from the newest). */
  srDecay: number;
  /** Neighbours kept after similarity (k of V-SKNN). */
  k: number;
  /**
   * A session item's weight in neighbour similarity: simDecay^(events back from the newest), so
   * the newest items dominate; 0 = V-SKNN's linear weights ((i + 1) / n).
   */
  simDecay: number;
  /**
   * A neighbourhood item's score is divided by (1 + its interaction count)^popDamping: items
   * popular everywhere co-occur with everything, so co-occurring says less about them; 0 = off.
   * The model keeps each item's factor (popularityDamping) up to date as its count changes.
   */
  popDamping: number;
  /** Weight of the sequential-rules list in the blend (the neighbourhood gets 1 − this). */
  srWeight: number;
  /** Weight of the backward rules (items that usually come just before the session's items). */
  bwdWeight: number;
  /** include_seen: weight of seen items' repeat scores against the (max-normalised) novelty blend. */
  repeatWeight: number;
  /** include_seen: a seen item's repeat score decays by this per event back from the newest. */
  repeatDecay: number;
}

export const DEFAULT_PARAMS: ScoringParams = {
  srItems: 5,
  srDecay: 0.5,
  k: 100,
  simDecay: 0.3,
  popDamping: 0.2,
  srWeight: 0.3,
  bwdWeight: 0.1,
  repeatWeight: 1.2,
  repeatDecay: 0.25,
};

/**
 * Reusable buffers for one ranking at a time (a model ranks synchronously, so one per model).
 * Each function below clears the buffers it writes.
 */
export class ScoringScratch {
  readonly position = new ItemScores();
  /** Items already counted for the current neighbour. */
  readonly counted = new ItemSet();
  readonly seen = new ItemSet();
  readonly forward = new ItemScores();
  readonly backward = new ItemScores();
  readonly neighbours = new ItemScores();
  readonly novelty = new ItemScores();
  readonly repeat = new ItemScores();
  readonly blended = new ItemScores();
  /** neighbourhoodScores' candidates with a shared item, their similarities, and the k kept. */
  readonly similar: NeighbourTrack[] = [];
  readonly sims: number[] = [];
  readonly nearest = new BestK(1);
  readonly kept: number[] = [];
  readonly keptSims: number[] = [];
}

/** A read-only score list: a Map<number, number> (a graph row) or ItemScores. */
export interface ScoreList {
  readonly size: number;
  forEach(fn: (score: number, item: number) => void): void;
}

const NO_SCORES: ScoreList = new Map<number, number>();

/**
 * Recency weights of the session's items, the newest weighing 1: decay^(events back) when decay
 * > 0, else V-SKNN's linear (i + 1) / n (Ludewig & Jannach). An item seen twice keeps its newest.
 */
export function positionWeights(session: readonly number[], out = new ItemScores(), decay = 0): ItemScores {
  out.clear();
  const n = session.length;
  if (decay > 0) {
    let w = 1;
    for (let i = n - 1; i >= 0; i--, w *= decay) if (!out.has(session[i])) out.set(session[i], w);
  } else {
    for (let i = 0; i < n; i++) out.set(session[i], (i + 1) / n); // later positions overwrite with more weight
  }
  return out;
}

/**
 * Sequential rules: for each of the newest `srItems` distinct items (newest first, weight
 * srDecay^step), adds the item's outgoing transition weights normalised by its strongest one,
 * so a blockbuster's list does not drown a niche item's.
 */
export function sequentialScores(
  session: readonly number[],
  next: (item: number) => ReadonlyMap<number, number> | undefined,
  p: ScoringParams,
  out = new ItemScores(),
): ItemScores {
  out.clear();
  const done: number[] = []; // a handful (srItems): a linear scan beats a Set
  let w = 1;
  for (let i = session.length - 1; i >= 0 && done.length < p.srItems; i--) {
    const a = session[i];
    if (done.includes(a)) continue;
    done.push(a);
    const row = next(a);
    if (row && row.size > 0) {
      let max = 0;
      for (const v of row.values()) if (v > max) max = v;
      for (const [b, v] of row) out.add(b, (w * v) / max);
    }
    w *= p.srDecay;
  }
  return out;
}

/**
 * V-SKNN: similarity of each candidate = sum of the session's recency weights of the items it
 * shares; keep the k most similar; each item of a neighbour scores the neighbour's similarity,
 * times the item's `damping` factor when given (popularityDamping, indexed by item).
 * Writes scratch.neighbours (and uses scratch.position and scratch.counted).
 */
export function neighbourhoodScores(
  session: readonly number[],
  candidates: Iterable<NeighbourTrack>,
  p: ScoringParams,
  scratch = new ScoringScratch(),
  damping?: ArrayLike<number>,
): ItemScores {
  const weights = positionWeights(session, scratch.position, p.simDecay);
  const counted = scratch.counted;
  const similar = scratch.similar;
  const sims = scratch.sims;
  similar.length = 0;
  sims.length = 0;
  for (const c of candidates) {
    counted.clear();
    let sim = 0;
    for (const it of c.items) if (weights.has(it) && counted.add(it)) sim += weights.get(it);
    if (sim > 0) {
      similar.push(c);
      sims.push(sim);
    }
  }
  // the k most similar, most similar first; equal similarities keep candidate order
  const nearest = scratch.nearest;
  nearest.reset(p.k);
  for (let i = 0; i < sims.length; i++) nearest.offer(i, sims[i]);
  const kept = scratch.kept;
  const keptSims = scratch.keptSims;
  nearest.drainInto(kept, keptSims);
  const out = scratch.neighbours;
  out.clear();
  for (let n = 0; n < kept.length; n++) {
    const items = similar[kept[n]].items;
    const sim = keptSims[n];
    counted.clear();
    if (damping) {
      for (let j = 0; j < items.length; j++) if (counted.add(items[j])) out.add(items[j], sim * damping[items[j]]);
    } else {
      for (let j = 0; j < items.length; j++) if (counted.add(items[j])) out.add(items[j], sim);
    }
  }
  similar.length = 0; // hold no tracks between requests
  return out;
}

/** An item's neighbourhood-score factor: (1 + its interactions)^−popDamping. */
export function popularityDamping(interactions: number, p: ScoringParams): number {
  return p.popDamping > 0 ? Math.pow(1 + interactions, -p.popDamping) : 1;
}

/** Repeat consumption: each occurrence of a seen item adds decay^(steps back from the newest). */
export function repeatScores(session: readonly number[], decay: number, out = new ItemScores()): ItemScores {
  out.clear();
  let w = 1;
  for (let i = session.length - 1; i >= 0; i--) {
    out.add(session[i], w);
    w *= decay;
  }
  return out;
}

/** Sum of lists, each divided by its own maximum first (so their scales are comparable). */
export function blendNormalised(lists: Array<[ScoreList, number]>, out = new ItemScores()): ItemScores {
  out.clear();
  for (const [list, weight] of lists) {
    if (weight === 0 || list.size === 0) continue;
    let max = 0;
    list.forEach((v) => {
      if (v > max) max = v;
    });
    if (max <= 0) continue;
    list.forEach((v, item) => out.add(item, (weight * v) / max));
  }
  return out;
}

/**
 * The visitor/complementary ranking: the blend of sequential rules and neighbourhood, minus
 * seen items, or (includeSeen) plus repeat scores of seen items. Returns the top `limit`.
 */
export function rankNext(
  session: readonly number[],
  graphs: {
    next: (item: number) => ReadonlyMap<number, number> | undefined;
    prev: (item: number) => ReadonlyMap<number, number> | undefined;
    /** Per-item factors of neighbourhood scores (popularityDamping); absent = none. */
    damping?: ArrayLike<number>;
  },
  candidates: Iterable<NeighbourTrack>,
  p: ScoringParams,
  opts: { limit: number; includeSeen: boolean; skip?: (item: number) => boolean },
  scratch = new ScoringScratch(),
): Array<[number, number]> {
  const novelty = blendNormalised([
    [sequentialScores(session, graphs.next, p, scratch.forward), p.srWeight],
    [p.bwdWeight > 0 ? sequentialScores(session, graphs.prev, p, scratch.backward) : NO_SCORES, p.bwdWeight],
    [neighbourhoodScores(session, candidates, p, scratch, graphs.damping), 1 - p.srWeight],
  ], scratch.novelty);
  if (opts.includeSeen) {
    const scores = blendNormalised([[novelty, 1], [repeatScores(session, p.repeatDecay, scratch.repeat), p.repeatWeight]], scratch.blended);
    return topK(scores, opts.limit, opts.skip);
  }
  const seen = scratch.seen;
  seen.clear();
  for (const s of session) seen.add(s);
  const skip = opts.skip;
  return topK(novelty, opts.limit, skip ? (i) => seen.has(i) || skip(i) : (i) => seen.has(i));
}

/** The `limit` best entries, score descending, ties by item index (stable across runs). */
export function topK(scores: ScoreList, limit: number, skip?: (item: number) => boolean): Array<[number, number]> {
  const best = new BestK(limit);
  scores.forEach((score, item) => {
    if (!skip || !skip(item)) best.offer(item, score);
  });
  return best.drain();
}
