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
import { Ingest, type TrackContext } from '../tracking/ingest.js';

const PLACEMENTS = [
  { label: 'Home page - Popular', api: 'recommendations/popular', size: 8, ctr: 0.06 },
  { label: 'Product page - Alternatives', api: 'recommendations/substituting', size: 6, ctr: 0.09 },
  { label: 'Product page - Bought together', api: 'recommendations/complementary', size: 4, ctr: 0.07 },
  { label: 'Cart - Cross-sell', api: 'recommendations/complementary', size: 4, ctr: 0.05 },
  { label: 'Search results', api: 'search/search', size: 10, ctr: 0.2 },
];
const QUERIES = ['toner', 'hp ink', 'usb-c cable', 'hdmi', 'privacy filter', 'laser printer', 'headset', 'mouse', 'ssd', 'webcam 4k'];
const CONCURRENCY = 64;


type Step = (runtime: Runtime, ctx: TrackContext) => Promise<unknown> | void;

/** Plans one shopper's visit: pages seen, clicks, maybe a sale. */
function planVisit(v: number, start: number, random: () => number, products: Doc[], storeId: number): { steps: Step[]; clicks: number; sale: boolean; pages: number } {
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
  const visitor = `demo${v}`;
  const steps: Step[] = [];
  const clicked: Doc[] = [];
  let t = start;
  const pages = 2 + Math.floor(random() * 5);
  for (let page = 0; page < pages; page++) {
    const placement = pick(PLACEMENTS);
    const keys = [...new Set(Array.from({ length: placement.size }, () => String(pick(products).id)))];
    const requestId = Ingest.requestId();
    const input = placement.api === 'search/search' ? { query: pick(QUERIES) } : {};
    const at = t;
    steps.push((r) => r.ingest.queueImpression({ storeId, requestId, time: at, visitor, api: placement.api, labels: [placement.label], input, results: keys }));
    steps.push((r, ctx) => r.tracker.view(ctx, 'product', keys[0], visitor, at + 5));
    if (random() < placement.ctr * 2) {
      // Shoppers click the top of a list more often than its end.
      const n = Math.floor(random() * random() * keys.length);
      steps.push((r, ctx) => r.tracker.click(ctx, { product: keys[n], visitor, request_id: requestId, n, time: at + 20 }));
      clicked.push(products.find((p) => String(p.id) === keys[n])!);
    }
    t += 60 + random() * 240;
  }
  const buysClicked = clicked.length > 0 && random() < 0.35;
  const buysOther = random() < 0.06;
  if (buysClicked || buysOther) {
    const lines = buysClicked ? [clicked[0]] : [];
    if (buysOther || random() < 0.3) lines.push(pick(products));
    const email = random() < 0.5 ? `shopper${v % 97}@example.com` : undefined;
    const quantities = lines.map(() => 1 + Math.floor(random() * 2));
    const at = t + 120;
    const unique = [...new Map(lines.map((p, i) => [String(p.id), { id: p.id as string | number, price: Number(p.price ?? 0), quantity: quantities[i] }])).values()];
    steps.push((r, ctx) => r.tracker.sale(ctx, { sale: `demo-${v}`, visitor, email, time: at, products: unique }));
  }
  return { steps, clicks: clicked.length, sale: buysClicked || buysOther, pages };
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
