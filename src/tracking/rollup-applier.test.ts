import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage } from '../storage/open.js';
import type { AnalyticsStore, RollupDelta, Storage } from '../storage/ports.js';
import { RollupApplier } from './rollup-applier.js';

const DAY = 1_700_006_400;
const shown = (product: string): RollupDelta => ({ storeId: 1, hour: DAY, kind: 'product', name: product, api: '', metrics: { impressions: 1 } });
const silent = pino({ level: 'silent' });

describe('RollupApplier', () => {
  let dir: string;
  let storage: Storage;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'relevo-applier-'));
    storage = await openStorage(`sqlite:${join(dir, 'x.db')}`);
  });
  afterEach(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const counts = async () => Object.fromEntries((await storage.analytics.queryRollups(1, { kind: 'product', grain: 'day', from: DAY, to: DAY + 86400, groupBy: 'name' })).map((r) => [r.name, r.metrics.impressions]));
  /** Queues one row per batch, as each group commit does. */
  const queue = async (batches: RollupDelta[][]) => {
    for (const rollups of batches) await storage.events.commitBatch({ events: [], impressions: [], sales: [], rollups });
  };

  it('applies everything queued on flush, in transactions that grow while they stay quick', async () => {
    await queue(Array.from({ length: 250 }, (_, i) => [shown(`p${i % 2}`)]));
    const calls: number[] = [];
    const counting: AnalyticsStore = { ...storage.analytics, applyQueuedRollups: async (n) => { calls.push(n); return storage.analytics.applyQueuedRollups(n); } };
    const applier = new RollupApplier(counting, silent, 60_000);
    expect(await counts()).toEqual({});
    await applier.flush();
    expect(await counts()).toEqual({ p0: 125, p1: 125 });
    expect(calls[0]).toBe(8);
    expect(calls.length).toBeGreaterThan(1);
    expect(Math.max(...calls)).toBeLessThanOrEqual(200);
  });

  it('takes fewer rows per transaction when transactions run long (each one blocks requests on SQLite)', async () => {
    let queued = 1000;
    const slow: AnalyticsStore = {
      ...storage.analytics,
      applyQueuedRollups: async (n) => {
        const until = performance.now() + 20;
        while (performance.now() < until); // a 20 ms transaction, as a huge batch would take
        const taken = Math.min(n, queued);
        queued -= taken;
        return taken;
      },
    };
    const applier = new RollupApplier(slow, silent, 60_000);
    const flushing = applier.flush();
    await new Promise((r) => setTimeout(r, 100));
    expect(applier.batchRows).toBe(1);
    queued = 0;
    await flushing;
  });

  it('applies by itself within its interval once told a commit queued something, or at once with 0', async () => {
    await queue([[shown('a')]]);
    new RollupApplier(storage.analytics, silent, 20).queued();
    expect(await counts()).toEqual({});
    await new Promise((r) => setTimeout(r, 100));
    expect(await counts()).toEqual({ a: 1 });
    await queue([[shown('a')]]);
    const now = new RollupApplier(storage.analytics, silent, 0);
    now.queued();
    await now.flush(); // chained after the flush queued() started
    expect(await counts()).toEqual({ a: 2 });
  });

  it('leaves the rows queued when applying fails, and retries', async () => {
    await queue([[shown('a')], [shown('b')]]);
    let fail = true;
    const flaky: AnalyticsStore = { ...storage.analytics, applyQueuedRollups: (n) => (fail ? Promise.reject(new Error('disk full')) : storage.analytics.applyQueuedRollups(n)) };
    const applier = new RollupApplier(flaky, silent, 10);
    await applier.flush();
    expect(await counts()).toEqual({});
    fail = false;
    await new Promise((r) => setTimeout(r, 1100)); // the retry waits at least a second
    expect(await counts()).toEqual({ a: 1, b: 1 });
    applier.stop();
  });
});
