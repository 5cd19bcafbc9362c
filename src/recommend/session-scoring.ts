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

/** Tuning knobs; defaults were tuned on yoochoose train_tr → train_valid (see docs/BENCHMARKS.md). */
export interface ScoringParams {
  /** How many of the newest session items feed the sequential rules. */
  srItems: number;
  /** Decay of an earlier item's rule weight per step back from the newest (1 = last only matters less). */
  srDecay: number;
  /** Neighbours kept after similarity (k of V-SKNN). */
  k: number;
  /** STAN-style: a neighbour's items weigh exp(−|distance to the shared item| / this); 0 = plain V-SKNN. */
  nbDecay: number;
  /** Neighbour similarity is raised to this power (> 1 favours the closest neighbours). */
  simPower: number;
  /** Neighbour items before the shared item weigh this much less (sessions move forward). */
  backFactor: number;
  /** A pair d events apart adds 1/d^rulePower to the transition a → b (applied when learning). */
  rulePower: number;
  /** V-SKNN similarity weighs a shared item by idf^idfPower (rare shared items say more); 0 = off. */
  idfPower: number;
  /** Transitions learnt later weigh e^(Δt/ruleTau) more (recent trends); 0 = no time weighting. */
  ruleTau: number;
  /** Weight of the backward rules (items that usually come before the session's items: co-views). */
  bwdWeight: number;
  /** Candidates gain popWeight × their popularity (0..1): a tie-breaker among weak candidates. */
  popWeight: number;
  /** include_seen, calibrated mode (> 0): probability that the next item is the newest distinct seen one… */
  repeatFirst: number;
  /** …each older distinct seen item this factor less likely; the novelty blend shares 1 − the repeat mass. */
  repeatRankDecay: number;
  /** Bonus for items both the rules and the neighbourhood propose (0 = plain weighted sum). */
  agreeWeight: number;
  /** Weight of the sequential-rules list in the blend (the neighbourhood gets 1 − this). */
  srWeight: number;
  /** include_seen: weight of an already-seen item's repeat score against the (max-normalised) novelty blend. */
  repeatWeight: number;
  /** include_seen: decay of a seen item's repeat score per step back from the newest event. */
  repeatDecay: number;
}

