/**
 * Hostile arguments, run on SQLite (hostile.test.ts) and PostgreSQL (hostile.pg-test.ts): for
 * every route of the route table (walked, so a new route is covered without editing this file)
 * and every dashboard JSON/CSV endpoint (logged in), fast-check throws wrong types, huge and odd
 * numbers, deep nesting, odd and long unicode, injection strings, prototype keys and the other
 * store's IDs and keys, as a query string, a JSON body, a form body, a `payload` or a raw body.
 * Every answer must be a non-500, failures in the Clerk error envelope; no unhandled rejection;
 * and the other store's rows (products, events, sales, rollups …) are the same afterwards.
 *
 * RELEVO_HOSTILE_RUNS (default 25) sets the runs per route, RELEVO_HOSTILE_SEED the seed (default
 * fixed; `random` for a new one each run); a failure names the seed to replay it.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_API_PATHS } from '../src/dashboard/api.js';
import { BROWSER_UA, makeTestApp, makeProduct, OTHER_PRIVATE_KEY, OTHER_PUBLIC_KEY, PRIVATE_KEY, PUBLIC_KEY, type TestApp } from './helpers/app.js';
import { dumpAllRows } from './helpers/db.js';

const RUNS = Number(process.env.RELEVO_HOSTILE_RUNS ?? 25);
// A fixed default seed keeps CI deterministic; RELEVO_HOSTILE_SEED=random (or a number) explores.
const SEED_ENV = process.env.RELEVO_HOSTILE_SEED;
const SEED = SEED_ENV === undefined ? 20261207 : SEED_ENV === 'random' ? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0 : Number(SEED_ENV);
const ERROR_TYPES = ['ParsingError', 'LogicalError', 'AuthenticationError', 'RateLimitError', 'OverloadedError'];
const METHODS = ['GET', 'POST', 'PATCH', 'DELETE'] as const;

// The other store's IDs: sent to the test store's endpoints, they must reach only the test store.
const OTHER_PRODUCT = 'o1';
const OTHER_VISITOR = 'othervisitor1';
const OTHER_EMAIL = 'victim@other.example';
const OTHER_CUSTOMER = 'othercustomer1';

const deep = (n: number, leaf: unknown = 1): unknown => (n === 0 ? leaf : n % 2 ? [deep(n - 1, leaf)] : { a: deep(n - 1, leaf) });

const ODD_TEXT = [
  "' OR 1=1 --", "'; DROP TABLE catalog_docs; --", '" OR ""="', '1); DELETE FROM events; --', "$1", '%', '_', '\\', "\\'",
  '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', 'javascript:alert(1)', '${7*7}', '{{7*7}}', '../../../etc/passwd',
  '\u0000', 'a\u0000b', '\ud800', 'x\udc00', '\udbff\udfff', '\u202e\u0645\u0631\u062d\u0628\u0627', '👩‍👩‍👧‍👦🏳️‍🌈', '\ufeff', '\u200b', 'Ω≈ç√∫', 'ß', 'İ',
  'NaN', 'Infinity', '-Infinity', '-0', '1e308', '9007199254740993', '-1', '0x10', '1.5', '', ' ', 'null', 'undefined', 'true', '[]', '{}', '[1,', '{"a":',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
  OTHER_PRODUCT, OTHER_VISITOR, OTHER_EMAIL, OTHER_CUSTOMER, OTHER_PRIVATE_KEY,
  '9999-12-31', '3000-01-02T00:00:00Z', '275760-09-13', '1970-01-01', '2026-02-30',
  'x'.repeat(100_000), 'é'.repeat(100_000), '\u202e'.repeat(10_000), '😀'.repeat(30_000),
];
const ODD_NUMBERS = [1e308, -1e308, -0, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, -1, 0, 0.5, 1.5, 1e-308, 2 ** 31, 2 ** 32, 2 ** 63, 1e21, 32503680001, 1700000000.5];
const KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'id', 'products', 'visitor', 'email', 'customer', 'labels', 'limit', 'offset', 'filter', 'query', 'from', 'to', 'callback', 'payload', 'name', 'price', 'categories', 'attributes'];
// Plausible values, so calls get past validation and into the handlers with the other store's IDs.
const PLAUSIBLE: unknown[] = [
  'p1', ['p1'], 1, [1], 10, 'hello', OTHER_PRODUCT, [OTHER_PRODUCT], [OTHER_PRODUCT, 'p1'], OTHER_VISITOR, OTHER_EMAIL, OTHER_CUSTOMER, 'auto', 'Home', ['Home'],
  [makeProduct({ id: OTHER_PRODUCT, name: 'hijack' })], [{ id: OTHER_PRODUCT }], { id: OTHER_PRODUCT }, [{ id: OTHER_PRODUCT, quantity: 1, price: 1 }],
  'price > 5', 'categories in [1]', 'name contains "a"', 1700000000, '2026-11-01', 'day', 'hour', true, false, null,
];

// Plausible values by argument name, so most calls reach a handler carrying the other store's IDs.
const BY_NAME: Record<string, unknown[]> = {
  visitor: [OTHER_VISITOR, 'testvisitor1', 'auto', null], labels: [['Home'], ['Home', 'Cart']], limit: [3, 10, '5'], offset: [0, 2],
  products: [[OTHER_PRODUCT], ['p1', OTHER_PRODUCT], [makeProduct({ id: OTHER_PRODUCT, name: 'hijack' })], [{ id: OTHER_PRODUCT, quantity: 1, price: 5 }]],
  product: [OTHER_PRODUCT, 'p1'], email: [OTHER_EMAIL], customer: [OTHER_CUSTOMER], query: ['product', OTHER_PRODUCT, 'hijack'],
  from: [1700000000, '2026-11-01'], to: [1800000000, '2026-11-30'], category: [1, '1'], sale: ['hostile-sale', 'o-sale-1'],
  filter: ['price > 5', 'id = "o1"'], attributes: [['name', 'price']], exclude: [[OTHER_PRODUCT]], time: [1700000000],
  categories: [[{ id: 1, name: 'C', url: 'https://x.example/c' }]], customers: [[{ id: OTHER_CUSTOMER, email: OTHER_EMAIL }]],
  orders: [[{ id: 'o-sale-1', products: [{ id: OTHER_PRODUCT, quantity: 1, price: 1 }], time: 1700000000 }]],
};

const text = fc.oneof(
  fc.constantFrom(...ODD_TEXT),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const number = fc.oneof(fc.constantFrom(...ODD_NUMBERS), fc.double(), fc.integer());
const key = fc.oneof(fc.constantFrom(...KEYS), text.filter((s) => s.length < 200));
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    text, number, fc.boolean(), fc.constant(null), fc.constantFrom(...PLAUSIBLE),
    fc.constantFrom(deep(70), deep(200, 'x'), deep(63)),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
}));

/**
 * Key choices. The other store's public key goes only with the test store's private key, so it
 * can never make a legitimate call on the other store.
 */
