/**
 * recommendations/visitor/* and recommendations/customer/* over HTTP on small factories:
 * read-your-writes, cross-device persons, include_seen, filter/exclude/limit, fallbacks,
 * index:false, argument errors, and customer lists from orders.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeProduct, makeTestApp, type TestApp } from './helpers/app.js';
import { SESSION_MODEL } from '../src/recommend/person-ranking.js';
import type { SessionModel } from '../src/recommend/session-model.js';

const err = (type: string, message: unknown) => ({ status: 'error', type, message, id: expect.any(String), moreInfo: expect.any(String) });
const answer = (result: unknown[]) => ({ status: 'ok', result, count: expect.any(Number), facets: null, request_id: expect.any(String) });

describe('recommendations/visitor/* and customer/*', () => {
  let t: TestApp;
  let clock = 1_750_000_000;
  beforeEach(async () => {
    clock = 1_750_000_000;
    t = await makeTestApp({ now: () => clock });
    const products = Array.from({ length: 10 }, (_, i) => makeProduct({ id: i + 1, price: (i + 1) * 10, categories: [i < 5 ? 1 : 2], created_at: 1_700_000_000 + i }));
    await t.call('product/add', { products }, { priv: true });
  });
  afterEach(() => t.close());

  /** Other shoppers who viewed `path` in order, one minute apart. */
  const browse = async (visitor: string, path: number[]) => {
    for (const product of path) {
      clock += 60;
      await t.call('log/product', { product, visitor });
    }
  };
  const complementary = async (args: Record<string, unknown>) => (await t.call('recommendations/visitor/complementary', { limit: 5, ...args })).body;

  it('reflects a click in the very next visitor/complementary answer', async () => {
    for (const v of ['a1', 'a2', 'a3']) await browse(v, [1, 3]);
    const before = await complementary({ visitor: 'me' });
    expect(before.result).toHaveLength(5); // empty history: popularity, never an empty list
    await t.call('log/click', { product: 1, visitor: 'me' });
    const after = await complementary({ visitor: 'me' });
    expect(after).toEqual(answer(expect.any(Array)));
    expect(after.result[0]).toBe(3);
    expect(after.result).not.toContain(1);
  });

  it('shares history between two devices linked by one email', async () => {
    for (const v of ['a1', 'a2']) await browse(v, [2, 7]);
    await t.call('log/email', { email: 'Ann@Example.com', visitor: 'phone' });
    await browse('phone', [2]);
    expect((await complementary({ visitor: 'laptop', email: 'ann@example.com' })).result[0]).toBe(7);
    // the email linked the laptop: it now finds the person without the email
    expect((await t.call('recommendations/visitor/history', { visitor: 'laptop', limit: 5 })).body).toEqual(answer([2]));
  });

  it('excludes seen items unless include_seen is true', async () => {
    for (const v of ['a1', 'a2']) await browse(v, [4, 5, 6]);
    await browse('me', [4, 5]);
    const excluded = await complementary({ visitor: 'me' });
    expect(excluded.result).not.toContain(4);
    expect(excluded.result).not.toContain(5);
    expect(excluded.result[0]).toBe(6);
    const allowed = await complementary({ visitor: 'me', include_seen: true });
    expect(allowed.result).toEqual(expect.arrayContaining([4, 5, 6]));
  });

  it('applies filter and exclude before the cut so limit is honoured', async () => {
    for (const v of ['a1', 'a2']) await browse(v, [1, 2, 3, 9]);
    await browse('me', [1]);
    const res = await complementary({ visitor: 'me', limit: 3, filter: 'price >= 30', exclude: [3] });
    expect(res.result).toHaveLength(3);
    expect(res.result).not.toContain(3);
    expect(res.result).not.toContain(1);
    for (const id of res.result) expect(id * 10).toBeGreaterThanOrEqual(30);
    expect(res.result[0]).toBe(9);
  });

  it('never returns index:false products, even the strongest candidate', async () => {
    for (const v of ['a1', 'a2']) await browse(v, [1, 3]);
    await t.call('product/add', { products: [makeProduct({ id: 3, price: 30, index: false })] }, { priv: true });
    await browse('me', [1]);
    const res = await complementary({ visitor: 'me', limit: 10 });
    expect(res.result).not.toContain(3);
    expect(res.result.length).toBeGreaterThan(0);
  });

  it('orders visitor/history newest first, once each', async () => {
    await browse('me', [1, 2, 1, 3]);
    expect((await t.call('recommendations/visitor/history', { visitor: 'me', limit: 10 })).body).toEqual(answer([3, 1, 2]));
  });

  it('answers alternatives on visitor/substituting: co-viewed, then same category', async () => {
    for (const v of ['a1', 'a2']) await browse(v, [6, 8]);
    await browse('me', [6]);
    const res = (await t.call('recommendations/visitor/substituting', { visitor: 'me', limit: 4 })).body;
    expect(res.result[0]).toBe(8);
    expect(res.result).not.toContain(6);
    expect(res.result).toHaveLength(4);
  });

  it.each([
    ['a dash', 'ab-c'],
    ['33 characters', 'a'.repeat(33)],
  ])('refuses a visitor with %s as a ParsingError naming visitor', async (_w, visitor) => {
    const res = await t.call('recommendations/visitor/complementary', { visitor, limit: 5 });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(err('ParsingError', expect.stringMatching(/^Invalid Syntax In Argument: visitor/)));
  });

  it('requires visitor on visitor/* and email on customer/*', async () => {
    expect((await t.call('recommendations/visitor/history', { limit: 5 })).body).toEqual(err('ParsingError', 'Missing Argument visitor'));
    expect((await t.call('recommendations/customer/history', { limit: 5 })).body).toEqual(err('ParsingError', 'Missing Argument email'));
  });

  it('builds customer/* from the person\'s orders', async () => {
    for (const [sale, email] of [[1, 'x@example.com'], [2, 'y@example.com']] as const) {
      clock += 60;
      await t.call('log/sale', { sale, email, products: [1, 4] });
    }
    clock += 60;
    await t.call('log/sale', { sale: 3, email: 'me@example.com', products: [2] });
    clock += 60;
    await t.call('log/sale', { sale: 4, email: 'me@example.com', products: [1] });
    expect((await t.call('recommendations/customer/history', { email: 'me@example.com', limit: 5 })).body).toEqual(answer([1, 2]));
    const comp = (await t.call('recommendations/customer/complementary', { email: 'me@example.com', limit: 5 })).body;
    expect(comp.result[0]).toBe(4);
    expect(comp.result).not.toContain(1);
    const unknown = (await t.call('recommendations/customer/complementary', { email: 'new@example.com', limit: 5 })).body;
    expect(unknown.result).toHaveLength(5);
  });

  it('purges the person from the model on privacy/forget', async () => {
    for (const v of ['a1', 'a2']) await browse(v, [1, 3]);
    await browse('me', [1]);
    expect((await t.call('privacy/forget', { visitor: 'me' }, { priv: true })).body).toEqual({ status: 'ok' });
    // No history left: the same answer as a visitor never seen (the popularity fallback).
    const mine = (await t.call('recommendations/visitor/history', { visitor: 'me', limit: 5 })).body;
    const stranger = (await t.call('recommendations/visitor/history', { visitor: 'neverseen', limit: 5 })).body;
    expect(mine.result).toEqual(stranger.result);
    // the forgotten visitor's clicks no longer feed the others' transitions either
    await t.call('privacy/forget', { visitor: 'a1' }, { priv: true });
    await t.call('privacy/forget', { visitor: 'a2' }, { priv: true });
    await browse('other', [1]);
    const model = t.runtime.models.of(1).get<SessionModel>(SESSION_MODEL);
    expect(model.recommend(['other'], { limit: 5, includeSeen: false })).toEqual([]);
  });

  it('records an impression with the request_id it answers, committed with the next group commit', async () => {
    await browse('me', [1]);
    const res = await complementary({ visitor: 'me' });
    await t.runtime.ingest.settle();
    const imp = await t.runtime.storage.events.findImpression(1, res.request_id);
    expect(imp).toMatchObject({ visitor: 'me', api: 'recommendations/visitor/complementary', results: res.result.map(String) });
  });
});