export const DEFAULT_PARAMS: ScoringParams = {
  srItems: 5,
  srDecay: 0.5,
  k: 100,
  nbDecay: 0,
  simPower: 1,
  rulePower: 1,
  idfPower: 0,
  ruleTau: 0,
  bwdWeight: 0.1,
  popWeight: 0,
  repeatFirst: 0,
  agreeWeight: 0,
  repeatRankDecay: 0.25,
  backFactor: 1,
  srWeight: 0.3,
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
export function neighbourhoodScores(session: readonly number[], candidates: Iterable<NeighbourTrack>, p: ScoringParams, idf?: (item: number) => number): Map<number, number> {
  const weights = positionWeights(session);
  if (idf && p.idfPower > 0) for (const [it, w] of weights) weights.set(it, w * Math.pow(idf(it), p.idfPower));
  // `stamp` marks items already counted for the current neighbour (one Map per call, not per
  // neighbour: this runs for hundreds of neighbours per request and allocation dominated).
  const stamp = new Map<number, number>();
  const sims: Array<[NeighbourTrack, number, number]> = [];
  let n = 0;
  for (const c of candidates) {
    n++;
    let sim = 0;
    let best = 0;
    let at = -1;
    for (let j = 0; j < c.items.length; j++) {
      const it = c.items[j];
      const w = weights.get(it);
      if (w === undefined) continue;
      if (stamp.get(it) !== n) {
        sim += w;
        stamp.set(it, n);
      }
      if (w >= best) [best, at] = [w, j]; // the neighbour's latest occurrence of the most recent shared item
    }
    if (sim > 0) sims.push([c, sim, at]);
  }
  sims.sort((a, b) => b[1] - a[1]);
  const out = new Map<number, number>();
  const plain = p.nbDecay <= 0 && p.backFactor === 1;
  for (let i = 0; i < Math.min(p.k, sims.length); i++) {
    const [c, sim, at] = sims[i];
    const mark = -(i + 1); // negative: cannot collide with the similarity pass's stamps
    const base = Math.pow(sim, p.simPower);
    for (let j = 0; j < c.items.length; j++) {
      const it = c.items[j];
      if (plain) {
        if (stamp.get(it) === mark) continue;
        stamp.set(it, mark);
        out.set(it, (out.get(it) ?? 0) + base);
      } else {
        // weights differ by position: keep the neighbour's best occurrence of each item
        const w = base * (j < at ? p.backFactor : 1) * (p.nbDecay > 0 ? Math.exp(-Math.abs(j - at) / p.nbDecay) : 1);
        const prev = stamp.get(it) === mark ? localBest(c.items, j, it, base, at, p) : 0;
        if (w > prev) out.set(it, (out.get(it) ?? 0) + w - prev);
        stamp.set(it, mark);
      }
    }
  }
  return out;
}

/** The best weight an item already got from earlier positions of the same neighbour. */
function localBest(items: readonly number[], upTo: number, it: number, base: number, at: number, p: ScoringParams): number {
  let best = 0;
  for (let j = 0; j < upTo; j++) {
    if (items[j] !== it) continue;
    const w = base * (j < at ? p.backFactor : 1) * (p.nbDecay > 0 ? Math.exp(-Math.abs(j - at) / p.nbDecay) : 1);
    if (w > best) best = w;
  }
  return best;
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
  next: (item: number) => Map<number, number> | undefined,
  candidates: Iterable<NeighbourTrack>,
  p: ScoringParams,
  opts: { limit: number; includeSeen: boolean; skip?: (item: number) => boolean; idf?: (item: number) => number; prev?: (item: number) => Map<number, number> | undefined; pop?: (item: number) => number },
): Array<[number, number]> {
  const sr = sequentialScores(session, next, p);
  const nb = neighbourhoodScores(session, candidates, p, opts.idf);
  const novelty = blendNormalised([
    [sr, p.srWeight],
    [opts.prev && p.bwdWeight > 0 ? sequentialScores(session, opts.prev, p) : new Map(), p.bwdWeight],
    [nb, 1 - p.srWeight],
  ]);
  if (p.agreeWeight > 0) addAgreement(novelty, sr, nb, p.agreeWeight);
  if (opts.pop && p.popWeight > 0) for (const [it, v] of novelty) novelty.set(it, v + p.popWeight * opts.pop(it));
  const seen = new Set(session);
  let scores = novelty;
  if (opts.includeSeen && p.repeatFirst > 0) {
    scores = calibratedRepeats(session, novelty, p);
  } else if (opts.includeSeen) {
    scores = blendNormalised([[novelty, 1], [repeatScores(session, p.repeatDecay), p.repeatWeight]]);
  } else {
    for (const s of seen) scores.delete(s);
  }
  return topK(scores, opts.limit, opts.skip);
}

/**
 * Seen items as probabilities by distinct recency rank (the newest seen item is the most likely
 * re-click), merged with the novelty scores turned into a distribution over the remaining mass.
 */
export function calibratedRepeats(session: readonly number[], novelty: Map<number, number>, p: ScoringParams): Map<number, number> {
  const repeat = new Map<number, number>();
  let w = p.repeatFirst;
  let mass = 0;
  for (let i = session.length - 1; i >= 0; i--) {
    if (repeat.has(session[i])) continue;
    repeat.set(session[i], w);
    mass += w;
    w *= p.repeatRankDecay;
  }
  let sum = 0;
  for (const v of novelty.values()) sum += v;
  const out = new Map<number, number>();
  if (sum > 0) for (const [k, v] of novelty) out.set(k, (Math.max(0, 1 - mass) * v) / sum);
  for (const [k, v] of repeat) out.set(k, (out.get(k) ?? 0) + v);
  return out;
}

/** Items both lists rank adds weight × √(their normalised scores' product): agreement is evidence. */
function addAgreement(into: Map<number, number>, a: Map<number, number>, b: Map<number, number>, weight: number): void {
  const maxOf = (m: Map<number, number>) => { let x = 0; for (const v of m.values()) if (v > x) x = v; return x; };
  const ma = maxOf(a);
  const mb = maxOf(b);
  if (ma <= 0 || mb <= 0) return;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w !== undefined) into.set(k, (into.get(k) ?? 0) + weight * Math.sqrt((v / ma) * (w / mb)));
  }
}

/** The `limit` best entries, score descending, ties by item index (stable across runs). */
export function topK(scores: Map<number, number>, limit: number, skip?: (item: number) => boolean): Array<[number, number]> {
  const all: Array<[number, number]> = [];
  for (const e of scores) if (!skip || !skip(e[0])) all.push(e);
  all.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return all.slice(0, limit);
}
