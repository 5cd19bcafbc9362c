/**
 * The crash test, run on SQLite (crash.test.ts) and PostgreSQL (crash.pg-test.ts): a compiled
 * server in a child process takes concurrent log/click and log/sale calls and is killed with
 * SIGKILL mid-stream. Every call answered {"status":"ok"} must be in the database afterwards (the
 * answer waits for the commit), no click is stored twice and no sale is doubled; after a restart
 * on the same database, re-sending every sale is answered ok and stores no second copy, and every
 * rollup row (the crash left increments queued; start-up applied them) equals a recount from raw records.
 */
import { describe, expect, it } from 'vitest';
import { spawnRelevo, type Child } from '../bench/lib/processes.js';
import { createStore } from '../src/stores/keys.js';
import { openStorage } from '../src/storage/open.js';
import { HOURLY_KINDS, type Storage } from '../src/storage/ports.js';
import { rebuildRollups } from '../src/analytics/rebuild.js';
import { BROWSER_UA } from './helpers/app.js';

const PUBLIC_KEY = 'crashpub';
const CLICK_WORKERS = 40;
const SALE_WORKERS = 6;
/** Each sale ID is posted this many times at once: the copies race each other into the batch. */
const SALE_COPIES = 3;
const RUN_MS = 1500;
const MAX_RUN_MS = 15_000;
const MIN_CLICKS = 200;
const MIN_SALES = 20;

interface Sent {
  /** Products of the clicks answered ok (each product is clicked exactly once). */
  clicks: Set<string>;
  /** Sale IDs answered ok at least once. */
  sales: Set<string>;
  /** Every sale ID posted, answered or not. */
  salesSent: Set<string>;
  /** Requests that got no answer (in flight when the server died). */
  unanswered: number;
}

function serve(url: string, env: Record<string, string> = {}): Promise<Child> {
  return spawnRelevo(url, { RELEVO_DEMO: '0', ...env });
}

/** The store's all-time click and order counts in the rollups (what the dashboard reads). */
async function rollupTotals(storage: Storage, storeId: number): Promise<{ clicks: number; orders: number }> {
  const rows = await storage.analytics.queryRollups(storeId, { kind: 'total', grain: 'day', from: 0, to: 2 ** 31, groupBy: 'name' });
  return { clicks: rows[0]?.metrics.clicks ?? 0, orders: rows[0]?.metrics.orders ?? 0 };
}

/** Every rollup of the store: per name over all time (each kind, daily rows), and per hour (hourly kinds). */
async function rollupSnapshot(storage: Storage, storeId: number): Promise<Record<string, unknown>> {
  const all = { from: 0, to: 2 ** 31 };
  const out: Record<string, unknown> = {};
  for (const kind of ['total', 'label', 'channel', 'product', 'query', 'label_product', 'label_position'] as const) {
    out[`${kind}/name`] = (await storage.analytics.queryRollups(storeId, { kind, grain: 'day', groupBy: 'name', ...all })).sort((a, b) => (a.name < b.name ? -1 : 1));
  }
  for (const kind of HOURLY_KINDS) {
    out[`${kind}/hour`] = (await storage.analytics.queryRollups(storeId, { kind, grain: 'hour', groupBy: 'hour', ...all })).sort((a, b) => a.bucket - b.bucket);
  }
  return out;
}

async function post(port: number, endpoint: string, args: Record<string, unknown>): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/v2/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA },
    body: JSON.stringify({ key: PUBLIC_KEY, ...args }),
  });
  const text = await res.text();
  return res.status === 200 && (JSON.parse(text) as { status?: string }).status === 'ok';
}

const saleArgs = (id: string) => ({ sale: id, products: [{ id: 'p1', price: 10, quantity: 2 }, { id: 'p2', price: 5, quantity: 1 }], visitor: `b${id}` });

/** Load until `stop()`; resolves once every worker has seen its last answer or error. */
function load(port: number, sent: Sent): { stop(): void; done: Promise<void> } {
  let stopped = false;
  let nextSale = 0;
  const attempt = async (fn: () => Promise<boolean>, onOk: () => void) => {
    try {
      if (await fn()) onOk();
    } catch {
      sent.unanswered++;
    }
  };
  const clickWorker = async (w: number) => {
    for (let i = 0; !stopped; i++) {
      const product = `w${w}n${i}`;
      await attempt(() => post(port, 'log/click', { visitor: `c${w}`, product }), () => sent.clicks.add(product));
    }
  };
  const saleWorker = async () => {
    while (!stopped) {
      const id = String(nextSale++);
      sent.salesSent.add(id);
      await Promise.all(Array.from({ length: SALE_COPIES }, () => attempt(() => post(port, 'log/sale', saleArgs(id)), () => sent.sales.add(id))));
    }
  };
  const workers = [...Array.from({ length: CLICK_WORKERS }, (_, w) => clickWorker(w)), ...Array.from({ length: SALE_WORKERS }, () => saleWorker())];
  return { stop: () => void (stopped = true), done: Promise.all(workers).then(() => undefined) };
}

/** Reads until two consecutive reads, 300 ms apart, agree (at most ~6 s). */
async function settled<T>(read: () => Promise<T>): Promise<T> {
  let last = await read();
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const next = await read();
    if (snapshot(next) === snapshot(last)) return next;
    last = next;
  }
  return last;
}

