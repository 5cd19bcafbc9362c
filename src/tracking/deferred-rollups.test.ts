import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage } from '../storage/open.js';
import type { AnalyticsStore, RollupDelta, Storage } from '../storage/ports.js';
import { DeferredRollups } from './deferred-rollups.js';

const DAY = 1_700_006_400;
const shown = (product: string, n = 1): RollupDelta => ({ storeId: 1, hour: DAY, kind: 'product', name: product, api: '', metrics: { impressions: n } });

describe('DeferredRollups', () => {
  let dir: string;
  let storage: Storage;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'relevo-deferred-'));
    storage = await openStorage(`sqlite:${join(dir, 'x.db')}`);
  });
  afterEach(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const counts = async () => Object.fromEntries((await storage.analytics.queryRollups(1, { kind: 'product', grain: 'day', from: DAY, to: DAY + 86400, groupBy: 'name' })).map((r) => [r.name, r.metrics.impressions]));

  it('sums deltas per row in memory and writes them on flush', async () => {
    const deferred = new DeferredRollups(storage.analytics, pino({ level: 'silent' }), 60_000);
    deferred.add([shown('a'), shown('b'), shown('a', 2)]);
    expect(deferred.size).toBe(2);
    expect(await counts()).toEqual({});
    await deferred.flush();
    expect(deferred.size).toBe(0);
    expect(await counts()).toEqual({ a: 3, b: 1 });
  });

  it('writes by itself after its interval', async () => {
    const deferred = new DeferredRollups(storage.analytics, pino({ level: 'silent' }), 20);
    deferred.add([shown('a')]);
    await new Promise((r) => setTimeout(r, 80));
    expect(await counts()).toEqual({ a: 1 });
  });

  it('keeps the sums for the next flush when a write fails', async () => {
    let fail = true;
    const flaky: AnalyticsStore = { ...storage.analytics, applyRollups: async (d) => (fail ? Promise.reject(new Error('disk full')) : storage.analytics.applyRollups(d)) };
    const deferred = new DeferredRollups(flaky, pino({ level: 'silent' }), 60_000);
    deferred.add([shown('a', 2)]);
    await deferred.flush();
    expect(await counts()).toEqual({});
    fail = false;
    deferred.add([shown('a')]);
    await deferred.flush();
    expect(await counts()).toEqual({ a: 3 });
  });

  it('refuses deltas that must commit with their event', () => {
    const deferred = new DeferredRollups(storage.analytics, pino({ level: 'silent' }), 60_000);
    expect(() => deferred.add([{ ...shown('a'), unique: { visitor: 'v', metric: 'visitors' } }])).toThrow('plain additive');
  });

  it('writes a large flush in several transactions, every row once', async () => {
    const calls: number[] = [];
    const counting: AnalyticsStore = { ...storage.analytics, applyRollups: (d) => (calls.push(d.length), storage.analytics.applyRollups(d)) };
    const deferred = new DeferredRollups(counting, pino({ level: 'silent' }), 60_000);
    deferred.add(Array.from({ length: 450 }, (_, i) => shown(`p${i}`)));
    await deferred.flush();
    expect(calls).toEqual([200, 200, 50]);
    const all = await counts();
    expect(Object.keys(all)).toHaveLength(450);
    expect(Object.values(all).every((n) => n === 1)).toBe(true);
  });
});
