/** The example shop is served only behind its flag, with the client's built ESM file beside its pages. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadShopFiles } from '../src/example-shop.js';
import { makeTestApp, type TestApp } from './helpers/app.js';

let off: TestApp;
let on: TestApp;
beforeAll(async () => {
  off = await makeTestApp();
  on = await makeTestApp({ config: { exampleShop: true } });
});
afterAll(async () => {
  await off.close();
  await on.close();
});

describe('example shop', () => {
  it('is not served without --example-shop', async () => {
    for (const url of ['/shop/', '/shop/shop.js', '/shop/relevo-client.js']) expect((await off.inject({ url })).statusCode).toBe(404);
  });

  it('serves every page, its script and the client with their content types', async () => {
    const files = loadShopFiles();
    expect([...files.keys()].sort()).toEqual(['account.html', 'basket.html', 'index.html', 'product.html', 'relevo-client.js', 'search.html', 'shop.css', 'shop.js', 'success.html']);
    const home = await on.inject({ url: '/shop/' });
    expect([home.statusCode, home.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);
    expect(home.body).toContain('data-page="index"');
    const client = await on.inject({ url: '/shop/relevo-client.js' });
    expect([client.statusCode, client.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect(client.body).toBe(readFileSync(new URL('../client/dist/index.js', import.meta.url), 'utf8'));
    expect((await on.inject({ url: '/shop/../package.json' })).statusCode).toBe(404);
    expect((await on.inject({ url: '/shop/missing.html' })).statusCode).toBe(404);
  });
});
