/**
 * Connection loss: a server process takes a steady load of log/click and log/sale while the
 * test kills every PostgreSQL backend of that server, several rounds (pg_terminate_backend, as
 * a failover or an operator would). The server must stay up and recover by itself; afterwards
 * every call answered {"status":"ok"} is stored, and nothing is stored twice.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnRelevo, type Child } from '../bench/lib/processes.js';
import { dropPgSchema, pgSchemaUrl } from './helpers/db.js';
import { makeProduct } from './helpers/app.js';
import { call, createTestStore, isOk, schemaQuery, within, type Answer } from './helpers/servers.js';

const CLICK_WORKERS = 16;
const SALE_WORKERS = 4;
const ROUNDS = 4;
const ROUND_GAP_MS = 800;

/**
 * Kills every PostgreSQL backend of the server whose connections carry appName, ROUNDS times,
 * ROUND_GAP_MS apart; returns how many were killed.
 */
async function killBackends(url: string, appName: string): Promise<number> {
  let killed = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // Materialised first: in one WHERE the planner may call pg_terminate_backend before the
    // other conditions, on every backend of the server.
    const rows = await schemaQuery<{ pid: number }>(url, `WITH mine AS MATERIALIZED (SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1)
      SELECT pid FROM mine WHERE pg_terminate_backend(pid)`, [appName]);
    killed += rows.length;
    await new Promise((resolve) => setTimeout(resolve, ROUND_GAP_MS));
  }
  return killed;
}

/** The sum of a Prometheus counter over its labels, or of the series whose labels match `labels`. */
function metricTotal(metrics: string, name: string, labels = ''): number {
  return [...metrics.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\d+)`, 'gm'))]
    .filter((m) => m[1].includes(labels))
    .reduce((n, m) => n + Number(m[2]), 0);
}

describe('PostgreSQL connection loss', () => {
  // The server's connections carry this name (the URL's application_name wins over Relevo's
  // own), so the test kills this server's backends and nobody else's.
  const appName = `faults_${randomBytes(4).toString('hex')}`;
  const url = `${pgSchemaUrl('faults')}&application_name=${appName}`;
  let server: Child | null = null;
  afterAll(async () => {
    await server?.stop();
    await dropPgSchema(url);
  });

  it('keeps every acknowledged click and sale, once, through killed backends', async () => {
    await createTestStore(url);
    server = await spawnRelevo(url, { RELEVO_DEMO: '0' });
    const port = server.port;
    const clicks = new Set<string>();
    const sales = new Set<string>();
    let failed = 0;
    let degraded = 0;
    let stopped = false;
    const attempt = async (fn: () => Promise<boolean>, onOk: () => void) => {
      try {
        if (await fn()) onOk();
        else failed++;
      } catch {
        failed++;
      }
    };
    let nextSale = 0;
    const workers = [
      ...Array.from({ length: CLICK_WORKERS }, async (_, w) => {
        for (let i = 0; !stopped; i++) {
          const product = `w${w}n${i}`;
          await attempt(async () => isOk(await call(port, 'log/click', { visitor: `c${w}`, product })), () => clicks.add(product));
        }
      }),
      ...Array.from({ length: SALE_WORKERS }, async () => {
        while (!stopped) {
          const id = `s${nextSale++}`;
          await attempt(async () => isOk(await call(port, 'log/sale', { sale: id, visitor: `b${id}`, products: [{ id: 'p1', price: 10, quantity: 1 }] })), () => sales.add(id));
        }
      }),
    ];
    const health = (async () => {
      while (!stopped) {
        const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => null);
        if (res?.status === 503) degraded++;
        await res?.text();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 500));
    const killed = await killBackends(url, appName);
    stopped = true;
    await Promise.all([...workers, health]);

    // The server is still up and healthy again by itself.
    expect(server.proc.exitCode).toBeNull();
    await within(10_000, async () => (await fetch(`http://127.0.0.1:${port}/health`)).status === 200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const total = (name: string) => metricTotal(metrics, name);

    const storedClicks = await schemaQuery<{ product: string; n: string }>(url, "SELECT product, count(*) AS n FROM events WHERE type = 'click' GROUP BY product");
    const clickCount = new Map(storedClicks.map((r) => [r.product, Number(r.n)]));
    const storedSales = new Set((await schemaQuery<{ sale: string }>(url, 'SELECT sale FROM sales')).map((r) => r.sale));
    console.log(`killed ${killed} backends in ${ROUNDS} rounds; acknowledged ${clicks.size} clicks and ${sales.size} sales, ${failed} calls failed; ` +
      `stored ${storedClicks.length} distinct clicked products (${[...clickCount.values()].reduce((a, b) => a + b, 0)} click rows), ${storedSales.size} sales; ` +
      `/health 503 seen ${degraded} times; relevo_db_errors_total ${total('relevo_db_errors_total')}, relevo_db_retries_total ${total('relevo_db_retries_total')}`);

    expect(killed).toBeGreaterThanOrEqual(ROUNDS);
    expect(clicks.size).toBeGreaterThan(100);
    expect([...clicks].filter((p) => !clickCount.has(p))).toEqual([]);
    expect([...clickCount].filter(([, n]) => n > 1)).toEqual([]);
    expect([...sales].filter((id) => !storedSales.has(id))).toEqual([]);
    expect(total('relevo_db_errors_total')).toBeGreaterThan(0);
  }, 60_000);
});

