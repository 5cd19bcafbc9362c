/**
 * relevo-client in Node with the browser's pieces stubbed where a test needs them: document.cookie
 * (a jar that records every Set), navigator.sendBeacon, fetch, and a minimal element tree for
 * the delegated click listener.
 */
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient, newVisitorId, RelevoError, type ClientOptions } from './index.js';

interface Sent {
  url: string;
  body: Record<string, unknown>;
  keepalive: boolean | undefined;
  contentType: string | undefined;
}

/** A fetch that records each call and answers from `reply` (by endpoint). */
function fakeFetch(reply: (endpoint: string, body: Record<string, unknown>) => { status?: number; body: unknown } = () => ({ body: { status: 'ok' } })) {
  const sent: Sent[] = [];
  const f = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
    sent.push({ url: String(url), body, keepalive: init?.keepalive, contentType: (init?.headers as Record<string, string>)['content-type'] });
    const r = reply(String(url).split('/v2/')[1], body);
    return new Response(typeof r.body === 'string' ? r.body : JSON.stringify(r.body), { status: r.status ?? 200 });
  });
  return { fetch: f as unknown as typeof fetch, sent };
}

/** document.cookie as a browser keeps it: reads give `name=value; …`, each write sets one cookie. */
function stubDocument(initial: Record<string, string> = {}) {
  const jar = new Map(Object.entries(initial));
  const writes: string[] = [];
  vi.stubGlobal('document', {
    get cookie() {
      return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    },
    set cookie(s: string) {
      writes.push(s);
      const [pair] = s.split('; ');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    },
  });
  return { jar, writes };
}

/** Just enough of a DOM element for closest(), getAttribute() and contains(). */
class El {
  children: El[] = [];
  constructor(
    readonly attrs: Record<string, string> = {},
    readonly parent: El | null = null,
  ) {
    parent?.children.push(this);
  }
  getAttribute(name: string): string | null {
    return this.attrs[name] ?? null;
  }
  closest(selector: string): El | null {
    const name = /^\[([a-z-]+)\]$/.exec(selector)![1];
    for (let el: El | null = this; el; el = el.parent) if (name in el.attrs) return el;
    return null;
  }
  contains(other: El): boolean {
    for (let el: El | null = other; el; el = el.parent) if (el === this) return true;
    return false;
  }
}

/** A container whose delegated listeners can be fired with a click on one of its elements. */
function container() {
  const root = new El();
  const listeners = new Map<string, Array<(e: unknown) => void>>();
  const c = Object.assign(root, {
    addEventListener: (type: string, fn: (e: unknown) => void) => listeners.set(type, [...(listeners.get(type) ?? []), fn]),
    removeEventListener: (type: string, fn: (e: unknown) => void) => listeners.set(type, (listeners.get(type) ?? []).filter((f) => f !== fn)),
  });
  const click = (target: El, button = 0) => listeners.get('click')?.forEach((fn) => fn({ target, button }));
  return { root: c as unknown as Node & El, click, listeners };
}

