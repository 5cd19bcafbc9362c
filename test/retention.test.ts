import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../src/config/config.js';
import { buildRuntime } from '../src/runtime.js';
import { openStorage } from '../src/storage/open.js';
import { createStore } from '../src/stores/keys.js';
import { describeRetention } from './retention.cases.js';

describeRetention('SQLite', () => undefined);

describe('retention in the server', () => {
  it('runs at start-up, after the queued rollups a crash left are applied, and stops with the runtime', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relevo-retention-'));
    const storage = await openStorage(`sqlite:${join(dir, 'r.db')}`);
    try {
      await createStore(storage, { name: 'shop', publicKey: 'shoppub', privateKey: 'ShopPrivateKey0123456789abcdefghijklmn' });
      const store = (await storage.stores.findStoreByName('shop'))!;
      const now = 1_750_032_000 + 12 * 3600;
      const old = now - 5 * 86400;
      const hour = Math.floor(old / 3600) * 3600;
      // A click whose increment is still queued (as a crash leaves it), and a recent view.
      await storage.events.commitBatch({
        events: [{ storeId: store.id, type: 'click', time: old, visitor: 'v', product: '1' }, { storeId: store.id, type: 'product', time: now - 60, visitor: 'v', product: '1' }],
        impressions: [],
        sales: [],
        rollups: [{ storeId: store.id, hour, kind: 'total', name: '', api: '', metrics: { clicks: 1 } }],
      });
      const runtime = await buildRuntime(testConfig({ retentionDays: 3 }), storage, pino({ level: 'silent' }), () => now);
      await runtime.retention!.run(); // the start-up run in progress (a second one never starts meanwhile)
      expect((await storage.events.eventsOfVisitors(store.id, ['v'])).map((e) => e.type)).toEqual(['product']);
      expect(await storage.analytics.retentionHorizon(store.id)).toBe(Math.floor((now - 3 * 86400) / 86400) * 86400);
      const clicks = await storage.analytics.queryRollups(store.id, { kind: 'total', grain: 'hour', from: hour, to: hour + 3600, groupBy: 'name' });
      expect(clicks[0]?.metrics.clicks).toBe(1);
      const metrics = runtime.metrics.render();
      expect(metrics).toContain('relevo_retention_dropped_total{kind="events"} 1');
      // The start-up run, and a second one when it had ended before run() was called: 1 or 2 runs, one drop.
      expect(metrics).toMatch(/relevo_retention_runs_total\{result="done"\} [12]\n/);
      await runtime.close();
    } finally {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is off by default', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relevo-retention-'));
    const storage = await openStorage(`sqlite:${join(dir, 'r.db')}`);
    try {
      const runtime = await buildRuntime(testConfig(), storage, pino({ level: 'silent' }));
      expect(runtime.retention).toBeNull();
      await runtime.close();
    } finally {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
