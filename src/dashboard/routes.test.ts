/**
 * The dashboard's HTTP surface, in-process: sessions (login, cookie flags, forged and expired
 * cookies, logout, restarts), the login wall on every page and endpoint, CSV quoting and assets.
 * The analytics service is a fixed fake here: these tests are about the dashboard, not the numbers
 * (the browser suite checks those against the real analytics API).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsService } from '../analytics/service.js';
import type { AnalyticsQuery, LabelRow, SeriesPoint } from '../analytics/types.js';
import { UnavailableError } from '../errors.js';
import { makeTestApp, PRIVATE_KEY as TEST_PRIVATE_KEY, PUBLIC_KEY as TEST_PUBLIC_KEY } from '../../test/helpers/app.js';
import { openStorage } from '../storage/open.js';
import type { Storage } from '../storage/ports.js';
import { createStore, KeyDirectory } from '../stores/keys.js';
import { csvField } from './csv.js';
import { registerDashboard, type DashboardAnalytics } from './routes.js';

const PUBLIC_KEY = 'dashpub';
const PRIVATE_KEY = 'DashPrivateKey0123456789abcdefghijklmn';
const OTHER_PRIVATE_KEY = 'OtherDashKey0123456789abcdefghijklmnop';
const PAGES = ['/dashboard', '/dashboard/labels', '/dashboard/label?name=Home', '/dashboard/searches', '/dashboard/products', '/dashboard/live', '/dashboard/nope'];
const APIS = ['overview', 'labels', 'products', 'searches', 'timeseries', 'label?name=Home', 'events?after=0', 'labels.csv', 'products.csv', 'timeseries.csv', 'searches-top.csv', 'searches-zero-result.csv', 'searches-no-click.csv', 'channels.csv', 'label-products.csv?name=Home', 'events.csv'];

const label = (name: string, over: Partial<LabelRow> = {}): LabelRow => ({
  label: name, impressions: 100, products_shown: 500, visitors: 40, clicks: 10, ctr: 0.1, orders: 2, units: 3, revenue: 59.5, conversion_rate: 0.2, revenue_per_mille: 595, mean_position: 1.5, ...over,
});
const point = (t: number): SeriesPoint => ({ t, impressions: 1, clicks: 0, ctr: 0, orders: 0, revenue: 0, attributed_orders: 0, attributed_revenue: 0 });
const zero = { orders: 0, revenue: 0 };

/** A fixed analytics service: every answer is the same whatever the range. */
const fake: DashboardAnalytics = {
  overview: async () => ({
    orders: 3, revenue: 100, attributed_orders: 1, attributed_revenue: 40, attributed_share: 0.4,
    channels: { search: zero, recommendations: { orders: 1, revenue: 40 }, external: zero, organic: { orders: 2, revenue: 60 } },
    impressions: 100, clicks: 10, ctr: 0.1,
    conversion: { clickers: { visitors: 5, orders: 1, rate: 0.2 }, non_clickers: { visitors: 50, orders: 2, rate: 0.04 }, uplift: 4 },
  }),
  labels: async () => [label('Home'), label('Cart, "upsell"\nline 2', { mean_position: null }), label('=HYPERLINK("x")')],
  products: async () => [{ product: 'p1', name: 'Toner, black', impressions: 5, clicks: 1, ctr: 0.2, orders: 1, units: 1, revenue: 9.99, attributed_orders: 1, attributed_units: 1, attributed_revenue: 9.99 }],
  searches: async () => ({ searches: 2, zero_result_rate: 0.5, no_click_rate: 1, top: [{ query: 'toner', searches: 1, zero_results: 0, clicks: 0, ctr: 0, orders: 0, units: 0, revenue: 0, conversion_rate: 0 }], zero_result: [{ query: 'xyz', searches: 1 }], no_click: [] }),
  timeseries: async (_s, q) => [point(q.from), point(q.from + 86400)],
  labelDetail: async () => ({ series: [point(1_700_000_000)], products: [], positions: [{ position: 1, clicks: 3 }] }),
  recentEvents: async (_s, after) => [{ seq: after + 1, type: 'click', time: 1_700_000_000, visitor: 'v1', product: 'p1', category: null, labels: ['Home'], api: 'recommendations/popular' }],
};

// Compile-time check: the real service is what the dashboard expects.
export const realServiceFits: (s: AnalyticsService) => DashboardAnalytics = (s) => s;

let dir: string;
let storage: Storage;
let clock = 1_800_000_000;
let app: FastifyInstance;
const seen: LightMyRequestResponse[] = [];

