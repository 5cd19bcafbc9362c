/**
 * What shoppers searched, for `search/popular` and `search/suggestions`: per store, the queries of
 * the search rollups (every instance writes them), read at most every few seconds and cached.
 * A query whose every search found nothing is left out: it is no suggestion.
 */
import type { Storage } from '../storage/ports.js';

export interface QueryCount {
  query: string;
  searches: number;
}

const TTL_MS = 5_000;
const DAY = 86_400;

export class QueryStats {
  private readonly cache = new Map<string, { at: number; value: Promise<QueryCount[]> }>();

  constructor(
    private readonly storage: Storage,
    private readonly settle: () => Promise<void>,
  ) {}

  /** Queries searched (with results) since the start of the UTC day `days − 1` days ago, most searched first. */
  top(storeId: number, days: number, now: number): Promise<QueryCount[]> {
    const key = `${storeId}/${days}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.value;
    const value = this.read(storeId, days, now);
    this.cache.set(key, { at: Date.now(), value });
    value.catch(() => this.cache.delete(key));
    return value;
  }

  private async read(storeId: number, days: number, now: number): Promise<QueryCount[]> {
    await this.settle();
    const today = Math.floor(now / DAY) * DAY;
    const rows = await this.storage.analytics.queryRollups(storeId, { kind: 'query', grain: 'day', from: today - (days - 1) * DAY, to: today + DAY, groupBy: 'name' });
    return rows
      .map((r) => ({ query: r.name, searches: r.metrics.impressions, found: r.metrics.impressions - r.metrics.zero_results }))
      .filter((r) => r.found > 0 && r.query !== '')
      .sort((a, b) => b.searches - a.searches || (a.query < b.query ? -1 : 1))
      .map(({ query, searches }) => ({ query, searches }));
  }
}