const keys = fc.oneof(
  { arbitrary: fc.constant({ key: PUBLIC_KEY, private_key: PRIVATE_KEY }), weight: 12 },
  fc.constant({ key: PUBLIC_KEY }),
  fc.constant({ key: OTHER_PUBLIC_KEY, private_key: PRIVATE_KEY }),
  fc.constant({ key: PUBLIC_KEY, private_key: OTHER_PRIVATE_KEY }),
  fc.constant({}),
  fc.record({ key: value.filter((v) => v !== OTHER_PUBLIC_KEY), private_key: value }),
);

type Transport = 'query' | 'json' | 'form' | 'payload' | 'raw';
const RAW_BODIES = ['{"a":', '[1,2', 'null', '"x"', '42', '\u0000', '{"__proto__":{"polluted":1}}', `${'['.repeat(5000)}${']'.repeat(5000)}`, 'a=1&b[]=2&b[]=3', 'key=&private_key=', '\ud800', '{}'.repeat(10_000)];

interface HostileCall {
  method: string;
  transport: Transport;
  args: Record<string, unknown>;
  raw: string;
}

/** A hostile call to a route taking these argument names and methods. */
function hostileCall(names: string[], methods: readonly string[]): fc.Arbitrary<HostileCall> {
  const plausible = (n: string) => fc.constantFrom(...(BY_NAME[n] ?? PLAUSIBLE));
  const named = fc.record(Object.fromEntries(names.map((n) => [n, fc.oneof({ arbitrary: plausible(n), weight: 10 }, { arbitrary: value, weight: 1 })])), { requiredKeys: [] });
  return fc.record({
    method: fc.oneof({ arbitrary: fc.constantFrom(...methods), weight: 5 }, { arbitrary: fc.constantFrom(...METHODS), weight: 1 }),
    transport: fc.constantFrom<Transport>('query', 'query', 'json', 'json', 'json', 'form', 'payload', 'raw'),
    named,
    extra: fc.oneof({ arbitrary: fc.constant({}), weight: 2 }, fc.dictionary(key, value, { maxKeys: 3 })),
    keys,
    raw: fc.constantFrom(...RAW_BODIES),
  }).map(({ method, transport, named, extra, keys, raw }) => {
    const args: Record<string, unknown> = {};
    for (const [k, v] of [...Object.entries(extra), ...Object.entries(named)]) Object.defineProperty(args, k, { value: v, enumerable: true, writable: true, configurable: true });
    // The keys last, so no generated `key` argument stands in for them.
    delete args.key;
    delete args.private_key;
    Object.assign(args, keys);
    return { method, transport, args, raw };
  });
}

