/**
 * The click join from memory on SQLite (issue 16, src/tracking/impression-index.ts): clicks that
 * follow a committed impression, or repeat a question storage already answered with nothing, are
 * joined without a storage probe, with the join storage would give; after a restart the last
 * hour's impressions are loaded; another process writing impressions to the same file turns it off.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { testConfig } from '../src/config/config.js';
import { buildRuntime, type Runtime } from '../src/runtime.js';
import { openStorage } from '../src/storage/open.js';
import type { Storage } from '../src/storage/ports.js';
import { callerFor, makeProduct, makeTestApp, type TestApp } from './helpers/app.js';

/** Counts the storage probes of click joins (EventStore.joinImpressions calls, one per click asked). */
function countProbes(storage: Storage): { readonly clicks: number } {
  const counter = { clicks: 0 };
  const original = storage.events.joinImpressions.bind(storage.events);
  storage.events.joinImpressions = (storeId, joins) => {
    counter.clicks += joins.length;
    return original(storeId, joins);
  };
  return counter;
}

describe('click join from memory (SQLite)', () => {
  let t: TestApp;
  let clock = 1_750_000_000;
  let extra: Array<{ runtime: Runtime; storage: Storage }> = [];
  beforeEach(async () => {
    clock = 1_750_000_000;
    t = await makeTestApp({ now: () => clock });
    await t.call('product/add', { products: [1, 2, 3, 4, 5].map((id) => makeProduct({ id, price: id * 10, created_at: 1_700_000_000 + id })) }, { priv: true });
  });
  afterEach(async () => {
    for (const { runtime, storage } of extra) {
      await runtime.close();
      await storage.close();
    }
    extra = [];
    await t.close();
  });

  /** Another runtime on the same SQLite file (a restart, or a second process). */
  const another = async (): Promise<{ runtime: Runtime; call: TestApp['call']; storage: Storage }> => {
    const storage = await openStorage(t.url);
    const runtime = await buildRuntime(testConfig(), storage, pino({ level: 'silent' }), () => clock);
    await runtime.app.ready();
    extra.push({ runtime, storage });
    return { runtime, storage, call: callerFor(runtime) };
  };
  const storeId = async () => (await t.runtime.storage.stores.findStoreByName('test'))!.id;
  const lastClick = async (runtime: Runtime, visitor: string) => (await runtime.storage.events.eventsOfVisitors(await storeId(), [visitor], { types: ['click'] }))[0];

  it('joins a click to a committed impression without asking storage', async () => {
    const probes = countProbes(t.runtime.storage);
    const shown = await t.call('recommendations/popular', { limit: 3, visitor: 'v1', labels: ['Home'] });
    await t.runtime.ingest.settle(); // committed: no longer queued
    clock += 60;
    await t.call('log/click', { product: 4, visitor: 'v1' });
    expect(await lastClick(t.runtime, 'v1')).toMatchObject({ product: '4', requestId: shown.body.request_id, labels: ['Home'], api: 'recommendations/popular', position: 1 });
    await t.call('log/click', { product: 5, visitor: 'v1', request_id: shown.body.request_id });
    expect(await lastClick(t.runtime, 'v1')).toMatchObject({ product: '5', requestId: shown.body.request_id, position: 0 });
    expect(probes.clicks).toBe(0);
  });

  it('asks storage once for a click nothing in memory showed, then remembers the miss', async () => {
    const probes = countProbes(t.runtime.storage);
    await t.call('log/click', { product: 4, visitor: 'v2' });
    await t.call('log/click', { product: 4, visitor: 'v2' });
    expect(probes.clicks).toBe(1);
    expect(await lastClick(t.runtime, 'v2')).toMatchObject({ product: '4', requestId: null, labels: null });
    // An impression after the miss is found in memory, newer than anything the probe saw.
    const shown = await t.call('recommendations/popular', { limit: 5, visitor: 'v2', labels: ['Cart'] });
    await t.runtime.ingest.settle();
    await t.call('log/click', { product: 4, visitor: 'v2' });
    expect(probes.clicks).toBe(1);
    expect(await lastClick(t.runtime, 'v2')).toMatchObject({ requestId: shown.body.request_id, labels: ['Cart'] });
  });

  it('after a restart, joins clicks to the last hour\'s impressions from memory', async () => {
    const old = await t.call('recommendations/popular', { limit: 3, visitor: 'v3', labels: ['Old'] });
    clock += 3000;
    const recent = await t.call('recommendations/popular', { limit: 2, visitor: 'v4', labels: ['Recent'] });
    await t.runtime.ingest.settle();
    clock += 1000; // `old` is now more than an hour old, `recent` is not
    const next = await another();
    const probes = countProbes(next.storage);
    await next.call('log/click', { product: 5, visitor: 'v4' });
    expect(await lastClick(next.runtime, 'v4')).toMatchObject({ requestId: recent.body.request_id, labels: ['Recent'] });
    expect(probes.clicks).toBe(0);
    // The older one is still joined, from storage.
    await next.call('log/click', { product: 5, visitor: 'v3' });
    expect(await lastClick(next.runtime, 'v3')).toMatchObject({ requestId: old.body.request_id, labels: ['Old'] });
    expect(probes.clicks).toBe(1);
  });

  it('reads storage again once another process writes impressions to the same file', async () => {
    await t.call('recommendations/popular', { limit: 3, visitor: 'v5', labels: ['Mine'] });
    await t.runtime.ingest.settle();
    await t.call('log/click', { product: 3, visitor: 'v5' }); // settled from memory: one writer so far
    const other = await another();
    clock += 10;
    const theirs = await other.call('recommendations/popular', { limit: 3, visitor: 'v5', labels: ['Theirs'] });
    await other.runtime.ingest.settle();
    clock += 10;
    // This process's memory holds only its own, older impression: the newer one is in storage.
    await t.call('log/click', { product: 3, visitor: 'v5' });
    expect(await lastClick(t.runtime, 'v5')).toMatchObject({ requestId: theirs.body.request_id, labels: ['Theirs'] });
  });

  it('forgets a person\'s impressions in memory with privacy/forget', async () => {
    const shown = await t.call('recommendations/popular', { limit: 3, visitor: 'v6' });
    await t.runtime.ingest.settle();
    expect(t.runtime.ingest.recentImpression(await storeId(), shown.body.request_id)).not.toBeNull();
    expect((await t.call('privacy/forget', { visitor: 'v6' }, { priv: true })).body.status).toBe('ok');
    expect(t.runtime.ingest.recentImpression(await storeId(), shown.body.request_id)).toBeNull();
    await t.call('log/click', { product: 5, visitor: 'v6', request_id: shown.body.request_id });
    expect(await lastClick(t.runtime, 'v6')).toMatchObject({ requestId: null, labels: null });
  });
});
