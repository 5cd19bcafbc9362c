/**
 * In-process test harness: a Relevo runtime on a temporary SQLite file (or a PostgreSQL schema),
 * with one store whose keys are known, and a `call` helper that speaks the Clerk transport.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject, type InjectOptions, type Response as LightResponse } from 'light-my-request';
import { pino, type Logger } from 'pino';
import { expect } from 'vitest';
import { testConfig, type Config } from '../../src/config/config.js';
import { buildRuntime, type Runtime } from '../../src/runtime.js';
import { createStore } from '../../src/stores/keys.js';
import { openStorage } from '../../src/storage/open.js';
import { dropPgSchema } from './db.js';

export const PUBLIC_KEY = 'testpub';
export const PRIVATE_KEY = 'TestPrivateKey0123456789abcdefghijkl';
/** A shopper's browser: tracking calls from it pass the bot gate. */
export const BROWSER_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
export const OTHER_PUBLIC_KEY = 'otherpub';
export const OTHER_PRIVATE_KEY = 'OtherPrivateKey0123456789abcdefghijk';

export interface TestApp {
  runtime: Runtime;
  /** The database URL the app runs on. */
  url: string;
  /** Calls /v2/<endpoint>; GET/DELETE put args in the query string (JSON-encoded values), POST/PATCH in a JSON body. */
  call(endpoint: string, args?: Record<string, unknown>, opts?: { method?: 'GET' | 'POST' | 'PATCH' | 'DELETE'; priv?: boolean; key?: string | null; headers?: Record<string, string> }): Promise<CallResult>;
  /** A request through the server's root handler (/v2/ transport, then Fastify), in process. */
  inject(options: InjectOptions): Promise<LightResponse>;
  close(): Promise<void>;
}

export interface CallResult {
  status: number;
  body: any;
  headers: Record<string, unknown>;
  raw: string;
}

/** Builds an app on a fresh database with two stores ("test" and "other"). */
export async function makeTestApp(options: { databaseUrl?: string; config?: Partial<Config>; now?: () => number; log?: Logger } = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'relevo-test-'));
  const url = options.databaseUrl ?? `sqlite:${join(dir, 'test.db')}`;
  const storage = await openStorage(url);
  await createStore(storage, { name: 'test', publicKey: PUBLIC_KEY, privateKey: PRIVATE_KEY });
  await createStore(storage, { name: 'other', publicKey: OTHER_PUBLIC_KEY, privateKey: OTHER_PRIVATE_KEY });
  const config = testConfig(options.config);
  // RELEVO_TEST_LOG=error shows the server log of a failing test.
  const runtime = await buildRuntime(config, storage, options.log ?? pino({ level: process.env.RELEVO_TEST_LOG ?? 'silent' }), options.now);
  await runtime.app.ready();
  const call = callerFor(runtime);
  return {
    runtime,
    url,
    call,
    inject: (opts) => inject(runtime.app.handle, opts),
    async close() {
      await runtime.close();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
      if (url.startsWith('postgres')) await dropPgSchema(url);
    },
  };
}

/** analytics/<endpoint> over `range` with the private key, expecting 200: the answer's body. */
export function analyticsGetter(app: () => TestApp, range: Record<string, unknown>) {
  return async (endpoint: string, args: Record<string, unknown> = {}) => {
    const res = await app().call(`analytics/${endpoint}`, { ...range, ...args }, { method: 'GET', priv: true });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
}

/** TestApp.call over a runtime: the Clerk transport, in process, with the test store's keys. */
export function callerFor(runtime: Runtime): TestApp['call'] {
  return async (endpoint, args = {}, opts = {}) => {
    const method = opts.method ?? 'POST';
    const full: Record<string, unknown> = { ...args };
    if (opts.key !== null) full.key = opts.key ?? PUBLIC_KEY;
    if (opts.priv) full.private_key = PRIVATE_KEY;
    const inBody = method === 'POST' || method === 'PATCH';
    const res = await inject(runtime.app.handle, {
      method,
      url: `/v2/${endpoint}${inBody ? '' : `?${toQuery(full)}`}`,
      headers: { 'user-agent': BROWSER_UA, ...(inBody ? { 'content-type': 'application/json' } : {}), ...opts.headers },
      ...(inBody ? { payload: JSON.stringify(full) } : {}),
    });
    return { status: res.statusCode, body: safeJson(res.body), headers: res.headers, raw: res.body };
  };
}

/** Query string with JSON-encoded non-string values, as Clerk.js sends them. */
export function toQuery(args: Record<string, unknown>): string {
  return Object.entries(args)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`)
    .join('&');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A product with sensible defaults. */
export function makeProduct(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = overrides.id ?? 1;
  return {
    id,
    name: `Product ${String(id)}`,
    description: `Description of ${String(id)}`,
    price: 10,
    image: `https://shop.example/${String(id)}.jpg`,
    url: `https://shop.example/p/${String(id)}`,
    categories: [1],
    created_at: 1700000000,
    ...overrides,
  };
}

export function makeCategory(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = overrides.id ?? 1;
  return { id, name: `Category ${String(id)}`, url: `https://shop.example/c/${String(id)}`, subcategories: [], ...overrides };
}
