/**
 * Secrets never reach the log: at trace level, calls with the private key, dashboard logins (right
 * and wrong keys, form and JSON), a refused cross-site write and a client's log/debug whose
 * metadata holds keys, passwords and cookies up to three levels deep; then the captured lines are
 * searched for every secret sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { makeProduct, makeTestApp, OTHER_PRIVATE_KEY, PRIVATE_KEY, PUBLIC_KEY, type TestApp } from './helpers/app.js';

const PASSWORD = 'hunter2-Secret-Password';
const AUTH = 'Bearer abcdefSecretToken123';
const COOKIE = 'relevo_dash=1.2.deadbeefSecretCookie';

describe('log redaction', () => {
  const lines: string[] = [];
  let t: TestApp;
  let sessionCookie = '';

  beforeAll(async () => {
    t = await makeTestApp({ log: createLogger('trace', { write: (line: string) => void lines.push(line) }) });
  });
  afterAll(() => t?.close());

  it('logs no key, password, cookie or authorization header, at trace level', async () => {
    expect((await t.call('products', { products: [makeProduct({ id: 'p1' })] }, { priv: true, headers: { authorization: AUTH, cookie: COOKIE } })).status).toBe(200);
    expect((await t.call('privacy/info', { email: 'a@b.example' }, { method: 'GET', priv: true })).status).toBe(200);
    expect((await t.call('products', { products: [makeProduct({ id: 'p2' })], private_key: OTHER_PRIVATE_KEY })).status).toBe(403);
    const metadata = {
      private_key: PRIVATE_KEY, key: PUBLIC_KEY, password: PASSWORD,
      nested: { privateKey: PRIVATE_KEY, headers: { authorization: AUTH, cookie: COOKIE }, deeper: { password: PASSWORD, 'set-cookie': COOKIE } },
    };
    expect((await t.call('log/debug', { source: 'plugin', type: 'error', message: 'checkout failed', metadata, private_key: PRIVATE_KEY })).status).toBe(200);

    for (const [type, body] of [
      ['application/x-www-form-urlencoded', new URLSearchParams({ public_key: PUBLIC_KEY, private_key: PRIVATE_KEY }).toString()],
      ['application/json', JSON.stringify({ public_key: PUBLIC_KEY, private_key: OTHER_PRIVATE_KEY, password: PASSWORD })],
    ]) {
      const res = await t.inject({ method: 'POST', url: '/dashboard/login', headers: { 'content-type': type, authorization: AUTH, cookie: COOKIE }, payload: body });
      if (res.statusCode === 303) sessionCookie = String(res.headers['set-cookie']).split(';')[0].split('=')[1];
    }
    const crossSite = await t.inject({ method: 'POST', url: '/dashboard/login', headers: { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json', cookie: COOKIE }, payload: JSON.stringify({ public_key: PUBLIC_KEY, private_key: PRIVATE_KEY }) });
    expect(crossSite.statusCode).toBe(403);
    expect((await t.inject({ method: 'GET', url: '/dashboard/api/overview', headers: { cookie: `relevo_dash=${sessionCookie}` } })).statusCode).toBe(200);

    const log = lines.join('');
    expect(log).toContain('client debug');
    expect(log).toContain('dashboard login');
    expect(log).toContain('[redacted]');
    expect(sessionCookie).not.toBe('');
    for (const secret of [PRIVATE_KEY, OTHER_PRIVATE_KEY, PUBLIC_KEY, PASSWORD, AUTH, 'abcdefSecretToken123', 'deadbeefSecretCookie', sessionCookie]) {
      expect(log, `a log line holds ${secret}`).not.toContain(secret);
    }
  });
});