describe('PostgreSQL connection loss outside the group commit', () => {
  const appName = `faultw_${randomBytes(4).toString('hex')}`;
  const url = `${pgSchemaUrl('faultw')}&application_name=${appName}`;
  let server: Child | null = null;
  afterAll(async () => {
    await server?.stop();
    await dropPgSchema(url);
  });

  // Catalog writes (product/add, rules), identity links (log/email) and rollup applies run in
  // transactions of their own, not in the group commit: they retry on their own too.
  it('answers catalog writes and identity links ok or 503, and stores every acknowledged one once', async () => {
    await createTestStore(url);
    server = await spawnRelevo(url, { RELEVO_DEMO: '0' });
    const port = server.port;
    const products = new Set<string>();
    const emails = new Map<string, string>();
    const refused: Answer[] = [];
    const broken: string[] = [];
    let stopped = false;
    const attempt = async (send: () => Promise<Answer>, onOk: () => void) => {
      try {
        const answer = await send();
        if (isOk(answer)) onOk();
        else refused.push(answer);
      } catch (err) {
        broken.push(String((err as Error).cause ?? err)); // no answer at all: checked below, with the server's stderr
      }
    };
    const workers = [
      ...Array.from({ length: 6 }, async (_, w) => {
        for (let i = 0; !stopped; i++) {
          const id = `p${w}n${i}`;
          await attempt(() => call(port, 'product/add', { products: [makeProduct({ id, name: `Fault proof ${id}` })] }, { priv: true }), () => products.add(id));
        }
      }),
      ...Array.from({ length: 6 }, async (_, w) => {
        for (let i = 0; !stopped; i++) {
          const visitor = `e${w}n${i}`;
          await attempt(() => call(port, 'log/email', { visitor, email: `${visitor}@example.com` }), () => emails.set(visitor, `${visitor}@example.com`));
        }
      }),
    ];
    await new Promise((resolve) => setTimeout(resolve, 500));
    const killed = await killBackends(url, appName);
    stopped = true;
    await Promise.all(workers);

    expect(server.proc.exitCode, server.stderr().slice(-4000)).toBeNull();
    expect(broken, server.stderr().slice(-4000)).toEqual([]);
    await within(10_000, async () => (await fetch(`http://127.0.0.1:${port}/health`)).status === 200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const stored = await schemaQuery<{ key: string; n: string }>(url, "SELECT key, count(*) AS n FROM catalog_docs WHERE kind = 'products' GROUP BY key");
    const logged = await schemaQuery<{ key: string; n: string }>(url, "SELECT key, count(*) AS n FROM catalog_log WHERE kind = 'products' GROUP BY key");
    const links = new Map((await schemaQuery<{ visitor: string; email: string }>(url, `SELECT v.value AS visitor, e.value AS email FROM identity_links v
      JOIN identity_links e ON e.store_id = v.store_id AND e.person = v.person AND e.kind = 'email' WHERE v.kind = 'visitor'`)).map((r) => [r.visitor, r.email]));
    const storedKeys = new Set(stored.map((r) => r.key));
    const errors = (op: string) => metricTotal(metrics, 'relevo_db_errors_total', `op="${op}"`);
    console.log(`killed ${killed} backends; acknowledged ${products.size} product/add and ${emails.size} log/email, ${refused.length} refused ` +
      `(${[...new Set(refused.map((a) => `${a.status} ${a.body?.type}`))].join(', ') || 'none'}); ` +
      `connection errors: catalog ${errors('catalog')}, identity ${errors('identity')}, rollups ${errors('rollups')}, commit ${errors('commit')}`);

    expect(killed).toBeGreaterThanOrEqual(ROUNDS);
    expect(products.size).toBeGreaterThan(50);
    expect(emails.size).toBeGreaterThan(50);
    // A refusal is a 503 with the error envelope and Retry-After, never a 500.
    for (const a of refused) {
      expect(a.status).toBe(503);
      expect(a.body).toMatchObject({ status: 'error', type: expect.stringMatching(/^(UnavailableError|OverloadedError)$/) });
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect([...products].filter((id) => !storedKeys.has(id))).toEqual([]);
    // Written once: a COMMIT in doubt that landed is not written again (each write logs one change).
    expect(logged.filter((r) => Number(r.n) > 1)).toEqual([]);
    expect([...emails].filter(([visitor, email]) => links.get(visitor) !== email)).toEqual([]);
    expect(errors('catalog') + errors('identity')).toBeGreaterThan(0);
  }, 60_000);
});