const LONE_SURROGATE = /([\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff])/;

/** encodeURIComponent that also sends a lone surrogate (as its 3 WTF-8 bytes) instead of throwing. */
function encodeAny(text: string): string {
  return text.split(LONE_SURROGATE).map((part, i) => {
    if (i % 2 === 0) return encodeURIComponent(part);
    const c = part.charCodeAt(0);
    return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
  }).join('');
}

/** A query string of hostile arguments (JSON-encoded non-strings, as Clerk.js sends them). */
function queryOf(args: Record<string, unknown>): string {
  return Object.entries(args).map(([k, v]) => `${encodeAny(k)}=${encodeAny(typeof v === 'string' ? v : JSON.stringify(v) ?? '')}`).join('&');
}

/** The request for a hostile call to a path. */
function requestOf(path: string, c: HostileCall): { method: string; url: string; headers: Record<string, string>; payload?: string } {
  const headers: Record<string, string> = { 'user-agent': BROWSER_UA };
  const json = JSON.stringify(c.args);
  switch (c.transport) {
    case 'query':
      return { method: c.method, url: `${path}?${queryOf(c.args)}`, headers };
    case 'payload':
      return { method: c.method, url: `${path}?payload=${encodeAny(json)}`, headers };
    case 'json':
      return { method: c.method, url: path, headers: { ...headers, 'content-type': 'application/json' }, payload: json };
    case 'form':
      return { method: c.method, url: path, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, payload: queryOf(c.args) };
    case 'raw': {
      const { key: k, private_key: pk } = c.args;
      return { method: c.method, url: `${path}?${queryOf({ key: k ?? '', private_key: pk ?? '' })}`, headers: { ...headers, 'content-type': 'application/json' }, payload: c.raw };
    }
  }
}

/** The JSON of an answer (a JSONP answer's inner JSON); undefined when it is neither. */
function answerJson(raw: string): any {
  const m = /^\/\*\*\/[\w$.]+\(([\s\S]*)\);$/.exec(raw);
  try {
    return JSON.parse(m ? m[1] : raw);
  } catch {
    return undefined;
  }
}

/** Throws unless the answer is a non-500 and, when a failure, the Clerk error envelope. */
function checkAnswer(status: number, raw: string, contentType: unknown): void {
  if (status >= 500) throw new Error(`HTTP ${status}: ${raw.slice(0, 300)}`);
  const body = answerJson(raw);
  const isError = status >= 400 || (body && body.status === 'error');
  if (!isError) return;
  if (!body || body.status !== 'error' || typeof body.message !== 'string' || body.message === '' || !ERROR_TYPES.includes(body.type)) {
    throw new Error(`HTTP ${status} without the error envelope (${String(contentType)}): ${raw.slice(0, 300)}`);
  }
}