const flush = () => new Promise((r) => setTimeout(r, 0));
const client = (opts: Partial<ClientOptions> & Pick<ClientOptions, 'fetch'>) => createClient({ baseUrl: 'https://relevo.test/', key: 'demo', ...opts });

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('visitor IDs', () => {
  it('are 16 alphanumeric characters, different each time', () => {
    const ids = Array.from({ length: 2000 }, newVisitorId);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Every character of the alphabet turns up (no modulo bias hiding a range).
    expect(new Set(ids.join('')).size).toBe(62);
  });

  it('live in a first-party SameSite=Lax cookie for a year, read back by the next page', () => {
    const { writes } = stubDocument({ other: 'x' });
    const { fetch } = fakeFetch();
    const id = client({ fetch }).visitor()!;
    expect(id).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(writes).toEqual([`relevo_visitor=${id}; Max-Age=31536000; Path=/; SameSite=Lax`]);
    expect(client({ fetch }).visitor()).toBe(id);
    expect(client({ fetch, cookieName: 'vid' }).visitor()).not.toBe(id);
  });

  it('replace a cookie value that is not a valid ID, and are Secure on https', () => {
    const { writes } = stubDocument({ relevo_visitor: 'not-valid!' });
    vi.stubGlobal('location', { protocol: 'https:' });
    const { fetch } = fakeFetch();
    const id = client({ fetch }).visitor()!;
    expect(id).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(writes).toEqual([`relevo_visitor=${id}; Max-Age=31536000; Path=/; SameSite=Lax; Secure`]);
  });

  it('without a document (Node): no cookie and no visitor, unless the caller passes one', async () => {
    const { fetch, sent } = fakeFetch(() => ({ body: { status: 'ok', result: [], request_id: 'r1' } }));
    const c = client({ fetch });
    expect(c.visitor()).toBeNull();
    await c.recommendations('popular', { labels: ['SSR'], limit: 2 });
    await c.recommendations('popular', { labels: ['SSR'], limit: 2, visitor: 'shopper42' });
    await c.logProduct('p1'); // no visitor: nothing to track
    expect(client({ fetch, visitor: 'shopper42' }).visitor()).toBe('shopper42');
    expect(sent.map((s) => s.body)).toEqual([
      { key: 'demo', labels: ['SSR'], limit: 2 },
      { key: 'demo', labels: ['SSR'], limit: 2, visitor: 'shopper42' },
    ]);
    expect(() => createClient({ baseUrl: '', key: 'demo', visitor: 'bad id' })).toThrow(TypeError);
  });

  it('auto: Relevo makes the cookieless ID; no cookie is written', async () => {
    const { writes } = stubDocument();
    const { fetch, sent } = fakeFetch();
    const c = client({ fetch, visitor: 'auto' });
    expect(c.visitor()).toBe('auto');
    await c.logProduct(7);
    expect(sent[0].body).toEqual({ key: 'demo', product: 7, visitor: 'auto' });
    expect(writes).toEqual([]);
  });
});

describe('tracking off', () => {
  it('sends nothing: no log call, no beacon, no visitor on result calls, clicks ignored', async () => {
    const { writes } = stubDocument();
    const beacon = vi.fn(() => true);
    vi.stubGlobal('navigator', { sendBeacon: beacon });
    const { fetch, sent } = fakeFetch(() => ({ body: { status: 'ok', result: ['a'], request_id: 'r1' } }));
    const c = client({ fetch, visitor: 'off' });
    expect(c.visitor()).toBeNull();
    await c.logClick({ product: 'a' });
    await c.logProduct('a');
    await c.logCategory(1);
    await c.logEmail('ann@example.com');
    await c.logSale({ sale: 1, products: [{ id: 'a', price: 1, quantity: 1 }], email: 'ann@example.com' });
    const { root, click } = container();
    c.trackClicks(root);
    click(new El({ 'data-relevo-product': 'a' }, root));
    await flush();
    expect(sent).toEqual([]);
    await c.recommendations('popular', { labels: ['Home'] });
    expect(sent.map((s) => s.body)).toEqual([{ key: 'demo', labels: ['Home'] }]);
    expect(beacon).not.toHaveBeenCalled();
    expect(writes).toEqual([]);
  });
});

