/**
 * Exponentially decaying counters: each event adds a weight that halves every `halfLife`
 * seconds, so old activity fades without windows to maintain. One (score, time) pair per key;
 * events may arrive out of order (backfill) and still add the right amount.
 */
import { expectMap, expectNumber } from './snapshot-state.js';

/** How many changed keys a lazy walk merges before they are written back into the ranking. */
const COMPACT_AT = 64;

export class DecayingCounter {
  private scores = new Map<string, { score: number; at: number }>();
  private readonly rate: number;
  /**
   * The last full ranking. Every score decays by the same factor, so the order of keys not
   * changed since (`dirty`) holds for any `now` not before the newest event time, `maxAt`: a
   * call merges the changed keys into it instead of sorting again (a full sort of a 20,000-product
   * catalogue took 16-20 ms in a microbenchmark, and a live shop changes a few keys between calls).
   */
  private order: readonly string[] | null = null;
  private readonly dirty = new Set<string>();
  private maxAt = -Infinity;

  constructor(private readonly halfLifeSeconds: number) {
    this.rate = Math.LN2 / halfLifeSeconds;
  }

  /** The counts, for a model snapshot (the cached ranking is rebuilt on demand). */
  snapshot(): { scores: Map<string, { score: number; at: number }>; maxAt: number } {
    return { scores: this.scores, maxAt: this.maxAt };
  }

  restore(s: { scores: Map<string, { score: number; at: number }>; maxAt: number }): void {
    this.scores = expectMap(s.scores, 'decaying counter');
    this.maxAt = expectNumber(s.maxAt, 'decaying counter time');
    this.order = null;
    this.dirty.clear();
  }

  /** Adds `weight` for `key` at time `t` (unix s). */
  add(key: string, t: number, weight = 1): void {
    const s = this.scores.get(key);
    if (!s) {
      this.scores.set(key, { score: weight, at: t });
    } else if (t >= s.at) {
      s.score = s.score * Math.exp(-this.rate * (t - s.at)) + weight;
      s.at = t;
    } else {
      s.score += weight * Math.exp(-this.rate * (s.at - t));
    }
    if (t > this.maxAt) this.maxAt = t;
    if (this.order) this.dirty.add(key);
  }

  /** The decayed score of `key` at time `now`. */
  score(key: string, now: number): number {
    const s = this.scores.get(key);
    return s ? this.decayed(s, now) : 0;
  }

  /**
   * Keys ranked by decayed score at `now`, highest first (ties by key), walked lazily. The last
   * full ranking stays valid for the keys not changed since (`dirty`); a walk merges it, skipping
   * the changed keys, with the changed keys sorted, so a call costs a sort of the few changed
   * keys and a step per key walked. Every COMPACT_AT changed keys the merge is written back into
   * a new ranking (one pass over all keys); everything is sorted afresh when there is no ranking
   * yet, when many keys changed, or when `now` is before an event time (scores are then not all
   * decaying alike). A walk yields each key at most once: keys added while it runs are not in it,
   * keys deleted are skipped.
   */
  ranked(now: number): Iterable<string> {
    if (now < this.maxAt) return this.sorted(now); // not an order that holds later: not kept
    if (!this.order || this.dirty.size > this.scores.size / 8) {
      this.order = this.sorted(now);
      this.dirty.clear();
      return this.order;
    }
    if (this.dirty.size === 0) return this.order;
    const order = this.order;
    const changed = new Set(this.dirty);
    const fresh: Array<{ key: string; v: number }> = [];
    for (const key of changed) {
      const s = this.scores.get(key);
      if (s) fresh.push({ key, v: this.decayed(s, now) }); // else deleted
    }
    fresh.sort((a, b) => b.v - a.v || (a.key < b.key ? -1 : 1));
    const scores = this.scores;
    /** Whether the changed key `f` ranks before the unchanged `key` at `now`. */
    const before = (f: { key: string; v: number }, key: string) => {
      const v = this.decayed(scores.get(key)!, now);
      return f.v > v || (f.v === v && f.key < key);
    };
    if (changed.size >= COMPACT_AT) {
      // Written back into a new array (a walk still running over the old one keeps its view):
      // the unchanged keys in their order (deleted ones are among the changed), each changed
      // key placed by a binary search over them, so only the search decays scores.
      const kept = order.filter((key) => !changed.has(key));
      const merged: string[] = [];
      let from = 0;
      for (const f of fresh) {
        let lo = from;
        let hi = kept.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (before(f, kept[mid])) hi = mid;
          else lo = mid + 1;
        }
        while (from < lo) merged.push(kept[from++]);
        merged.push(f.key);
      }
      while (from < kept.length) merged.push(kept[from++]);
      this.order = merged;
      this.dirty.clear();
      return merged;
    }
    return {
      *[Symbol.iterator]() {
        let j = 0;
        for (const key of order) {
          if (changed.has(key) || !scores.has(key)) continue; // re-placed, or deleted since
          while (j < fresh.length && before(fresh[j], key)) yield fresh[j++].key;
          yield key;
        }
        while (j < fresh.length) yield fresh[j++].key;
      },
    };
  }

  /** A counter of the keys `keep` accepts, with their counts (copies: the two then count apart). */
  subset(keep: (key: string) => boolean): DecayingCounter {
    const out = new DecayingCounter(this.halfLifeSeconds);
    for (const [key, e] of this.scores) if (keep(key)) out.scores.set(key, { score: e.score, at: e.at });
    out.maxAt = this.maxAt;
    return out;
  }

  has(key: string): boolean {
    return this.scores.has(key);
  }

  /** Every key sorted by decayed score at `now`: positions in parallel arrays, each entry read once. */
  private sorted(now: number): string[] {
    const keys: string[] = [];
    const scores: number[] = [];
    for (const [k, s] of this.scores) {
      keys.push(k);
      scores.push(this.decayed(s, now));
    }
    return keys
      .map((_, i) => i)
      .sort((a, b) => scores[b] - scores[a] || (keys[a] < keys[b] ? -1 : 1))
      .map((i) => keys[i]);
  }

  delete(key: string): void {
    this.scores.delete(key);
    if (this.order) this.dirty.add(key);
  }

  get size(): number {
    return this.scores.size;
  }

  private decayed(s: { score: number; at: number }, now: number): number {
    return s.score * Math.exp(-this.rate * Math.max(0, now - s.at));
  }
}
