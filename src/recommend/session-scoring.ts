/**
 * Pure scoring functions of the session model: sequential rules over the person's recent items,
 * per-item co-occurrence lists merged over those items (the neighbourhood), repeat consumption of
 * already-seen items, and their blend.
 * Items are dense integer indexes; the functions take plain arrays and Maps and return scores, so
 * they are unit-tested and tuned in the evaluation harness without a server. Scores are
 * ItemScores, written into caller-owned buffers when given (a model's ScoringScratch): a request
 * then allocates no per-item Maps, whose lookups and garbage dominated its cost.
 */
import { BestK } from './best-k.js';
import { ItemScores, ItemSet } from './item-scores.js';
import type { RowView } from './weight-graph.js';

/**
 * Tuning knobs; defaults tuned on yoochoose train_tr → train_valid (docs/BENCHMARKS.md) and
 * checked on train_tr's own last day. Gained there (excl-seen MRR@20 0.164 → 0.169, include_seen
 * 0.376 → 0.380, HR@20 unchanged): exponential instead of linear session weights (simDecay),
 * popDamping, and counting rules once per step (SessionModel.pairs). Issue 16 replaced the V-SKNN
 * neighbourhood (k = 100 most similar of the 250 most recent visitors sharing one of the newest
 * items, scanned per request) with per-item co-occurrence lists merged per request
 * (itemListScores): in-process excl. seen HR@20 / MRR@20 0.3501 / 0.1693 → 0.3503 / 0.1703, seen
 * allowed 0.6928 / 0.3800 → 0.6943 / 0.3818, with coBeta 0.4 (raw counts, 0: 0.3502 / 0.1689;
 * rows scaled to 1, 1: 0.3476 / 0.1700; cosine-normalised counts: 0.3361 / 0.1660), simDecay
 * 0.4 (0.3 and 0.5 trade HR for MRR), coWindow 5 (3: HR 0.3480; 50: 0.3502 / 0.1702, ten times
 * the updates per event), coItems 5 (the same as all 50; 3: 0.3500 / 0.1702) and coEdgesPerItem
 * 100 (60: 0.3499; 150: no gain).
 * Tried without gain (±0.001) and removed: STAN-style position decay inside neighbours, items
 * before the shared one weighing less, similarity powers, idf-weighted similarity, neighbour
 * length normalisation, time-decayed rules and neighbours, a popularity prior (all-time or
 * recent), popularity damping of the rule lists, an agreement bonus between the lists,
 * calibrated per-rank repeat probabilities; fusion by sum instead of max, score powers, rank
 * fusion, an srWeight per session length; second-order rules (the two newest items) from counts
 * or from neighbours, rules read off the neighbours after the shared item; dwell-time weights;
 * neighbours drawn only through the newest item(s); rule rows shrunk by their support; a session
 * gap on co-occurrence. A listwise-trained linear blend of all these signals gained ~+0.003 MRR
 * on a held-out half: what the lists carry is nearly used up.
 */
export interface ScoringParams {
  /** How many of the newest distinct session items feed the sequential rules. */
  srItems: number;
  /** An earlier item's rules weigh srDecay^(steps back from the newest). */
  srDecay: number;
  /**
   * A session item's weight in the neighbourhood: simDecay^(events back from the newest), so the
   * newest items dominate; 0 = linear weights ((i + 1) / n).
   */
  simDecay: number;
  /**
   * A session item's co-occurrence row is divided by its strongest edge^coBeta before it is
   * merged: 0 = raw counts (a blockbuster's row drowns the rest), 1 = every row scaled to 1.
   */
  coBeta: number;
  /** How many of the newest distinct session items lend their co-occurrence rows. */
  coItems: number;
  /**
   * A neighbourhood item's score is multiplied by (1 + its interaction count)^−popDamping: items
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
  simDecay: 0.4,
  coBeta: 0.4,
  coItems: 5,
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
  /** Session items whose co-occurrence row itemListScores has merged (each once, at its newest). */
  readonly merged = new ItemSet();
  readonly seen = new ItemSet();
  readonly forward = new ItemScores();
  readonly backward = new ItemScores();
  readonly neighbours = new ItemScores();
  readonly novelty = new ItemScores();
  readonly repeat = new ItemScores();
  readonly blended = new ItemScores();
}

