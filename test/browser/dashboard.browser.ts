/**
 * The dashboard in a real browser: a Relevo server process on a temporary SQLite database (demo
 * store on), a little history made through the public API, and Debian's Chromium driven by
 * playwright-core. Checks the login wall, the labels table against /v2/analytics/labels, the
 * date-range presets, CSV export and the phone layout; saves a screenshot of every page to
 * test-results/. Run through scripts/test-browser.mjs, which skips it when Chromium is missing.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, spawnRelevo, type Child } from '../../bench/lib/processes.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// The flags this machine kind needs: no sandbox as root, and no background calls to Google.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = join(ROOT, 'test-results');
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
const LABELS = ['Home page', 'Product page - Alternatives', 'Cart, "upsell"'];
const METRICS = ['impressions', 'clicks', 'ctr', 'orders', 'revenue', 'conversion_rate', 'revenue_per_mille', 'mean_position'] as const;
const PAGES = ['/dashboard', '/dashboard/labels', '/dashboard/label?name=Home%20page', '/dashboard/searches', '/dashboard/products', '/dashboard/orders', '/dashboard/live'];

let dir: string;
let server: Child;
let base: string;
let privateKey: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const requested: string[] = [];
const problems: string[] = [];

async function call(endpoint: string, args: Record<string, unknown>): Promise<any> {
  const res = await fetch(`${base}/v2/${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': UA }, body: JSON.stringify({ key: 'demo', ...args }) });
  const body = await res.json();
  if (body.status !== 'ok') throw new Error(`${endpoint}: ${JSON.stringify(body)}`);
  return body;
}

/** Impressions on three labels, clicks on some results, sales after some clicks and one without. */
async function makeHistory(): Promise<void> {
  for (let v = 0; v < 6; v++) {
    const visitor = `visitor${v}`;
    for (const [i, label] of LABELS.entries()) {
      const shown = await call('recommendations/popular', { limit: 5, visitor, labels: [label] });
      if ((v + i) % 2 === 0) {
        const position = (v + i) % shown.result.length;
        const product = shown.result[position];
        await call('log/click', { product, visitor, labels: [label], api: 'recommendations/popular', request_id: shown.request_id, n: position });
        if (v % 3 === 0) await call('log/sale', { sale: `s-${v}-${i}`, visitor, products: [{ id: product, price: 20 + v, quantity: 1 + i }] });
      }
    }
  }
  // Searches through search/search: one clicked and bought, one that finds nothing, one never clicked.
  const found = await call('search/search', { query: 'Toner zz9', limit: 5, visitor: 'searcher', labels: ['Search page'] });
  const toner = await call('search/search', { query: 'toner', limit: 5, visitor: 'searcher', labels: ['Search page'] });
  await call('log/click', { product: toner.result[0], visitor: 'searcher', request_id: toner.request_id });
  await call('log/sale', { sale: 'search-1', visitor: 'searcher', products: [{ id: toner.result[0], price: 30, quantity: 1 }] });
  await call('search/search', { query: 'unicornium', limit: 5, visitor: 'searcher', labels: ['Search page'] });
  if (found.status !== 'ok') throw new Error('search failed');
  await call('log/sale', { sale: 'organic-1', visitor: 'walkin', products: [{ id: (await call('recommendations/popular', { limit: 1 })).result[0], price: 99.5, quantity: 1 }] });
}

async function shot(name: string, target = page): Promise<void> {
  await target.screenshot({ path: join(SHOTS, `dashboard-${name}.png`), fullPage: true });
}

/** Waits for app.js to finish rendering the page's data. */
async function rendered(target = page): Promise<void> {
  await target.waitForSelector('main[aria-busy="false"]', { timeout: 10000 });
}

