/**
 * Security review checks that walk the route table (docs/security.md): CORS headers only on
 * endpoints that take the public key alone, on preflights and answers alike, none on the
 * dashboard; and JSONP callbacks only as plain dotted identifiers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, PUBLIC_KEY, type TestApp } from './helpers/app.js';

describe('security', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(() => t?.close());

  it('sends CORS headers on every public endpoint and on no private one', async () => {
    const names = [...new Set(t.runtime.routes.map((r) => r.name))];
    for (const name of names) {
      const isPublic = t.runtime.routes.filter((r) => r.name === name).every((r) => r.auth === 'public');
      const preflight = await t.inject({ method: 'OPTIONS', url: `/v2/${name}`, headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } });
      const answer = await t.call(name, {}, { method: t.runtime.routes.find((r) => r.name === name)!.methods[0], headers: { origin: 'https://shop.example' } });
      for (const res of [preflight.headers, answer.headers]) {
        expect(res['access-control-allow-origin'], `${name} (${isPublic ? 'public' : 'private'})`).toBe(isPublic ? '*' : undefined);
      }
    }
    const dash = await t.inject({ method: 'GET', url: '/dashboard/login', headers: { origin: 'https://evil.example' } });
    expect(dash.headers['access-control-allow-origin']).toBeUndefined();
  });

  it.each(['alert(1)', 'a;b', '<script>', 'a b', '1abc', 'a'.repeat(65), 'a[0]', 'a\u2028b', 'x=y'])('refuses the JSONP callback %j', async (callback) => {
    const res = await t.inject({ method: 'GET', url: `/v2/product/attributes?key=${PUBLIC_KEY}&products=[1]&callback=${encodeURIComponent(callback)}` });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toMatchObject({ type: 'ParsingError', message: expect.stringContaining('callback') });
  });
});