/** A read-only score list: a Map<number, number> (a graph row) or ItemScores. */
export interface ScoreList {
  readonly size: number;
  forEach(fn: (score: number, item: number) => void): void;
}

const NO_SCORES: ScoreList = new Map<number, number>();

/**
 * Sequential rules: for each of the newest `srItems` distinct items (newest first, weight
 * srDecay^step), adds the item's outgoing transition weights normalised by its strongest one,
 * so a blockbuster's list does not drown a niche item's.
 */
export function sequentialScores(
  session: readonly number[],
  next: (item: number) => RowView | undefined,
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
    if (row) {
      const { items, weights, max } = row;
      for (let e = 0; e < items.length; e++) out.add(items[e], (w * weights[e]) / max);
    }
    w *= p.srDecay;
  }
  return out;
}

/**
 * The neighbourhood from per-item lists: each of the newest coItems distinct session items,
 * weighted by recency (simDecay^(events back from the newest), an item seen twice keeping its
 * newest; simDecay 0: linear (i + 1) / n, V-SKNN's), lends its co-occurrence row (the items other visitors had among
 * their recent items with it, kept incrementally, top-K per item), divided by the row's strongest
 * edge^coBeta; each item's sum is multiplied by its `damping` factor when given
 * (popularityDamping, indexed by item). A merge of a few bounded lists: the cost per request does
 * not grow with the number of visitors or events. Writes scratch.neighbours.
 */
export function itemListScores(
  session: readonly number[],
  co: (item: number) => RowView | undefined,
  p: ScoringParams,
  scratch = new ScoringScratch(),
  damping?: ArrayLike<number>,
): ItemScores {
  const merged = scratch.merged;
  merged.clear();
  const out = scratch.neighbours;
  out.clear();
  const n = session.length;
  let decayed = 1;
  for (let i = n - 1, used = 0; i >= 0 && used < p.coItems; i--, decayed *= p.simDecay) {
    const item = session[i];
    if (!merged.add(item)) continue; // an item seen twice keeps its newest weight
    used++;
    const row = co(item);
    if (!row) continue;
    const w = p.simDecay > 0 ? decayed : (i + 1) / n;
    const scale = w / Math.pow(row.max, p.coBeta);
    const { items, weights } = row;
    for (let e = 0; e < items.length; e++) out.add(items[e], weights[e] * scale);
  }
  if (damping) out.forEach((score, item) => out.set(item, score * damping[item]));
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
 * The visitor/complementary ranking: the blend of sequential rules and the item-list neighbourhood, minus
 * seen items, or (includeSeen) plus repeat scores of seen items. Returns the top `limit`.
 */
export function rankNext(
  session: readonly number[],
  graphs: {
    next: (item: number) => RowView | undefined;
    prev: (item: number) => RowView | undefined;
    /** Co-occurrence rows (the neighbourhood's lists); absent = no neighbourhood. */
    co?: (item: number) => RowView | undefined;
    /** Per-item factors of neighbourhood scores (popularityDamping); absent = none. */
    damping?: ArrayLike<number>;
  },
  p: ScoringParams,
  opts: { limit: number; includeSeen: boolean; skip?: (item: number) => boolean },
  scratch = new ScoringScratch(),
): Array<[number, number]> {
  const novelty = blendNormalised([
    [sequentialScores(session, graphs.next, p, scratch.forward), p.srWeight],
    [p.bwdWeight > 0 ? sequentialScores(session, graphs.prev, p, scratch.backward) : NO_SCORES, p.bwdWeight],
    [graphs.co ? itemListScores(session, graphs.co, p, scratch, graphs.damping) : NO_SCORES, 1 - p.srWeight],
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
