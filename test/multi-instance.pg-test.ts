/**
 * Two Relevo server processes on one PostgreSQL schema, as a scaled-out deployment runs them.
 * Both tail the shared logs with a 30 s poll interval, so everything seen on the other instance
 * within a second came through LISTEN/NOTIFY: a click (visitor/complementary), a catalog change,
 * a merchandising rule and a new private key. Then 10,000 sales over both instances, 1,000 of
 * them sent to the other instance too: both answer the same analytics, and the schema holds
 * exactly 10,000 sales.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnRelevo, type Child } from '../bench/lib/processes.js';
import { addPrivateKey } from '../src/stores/keys.js';
import { openStorage } from '../src/storage/open.js';
import { makeProduct } from './helpers/app.js';
import { dropPgSchema, pgSchemaUrl } from './helpers/db.js';
import { call, createTestStore, isOk, schemaQuery, within } from './helpers/servers.js';

const SALES = 10_000;
const REPEATED = 1_000;
const CONCURRENCY = 32;
/** Long enough that only a notification explains an answer within a second. */
const TAIL_MS = '30000';

describe('two instances on one PostgreSQL', () => {
  const url = pgSchemaUrl('multi');
  let a: Child;
  let b: Child;

  beforeAll(async () => {
    await createTestStore(url);
    const env = { RELEVO_DEMO: '0', RELEVO_TAIL_INTERVAL_MS: TAIL_MS, RELEVO_LOG_LEVEL: 'info' };
    [a, b] = await Promise.all([spawnRelevo(url, env), spawnRelevo(url, env)]);
    const products = Array.from({ length: 10 }, (_, i) => makeProduct({ id: i + 1, price: (i + 1) * 10, created_at: 1_700_000_000 + i }));
    expect(isOk(await call(a.port, 'product/add', { products }, { priv: true }))).toBe(true);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await dropPgSchema(url);
  });

  it('shows a click sent to A in visitor/complementary on B within a second', async () => {
    // Co-views on B: whoever saw 1 went on to 3.
    for (const v of ['x1', 'x2', 'x3']) for (const product of [1, 3]) await call(b.port, 'log/product', { product, visitor: v });
    const complementary = async () => (await call(b.port, 'recommendations/visitor/complementary', { visitor: 'roamer', limit: 5 })).body.result as number[];
    const before = await complementary();
    expect(isOk(await call(a.port, 'log/click', { product: 1, visitor: 'roamer' }))).toBe(true);
    const ms = await within(1000, async () => {
      const now = await complementary();
      return now[0] === 3 && !now.includes(1);
    });
    console.log(`click on A → visitor/complementary on B changed after ${ms.toFixed(0)} ms (before: ${JSON.stringify(before)})`);
    expect(before[0] === 3 && !before.includes(1)).toBe(false);
  });

  it('carries catalog changes, merchandising rules and new keys to B within a second (30 s poll)', async () => {
    expect(isOk(await call(a.port, 'product/add', { products: [makeProduct({ id: 99, name: 'Late arrival' })] }, { priv: true }))).toBe(true);
    const product = await within(1000, async () => (await call(b.port, 'product/attributes', { products: [99], attributes: ['name'] })).body[0]?.name === 'Late arrival');
    const redirect = { url: 'https://shop.example/sale', queries: ['black friday'], exact_match: true };
    expect(isOk(await call(a.port, 'redirects', { redirects: [redirect] }, { priv: true }))).toBe(true);
    const rule = await within(1000, async () => (await call(b.port, 'redirects', {}, { method: 'GET', priv: true })).body.redirects?.length === 1);
    // A key added elsewhere (relevo stores add-key) works on both instances at once.
    const storage = await openStorage(url);
    const key = await addPrivateKey(storage, 1, 'erp');
    await storage.close();
    const keyMs = await within(1000, async () => (await call(b.port, 'redirects', {}, { method: 'GET', priv: key })).status === 200);
    console.log(`with a ${TAIL_MS} ms poll: product on B after ${product.toFixed(0)} ms, redirect rule after ${rule.toFixed(0)} ms, new key after ${keyMs.toFixed(0)} ms`);
  });

  it('answers the same analytics on both after 10,000 sales over both, 1,000 sent twice, each stored once', async () => {
    const now = Date.now() / 1000;
    const range = { from: Math.floor(now - 3600), to: Math.ceil(now + 3600) };
    const sale = (i: number) => ({
      sale: `o${i}`, visitor: `v${i % 500}`,
      products: [{ id: (i % 10) + 1, price: 10 + (i % 7), quantity: 1 + (i % 3) }, ...(i % 4 === 0 ? [{ id: ((i + 3) % 10) + 1, price: 5, quantity: 1 }] : [])],
    });
    // Sale i goes to A when even, B when odd; every tenth also to the other instance, at once.
    const jobs: Array<() => Promise<boolean>> = [];
    for (let i = 0; i < SALES; i++) {
      const [home, other] = i % 2 === 0 ? [a, b] : [b, a];
      jobs.push(async () => isOk(await call(home.port, 'log/sale', sale(i))));
      if (i % (SALES / REPEATED) === 0) jobs.push(async () => isOk(await call(other.port, 'log/sale', sale(i))));
    }
    const started = performance.now();
    let next = 0;
    let acked = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < jobs.length) if (await jobs[next++]()) acked++;
    }));
    const sendMs = performance.now() - started;
    expect(acked).toBe(SALES + REPEATED);

    const rows = await schemaQuery<{ n: string; distinct_sales: string; max_seq: string }>(url, 'SELECT count(*) AS n, count(DISTINCT sale) AS distinct_sales, max(seq) AS max_seq FROM sales');
    expect(rows[0]).toMatchObject({ n: String(SALES), distinct_sales: String(SALES) });
    const get = async (port: number, endpoint: string, args: Record<string, unknown> = {}) => (await call(port, `analytics/${endpoint}`, { ...range, ...args }, { method: 'GET', priv: true })).body;
    const answers = async (port: number) => ({
      overview: await get(port, 'overview'),
      products: await get(port, 'products'),
      timeseries: await get(port, 'timeseries', { granularity: 'hour' }),
    });
    const [onA, onB] = [await answers(a.port), await answers(b.port)];
    expect(onA.overview.orders).toBe(SALES);
    expect(onB).toEqual(onA);
    // The models follow the sale log: popular agrees too (within the tail's notification).
    const popular = async (port: number) => JSON.stringify((await call(port, 'recommendations/popular', { limit: 10 })).body.result);
    await within(2000, async () => (await popular(a.port)) === (await popular(b.port)));
    console.log(`${SALES + REPEATED} log/sale calls (${REPEATED} repeats on the other instance) in ${(sendMs / 1000).toFixed(1)} s; stored ${rows[0].n} sales (${rows[0].distinct_sales} distinct); overview orders ${onA.overview.orders} on both, revenue ${onA.overview.revenue}`);
  }, 120_000);
});
