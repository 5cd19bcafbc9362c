/**
 * Next-item metrics: HR@k and MRR@k averaged over predictions, catalogue coverage@20 and
 * latency percentiles. One Metrics object per method and variant.
 */

export class Metrics {
  private n = 0;
  private hr5 = 0;
  private hr20 = 0;
  private mrr5 = 0;
  private mrr20 = 0;
  private readonly shown = new Set<string>();
  private readonly latencies: number[] = [];

  /** Adds one prediction: the ranked list (best first) and the true next item. */
  add(ranked: readonly string[], target: string, latencyMs?: number): void {
    this.n++;
    const rank = ranked.slice(0, 20).indexOf(target);
    if (rank >= 0) {
      this.hr20++;
      this.mrr20 += 1 / (rank + 1);
      if (rank < 5) {
        this.hr5++;
        this.mrr5 += 1 / (rank + 1);
      }
    }
    for (const k of ranked.slice(0, 20)) this.shown.add(k);
    if (latencyMs !== undefined) this.latencies.push(latencyMs);
  }

  /** Averages; coverage over a catalogue of `items` products. */
  summary(items: number): Summary {
    const d = Math.max(1, this.n);
    const lat = [...this.latencies].sort((a, b) => a - b);
    const pct = (p: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : NaN);
    return {
      predictions: this.n, hr5: this.hr5 / d, hr20: this.hr20 / d, mrr5: this.mrr5 / d, mrr20: this.mrr20 / d,
      coverage20: this.shown.size / Math.max(1, items), p50: pct(0.5), p99: pct(0.99),
    };
  }
}

export interface Summary {
  predictions: number;
  hr5: number;
  hr20: number;
  mrr5: number;
  mrr20: number;
  coverage20: number;
  /** Milliseconds; NaN for in-harness methods. */
  p50: number;
  p99: number;
}

/** The list with already-seen items removed (the "seen excluded" variant of a method). */
export function withoutSeen(ranked: readonly string[], seen: ReadonlySet<string>, k = 20): string[] {
  const out: string[] = [];
  for (const x of ranked) {
    if (!seen.has(x)) out.push(x);
    if (out.length === k) break;
  }
  return out;
}
