/**
 * Exponentially decaying counters: each event adds a weight that halves every `halfLife`
 * seconds, so old activity fades without windows to maintain. One (score, time) pair per key;
 * events may arrive out of order (backfill) and still add the right amount.
 */
export class DecayingCounter {
  private readonly scores = new Map<string, { score: number; at: number }>();
  private readonly rate: number;

  constructor(halfLifeSeconds: number) {
    this.rate = Math.LN2 / halfLifeSeconds;
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
  }

  /** The decayed score of `key` at time `now`. */
  score(key: string, now: number): number {
    const s = this.scores.get(key);
    return s ? this.decayed(s, now) : 0;
  }

  /**
   * Keys ranked by decayed score at `now`, highest first. Sorts positions into parallel arrays
   * rather than (key, score) tuples, and reads each entry once instead of looking it up again.
   */
  ranked(now: number): string[] {
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
  }

  get size(): number {
    return this.scores.size;
  }

  private decayed(s: { score: number; at: number }, now: number): number {
    return s.score * Math.exp(-this.rate * Math.max(0, now - s.at));
  }
}
