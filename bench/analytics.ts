/**
 * Analytics benchmark (issue 5): the labels query over 5 million tracked events on SQLite.
 * Events are written straight through the storage port in large batches, with exactly the
 * rollup increments the ingest computes (src/analytics/deltas.ts), so the database holds what
 * live traffic would have left; then the labels query runs repeatedly through the
 * AnalyticsService (planning, the grouped rollup read, shaping) and over HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { impressionDeltas, eventDeltas, saleDeltas } from '../src/analytics/deltas.js';
import { parseQuery } from '../src/analytics/query.js';
import { attributeSale } from '../src/analytics/attribution.js';
import { AnalyticsService } from '../src/analytics/service.js';
import { CatalogService } from '../src/catalog/catalog-service.js';
import { createStore } from '../src/stores/keys.js';
import { openStorage } from '../src/storage/open.js';
import { seededRandom } from '../src/random.js';
import type { EventBatch, Storage } from '../src/storage/ports.js';
import type { Section } from './foundation.js';
import { fmt, median } from './lib/load.js';
import { spawnRelevo } from './lib/processes.js';

const LABELS = ['Home page - Popular', 'Home page - Trending', 'Product page - Alternatives', 'Product page - Bought together', 'Cart - Cross-sell',
  'Category page - Top sellers', 'Search results', 'Email - Recommendations', 'Checkout - Last chance', 'Blog - Related products'];
const APIS = ['recommendations/popular', 'recommendations/substituting', 'recommendations/complementary', 'search/search'];
const DAYS = 90;


/** Writes `total` events (impressions 45 %, views 40 %, clicks 14 %, sales 1 %) over 90 days. */
async function fill(storage: Storage, storeId: number, total: number, end: number, onProgress: (n: number) => void): Promise<void> {
  const random = seededRandom(5_000_000);
  const products = 20_000;
  const visitors = 200_000;
  let written = 0;
  let sale = 0;
  while (written < total) {
    const batch: EventBatch = { events: [], impressions: [], sales: [], rollups: [] };
    for (let i = 0; i < 20_000 && written < total; i++, written++) {
      const time = end - DAYS * 86400 + (written / total) * DAYS * 86400;
      const visitor = `v${Math.floor(random() * visitors)}`;
      const label = LABELS[Math.floor(random() * LABELS.length)];
      const api = APIS[Math.floor(random() * APIS.length)];
      const product = String(Math.floor(random() * random() * products));
      const r = random();
      if (r < 0.45) {
        const results = Array.from({ length: 8 }, () => String(Math.floor(random() * products)));
        const imp = { storeId, requestId: `r${written}`, time, visitor, api, labels: [label], input: api === 'search/search' ? { query: `q${Math.floor(random() * 500)}` } : {}, results };
        batch.impressions.push(imp);
        batch.rollups!.push(...impressionDeltas(imp));
      } else if (r < 0.85 || r >= 0.99) {
        const e = { storeId, type: 'product' as const, time, visitor, product };
        batch.events.push(e);
        batch.rollups!.push(...eventDeltas(e));
      } else if (r < 0.99) {
        const e = { storeId, type: 'click' as const, time, visitor, product, labels: [label], api, position: Math.floor(random() * 8), external: false, requestId: null };
        batch.events.push(e);
        batch.rollups!.push(...eventDeltas(e));
        if (random() < 0.07) {
          const lines = [{ product, id: product, price: 10 + Math.floor(random() * 200), quantity: 1 }];
          const id = `s${sale++}`;
          const s = { storeId, sale: id, saleId: id, time: time + 60, visitor, email: null, customer: null, lines, attribution: null as Record<string, unknown> | null };
          s.attribution = attributeSale(lines, s.time, [{ time, product, labels: [label], api, external: false, requestId: null, position: 0 }], 86400) as unknown as Record<string, unknown>;
          batch.sales.push(s);
          batch.rollups!.push(...saleDeltas(s));
        }
      }
    }
    await storage.events.commitBatch(batch);
    while ((await storage.analytics.applyQueuedRollups(100)) > 0); // as the server's RollupApplier does
    onProgress(written);
  }
}

/** Labels query time over `events` events: p50/p99 in-process, and over HTTP. */
export async function benchAnalytics(events: number, runs: number): Promise<Section> {
  const dir = mkdtempSync(join(tmpdir(), 'relevo-bench-'));
  const url = `sqlite:${join(dir, 'analytics.db')}`;
  const end = Math.floor(Date.now() / 1000);
  try {
    const storage = await openStorage(url);
    const { store, publicKey, privateKey } = await createStore(storage, { name: 'analytics-bench' });
    const started = Date.now();
    await fill(storage, store.id, events, end, (n) => n % 500_000 === 0 && process.stderr.write(`\rbench analytics: ${n.toLocaleString()} events`));
    const fillSeconds = (Date.now() - started) / 1000;
    process.stderr.write('\n');
    const service = new AnalyticsService(storage, new CatalogService(storage, pino({ level: 'silent' })));
    const ranges = { '30 days': parseQuery({}, end), '90 days': parseQuery({ from: end - DAYS * 86400, to: end }, end) };
    const rows: string[] = [];
    for (const [name, q] of Object.entries(ranges)) {
      await service.labels(store.id, q); // warm the page cache
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        const labels = await service.labels(store.id, q);
        times.push(performance.now() - t0);
        if (labels.length !== LABELS.length) throw new Error(`expected ${LABELS.length} labels, got ${labels.length}`);
      }
      times.sort((a, b) => a - b);
      rows.push(`| labels, last ${name} | ${fmt(median(times), 1)} | ${fmt(times[Math.floor(times.length * 0.99)], 1)} | ${fmt(times[times.length - 1], 1)} |`);
    }
    await storage.close();
    const server = await spawnRelevo(url, { RELEVO_DEMO: '0' });
    const http: number[] = [];
    try {
      const target = `http://127.0.0.1:${server.port}/v2/analytics/labels?key=${publicKey}&private_key=${privateKey}`;
      await fetch(target);
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        const res = await fetch(target);
        await res.text();
        http.push(performance.now() - t0);
      }
    } finally {
      await server.stop();
    }
    http.sort((a, b) => a - b);
    rows.push(`| \`GET /v2/analytics/labels\` over HTTP (30 days) | ${fmt(median(http), 1)} | ${fmt(http[Math.floor(http.length * 0.99)], 1)} | ${fmt(http[http.length - 1], 1)} |`);
    return {
      title: `Labels query over ${fmt(events)} events (SQLite)`,
      markdown: [
        `${fmt(events)} tracked events over ${DAYS} days (45 % impressions of 8 products, 40 % product views, 14 % clicks, 1 % sales; 10 labels, 4 apis, 200,000 visitors, 20,000 products), written through the storage port in batches of 20,000 with the rollup increments the ingest computes (${fmt(fillSeconds)} s to write). The labels query reads rollups only. ${runs} runs each; times in ms.`,
        '',
        '| query | p50 ms | p99 ms (target ≤ 50) | max ms |',
        '| --- | ---: | ---: | ---: |',
        ...rows,
      ].join('\n'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