/** Every row of the other store (tables with a store_id column, and its own stores row). */
async function otherStoreRows(t: TestApp, otherId: number): Promise<Record<string, unknown[]>> {
  await t.runtime.ingest.settle();
  const dump = await dumpAllRows(t.url);
  const out: Record<string, unknown[]> = {};
  for (const [table, json] of Object.entries(dump)) {
    const rows = (JSON.parse(json) as Array<Record<string, unknown> | string>).map((r) => (typeof r === 'string' ? JSON.parse(r) : r)) as Array<Record<string, unknown>>;
    const mine = rows.filter((r) => (table === 'stores' ? Number(r.id) === otherId : 'store_id' in r && Number(r.store_id) === otherId));
    if (mine.length > 0) out[table] = mine.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

async function ok(call: Promise<{ status: number; raw: string }>): Promise<void> {
  const res = await call;
  expect(res.status, res.raw).toBe(200);
}

/** Seeds both stores: products, a visitor's clicks and a sale, an email link. */
async function seed(t: TestApp): Promise<void> {
  for (const [key, priv, prefix] of [[PUBLIC_KEY, PRIVATE_KEY, 'p'], [OTHER_PUBLIC_KEY, OTHER_PRIVATE_KEY, 'o']] as const) {
    const products = [1, 2, 3].map((i) => makeProduct({ id: `${prefix}${i}`, price: 10 * i }));
    await ok(t.call('products', { products, private_key: priv }, { key }));
    const visitor = prefix === 'o' ? OTHER_VISITOR : 'testvisitor1';
    await ok(t.call('recommendations/popular', { visitor, labels: ['Home'], limit: 3 }, { key }));
    await ok(t.call('log/click', { visitor, product: `${prefix}1` }, { key }));
    await ok(t.call('log/sale', { visitor, sale: `${prefix}-sale-1`, email: prefix === 'o' ? OTHER_EMAIL : 't@test.example', customer: prefix === 'o' ? OTHER_CUSTOMER : 'c1', products: [{ id: `${prefix}1`, quantity: 1, price: 10 }] }, { key }));
  }
}

interface HostileTarget {
  /** The database URL, or undefined for a temporary SQLite file. */
  databaseUrl?: string;
}

/** The property test against one adapter. */
export function describeHostile(name: string, target: () => HostileTarget): void {
  describe(`hostile arguments (${name})`, () => {
    let t: TestApp;
    let otherId: number;
    let before: Record<string, unknown[]>;
    let cookie: string;
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    /** Answers by outcome (`ok` or the error type): the calls must get past validation often enough to mean something. */
    const outcomes = new Map<string, number>();

    beforeAll(async () => {
      process.on('unhandledRejection', onUnhandled);
      t = await makeTestApp({ databaseUrl: target().databaseUrl });
      otherId = (await t.runtime.storage.stores.listStores()).find((s) => s.name === 'other')!.id;
      await seed(t);
      before = await otherStoreRows(t, otherId);
      expect(Object.keys(before)).toEqual(expect.arrayContaining(['catalog_docs', 'events', 'sales', 'impressions']));
      const login = await t.inject({ method: 'POST', url: '/dashboard/login', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' }, payload: JSON.stringify({ public_key: PUBLIC_KEY, private_key: PRIVATE_KEY }) });
      expect(login.statusCode).toBe(303);
      cookie = String(login.headers['set-cookie']).split(';')[0];
    });

    afterAll(async () => {
      process.off('unhandledRejection', onUnhandled);
      await t?.close();
    });

    const property = async (label: string, arb: fc.Arbitrary<HostileCall>, send: (c: HostileCall) => Promise<{ statusCode: number; body: string; headers: Record<string, unknown> }>) => {
      const result = await fc.check(fc.asyncProperty(arb, async (c) => {
        const res = await send(c);
        checkAnswer(res.statusCode, res.body, res.headers['content-type']);
        const outcome = res.statusCode < 400 ? 'ok' : String(answerJson(res.body)?.type);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }), { numRuns: RUNS, seed: SEED, endOnFailure: true });
      if (result.failed) {
        const cause = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
        throw new Error(`${label}: ${cause}\nReplay with RELEVO_HOSTILE_SEED=${SEED}\n${(fc.defaultReportMessage(result) ?? "").slice(0, 4000)}`);
      }
    };

    it('every route of the table survives hostile arguments', async () => {
      expect(t.runtime.routes.length).toBeGreaterThan(30);
      for (const r of t.runtime.routes) {
        await property(`${r.methods.join('/')} /v2/${r.name}`, hostileCall(Object.keys(r.schema.shape), r.methods), (c) => t.inject(requestOf(`/v2/${r.name}`, c)) as never);
      }
      if (process.env.RELEVO_HOSTILE_STATS) console.log(outcomes);
      expect(outcomes.get('ok') ?? 0).toBeGreaterThan(t.runtime.routes.length * RUNS * 0.1);
    }, 600_000);

    it('every dashboard endpoint survives hostile query strings and bodies (logged in)', async () => {
      expect(DASHBOARD_API_PATHS.length).toBeGreaterThan(10);
      for (const path of DASHBOARD_API_PATHS) {
        const arb = hostileCall(['from', 'to', 'labels', 'api', 'granularity', 'name', 'after'], ['GET']).map((c) => ({ ...c, method: 'GET', transport: 'query' as Transport }));
        await property(`/dashboard/api/${path}`, arb, (c) => t.inject({ ...requestOf(`/dashboard/api/${path}`, c), headers: { cookie } }) as never);
      }
      // The dashboard's writes: login (refusals are throttled: a 429 is fine, a 500 is not) and logout.
      for (const path of ['/dashboard/login', '/dashboard/logout']) {
        const arb = hostileCall(['public_key', 'private_key'], ['POST']).filter((c) => c.transport !== 'query' && c.transport !== 'payload');
        await property(path, arb, async (c) => {
          const req = requestOf(path, c);
          const res = await t.inject({ ...req, method: 'POST', url: path, headers: { ...req.headers, 'sec-fetch-site': 'same-origin' } });
          // A refused login answers the login page (HTML) to a form post: only JSON answers carry the envelope.
          const html = String(res.headers['content-type']).startsWith('text/html');
          return html ? { ...res, body: res.statusCode >= 500 ? res.body : '{"status":"ok"}', statusCode: res.statusCode >= 500 ? res.statusCode : 200 } : res;
        });
      }
      const still = await t.inject({ method: 'GET', url: '/dashboard/api/overview', headers: { cookie } });
      expect(still.statusCode).toBe(200);
    }, 600_000);

    it('regressions: time bounds and NUL characters are ParsingErrors naming the argument', async () => {
      const fractional = await t.call('analytics/overview', { from: 1700000000.25, to: 1700003600.75 }, { method: 'GET', priv: true });
      expect(fractional.status).toBe(200);
      const huge = await t.call('analytics/overview', { to: 32503680001 }, { method: 'GET', priv: true });
      expect(huge.status).toBe(400);
      expect(huge.body).toMatchObject({ status: 'error', type: 'ParsingError', message: expect.stringContaining('to') });
      const hugeDate = await t.call('analytics/labels', { from: '2999-12-01', to: '3000-01-05' }, { method: 'GET', priv: true });
      expect(hugeDate.body).toMatchObject({ status: 'error', type: 'ParsingError', message: expect.stringContaining('to') });
      const nul = await t.inject({ method: 'GET', url: `/dashboard/api/labels?${queryOf({ labels: 'a\u0000b' })}`, headers: { cookie } });
      expect(nul.statusCode).toBe(400);
      expect(JSON.parse(nul.body)).toMatchObject({ status: 'error', type: 'ParsingError', message: expect.stringContaining('labels') });
      const nulApi = await t.inject({ method: 'GET', url: `/dashboard/api/searches?${queryOf({ api: 'x\u0000' })}`, headers: { cookie } });
      expect(nulApi.statusCode).toBe(400);
    });

    it("leaves the other store's data unchanged, and the process unharmed", async () => {
      expect(await otherStoreRows(t, otherId)).toEqual(before);
      expect(unhandled).toEqual([]);
      expect((await t.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    });
  });
}