/** An app like createApp's: every body arrives as a string. */
async function buildApp(options: { secure?: boolean; trustedProxies?: ReadonlySet<string> } = {}): Promise<FastifyInstance> {
  const a = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
  a.removeAllContentTypeParsers();
  a.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  registerDashboard(a, { keys: new KeyDirectory(storage), storage, analytics: fake, log: pino({ level: 'silent' }), now: () => clock, ...options });
  await a.ready();
  return a;
}

async function get(url: string, cookie?: string, target = app) {
  const res = await target.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
  seen.push(res);
  return res;
}

async function login(privateKey = PRIVATE_KEY, publicKey = PUBLIC_KEY, target = app) {
  const res = await target.inject({
    method: 'POST', url: '/dashboard/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ public_key: publicKey, private_key: privateKey }).toString(),
  });
  seen.push(res);
  return res;
}

/** The `name=value` part of a Set-Cookie header, ready to send back. */
function cookieOf(res: LightMyRequestResponse): string {
  return String(res.headers['set-cookie']).split(';')[0];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'relevo-dash-'));
  storage = await openStorage(`sqlite:${join(dir, 'test.db')}`);
  await createStore(storage, { name: 'Dash <Shop>', publicKey: PUBLIC_KEY, privateKey: PRIVATE_KEY });
  await createStore(storage, { name: 'other', publicKey: 'otherdash', privateKey: OTHER_PRIVATE_KEY });
  app = await buildApp();
});

