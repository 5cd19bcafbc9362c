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
    return s ? s.score * Math.exp(-this.rate * Math.max(0, now - s.at)) : 0;
  }

  /** Keys ranked by decayed score at `now`, highest first. */
  ranked(now: number): string[] {
    return [...this.scores.keys()]
      .map((k) => [k, this.score(k, now)] as const)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([k]) => k);
  }

  delete(key: string): void {
    this.scores.delete(key);
  }

  get size(): number {
    return this.scores.size;
  }
}