describe('click transport', () => {
  it('uses navigator.sendBeacon with the JSON body', async () => {
    const beacon = vi.fn((_url: string, _body: string) => true);
    vi.stubGlobal('navigator', { sendBeacon: beacon });
    const { fetch, sent } = fakeFetch();
    await client({ fetch, visitor: 'v1' }).logClick({ product: 'p9', n: 2 });
    expect(beacon).toHaveBeenCalledTimes(1);
    expect(beacon.mock.calls[0][0]).toBe('https://relevo.test/v2/log/click');
    expect(JSON.parse(beacon.mock.calls[0][1])).toEqual({ key: 'demo', product: 'p9', n: 2, visitor: 'v1' });
    expect(sent).toEqual([]);
  });

  it('falls back to fetch with keepalive when the beacon is refused, throws, or does not exist', async () => {
    const { fetch, sent } = fakeFetch();
    vi.stubGlobal('navigator', { sendBeacon: vi.fn(() => false) });
    await client({ fetch, visitor: 'v1' }).logClick({ product: 'p1' });
    vi.stubGlobal('navigator', {
      sendBeacon: () => {
        throw new TypeError('beacon blocked');
      },
    });
    await client({ fetch, visitor: 'v1' }).logClick({ product: 'p2' });
    vi.stubGlobal('navigator', {});
    await client({ fetch, visitor: 'v1' }).logClick({ product: 'p3' });
    expect(sent.map((s) => [s.url, s.body.product, s.keepalive, s.contentType])).toEqual([
      ['https://relevo.test/v2/log/click', 'p1', true, 'text/plain;charset=UTF-8'],
      ['https://relevo.test/v2/log/click', 'p2', true, 'text/plain;charset=UTF-8'],
      ['https://relevo.test/v2/log/click', 'p3', true, 'text/plain;charset=UTF-8'],
    ]);
  });

  it('sends a sale with keepalive, and without a visitor when only the email is known', async () => {
    const { fetch, sent } = fakeFetch();
    await client({ fetch }).logSale({ sale: 'o1', products: [{ id: 'p1', price: 9.5, quantity: 2 }], email: 'ann@example.com' });
    expect(sent.map((s) => [s.body, s.keepalive])).toEqual([[{ key: 'demo', sale: 'o1', products: [{ id: 'p1', price: 9.5, quantity: 2 }], email: 'ann@example.com' }, true]]);
  });
});

describe('labels', () => {
  it('are required by the types and checked at run time before anything is sent', async () => {
    const { fetch, sent } = fakeFetch();
    const c = client({ fetch, visitor: 'v1' });
    // @ts-expect-error labels are required on every result call
    await expect(c.recommendations('popular', { limit: 4 })).rejects.toThrow(RelevoError);
    // @ts-expect-error labels are required on search too
    await expect(c.search('search', { query: 'toner' })).rejects.toMatchObject({ type: 'ParsingError' });
    await expect(c.recommendations('popular', { labels: [] })).rejects.toMatchObject({ type: 'ParsingError' });
    await expect(c.recommendations('popular', { labels: [' '] })).rejects.toMatchObject({ type: 'ParsingError' });
    expect(sent).toEqual([]);
  });
});