afterAll(async () => {
  await app.close();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('login', () => {
  it('serves the form with a strict CSP', async () => {
    const res = await get('/dashboard/login');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('<label for="private_key">Private key</label>');
    expect(res.headers['content-security-policy']).toMatch(/^default-src 'self';/);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('sets an HttpOnly, SameSite=Strict session cookie scoped to /dashboard and redirects', async () => {
    const res = await login();
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/dashboard');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^relevo_dash=\d+\.\d+\.[0-9a-f]{64}; Path=\/dashboard; Max-Age=43200; HttpOnly; SameSite=Strict$/);
    const store = await storage.stores.findStoreByPublicKey(PUBLIC_KEY);
    expect(await storage.stores.getSetting(store!.id, 'dashboard_secret')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts a JSON body too', async () => {
    const res = await app.inject({ method: 'POST', url: '/dashboard/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ public_key: PUBLIC_KEY, private_key: PRIVATE_KEY }) });
    expect(res.statusCode).toBe(303);
    expect(String(res.headers['set-cookie'])).toMatch(/^relevo_dash=/);
  });

  it('marks the cookie Secure when serving over HTTPS', async () => {
    const secure = await buildApp({ secure: true });
    expect(String((await login(PRIVATE_KEY, PUBLIC_KEY, secure)).headers['set-cookie'])).toMatch(/; Secure$/);
    await secure.close();
  });

  it.each([
    ['a wrong private key', OTHER_PRIVATE_KEY, PUBLIC_KEY],
    ['an unknown public key', PRIVATE_KEY, 'nosuchstore'],
    ['an empty private key', '', PUBLIC_KEY],
  ])('refuses %s with 403, the form again and no cookie', async (_name, priv, pub) => {
    const res = await login(priv, pub);
    expect(res.statusCode).toBe(403);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.body).toContain('Wrong public key or private key.');
    expect(res.body).toContain('<form method="post" action="/dashboard/login"');
    if (priv) expect(res.body).not.toContain(priv);
    expect(res.body).not.toContain(pub);
  });

  it('sends a logged-in visitor from the login form to the dashboard', async () => {
    const res = await get('/dashboard/login', cookieOf(await login()));
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/dashboard');
  });
});

describe('session defences', () => {
  const PROXY = '10.0.0.9';
  const form = (pub: string, priv: string) => new URLSearchParams({ public_key: pub, private_key: priv }).toString();
  const post = (target: FastifyInstance, headers: Record<string, string>, opts: { remoteAddress?: string; payload?: string; url?: string } = {}) =>
    target.inject({
      method: 'POST', url: opts.url ?? '/dashboard/login', remoteAddress: opts.remoteAddress,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: opts.payload ?? form(PUBLIC_KEY, PRIVATE_KEY),
    });

  it.each([
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site (a sibling subdomain)', { 'sec-fetch-site': 'same-site', origin: 'http://evil.localhost:80' }],
    ['an Origin of another host', { origin: 'https://evil.example', host: 'shop.example' }],
    ['Origin: null without Sec-Fetch-Site', { origin: 'null' }],
    ['Origin: null with Sec-Fetch-Site: cross-site', { origin: 'null', 'sec-fetch-site': 'cross-site' }],
    ['a forged X-Forwarded-Host from an untrusted peer', { origin: 'https://evil.example', host: 'shop.example', 'x-forwarded-host': 'evil.example' }],
  ])('refuses a login or logout with %s (403, the error envelope, no cookie)', async (_name, headers) => {
    for (const url of ['/dashboard/login', '/dashboard/logout']) {
      const res = await post(app, headers, { url });
      expect(res.statusCode).toBe(403);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.json()).toMatchObject({ status: 'error', type: 'AuthenticationError', message: expect.stringContaining('Cross-site'), id: expect.any(String) });
    }
  });

  it.each([
    ['Sec-Fetch-Site: same-origin', { 'sec-fetch-site': 'same-origin', origin: 'http://localhost:80' }],
    ['Origin: null with Sec-Fetch-Site: same-origin (Chromium under some referrer policies)', { 'sec-fetch-site': 'same-origin', origin: 'null' }],
    ['Sec-Fetch-Site: none (typed by the user)', { 'sec-fetch-site': 'none' }],
    ['an Origin matching Host (an older browser)', { origin: 'http://shop.example:8080', host: 'shop.example:8080' }],
    ['no Origin and no Sec-Fetch-Site (not a browser)', {}],
  ])('accepts a login with %s', async (_name, headers) => {
    const res = await post(app, headers);
    expect(res.statusCode).toBe(303);
    expect(String(res.headers['set-cookie'])).toMatch(/^relevo_dash=\d/);
  });

  it('believes X-Forwarded-Host and -Proto only from a trusted proxy, and marks the cookie Secure behind its HTTPS', async () => {
    const proxied = await buildApp({ trustedProxies: new Set([PROXY]) });
    const headers = { origin: 'https://shop.example', host: 'relevo:8080', 'x-forwarded-host': 'shop.example', 'x-forwarded-proto': 'https' };
    const ok = await post(proxied, headers, { remoteAddress: PROXY });
    expect(ok.statusCode).toBe(303);
    expect(String(ok.headers['set-cookie'])).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
    expect((await post(proxied, headers, { remoteAddress: '192.0.2.7' })).statusCode).toBe(403);
    expect((await post(proxied, { ...headers, 'x-forwarded-proto': 'http' }, { remoteAddress: PROXY })).statusCode).toBe(403);
    const plain = await post(proxied, { 'x-forwarded-proto': 'https' }, { remoteAddress: '192.0.2.7' });
    expect(String(plain.headers['set-cookie'])).not.toContain('Secure');
    await proxied.close();
  });

  it('sends Referrer-Policy: same-origin, so same-origin fetches keep a real Origin', async () => {
    expect((await get('/dashboard/login')).headers['referrer-policy']).toBe('same-origin');
  });

  it('refuses a sixth failed login within a minute from one IP with 429 and Retry-After, even with the right keys, until the minute passes', async () => {
    const throttled = await buildApp();
    const from = { remoteAddress: '198.51.100.4' };
    for (let i = 0; i < 5; i++) expect((await post(throttled, {}, { ...from, payload: form(PUBLIC_KEY, OTHER_PRIVATE_KEY) })).statusCode).toBe(403);
    const json = await throttled.inject({ method: 'POST', url: '/dashboard/login', ...from, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ public_key: PUBLIC_KEY, private_key: PRIVATE_KEY }) });
    expect(json.statusCode).toBe(429);
    expect(Number(json.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(json.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(json.json()).toMatchObject({ status: 'error', type: 'RateLimitError', message: expect.stringContaining('failed logins'), id: expect.any(String) });
    expect(json.headers['set-cookie']).toBeUndefined();
    const html = await post(throttled, {}, from);
    expect(html.statusCode).toBe(429);
    expect(html.headers['retry-after']).toBeDefined();
    expect((await post(throttled, {}, { remoteAddress: '198.51.100.5' })).statusCode).toBe(303); // another client
    clock += 61;
    expect((await post(throttled, {}, from)).statusCode).toBe(303);
    await throttled.close();
  });
});

describe('the login wall', () => {
  it.each(PAGES)('redirects %s to the login form without a session', async (url) => {
    const res = await get(url);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/dashboard/login');
    expect(res.body).toBe('');
  });

  it.each(APIS)('answers /dashboard/api/%s with 401 JSON without a session', async (path) => {
    const res = await get(`/dashboard/api/${path}`);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ status: 'error', type: 'AuthenticationError', message: 'Not logged in', id: expect.any(String) });
  });

  it('refuses forged, tampered, foreign and expired cookies', async () => {
    const good = cookieOf(await login());
    const [, storeId, expiry, mac] = /^relevo_dash=(\d+)\.(\d+)\.([0-9a-f]+)$/.exec(good)!;
    const flipped = mac.slice(0, -1) + (mac.endsWith('0') ? '1' : '0');
    const other = await storage.stores.findStoreByPublicKey('otherdash');
    const forged = [
      `relevo_dash=${storeId}.${expiry}.${flipped}`,
      `relevo_dash=${storeId}.${Number(expiry) + 3600}.${mac}`,
      `relevo_dash=${other!.id}.${expiry}.${mac}`,
      `relevo_dash=${storeId}.${expiry}`,
      'relevo_dash=' + 'x'.repeat(5000),
    ];
    for (const cookie of forged) {
      expect((await get('/dashboard/labels', cookie)).statusCode).toBe(303);
      expect((await get('/dashboard/api/labels', cookie)).statusCode).toBe(401);
    }
    expect((await get('/dashboard/labels', good)).statusCode).toBe(200);
    clock += 12 * 3600 + 1;
    try {
      expect((await get('/dashboard/labels', good)).statusCode).toBe(303);
      expect((await get('/dashboard/api/overview', good)).statusCode).toBe(401);
    } finally {
      clock -= 12 * 3600 + 1;
    }
  });

  it('keeps sessions valid across instances and restarts (the secret lives in the store settings)', async () => {
    const cookie = cookieOf(await login());
    const second = await buildApp();
    expect((await get('/dashboard/api/overview', cookie, second)).statusCode).toBe(200);
    await second.close();
  });

  it('logout clears the cookie and returns to the login form', async () => {
    const res = await app.inject({ method: 'POST', url: '/dashboard/logout', headers: { cookie: cookieOf(await login()) } });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/dashboard/login');
    expect(String(res.headers['set-cookie'])).toBe('relevo_dash=; Path=/dashboard; Max-Age=0; HttpOnly; SameSite=Strict');
  });
});

describe('logged in', () => {
  let cookie: string;
  beforeAll(async () => {
    cookie = cookieOf(await login());
  });

  it('answers 503 with Retry-After while the database is out of reach', async () => {
    const overview = fake.overview;
    fake.overview = async () => {
      throw new UnavailableError(new Error('Connection terminated unexpectedly'));
    };
    try {
      const res = await get('/dashboard/api/overview', cookie);
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('2');
      expect(JSON.parse(res.body)).toMatchObject({ status: 'error', type: 'UnavailableError' });
    } finally {
      fake.overview = overview;
    }
  });

  it.each(PAGES.slice(0, -1))('serves the %s shell with the store name escaped and assets linked', async (url) => {
    const res = await get(url, cookie);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('Dash &#60;Shop&#62;');
    expect(res.body).toContain('<script src="/dashboard/assets/app.js" defer></script>');
    expect(res.body).not.toMatch(/<script>|style="/);
  });

  it('answers 404 for unknown pages', async () => {
    expect((await get('/dashboard/nope', cookie)).statusCode).toBe(404);
  });

  it('answers the JSON endpoints in the ok envelope', async () => {
    expect((await get('/dashboard/api/labels?from=1700000000&to=1700086400', cookie)).json()).toEqual({ status: 'ok', labels: await fake.labels(1, {} as AnalyticsQuery) });
    const overview = (await get('/dashboard/api/overview', cookie)).json();
    expect(overview).toMatchObject({ status: 'ok', attributed_share: 0.4, channels: { organic: { orders: 2, revenue: 60 } } });
    expect((await get('/dashboard/api/timeseries?from=1700000000&to=1700172800', cookie)).json().series.map((p: SeriesPoint) => p.t)).toEqual([1700000000, 1700086400]);
    expect((await get('/dashboard/api/label?name=Home', cookie)).json()).toMatchObject({ status: 'ok', label: 'Home', positions: [{ position: 1, clicks: 3 }] });
    expect((await get('/dashboard/api/events?after=41', cookie)).json().events[0].seq).toBe(42);
  });

  it('reports bad arguments as Clerk ParsingErrors', async () => {
    const res = await get('/dashboard/api/labels?from=yesterday', cookie);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ status: 'error', type: 'ParsingError', message: expect.stringMatching(/^Invalid Syntax In Argument: from/) });
    expect((await get('/dashboard/api/labels?granularity=week', cookie)).json()).toMatchObject({ message: 'Invalid Syntax In Argument: granularity (hour or day)' });
    expect((await get('/dashboard/api/timeseries?labels=%5B1%5D', cookie)).statusCode).toBe(400);
    expect((await get('/dashboard/api/label', cookie)).json()).toMatchObject({ message: 'Missing Argument name' });
    expect((await get('/dashboard/api/events?after=-1', cookie)).statusCode).toBe(400);
  });

  it('exports CSV with a header row and RFC 4180 quoting', async () => {
    const res = await get('/dashboard/api/labels.csv?from=1699920000&to=1700006400', cookie);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="relevo-labels-20231114-20231114.csv"');
    expect(res.body).toBe(
      'label,impressions,products_shown,visitors,clicks,ctr,orders,units,revenue,conversion_rate,revenue_per_mille,mean_position\r\n' +
        'Home,100,500,40,10,0.1,2,3,59.5,0.2,595,1.5\r\n' +
        '"Cart, ""upsell""\nline 2",100,500,40,10,0.1,2,3,59.5,0.2,595,\r\n' +
        `"'=HYPERLINK(""x"")",100,500,40,10,0.1,2,3,59.5,0.2,595,1.5\r\n`,
    );
    expect((await get('/dashboard/api/products.csv', cookie)).body).toBe(
      'product,name,impressions,clicks,ctr,orders,units,revenue,attributed_orders,attributed_units,attributed_revenue\r\np1,"Toner, black",5,1,0.2,1,1,9.99,1,1,9.99\r\n',
    );
    expect((await get('/dashboard/api/searches-no-click.csv', cookie)).body).toBe('query,searches\r\n');
    expect((await get('/dashboard/api/channels.csv', cookie)).body).toBe('channel,orders,revenue\r\nsearch,0,0\r\nrecommendations,1,40\r\nexternal,0,0\r\norganic,2,60\r\n');
    expect((await get('/dashboard/api/timeseries.csv?from=1700000000&to=1700172800', cookie)).body.split('\r\n')[1]).toBe('2023-11-14T22:13:20.000Z,1,0,0,0,0,0,0');
  });

  it('quotes single fields as RFC 4180 says', () => {
    expect([csvField('plain'), csvField('a,b'), csvField('say "hi"'), csvField('two\r\nlines'), csvField(null), csvField(0), csvField(-1), csvField('-1')]).toEqual([
      'plain', '"a,b"', '"say ""hi"""', '"two\r\nlines"', '', '0', '-1', "'-1",
    ]);
  });
});

describe('assets', () => {
  it.each([
    ['uPlot.iife.min.js', 'text/javascript; charset=utf-8', 'uPlot'],
    ['uPlot.min.css', 'text/css; charset=utf-8', '.uplot'],
    ['app.js', 'text/javascript; charset=utf-8', "'use strict'"],
    ['app.css', 'text/css; charset=utf-8', '.table-scroll'],
  ])('serves %s as %s without a session, with an ETag', async (name, type, snippet) => {
    const res = await get(`/dashboard/assets/${name}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.body).toContain(snippet);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const again = await app.inject({ method: 'GET', url: `/dashboard/assets/${name}`, headers: { 'if-none-match': String(res.headers.etag) } });
    expect(again.statusCode).toBe(304);
  });

  it('answers 404 for anything else', async () => {
    expect((await get('/dashboard/assets/..%2Fauth.ts')).statusCode).toBe(404);
    expect((await get('/dashboard/assets/nope.js')).statusCode).toBe(404);
  });
});

describe('secrecy', () => {
  it('never sends a key back, in any header or body', () => {
    expect(seen.length).toBeGreaterThan(50);
    for (const res of seen) {
      const text = JSON.stringify(res.headers) + res.body;
      for (const key of [PRIVATE_KEY, OTHER_PRIVATE_KEY, PUBLIC_KEY]) expect(text).not.toContain(key);
    }
  });
});

describe('wired into createApp', () => {
  it('serves the dashboard from the app the runtime builds, over the real analytics service', async () => {
    const t = await makeTestApp();
    try {
      const res = await t.inject({ method: 'POST', url: '/dashboard/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `public_key=${TEST_PUBLIC_KEY}&private_key=${TEST_PRIVATE_KEY}` });
      expect(res.statusCode).toBe(303);
      const cookie = cookieOf(res);
      const labels = await t.inject({ method: 'GET', url: '/dashboard/api/labels', headers: { cookie } });
      expect(labels.json()).toEqual({ status: 'ok', labels: [] });
      expect((await t.inject({ method: 'GET', url: '/dashboard/labels' })).statusCode).toBe(303);
    } finally {
      await t.close();
    }
  });
});
