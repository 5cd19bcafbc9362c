/**
 * The whole click-tracking flow of an API setup in a real browser: a Relevo server process with
 * the demo store and the example shop (`--example-shop`), driven in Debian's Chromium by
 * playwright-core. A fresh visitor opens the home page, clicks a product in the "Home - Popular"
 * slider, buys it; the analytics API and the dashboard then credit that order's revenue to the
 * slider's label, and the visitor's next home page recommends differently. A second device that
 * logs in with the same email sees the first device's history. Screenshots go to test-results/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, spawnRelevo, type Child } from '../../bench/lib/processes.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = join(ROOT, 'test-results');
// Headless Chromium names itself HeadlessChrome, which the bot gate rightly drops: shoppers' browsers do not.
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
const LABEL = 'Home - Popular';
const EMAIL = 'ann@example.com';

let dir: string;
let server: Child;
let base: string;
let privateKey: string;
let browser: Browser;
const problems: string[] = [];

/** A shopper's device: its own cookies and storage; only this server is reachable (product images are on the internet). */
async function device(): Promise<{ context: BrowserContext; page: Page; requests: Request[] }> {
  const context = await browser.newContext({ userAgent: UA, viewport: { width: 1280, height: 900 } });
  await context.route((url) => url.origin !== base, (route) => route.abort());
  const requests: Request[] = [];
  context.on('request', (r) => void (r.url().startsWith(`${base}/v2/`) && requests.push(r)));
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return { context, page, requests };
}

/** Waits until shop.js has rendered the element (its aria-busy turns false). */
async function rendered(page: Page, selector: string): Promise<void> {
  await page.waitForSelector(`${selector}[aria-busy="false"]`, { timeout: 15000 });
}

/** The product IDs a slider shows, in order. */
async function shown(page: Page, id: string): Promise<string[]> {
  return page.$$eval(`#${id} [data-relevo-product]`, (els) => els.map((e) => e.getAttribute('data-relevo-product')!));
}