describe('trackClicks', () => {
  /** Two result calls, A and B, each rendered into its own slider; product "both" is in each. */
  async function twoSliders() {
    vi.stubGlobal('navigator', {});
    const answers: Record<string, unknown> = {
      A: { status: 'ok', result: ['a1', 'both', 'a3'], request_id: 'reqA' },
      B: { status: 'ok', result: ['b1', 'both'], request_id: 'reqB' },
    };
    const { fetch, sent } = fakeFetch((endpoint, body) => ({ body: endpoint === 'log/click' ? { status: 'ok' } : answers[(body.labels as string[])[0]] }));
    const c = client({ fetch, visitor: 'v1' });
    const { root, click, listeners } = container();
    const stop = c.trackClicks(root);
    const a = await c.recommendations('popular', { labels: ['A'] });
    const sliderA = new El({ 'data-relevo-request': a.request_id }, root);
    const b = await c.recommendations('complementary', { labels: ['B'], products: ['x'] });
    const sliderB = new El({ 'data-relevo-request': b.request_id }, root);
    const items = (slider: El, ids: string[]) => ids.map((id) => new El({ 'data-relevo-product': id }, slider));
    const [, bothInA, a3] = items(sliderA, ['a1', 'both', 'a3']);
    const [b1] = items(sliderB, ['b1', 'both']);
    sent.length = 0;
    return { c, root, click, sent, listeners, stop, bothInA, a3, b1 };
  }

  it('logs a click on a product rendered by an older call with that call’s request_id, api, labels and position', async () => {
    const { click, sent, bothInA, a3, b1 } = await twoSliders();
    click(new El({}, a3)); // a click on a child of the product element (its image, say)
    click(bothInA);
    click(b1);
    await flush();
    expect(sent.map((s) => s.body)).toEqual([
      { key: 'demo', product: 'a3', request_id: 'reqA', api: 'recommendations/popular', labels: ['A'], n: 2, visitor: 'v1' },
      { key: 'demo', product: 'both', request_id: 'reqA', api: 'recommendations/popular', labels: ['A'], n: 1, visitor: 'v1' },
      { key: 'demo', product: 'b1', request_id: 'reqB', api: 'recommendations/complementary', labels: ['B'], n: 0, visitor: 'v1' },
    ]);
  });

  it('without a request marker, credits the latest call that showed the product; attributes on the element win', async () => {
    const { root, click, sent } = await twoSliders();
    click(new El({ 'data-relevo-product': 'a1' }, root));
    click(new El({ 'data-relevo-product': 'both' }, root));
    // Rendered on the server: the page carries the call's facts itself.
    const ssr = new El({ 'data-relevo-request': 'reqSSR', 'data-relevo-api': 'search/search', 'data-relevo-labels': '["Search page"]' }, root);
    click(new El({ 'data-relevo-product': 'q7', 'data-relevo-position': '4' }, ssr));
    await flush();
    expect(sent.map((s) => s.body)).toEqual([
      { key: 'demo', product: 'a1', request_id: 'reqA', api: 'recommendations/popular', labels: ['A'], n: 0, visitor: 'v1' },
      { key: 'demo', product: 'both', request_id: 'reqB', api: 'recommendations/complementary', labels: ['B'], n: 1, visitor: 'v1' },
      { key: 'demo', product: 'q7', request_id: 'reqSSR', api: 'search/search', labels: ['Search page'], n: 4, visitor: 'v1' },
    ]);
  });

  it('ignores clicks elsewhere and right clicks, and stops when asked', async () => {
    const { root, click, sent, listeners, stop, a3 } = await twoSliders();
    click(new El({}, root));
    click(a3, 2);
    const outside = new El({ 'data-relevo-product': 'zz' });
    click(outside);
    stop();
    expect(listeners.get('click')).toEqual([]);
    await flush();
    expect(sent).toEqual([]);
  });
});

describe('errors', () => {
  it('carry Clerk’s envelope and the HTTP status', async () => {
    const envelope = { status: 'error', type: 'AuthenticationError', message: 'Invalid API key', id: 'e1', moreInfo: 'https://docs.clerk.io' };
    const { fetch } = fakeFetch(() => ({ status: 403, body: envelope }));
    const err = await client({ fetch, key: 'nope' }).recommendations('popular', { labels: ['Home'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RelevoError);
    expect(err).toMatchObject({ type: 'AuthenticationError', httpStatus: 403, envelope, message: 'AuthenticationError: Invalid API key' });
  });

  it('name a network failure and an answer that is not JSON', async () => {
    const down = vi.fn(async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch;
    await expect(client({ fetch: down, visitor: 'v1' }).logProduct('p')).rejects.toMatchObject({ type: 'NetworkError', httpStatus: 0, message: 'NetworkError: log/product: fetch failed' });
    const { fetch } = fakeFetch(() => ({ status: 502, body: '<html>Bad gateway</html>' }));
    await expect(client({ fetch }).call('product/attributes', { products: ['1'] })).rejects.toMatchObject({ type: 'InternalError', httpStatus: 502 });
  });

  it('pass a bare array answer through (product/attributes)', async () => {
    const { fetch } = fakeFetch(() => ({ body: [{ id: '1', name: 'Lamp' }] }));
    await expect(client({ fetch }).call('product/attributes', { products: ['1'] })).resolves.toEqual([{ id: '1', name: 'Lamp' }]);
  });
});

describe('package', () => {
  it('has no runtime dependencies and stays under 5 kB gzipped without comments (minification only shrinks it)', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.peerDependencies).toBeUndefined();
    const source = readFileSync(new URL('./index.ts', import.meta.url), 'utf8');
    const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.ES2020, removeComments: true } }).outputText;
    const size = gzipSync(js, { level: 9 }).length;
    expect(size).toBeLessThan(5 * 1024);
    expect(size).toBeGreaterThan(1000); // the whole client was measured, not an empty output
  });
});
