/** The Clerk transport: argument merging, envelopes, error types, JSONP, CORS, limits. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { v } from '../src/api/validate.js';
import { createApp } from '../src/app.js';
import { route } from '../src/api/route.js';
import { testConfig } from '../src/config/config.js';
import { makeProduct, makeTestApp, OTHER_PUBLIC_KEY, PRIVATE_KEY, PUBLIC_KEY, type TestApp } from './helpers/app.js';

let t: TestApp;
const errorShape = (type: string, message: string) => ({ status: 'error', type, message, id: expect.stringMatching(/^[0-9a-f]{12}$/), moreInfo: expect.any(String) });

beforeAll(async () => {
  t = await makeTestApp();
  const res = await t.call('product/add', { products: [makeProduct({ id: 1, brand: 'Acme' }), makeProduct({ id: 'b2', name: 'Second', price: 5 })] }, { priv: true });
  expect(res.body).toEqual({ status: 'ok' });
});
afterAll(() => t.close());

const attrsUrl = (query: string) => `/v2/product/attributes?${query}`;

describe('argument merging', () => {
  it('decodes JSON arrays in the query string', async () => {
    const res = await t.inject({ method: 'GET', url: attrsUrl(`key=${PUBLIC_KEY}&products=[1,"b2"]&attributes=["name"]`) });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual([{ id: 1, name: 'Product 1' }, { id: 'b2', name: 'Second' }]);
  });

  it('accepts x[]= lists and comma-separated lists', async () => {
    const a = await t.inject({ method: 'GET', url: attrsUrl(`key=${PUBLIC_KEY}&products[]=1&products[]=b2&attributes[]=price`) });
    expect(JSON.parse(a.body)).toEqual([{ id: 1, price: 10 }, { id: 'b2', price: 5 }]);
    const b = await t.inject({ method: 'GET', url: attrsUrl(`key=${PUBLIC_KEY}&products=b2,1&attributes=price,brand`) });
    expect(JSON.parse(b.body)).toEqual([{ id: 'b2', price: 5 }, { id: 1, price: 10, brand: 'Acme' }]);
  });

  it('reads a payload= JSON object (Clerk.js style)', async () => {
    const payload = encodeURIComponent(JSON.stringify({ key: PUBLIC_KEY, products: [1], attributes: ['name'] }));
    const res = await t.inject({ method: 'GET', url: `/v2/product/attributes?payload=${payload}` });
    expect(JSON.parse(res.body)).toEqual([{ id: 1, name: 'Product 1' }]);
  });

  it.each([
    ['application/json'],
    ['application/x-www-form-urlencoded'],
    ['text/plain'],
    [undefined],
  ])('parses a JSON body whatever its Content-Type (%s)', async (type) => {
    const res = await t.inject({
      method: 'POST',
      url: '/v2/product/attributes',
      payload: JSON.stringify({ key: PUBLIC_KEY, products: ['b2'], attributes: ['name'] }),
      headers: type ? { 'content-type': type } : {},
    });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual([{ id: 'b2', name: 'Second' }]);
  });

  it('parses a genuinely form-encoded body', async () => {
    const res = await t.inject({
      method: 'POST',
      url: '/v2/product/attributes',
      payload: `key=${PUBLIC_KEY}&products=${encodeURIComponent('["b2"]')}&attributes=name`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(JSON.parse(res.body)).toEqual([{ id: 'b2', name: 'Second' }]);
  });

  it('lets the body win over payload, and payload over the query string', async () => {
    const payload = encodeURIComponent(JSON.stringify({ products: ['b2'], attributes: ['price'] }));
    const res = await t.inject({
      method: 'POST',
      url: `/v2/product/attributes?key=${PUBLIC_KEY}&products=[1]&attributes=["name"]&payload=${payload}`,
      payload: JSON.stringify({ attributes: ['brand', 'name'] }),
    });
    expect(JSON.parse(res.body)).toEqual([{ id: 'b2', name: 'Second' }]);
  });

  it('accepts numbers sent as strings', async () => {
    const res = await t.call('product/add', { products: [makeProduct({ id: 3 })] }, { priv: true, method: 'GET' });
    expect(res.body).toEqual({ status: 'ok' });
    const facets = await t.inject({ method: 'GET', url: `/v2/product/facets?key=${PUBLIC_KEY}&products=3&attributes=price` });
    expect(JSON.parse(facets.body).facets.price).toEqual([{ type: 'unit', name: '10', value: 10, count: 1 }]);
  });

  it('accepts a trailing slash', async () => {
    const res = await t.inject({ method: 'GET', url: attrsUrl(`key=${PUBLIC_KEY}&products=[1]&attributes=["name"]`).replace('attributes?', 'attributes/?') });
    expect(JSON.parse(res.body)).toEqual([{ id: 1, name: 'Product 1' }]);
  });
});

describe('envelopes and error types', () => {
  it('answers ParsingError 400 for malformed JSON', async () => {
    const res = await t.inject({ method: 'POST', url: '/v2/product/attributes', payload: '{"key": "testpub", "products": [1,', headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toEqual(errorShape('ParsingError', expect.stringMatching(/^Invalid request body: malformed JSON/)));
  });

  it('names a missing argument', async () => {
    const res = await t.call('product/attributes', {});
    expect(res.status).toBe(400);
    expect(res.body).toEqual(errorShape('ParsingError', 'Missing Argument products'));
  });

  it('names a mistyped argument', async () => {
    const res = await t.call('product/attributes', { products: [{ nested: true }] });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(errorShape('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: products \(/)));
  });

  it('answers LogicalError 404 for an unknown endpoint', async () => {
    const res = await t.call('recommendations/nonsense', {});
    expect(res.status).toBe(404);
    expect(res.body).toEqual(errorShape('LogicalError', 'Unknown endpoint: recommendations/nonsense'));
  });

  it('answers LogicalError 400 for a method the endpoint does not take', async () => {
    const res = await t.call('product/add', { products: [makeProduct()] }, { method: 'DELETE', priv: true });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(errorShape('LogicalError', 'product/add does not accept DELETE; use GET, POST'));
  });

  it('answers AuthenticationError 403 for a missing or unknown key', async () => {
    const missing = await t.call('product/attributes', { products: [1] }, { key: null });
    expect(missing.status).toBe(403);
    expect(missing.body).toEqual(errorShape('AuthenticationError', 'Missing Argument key'));
    const unknown = await t.call('product/attributes', { products: [1] }, { key: 'nosuchkey' });
    expect(unknown.status).toBe(403);
    expect(unknown.body).toEqual(errorShape('AuthenticationError', 'Invalid API key'));
  });

  it('answers InternalError 500 with only an id, logging the cause', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'error' }, { write: (l: string) => void lines.push(l) });
    const boom = route({ name: 'boom', methods: ['GET'], auth: 'public', schema: v.object({}), handler: () => { throw new Error('secret detail'); } });
    const app = createApp({ config: testConfig(), storage: t.runtime.storage, log, keys: t.runtime.keys, routes: [boom], metrics: t.runtime.metrics });
    const res = await app.inject({ method: 'GET', url: `/v2/boom?key=${PUBLIC_KEY}` });
    const body = JSON.parse(res.body);
    expect(res.statusCode).toBe(500);
    expect(body).toEqual(errorShape('InternalError', `Internal error; see the server log under id ${body.id}`));
    expect(res.body).not.toContain('secret detail');
    expect(lines.join('')).toContain('secret detail');
    expect(lines.join('')).toContain(body.id);
    await app.close();
  });

  it('answers JSON for paths outside /v2/', async () => {
    const res = await t.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body)).toEqual(errorShape('LogicalError', 'Not found: GET /nope'));
  });
});

describe('JSONP', () => {
  it('wraps the answer in the callback', async () => {
    const res = await t.inject({ method: 'GET', url: attrsUrl(`key=${PUBLIC_KEY}&products=[1]&attributes=["name"]&callback=Clerk.cb_1`) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/javascript');
    expect(res.body).toBe('/**/Clerk.cb_1([{"id":1,"name":"Product 1"}]);');
  });

  it('wraps errors too, with status 200 so the script runs', async () => {
    const res = await t.inject({ method: 'GET', url: `/v2/product/attributes?key=${PUBLIC_KEY}&callback=cb` });
    expect(res.statusCode).toBe(200);
    const m = /^\/\*\*\/cb\((.*)\);$/.exec(res.body);
    expect(JSON.parse(m![1])).toEqual(errorShape('ParsingError', 'Missing Argument products'));
  });

  it('refuses a callback name that is not an identifier', async () => {
    const res = await t.inject({ method: 'GET', url: attrsUrl(`key=${PUBLIC_KEY}&products=[1]&callback=${encodeURIComponent('alert(1)//')}`) });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toEqual(errorShape('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: callback/)));
  });
});

