/**
 * Generated history for the demo store, so the dashboard and the models show something real on
 * first start: two weeks of shoppers seeing results in several placements (labels), clicking,
 * searching and buying, written through the same ingest path as live traffic (backfilled times).
 * Deterministic: every random draw happens while planning; the plans then run concurrently so
 * group commit batches them (a couple of seconds at start-up).
 */
import type { RequestInfo } from '../api/route.js';
import type { Runtime } from '../runtime.js';
import type { Doc, StoreRecord } from '../storage/ports.js';
import { seededRandom } from '../random.js';
import { recordImpression } from '../tracking/impressions.js';
import { Ingest, type TrackContext } from '../tracking/ingest.js';

const PLACEMENTS = [
  { label: 'Home page - Popular', api: 'recommendations/popular', size: 8, ctr: 0.06 },
  { label: 'Product page - Alternatives', api: 'recommendations/substituting', size: 6, ctr: 0.09 },
  { label: 'Product page - Bought together', api: 'recommendations/complementary', size: 4, ctr: 0.07 },
  { label: 'Cart - Cross-sell', api: 'recommendations/complementary', size: 4, ctr: 0.05 },
  { label: 'Search results', api: 'search/search', size: 10, ctr: 0.2 },
];
// Real shop queries; a couple find nothing in the demo catalog, as some searches in any shop do.
const QUERIES = ['toner', 'hp ink', 'usb-c cable', 'hdmi', 'privacy filter', 'laser printer', 'headset', 'mouse', 'ssd', 'webcam 4k', 'blu-ray', 'keybord'];
const CONCURRENCY = 64;


type Step = (runtime: Runtime, ctx: TrackContext) => Promise<unknown> | void;

/** Plans one shopper's visit: pages seen, clicks, maybe a sale. */
function planVisit(v: number, start: number, random: () => number, products: Doc[], storeId: number): { steps: Step[]; clicks: number; sale: boolean; pages: number } {
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
  const visitor = `demo${v}`;
  const steps: Step[] = [];
  // What the visitor clicked, filled in as the steps run (a search's results are known only then).
  const clicked: Doc[] = [];
  let clicks = 0;
  let t = start;
  const pages = 2 + Math.floor(random() * 5);
  for (let page = 0; page < pages; page++) {
    const placement = pick(PLACEMENTS);
    const at = t;
    const willClick = random() < placement.ctr * 2;
    // Shoppers click the top of a list more often than its end.
    const depth = random() * random();
    if (willClick) clicks++;
    if (placement.api === 'search/search') {
      const query = pick(QUERIES);
      // The real search path: the search service ranks, the impression records what it showed.
      steps.push(async (r, ctx) => {
        const found = await r.search.products(storeId, { query, limit: placement.size, visitor }, at);
        const requestId = await recordImpression(r.ingest, ctx, { visitor, api: placement.api, labels: [placement.label], input: { query, count: found.count }, results: found.keys, time: at });
        if (!willClick || found.keys.length === 0) return;
        const n = Math.floor(depth * found.keys.length);
        await r.tracker.click(ctx, { product: found.keys[n], visitor, request_id: requestId, n, time: at + 20 });
        clicked.push(products.find((p) => String(p.id) === found.keys[n])!);
      });
    } else {
      const keys = [...new Set(Array.from({ length: placement.size }, () => String(pick(products).id)))];
      const requestId = Ingest.requestId();
      steps.push((r) => r.ingest.queueImpression({ storeId, requestId, time: at, visitor, api: placement.api, labels: [placement.label], input: {}, results: keys }));
      steps.push((r, ctx) => r.tracker.view(ctx, 'product', keys[0], visitor, at + 5));
      if (willClick) {
        const n = Math.floor(depth * keys.length);
        steps.push(async (r, ctx) => {
          await r.tracker.click(ctx, { product: keys[n], visitor, request_id: requestId, n, time: at + 20 });
          clicked.push(products.find((p) => String(p.id) === keys[n])!);
        });
      }
    }
    t += 60 + random() * 240;
  }
  const buysClicked = clicks > 0 && random() < 0.35;
  const buysOther = random() < 0.06;
  const other = pick(products);
  const alsoOther = random() < 0.3;
  const email = random() < 0.5 ? `shopper${v % 97}@example.com` : undefined;
  const quantities = [1 + Math.floor(random() * 2), 1 + Math.floor(random() * 2)];
  if (buysClicked || buysOther) {
    const at = t + 120;
    steps.push((r, ctx) => {
      const lines = buysClicked && clicked.length > 0 ? [clicked[0]] : [];
      if (buysOther || alsoOther || lines.length === 0) lines.push(other);
      const unique = [...new Map(lines.map((p, i) => [String(p.id), { id: p.id as string | number, price: Number(p.price ?? 0), quantity: quantities[i] }])).values()];
      return r.tracker.sale(ctx, { sale: `demo-${v}`, visitor, email, time: at, products: unique });
    });
  }
  return { steps, clicks, sale: buysClicked || buysOther, pages };
}

/** Writes `days` days of shopper history ending at `now` into the demo store. */
export async function generateDemoHistory(runtime: Runtime, store: StoreRecord, now: number, days = 14): Promise<{ impressions: number; clicks: number; sales: number }> {
  const random = seededRandom(20261129); // the same demo history on every machine
  const catalog = [...(await runtime.catalog.state(store.id)).products.values()];
  if (catalog.length === 0) return { impressions: 0, clicks: 0, sales: 0 };
  // Some products sell far more than others, as in any shop.
  const products = catalog.flatMap((p, i) => Array.from({ length: i % 7 === 0 ? 6 : 1 }, () => p));
  const request: RequestInfo = { ip: '127.0.0.1', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0 relevo-demo', remoteAddress: '127.0.0.1', forwardedFor: undefined, method: 'POST' };
  const ctx: TrackContext = { store, request, privileged: true };
  const visits = days * 40;
  const plans = Array.from({ length: visits }, (_, v) => planVisit(v, now - days * 86400 + (v / visits) * days * 86400 + random() * 3600, random, products, store.id));
  let next = 0;
  const worker = async () => {
    while (next < plans.length) for (const step of plans[next++].steps) await step(runtime, ctx);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await runtime.ingest.settle(); // impressions are queued, not awaited
  return {
    impressions: plans.reduce((n, p) => n + p.pages, 0),
    clicks: plans.reduce((n, p) => n + p.clicks, 0),
    sales: plans.filter((p) => p.sale).length,
  };
}
