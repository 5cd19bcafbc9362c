/**
 * A per-client rate limit of public-key calls: the calls browsers make (search,
 * recommendations, tracking). Calls with the private key come from the shop's own servers
 * (catalog sync, privacy, analytics) and are never limited. One token bucket per store and
 * client IP (X-Forwarded-For counts only from RELEVO_TRUSTED_PROXIES): `rate` calls per second
 * on average, bursts of up to `burst`. Per instance: behind a balancer with N instances a client
 * may get up to N × rate. The least recently seen clients are dropped past `maxClients`.
 */
export class RateLimiter {
  /** Map order is least recently seen first. */
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly rate: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now() / 1000,
    private readonly maxClients = 100_000,
  ) {}

  /** Takes one call's token; 0 when the call may go ahead, else the seconds until it may. */
  take(storeId: number, ip: string): number {
    const key = `${storeId}|${ip}`;
    const t = this.now();
    let bucket = this.buckets.get(key);
    if (bucket) {
      this.buckets.delete(key);
      bucket.tokens = Math.min(this.burst, bucket.tokens + (t - bucket.at) * this.rate);
      bucket.at = t;
    } else {
      bucket = { tokens: this.burst, at: t };
    }
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxClients) this.buckets.delete(this.buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return (1 - bucket.tokens) / this.rate;
  }

  /** Clients tracked (for tests of the bound). */
  get clients(): number {
    return this.buckets.size;
  }
}
