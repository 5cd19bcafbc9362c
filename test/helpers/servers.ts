/**
 * Test-only helpers for suites that run Relevo as real server processes on one PostgreSQL
 * schema (multi-instance, faults, workers): a store with known keys, Clerk calls over HTTP, and
 * row counts read straight from the schema.
 */
import pg from 'pg';
import { createStore } from '../../src/stores/keys.js';
import { openStorage } from '../../src/storage/open.js';
import { BROWSER_UA, PRIVATE_KEY, PUBLIC_KEY, toQuery } from './app.js';
import { PG_URL } from './db.js';

export { PRIVATE_KEY, PUBLIC_KEY };

/** Creates the store "test" (keys PUBLIC_KEY / PRIVATE_KEY) before any server opens the database. */
export async function createTestStore(url: string): Promise<void> {
  const storage = await openStorage(url);
  try {
    await createStore(storage, { name: 'test', publicKey: PUBLIC_KEY, privateKey: PRIVATE_KEY });
  } finally {
    await storage.close();
  }
}

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

/** A Clerk call to the server on port: POST with a JSON body, or GET with the arguments in the query. */
export async function call(port: number, endpoint: string, args: Record<string, unknown> = {}, opts: { method?: 'GET' | 'POST'; priv?: boolean | string } = {}): Promise<Answer> {
  const full: Record<string, unknown> = { key: PUBLIC_KEY, ...args };
  if (opts.priv) full.private_key = typeof opts.priv === 'string' ? opts.priv : PRIVATE_KEY;
  const method = opts.method ?? 'POST';
  const res = await fetch(`http://127.0.0.1:${port}/v2/${endpoint}${method === 'GET' ? `?${toQuery(full)}` : ''}`, {
    method,
    headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA },
    body: method === 'POST' ? JSON.stringify(full) : undefined,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: res.status, body, headers: res.headers };
}

/** Whether a call was answered {"status":"ok"} (a tracking call's acknowledgement). */
export const isOk = (a: Answer) => a.status === 200 && (a.body as { status?: string }).status === 'ok';

/** Runs one statement with the schema of a pgSchemaUrl on the search path; returns its rows. */
export async function schemaQuery<R extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const schema = /[?&]schema=([a-z0-9_]+)/.exec(url)![1];
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`SET search_path TO ${schema}`);
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Waits until check() is truthy, polling every 10 ms; returns the milliseconds it took (or throws after timeoutMs). */
export async function within(timeoutMs: number, check: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