/** The labels table as the page shows it: label → raw metric values from data-value. */
async function tableRows(target = page): Promise<Record<string, Record<string, number | null>>> {
  return target.$$eval('#labels-table tbody tr', (trs) =>
    Object.fromEntries(
      trs
        .filter((tr) => !tr.querySelector('.empty'))
        .map((tr) => {
          const cells = Array.from(tr.querySelectorAll('td[data-key]')) as HTMLElement[];
          const value = (k: string) => cells.find((c) => c.dataset.key === k)!.dataset.value!;
          const metrics = Object.fromEntries(cells.filter((c) => c.dataset.key !== 'label' && c.dataset.key !== 'trend').map((c) => [c.dataset.key, c.dataset.value === '' ? null : Number(c.dataset.value)]));
          return [value('label'), metrics];
        }),
    ),
  );
}

/** GET /v2/analytics/labels with the range of the page's own API request. */
async function apiLabels(dashboardRequest: string): Promise<Record<string, Record<string, number | null>>> {
  const q = new URL(dashboardRequest).searchParams;
  const params = new URLSearchParams({ key: 'demo', private_key: privateKey, from: q.get('from')!, to: q.get('to')!, granularity: q.get('granularity')! });
  const body = await (await fetch(`${base}/v2/analytics/labels?${params}`, { headers: { 'user-agent': UA } })).json();
  expect(body.status).toBe('ok');
  return Object.fromEntries(body.labels.map((r: Record<string, number | null>) => [r.label, Object.fromEntries(METRICS.map((m) => [m, r[m]]))]));
}

