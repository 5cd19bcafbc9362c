/**
 * Pure scoring functions of the session model: sequential rules over the person's recent items,
 * a V-SKNN session neighbourhood, repeat consumption of already-seen items, and their blend.
 * Items are dense integer indexes; every function takes plain arrays/Maps and returns scores, so
 * they are unit-tested and tuned in the evaluation harness without a server.
 */

/** A neighbour candidate: another visitor's recent items (oldest first). */
export interface NeighbourTrack {
  items: readonly number[];
}

/**
 * Tuning knobs; defaults tuned on yoochoose train_tr → train_valid (docs/BENCHMARKS.md). Tried
 * there without gain and removed: STAN-style position decay inside neighbours, similarity powers,
 * idf-weighted similarity, time-decayed rules, a popularity prior, an agreement bonus between the
 * two lists, and calibrated per-rank repeat probabilities.
 */
export interface ScoringParams {
  /** How many of the newest distinct session items feed the sequential rules. */
  srItems: number;
  /** An earlier item's rules weigh srDecay^(steps back from the newest). */
  srDecay: number;
  /** Neighbours kept after similarity (k of V-SKNN). */
  k: number;
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
  srWeight: 0.3,
  bwdWeight: 0.1,
  repeatWeight: 1.2,
  repeatDecay: 0.25,
};

/** V-SKNN recency weights: linear in position, the newest item weighs 1 (Ludewig & Jannach). */
export function positionWeights(session: readonly number[]): Map<number, number> {
  const w = new Map<number, number>();
  const n = session.length;
  for (let i = 0; i < n; i++) w.set(session[i], (i + 1) / n); // later positions overwrite with more weight
  return w;
}

/**
 * Sequential rules: for each of the newest `srItems` distinct items (newest first, weight
 * srDecay^step), adds the item's outgoing transition weights normalised by its strongest one,
 * so a blockbuster's list does not drown a niche item's.
 */
export function sequentialScores(session: readonly number[], next: (item: number) => Map<number, number> | undefined, p: ScoringParams): Map<number, number> {
  const out = new Map<number, number>();
  const done = new Set<number>();
  let w = 1;
  for (let i = session.length - 1; i >= 0 && done.size < p.srItems; i--) {
    const a = session[i];
    if (done.has(a)) continue;
    done.add(a);
    const row = next(a);
    if (row && row.size > 0) {
      let max = 0;
      for (const v of row.values()) if (v > max) max = v;
      for (const [b, v] of row) out.set(b, (out.get(b) ?? 0) + (w * v) / max);
    }
    w *= p.srDecay;
  }
  return out;
}

/**
 * V-SKNN: similarity of each candidate = sum of the session's recency weights of the items it
 * shares; keep the k most similar; each item of a neighbour scores the neighbour's similarity.
 */
export function neighbourhoodScores(session: readonly number[], candidates: Iterable<NeighbourTrack>, p: ScoringParams): Map<number, number> {
  const weights = positionWeights(session);
  // `stamp` marks items already counted for the current neighbour (one Map per call, not a Set
  // per neighbour: this runs for hundreds of neighbours per request and allocation dominated).
  const stamp = new Map<number, number>();
  const sims: Array<[NeighbourTrack, number]> = [];
  let n = 0;
  for (const c of candidates) {
    n++;
    let sim = 0;
    for (const it of c.items) {
      const w = weights.get(it);
      if (w === undefined || stamp.get(it) === n) continue;
      sim += w;
      stamp.set(it, n);
    }
    if (sim > 0) sims.push([c, sim]);
  }
  sims.sort((a, b) => b[1] - a[1]);
  const out = new Map<number, number>();
  for (let i = 0; i < Math.min(p.k, sims.length); i++) {
    const [c, sim] = sims[i];
    const mark = -(i + 1); // negative: cannot collide with the similarity pass's stamps
    for (const it of c.items) {
      if (stamp.get(it) === mark) continue;
      stamp.set(it, mark);
      out.set(it, (out.get(it) ?? 0) + sim);
    }
  }
  return out;
}

/** Repeat consumption: each occurrence of a seen item adds decay^(steps back from the newest). */
export function repeatScores(session: readonly number[], decay: number): Map<number, number> {
  const out = new Map<number, number>();
  let w = 1;
  for (let i = session.length - 1; i >= 0; i--) {
    out.set(session[i], (out.get(session[i]) ?? 0) + w);
    w *= decay;
  }
  return out;
}

/** Sum of lists, each divided by its own maximum first (so their scales are comparable). */
export function blendNormalised(lists: Array<[Map<number, number>, number]>): Map<number, number> {
  const out = new Map<number, number>();
  for (const [list, weight] of lists) {
    if (weight === 0 || list.size === 0) continue;
    let max = 0;
    for (const v of list.values()) if (v > max) max = v;
    if (max <= 0) continue;
    for (const [k, v] of list) out.set(k, (out.get(k) ?? 0) + (weight * v) / max);
  }
  return out;
}

/**
 * The visitor/complementary ranking: the blend of sequential rules and neighbourhood, minus
 * seen items, or (includeSeen) plus repeat scores of seen items. Returns the top `limit`.
 */
export function rankNext(
  session: readonly number[],
  graphs: { next: (item: number) => Map<number, number> | undefined; prev: (item: number) => Map<number, number> | undefined },
  candidates: Iterable<NeighbourTrack>,
  p: ScoringParams,
  opts: { limit: number; includeSeen: boolean; skip?: (item: number) => boolean },
): Array<[number, number]> {
  const novelty = blendNormalised([
    [sequentialScores(session, graphs.next, p), p.srWeight],
    [p.bwdWeight > 0 ? sequentialScores(session, graphs.prev, p) : new Map(), p.bwdWeight],
    [neighbourhoodScores(session, candidates, p), 1 - p.srWeight],
  ]);
  let scores = novelty;
  if (opts.includeSeen) {
    scores = blendNormalised([[novelty, 1], [repeatScores(session, p.repeatDecay), p.repeatWeight]]);
  } else {
    for (const s of session) scores.delete(s);
  }
  return topK(scores, opts.limit, opts.skip);
}

/** The `limit` best entries, score descending, ties by item index (stable across runs). */
export function topK(scores: Map<number, number>, limit: number, skip?: (item: number) => boolean): Array<[number, number]> {
  const all: Array<[number, number]> = [];
  for (const e of scores) if (!skip || !skip(e[0])) all.push(e);
  all.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return all.slice(0, limit);
}
