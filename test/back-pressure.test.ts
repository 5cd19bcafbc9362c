/**
 * Back-pressure (RELEVO_MAX_PENDING_EVENTS): with the storage commit held, the write buffer fills;
 * then log/* calls are refused with 503, the Clerk error envelope and Retry-After, counted in
 * relevo_writes_refused_total, while result endpoints still answer and drop their impression
 * (relevo_events_dropped_total{reason="overloaded"}). Once the commit goes through, calls are taken again.
 * A database out of reach through every retry (UnavailableError) is a 503 with Retry-After too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnavailableError } from '../src/errors.js';
import { createLogger } from '../src/log.js';
import { makeProduct, makeTestApp, type TestApp } from './helpers/app.js';

describe('back-pressure', () => {
  let t: TestApp;
  let release: () => void = () => undefined;

  beforeAll(async () => {
    t = await makeTestApp({ config: { maxPendingEvents: 2 } });
    expect((await t.call('products', { products: [makeProduct({ id: 'p1' })] }, { priv: true })).status).toBe(200);
  });

  afterAll(async () => {
    release();
    await t?.close();
  });

  it('refuses log calls with 503 while the buffer is full, keeps answering results, and recovers', async () => {
    const events = t.runtime.storage.events;
    const commit = events.commitBatch.bind(events);
    let held: Promise<void> | null = new Promise<void>((r) => (release = r));
    events.commitBatch = async (batch) => {
      if (held) await held;
      return commit(batch);
    };
    const waiting = [t.call('log/click', { visitor: 'v1', product: 'p1' }), t.call('log/product', { visitor: 'v1', product: 'p1' })];
    while (t.runtime.ingest.uncommitted < 2) await new Promise((r) => setTimeout(r, 5));
    const refused = await t.call('log/click', { visitor: 'v3', product: 'p1' });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toMatchObject({ status: 'error', type: 'OverloadedError', message: expect.stringContaining('overloaded') });
    expect(t.runtime.metrics.writesRefused.get()).toBeGreaterThanOrEqual(1);

    const results = await t.call('recommendations/popular', { visitor: 'v4', limit: 5 });
    expect(results.status).toBe(200);
    expect(t.runtime.metrics.eventsDropped.get({ reason: 'overloaded' })).toBe(1);
    expect(t.runtime.metrics.render()).toMatch(/relevo_writes_refused_total \d+/);

    held = null;
    release();
    expect((await Promise.all(waiting)).map((r) => r.status)).toEqual([200, 200]);
    expect((await t.call('log/click', { visitor: 'v3', product: 'p1' })).status).toBe(200);
  });
});

describe('a database out of reach', () => {
  const lines: string[] = [];
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp({ log: createLogger('error', { write: (line: string) => void lines.push(line) }) });
  });
  afterAll(() => t?.close());

  it('answers 503 UnavailableError with Retry-After, logs the driver error, and recovers', async () => {
    const catalog = t.runtime.storage.catalog;
    const upsert = catalog.upsertDocs.bind(catalog);
    const lost = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    catalog.upsertDocs = async () => {
      throw new UnavailableError(lost);
    };
    const refused = await t.call('products', { products: [makeProduct({ id: 'p9' })] }, { priv: true });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('2');
    expect(refused.body).toMatchObject({ status: 'error', type: 'UnavailableError', message: expect.stringContaining('nothing was stored') });
    expect(lines.join('')).toContain('terminating connection due to administrator command');
    expect(lines.join('')).toContain(refused.body.id);

    catalog.upsertDocs = upsert;
    expect((await t.call('products', { products: [makeProduct({ id: 'p9' })] }, { priv: true })).status).toBe(200);
  });
});