describe('CORS', () => {
  it('answers a preflight for a public endpoint', async () => {
    const res = await t.inject({ method: 'OPTIONS', url: '/v2/product/attributes', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-methods']).toContain('POST');
    expect(res.headers['access-control-allow-headers']).toBe('content-type');
  });

  it('sends CORS headers on public answers, errors included', async () => {
    const ok = await t.inject({ method: 'GET', url: attrsUrl(`key=${PUBLIC_KEY}&products=[1]`), headers: { origin: 'https://shop.example' } });
    expect(ok.headers['access-control-allow-origin']).toBe('*');
    const bad = await t.inject({ method: 'GET', url: attrsUrl('key=nosuchkey&products=[1]'), headers: { origin: 'https://shop.example' } });
    expect(bad.headers['access-control-allow-origin']).toBe('*');
  });

  it('sends no CORS headers for private endpoints', async () => {
    const pre = await t.inject({ method: 'OPTIONS', url: '/v2/product/add', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    const res = await t.call('products', { products: [1] }, { method: 'GET', priv: true });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('limits', () => {
  const catalogIds = async () => (await t.call('products', { products: [1, 'b2', 3, 'big', 'deep'] }, { method: 'GET', priv: true })).body.products.map((p: { id: unknown }) => p.id);

  it('refuses a body over 10 MiB with a ParsingError and changes nothing', async () => {
    const before = await catalogIds();
    const big = JSON.stringify({ key: PUBLIC_KEY, private_key: PRIVATE_KEY, products: [makeProduct({ id: 'big', description: 'x'.repeat(10 * 1024 * 1024 + 10) })] });
    const res = await t.inject({ method: 'POST', url: '/v2/product/add', payload: big, headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toEqual(errorShape('ParsingError', `Request body larger than ${10 * 1024 * 1024} bytes`));
    expect(await catalogIds()).toEqual(before);
  });

  it('refuses 1,000-deep nesting with a ParsingError and changes nothing', async () => {
    const before = await catalogIds();
    const deep = '{"key":"testpub","private_key":"' + PRIVATE_KEY + '","products":[{"id":"deep","x":' + '['.repeat(1000) + ']'.repeat(1000) + '}]}';
    const res = await t.inject({ method: 'POST', url: '/v2/product/add', payload: deep });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toEqual(errorShape('ParsingError', 'Invalid request: arguments nested deeper than 64 levels'));
    expect(await catalogIds()).toEqual(before);
  });

  it('refuses a body that is not an object', async () => {
    const res = await t.inject({ method: 'POST', url: '/v2/product/attributes', payload: '[1,2]' });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toEqual(errorShape('ParsingError', 'Invalid request body: expected a JSON object'));
  });
});

describe('health', () => {
  it('answers ok when the store answers', async () => {
    const res = await t.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'ok', storage: 'sqlite' });
  });
});

describe('text PostgreSQL cannot store', () => {
  it.each([['a NUL', 'a\u0000b'], ['an unpaired surrogate', 'a\ud800b']])('refuses %s, naming the argument', async (_what, text) => {
    const res = await t.call('product/add', { products: [makeProduct({ id: 'nul', name: text })] }, { priv: true });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(errorShape('ParsingError', 'Invalid Syntax In Argument: products (text holds a NUL character or an unpaired surrogate)'));
  });
});

describe('rate limit (RELEVO_RATE_LIMIT)', () => {
  it('answers RateLimitError 429 with Retry-After once a client has used its burst; other clients, stores and private-key calls go on', async () => {
    // The injected peer is 127.0.0.1: trusting it makes X-Forwarded-For name the client.
    const app = await makeTestApp({ config: { rateLimit: 1, rateBurst: 2, trustedProxies: ['127.0.0.1'] } });
    try {
      const view = (ip: string, opts: { key?: string; callback?: string } = {}) =>
        app.call('log/product', { product: 1, visitor: 'v1', ...(opts.callback ? { callback: opts.callback } : {}) }, { key: opts.key, headers: { 'x-forwarded-for': ip } });
      expect((await view('203.0.113.1')).status).toBe(200);
      expect((await view('203.0.113.1')).status).toBe(200);
      const limited = await view('203.0.113.1');
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual({
        status: 'error', type: 'RateLimitError', id: expect.any(String), moreInfo: expect.any(String),
        message: 'Rate limit exceeded: at most 1 calls per second from one client (bursts of 2); retry in 1 s',
      });
      expect(limited.headers['retry-after']).toBe('1');
      expect(limited.headers['access-control-allow-origin']).toBe('*'); // a browser can read why
      // JSONP: 200 so the callback runs, with the same error inside.
      const jsonp = await view('203.0.113.1', { callback: 'cb' });
      expect([jsonp.status, jsonp.raw]).toEqual([200, expect.stringMatching(/^\/\*\*\/cb\(\{"status":"error","type":"RateLimitError"/)]);
      expect((await view('203.0.113.2')).status).toBe(200); // another client
      expect((await view('203.0.113.1', { key: OTHER_PUBLIC_KEY })).status).toBe(200); // another store
      const sync = await app.call('product/add', { products: [makeProduct({ id: 9 })] }, { priv: true, headers: { 'x-forwarded-for': '203.0.113.1' } });
      expect(sync.body).toEqual({ status: 'ok' }); // the shop's own server, never limited
    } finally {
      await app.close();
    }
  });
});