const snapshot = (x: unknown) => JSON.stringify(x, (_k, v) => (v instanceof Map ? [...v].sort() : v));

/** Stored clicks per product and stored sales per sale ID, for the visitors the load used. */
async function stored(storage: Storage, storeId: number, sent: Sent): Promise<{ clicks: Map<string, number>; sales: Map<string, number> }> {
  const clickVisitors = Array.from({ length: CLICK_WORKERS }, (_, w) => `c${w}`);
  const events = await storage.events.eventsOfVisitors(storeId, clickVisitors, { types: ['click'], limit: 10_000_000 });
  const clicks = new Map<string, number>();
  for (const e of events) clicks.set(e.product!, (clicks.get(e.product!) ?? 0) + 1);
  const saleVisitors = [...sent.salesSent].map((id) => `b${id}`);
  const sales = new Map<string, number>();
  for (const s of await storage.events.salesOf(storeId, { visitors: saleVisitors, emails: [], customers: [] })) sales.set(s.sale, (sales.get(s.sale) ?? 0) + 1);
  return { clicks, sales };
}

async function withStorage<T>(url: string, fn: (storage: Storage, storeId: number) => Promise<T>): Promise<T> {
  const storage = await openStorage(url);
  try {
    const store = (await storage.stores.findStoreByName('crash')) ?? (await createStore(storage, { name: 'crash', publicKey: PUBLIC_KEY })).store;
    return await fn(storage, store.id);
  } finally {
    await storage.close();
  }
}

export function describeCrash(backend: string, makeUrl: () => { url: string; cleanup(): Promise<void> }): void {
  describe(`crash safety (${backend})`, () => {
    it('keeps every acknowledged click and sale through a SIGKILL, and stays idempotent after restart', async () => {
      const { url, cleanup } = makeUrl();
      let server: Child | null = null;
      try {
        await withStorage(url, async () => undefined); // creates the store before the server opens the database
        // Rollup increments wait in their queue for a minute: the kill leaves them there.
        server = await serve(url, { RELEVO_ROLLUP_FLUSH_MS: '60000' });
        const sent: Sent = { clicks: new Set(), sales: new Set(), salesSent: new Set(), unanswered: 0 };
        const run = load(server.port, sent);
        // Kill after RUN_MS once enough was acknowledged (a busy machine may need longer).
        const started = Date.now();
        while (Date.now() - started < MAX_RUN_MS && (Date.now() - started < RUN_MS || sent.clicks.size < MIN_CLICKS || sent.sales.size < MIN_SALES)) {
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        const exited = new Promise((resolve) => server!.proc.once('exit', resolve));
        server.proc.kill('SIGKILL');
        await exited;
        run.stop();
        await run.done;
        server = null;
        // The kill must hit the stream, not a quiet server; and the load must have been real.
        expect(sent.unanswered).toBeGreaterThan(0);
        expect(sent.clicks.size).toBeGreaterThanOrEqual(MIN_CLICKS);
        expect(sent.sales.size).toBeGreaterThanOrEqual(MIN_SALES);

        // A PostgreSQL backend that had already received a COMMIT finishes it after its client
        // died, so the database may still change for a moment after the kill: read until two
        // reads 300 ms apart agree.
        const before = await settled(() => withStorage(url, (storage, storeId) => stored(storage, storeId, sent)));
        const lostClicks = [...sent.clicks].filter((p) => !before.clicks.has(p));
        expect(lostClicks).toEqual([]);
        expect([...before.clicks].filter(([, n]) => n > 1)).toEqual([]);
        expect([...sent.sales].filter((id) => !before.sales.has(id))).toEqual([]);
        expect([...before.sales].filter(([, n]) => n > 1)).toEqual([]);
        const queued = await withStorage(url, rollupTotals);
        expect(queued.clicks).toBeLessThan(before.clicks.size); // counted only once applied

        // Restart on the same database and send every sale once more (answered or not before).
        server = await serve(url);
        const port = server.port;
        const again = await Promise.all([...sent.salesSent].map((id) => post(port, 'log/sale', saleArgs(id))));
        expect(again.every(Boolean)).toBe(true);
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const repeats = Number(/relevo_events_accepted_total\{type="sale_repeat"\} (\d+)/.exec(metrics)?.[1] ?? 0);
        // A sale stored before the crash is a repeat now; one that never made it is new now.
        expect(repeats).toBe(before.sales.size);
        await server.stop();
        server = null;

        const after = await withStorage(url, (storage, storeId) => stored(storage, storeId, sent));
        expect(after.sales.size).toBe(sent.salesSent.size);
        expect([...after.sales].filter(([, n]) => n !== 1)).toEqual([]);
        expect(after.clicks).toEqual(before.clicks);
        // The restart applied what the crash left queued, exactly once.
        expect(await withStorage(url, rollupTotals)).toEqual({ clicks: after.clicks.size, orders: after.sales.size });
        // And every rollup row equals a recount from the raw records (what `relevo reattribute` does).
        const live = await withStorage(url, rollupSnapshot);
        await withStorage(url, (storage, storeId) => rebuildRollups(storage, storeId));
        expect(await withStorage(url, rollupSnapshot)).toEqual(live);
      } finally {
        if (server) server.proc.kill('SIGKILL');
        await cleanup();
      }
    }, 60_000);
  });
}