async function openLabels(url: string): Promise<string> {
  const [req] = await Promise.all([page.waitForRequest((r) => r.url().includes('/dashboard/api/labels?')), page.goto(url)]);
  await rendered();
  return req.url();
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'relevo-browser-'));
  server = await spawnRelevo(`sqlite:${join(dir, 'relevo.db')}`, { RELEVO_DEMO: '1' });
  base = `http://127.0.0.1:${server.port}`;
  const m = /private key: ([A-Za-z0-9]{40})/.exec(server.stderr());
  if (!m) throw new Error(`no demo private key on the server's stderr: ${server.stderr()}`);
  privateKey = m[1];
  await makeHistory();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  page = await context.newPage();
  page.on('request', (r) => requested.push(r.url()));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (msg) => void (msg.type() === 'error' && problems.push(`console: ${msg.text()}`)));
}, 120000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('dashboard in Chromium', () => {
  it('serves no page without a login', async () => {
    for (const path of PAGES) {
      const res = await fetch(base + path, { redirect: 'manual' });
      expect([path, res.status, res.headers.get('location')]).toEqual([path, 303, '/dashboard/login']);
      await page.goto(base + path);
      expect(new URL(page.url()).pathname).toBe('/dashboard/login');
    }
    expect((await fetch(`${base}/dashboard/api/labels`)).status).toBe(401);
    await shot('login');
  });

  it('refuses a wrong key', async () => {
    await page.goto(`${base}/dashboard/login`);
    await page.getByLabel('Public key').fill('demo');
    await page.getByLabel('Private key').fill('WrongKey0123456789abcdefghijklmnopqrstuvw');
    const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/dashboard/login') && r.request().method() === 'POST'), page.getByRole('button', { name: 'Log in' }).click()]);
    expect(res.status()).toBe(403);
    await expect(page.getByRole('alert').textContent()).resolves.toBe('Wrong public key or private key.');
    expect(await context.cookies()).toEqual([]);
    await shot('login-refused');
  });

  it('logs in with the private key and shows the overview', async () => {
    await page.goto(`${base}/dashboard/login`);
    await page.getByLabel('Public key').fill('demo');
    await page.getByLabel('Private key').fill(privateKey);
    await Promise.all([page.waitForURL(`${base}/dashboard`), page.getByRole('button', { name: 'Log in' }).click()]);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'relevo_dash', httpOnly: true, sameSite: 'Strict', path: '/dashboard' });
    await rendered();
    expect(await page.locator('.kpi').count()).toBeGreaterThanOrEqual(4);
    await page.waitForSelector('.chart canvas');
    await shot('overview');
  });

  it('shows the same label numbers as the analytics API, within a second', async () => {
    const started = Date.now();
    const request = await openLabels(`${base}/dashboard/labels`);
    const elapsed = Date.now() - started;
    const shown = await tableRows();
    const api = await apiLabels(request);
    for (const label of LABELS) expect(Object.keys(shown)).toContain(label);
    expect(shown).toEqual(api);
    expect(shown[LABELS[0]].impressions).toBeGreaterThan(0);
    expect(elapsed).toBeLessThan(1000);
    await page.waitForFunction((n) => document.querySelectorAll('.spark canvas').length >= n, LABELS.length);
    await shot('labels');
  });

  it('changes the date range with a preset and a custom range, in the URL', async () => {
    await page.goto(`${base}/dashboard/labels`);
    await rendered();
    const [req] = await Promise.all([page.waitForRequest((r) => r.url().includes('/dashboard/api/labels?')), page.getByRole('button', { name: '7 days' }).click()]);
    expect(new URL(page.url()).search).toBe('?range=7d');
    await rendered();
    const q = new URL(req.url()).searchParams;
    expect(Number(q.get('to')) - Number(q.get('from'))).toBe(7 * 86400);
    expect(await page.getByRole('button', { name: '7 days' }).getAttribute('aria-pressed')).toBe('true');
    expect(await tableRows()).toEqual(await apiLabels(req.url()));

    await page.getByLabel('From').fill('2020-01-01');
    await page.getByLabel('To').fill('2020-01-31');
    await Promise.all([page.waitForURL(/from=2020-01-01&to=2020-01-31/), page.getByRole('button', { name: 'Apply' }).click()]);
    await rendered();
    expect(await page.locator('#labels-table td.empty').textContent()).toBe('No data in this date range.');
    expect(await tableRows()).toEqual({});
    // The range follows the navigation.
    expect(await page.getByRole('link', { name: 'Products' }).getAttribute('href')).toBe('/dashboard/products?from=2020-01-01&to=2020-01-31');
  });

  it('exports the labels table as CSV', async () => {
    const request = await openLabels(`${base}/dashboard/labels?range=30d`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export Labels as CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^relevo-labels-\d{8}-\d{8}\.csv$/);
    const text = readFileSync((await download.path())!, 'utf8');
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('label,impressions,products_shown,visitors,clicks,ctr,orders,units,revenue,conversion_rate,revenue_per_mille,mean_position');
    expect(lines.at(-1)).toBe('');
    const api = await apiLabels(request);
    expect(lines.length - 2).toBe(Object.keys(api).length);
    expect(text).toContain('\r\n"Cart, ""upsell""",');
    const home = lines.find((l) => l.startsWith('Home page,'))!.split(',');
    expect(Number(home[1])).toBe(api['Home page'].impressions);
    expect(Number(home[4])).toBe(api['Home page'].clicks);
  });

  it('shows top, zero-result and no-click queries as analytics/searches counts them', async () => {
    let request = '';
    page.on('request', (r) => {
      if (r.url().includes('/dashboard/api/searches')) request = r.url();
    });
    await page.goto(`${base}/dashboard/searches`);
    await rendered();
    const q = new URL(request).searchParams;
    const params = new URLSearchParams({ key: 'demo', private_key: privateKey, from: q.get('from')!, to: q.get('to')! });
    const api = await (await fetch(`${base}/v2/analytics/searches?${params}`, { headers: { 'user-agent': UA } })).json();
    const cells = (table: string, key: string) => page.$$eval(`#${table} tbody td[data-key="${key}"]`, (tds) => tds.map((td) => (td as HTMLElement).dataset.value));
    const topQueries = await cells('top-queries-table', 'query');
    expect(topQueries).toEqual(expect.arrayContaining(['toner', 'unicornium']));
    const row = api.top.find((r: { query: string }) => r.query === 'toner');
    const i = topQueries.indexOf('toner');
    expect(Number((await cells('top-queries-table', 'searches'))[i])).toBe(row.searches);
    expect(Number((await cells('top-queries-table', 'orders'))[i])).toBe(row.orders);
    expect(row.orders).toBeGreaterThan(0);
    expect(await cells('zero-result-table', 'query')).toContain('unicornium');
    expect(await cells('no-click-table', 'query')).toEqual(expect.arrayContaining(['unicornium', 'toner zz9']));
    await shot('searches-queries');
  });

  it('shows the latest orders with their parcels, linking the tracking page', async () => {
    const product = (await call('recommendations/popular', { limit: 1 })).result[0];
    await call('orders', { private_key: privateKey, orders: [{ id: 'web-77', products: [{ id: product, price: 12.5, quantity: 2 }], time: Math.floor(Date.now() / 1000) + 3600, customer: 'c-77' }] });
    await call('orders/parcels', { private_key: privateKey, order_id: 'web-77', parcel_id: 'pk-1', status: 'in_transit', tracking_code: 'TRK77', tracking_link: 'https://track.example/TRK77' });
    await page.goto(`${base}/dashboard/orders`);
    await rendered();
    const first = await page.$eval('#orders-table tbody tr', (tr) => Object.fromEntries(Array.from(tr.querySelectorAll('td[data-key]')).map((td) => [(td as HTMLElement).dataset.key, (td as HTMLElement).innerText])));
    expect(first).toMatchObject({ order: 'web-77', customer: 'c-77', units: '2' });
    expect(first.parcels).toContain('pk-1 · in_transit · TRK77');
    expect(await page.$eval('#orders-table li[data-parcel="pk-1"] a', (a) => (a as HTMLAnchorElement).href)).toBe('https://track.example/TRK77');
    await shot('orders-parcels');
  });

  it('shows one label, searches, products and the live feed', async () => {
    await page.goto(`${base}/dashboard/labels`);
    await rendered();
    await Promise.all([page.waitForURL(/\/dashboard\/label\?name=/), page.getByRole('link', { name: LABELS[0], exact: true }).click()]);
    await rendered();
    expect(await page.locator('h1').textContent()).toBe(LABELS[0]);
    await page.waitForSelector('.chart canvas');
    await shot('label');
    for (const name of ['searches', 'products']) {
      await page.goto(`${base}/dashboard/${name}`);
      await rendered();
      await shot(name);
    }
    expect(await page.locator('#products-table tbody tr').count()).toBeGreaterThan(0);
    await page.goto(`${base}/dashboard/live`);
    await rendered();
    await page.waitForSelector('#events-table tbody tr');
    await call('log/click', { product: 'livetest', visitor: 'livevisitor', labels: ['Home page'] });
    await page.waitForSelector('#events-table td:text("livevisitor")', { timeout: 6000 });
    await shot('live');
  });

  it('is usable on a phone-sized screen', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await phone.addCookies(await context.cookies());
    const p = await phone.newPage();
    await p.goto(`${base}/dashboard/labels`);
    await rendered(p);
    await p.waitForFunction(() => document.querySelectorAll('.spark canvas').length > 0);
    // Only the table scrolls sideways; the page itself fits the screen.
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot('labels-phone', p);
    await p.goto(`${base}/dashboard`);
    await rendered(p);
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot('overview-phone', p);
    await phone.close();
  });

  it('logs out, and never puts a key in a URL', async () => {
    await page.goto(`${base}/dashboard`);
    await Promise.all([page.waitForURL(`${base}/dashboard/login`), page.getByRole('button', { name: 'Log out' }).click()]);
    expect(await context.cookies()).toEqual([]);
    await page.goto(`${base}/dashboard/labels`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/login');
    expect(requested.length).toBeGreaterThan(20);
    expect(requested.filter((u) => u.includes(privateKey))).toEqual([]);
    // The refused login's 403 is the one failed load the browser is expected to report.
    expect(problems.filter((p) => !p.includes('status of 403'))).toEqual([]);
  });
});
