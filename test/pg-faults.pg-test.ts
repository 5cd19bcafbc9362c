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
import { call, createTestStore, isOk, schemaQuery, within } from './helpers/servers.js';

const CLICK_WORKERS = 16;
const SALE_WORKERS = 4;
const ROUNDS = 4;
const ROUND_GAP_MS = 800;

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

    let killed = 0;
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (let round = 0; round < ROUNDS; round++) {
      // Materialised first: in one WHERE the planner may call pg_terminate_backend before the
      // other conditions, on every backend of the server.
      const rows = await schemaQuery<{ pid: number }>(url, `WITH mine AS MATERIALIZED (SELECT pid FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1)
        SELECT pid FROM mine WHERE pg_terminate_backend(pid)`, [appName]);
      killed += rows.length;
      await new Promise((resolve) => setTimeout(resolve, ROUND_GAP_MS));
    }
    stopped = true;
    await Promise.all([...workers, health]);

    // The server is still up and healthy again by itself.
    expect(server.proc.exitCode).toBeNull();
    await within(10_000, async () => (await fetch(`http://127.0.0.1:${port}/health`)).status === 200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const total = (name: string) => [...metrics.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);

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