async function privateCall(endpoint: string, args: Record<string, string | number>): Promise<any> {
  const query = new URLSearchParams(Object.entries({ key: 'demo', private_key: privateKey, ...args }).map(([k, v]) => [k, String(v)]));
  const res = await fetch(`${base}/v2/${endpoint}?${query}`, { headers: { 'user-agent': UA } });
  const body = await res.json();
  if (!Array.isArray(body)) expect(body.status, JSON.stringify(body)).toBe('ok'); // product/attributes answers a bare array
  return body;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `shop-${name}.png`), fullPage: true });

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'relevo-shop-'));
  server = await spawnRelevo(`sqlite:${join(dir, 'relevo.db')}`, { RELEVO_DEMO: '1', RELEVO_EXAMPLE_SHOP: '1' });
  base = `http://127.0.0.1:${server.port}`;
  const m = /private key: ([A-Za-z0-9]{40})/.exec(server.stderr());
  if (!m) throw new Error(`no demo private key on the server's stderr: ${server.stderr()}`);
  privateKey = m[1];
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}, 120000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('example shop in Chromium', () => {
  let first: Awaited<ReturnType<typeof device>>;
  let bought: { id: string; price: number; sale: string };
  let forYouBefore: string[];

  it('gives a fresh visitor a year-long SameSite=Lax ID cookie and two labelled sliders', async () => {
    first = await device();
    const { page, context, requests } = first;
    await page.goto(`${base}/shop/`);
    await rendered(page, '#popular');
    await rendered(page, '#for-you');
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'relevo_visitor');
    expect(cookie.value).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(cookie.sameSite).toBe('Lax');
    expect(cookie.expires - Date.now() / 1000).toBeGreaterThan(364 * 86400);
    expect(await shown(page, 'popular')).toHaveLength(8);
    forYouBefore = await shown(page, 'for-you');
    expect(forYouBefore.length).toBeGreaterThan(0);
    const calls = requests.map((r) => [new URL(r.url()).pathname, JSON.parse(r.postData()!).labels, JSON.parse(r.postData()!).visitor]);
    expect(calls).toEqual(expect.arrayContaining([
      ['/v2/recommendations/popular', [LABEL], cookie.value],
      ['/v2/recommendations/visitor/complementary', ['Home - Recommended for you'], cookie.value],
    ]));
    await shot(page, 'home');
  });

  it('logs the click on a slider product with the request_id, api, labels and position of the call that rendered it', async () => {
    const { page } = first;
    const requestId = await page.getAttribute('#popular', 'data-relevo-request');
    const product = (await shown(page, 'popular'))[1];
    const [click] = await Promise.all([
      page.context().waitForEvent('request', (r) => r.url().endsWith('/v2/log/click')),
      page.click(`#popular [data-relevo-product="${product}"]`),
    ]);
    expect(JSON.parse(click.postData()!)).toMatchObject({ key: 'demo', product, request_id: requestId, api: 'recommendations/popular', labels: [LABEL], n: 1 });
    await page.waitForURL(`${base}/shop/product.html?id=${product}`);
    await rendered(page, '#product');
    await rendered(page, '#bought-together');
    await rendered(page, '#alternatives');
    expect(await page.textContent('#bought-together h2')).toBe('Bought together');
    expect(await page.textContent('#alternatives h2')).toBe('Alternatives');
    expect(await shown(page, 'alternatives')).not.toContain(product);
    const price = Number((await page.textContent('#product .price'))!.replace('€', ''));
    bought = { id: product, price, sale: '' };
    await shot(page, 'product');
  });

  it('orders it: basket, checkout with an email, the order-success page logs the sale', async () => {
    const { page, requests } = first;
    await page.click('#add');
    await page.goto(`${base}/shop/basket.html`);
    expect(await page.textContent('#total')).toBe(`€${bought.price.toFixed(2)}`);
    await page.fill('#checkout input[name=email]', EMAIL);
    await page.click('#checkout button');
    await page.waitForURL(`${base}/shop/success.html`);
    await rendered(page, '#order-status');
    bought.sale = (await page.textContent('#order-id'))!;
    const sale = requests.find((r) => r.url().endsWith('/v2/log/sale'))!;
    expect(JSON.parse(sale.postData()!)).toMatchObject({ sale: bought.sale, email: EMAIL, products: [{ id: bought.id, price: bought.price, quantity: 1 }] });
    expect(await page.textContent('#basket-link')).toBe('Basket');
    await shot(page, 'success');
  });

  it('credits the order’s revenue to the slider’s label in the analytics API', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { labels } = await privateCall('analytics/labels', { from: now - 3600, to: now + 3600 });
    const row = labels.find((l: { label: string }) => l.label === LABEL);
    expect(row).toMatchObject({ clicks: 1, orders: 1, units: 1, revenue: bought.price, mean_position: 1 });
    expect(row.impressions).toBeGreaterThanOrEqual(1);
  });

  it('and on the dashboard’s labels page', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/dashboard/login`);
    await page.getByLabel('Public key').fill('demo');
    await page.getByLabel('Private key').fill(privateKey);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${base}/dashboard`);
    await page.goto(`${base}/dashboard/labels`);
    await page.waitForSelector('main[aria-busy="false"]', { timeout: 10000 });
    const cells = await page.$$eval('#labels-table tbody tr', (trs, label) => {
      const tr = trs.find((t) => t.querySelector('td[data-key="label"]')?.getAttribute('data-value') === label);
      return tr ? Object.fromEntries(Array.from(tr.querySelectorAll('td[data-key]')).map((td) => [td.getAttribute('data-key'), td.getAttribute('data-value')])) : null;
    }, LABEL);
    expect(cells).not.toBeNull();
    expect(Number(cells!.orders)).toBe(1);
    expect(Number(cells!.revenue)).toBe(bought.price);
    await page.screenshot({ path: join(SHOTS, 'shop-dashboard-labels.png'), fullPage: true });
    await context.close();
  });

  it('shows the visitor different recommendations on the next home page', async () => {
    const { page } = first;
    await page.goto(`${base}/shop/`);
    await rendered(page, '#for-you');
    const after = await shown(page, 'for-you');
    expect(after.length).toBeGreaterThan(0);
    expect(after).not.toEqual(forYouBefore);
    expect(after).not.toContain(bought.id); // bought: not recommended back
    await shot(page, 'home-after');
  });

  it('gives a second device that logs in with the same email the first device’s history', async () => {
    const second = await device();
    const { page, context } = second;
    await page.goto(`${base}/shop/account.html`);
    await rendered(page, '#history');
    const before = await shown(page, 'history'); // a new visitor's history falls back to popular products
    await page.fill('#login input[name=email]', EMAIL);
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/v2/recommendations/visitor/history')), page.click('#login button')]);
    await rendered(page, '#history');
    const after = await shown(page, 'history');
    expect(after).toEqual([bought.id]); // what the first device viewed and bought
    expect(before).not.toEqual(after);
    const [a] = (await first.context.cookies()).filter((c) => c.name === 'relevo_visitor');
    const [b] = (await context.cookies()).filter((c) => c.name === 'relevo_visitor');
    expect(b.value).not.toBe(a.value);
    // Relevo holds one person with both devices.
    const info = await privateCall('privacy/info', { email: EMAIL });
    expect(new Set(info.activity.map((e: { visitor: string }) => e.visitor))).toEqual(new Set([a.value, b.value]));
    expect(info.orders).toEqual([bought.sale]);
    await shot(page, 'second-device');
    await context.close();
  });

  it('searches with brand facets that filter the results', async () => {
    const { page, context } = await device();
    await page.goto(`${base}/shop/`);
    await page.fill('#search-form input', 'toner');
    await page.press('#search-form input', 'Enter');
    await page.waitForURL(/\/shop\/search\.html\?q=toner/);
    await rendered(page, '#results');
    expect((await shown(page, 'results')).length).toBeGreaterThan(1);
    const facet = page.locator('#facets [data-facet="brand"]').first();
    const brand = (await facet.textContent())!;
    await facet.click();
    await page.waitForURL(/brand=/);
    await rendered(page, '#results');
    const ids = await shown(page, 'results');
    expect(ids.length).toBeGreaterThan(0);
    const brands = await privateCall('product/attributes', { products: JSON.stringify(ids), attributes: '["brand"]' });
    expect(new Set(brands.map((p: { brand: string }) => p.brand))).toEqual(new Set([brand]));
    await shot(page, 'search');
    await context.close();
  });

  it('raised no error in any page', () => {
    expect(problems).toEqual([]);
  });
});
