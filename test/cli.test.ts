/**
 * The `relevo` command as a user runs it (compiled: `npm test` builds first): stores, import,
 * export, and `serve` with the demo store answering real products, then a graceful shutdown.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnWithPort, stopChild } from '../bench/lib/processes.js';
import { loadDemoFeed } from '../src/demo/load.js';
import { openStorage } from '../src/storage/open.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'relevo-cli-'));
const db = `sqlite:${join(dir, 'cli.db')}`;
const relevo = (...args: string[]) => run(process.execPath, ['bin/relevo.js', ...args], { env: { ...process.env, RELEVO_LOG_LEVEL: 'warn' } });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('relevo CLI', () => {
  it('creates and lists stores, with a CSPRNG private key shown once', async () => {
    const { stdout } = await relevo('stores', 'create', 'Shop One', '--json', '--db', db);
    const created = JSON.parse(stdout);
    expect(created).toEqual({ name: 'Shop One', public_key: expect.stringMatching(/^[A-Za-z0-9]{32}$/), private_key: expect.stringMatching(/^[A-Za-z0-9]{40}$/) });
    await relevo('stores', 'create', 'Shop Two', '--public-key', 'shop2', '--private-key', 'P'.repeat(32), '--db', db);
    await relevo('stores', 'add-key', 'Shop Two', '--name', 'erp', '--db', db);
    const list = JSON.parse((await relevo('stores', 'list', '--json', '--db', db)).stdout);
    expect(list.map((s: { name: string; public_key: string; private_keys: string[] }) => [s.name, s.private_keys])).toEqual([['Shop One', ['default']], ['Shop Two', ['default', 'erp']]]);
    expect(JSON.stringify(list)).not.toContain(created.private_key);
    await expect(relevo('stores', 'create', 'Shop One', '--db', db)).rejects.toMatchObject({ code: 1 });
  });

  it('imports a feed atomically and exports it back', async () => {
    const feed = {
      products: [{ id: 1, name: 'Lamp', price: '24.50', categories: [10] }, { id: 'b', name: 'Bulb', price: 3 }],
      categories: [{ id: 10, name: 'Lighting', url: 'https://shop.example/c/10', subcategories: [] }],
      orders: [{ id: 9001, products: [{ id: 1, quantity: 2, price: 24.5 }], time: 1700000500, customer: 77 }],
      strict: false,
    };
    writeFileSync(join(dir, 'feed.json'), JSON.stringify(feed));
    const imported = await relevo('import', join(dir, 'feed.json'), '--store', 'Shop One', '--db', db);
    expect(imported.stdout).toMatch(/^imported 4 records into Shop One/);
    const bad = { ...feed, products: [...feed.products, { id: 3, name: 'Bad', price: 'free' }] };
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
    const failed = await relevo('import', join(dir, 'bad.json'), '--store', 'Shop One', '--db', db).catch((e) => e);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/import failed, nothing changed: products\[2\]\.price/);
    await relevo('export', '--store', 'Shop One', '--out', join(dir, 'out.json'), '--db', db);
    const out = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
    expect(out.products).toEqual([{ id: 1, name: 'Lamp', price: 24.5, categories: [10] }, { id: 'b', name: 'Bulb', price: 3 }]);
    expect(out.orders).toEqual(feed.orders);
  });

  it('writes a model snapshot, then the next one from it and the log tail', async () => {
    const file = join(dir, 'models.snap');
    expect((await relevo('snapshot', '--out', file, '--db', db)).stdout).toMatch(/^wrote .*models\.snap \(0\.\d MB\) in \d+\.\d s, from a rebuild from the events\n$/);
    expect((await relevo('snapshot', '--out', file, '--db', db)).stdout).toMatch(/from the previous snapshot and the log tail\n$/);
    const missing = await relevo('snapshot', '--db', db).catch((e) => e);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--out FILE or RELEVO_SNAPSHOT/);
  });

  it('drops raw events and impressions past retention once and says how many per store', async () => {
    const url = `sqlite:${join(dir, 'retention.db')}`;
    await relevo('stores', 'create', 'Kept', '--db', url);
    const now = Date.now() / 1000;
    const storage = await openStorage(url);
    try {
      const store = (await storage.stores.findStoreByName('Kept'))!;
      const visit = (time: number) => ({ storeId: store.id, type: 'product' as const, time, visitor: 'v', product: '1' });
      const shown = (requestId: string, time: number) => ({ storeId: store.id, requestId, time, visitor: 'v', api: 'recommendations/popular', labels: [], input: {}, results: ['1'] });
      await storage.events.commitBatch({
        events: [visit(now - 10 * 86400), visit(now - 9 * 86400), visit(now - 3600)],
        impressions: [shown('old', now - 10 * 86400), shown('new', now - 3600)],
        sales: [],
      });
    } finally {
      await storage.close();
    }
    const { stdout } = await relevo('retention', '--days', '3', '--db', url);
    expect(stdout).toMatch(/^Kept: dropped 2 events and 1 impressions before \d{4}-\d\d-\d\dT00:00:00\.000Z\n$/);
    expect((await relevo('retention', '--days', '3', '--db', url)).stdout).toMatch(/^Kept: dropped 0 events and 0 impressions/);
    // Shorter than the attribution window plus a day: refused as a configuration error; 0 is "off".
    await expect(relevo('retention', '--days', '1', '--db', url)).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/RELEVO_RETENTION_DAYS: .*attribution window/) });
    await expect(relevo('retention', '--db', url)).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/retention is off/) });
  });

  it('serves the demo store on an empty database and shuts down gracefully', async () => {
    const server = await spawnWithPort('bin/relevo.js', ['serve', '--port', '0', '--db', `sqlite:${join(dir, 'demo.db')}`], { HOST: '127.0.0.1', RELEVO_DEMO: '1' });
    try {
      const demo = loadDemoFeed();
      const ids = demo.products.slice(0, 2).map((p) => p.id);
      const res = await fetch(`http://127.0.0.1:${server.port}/v2/product/attributes?key=demo&products=${encodeURIComponent(JSON.stringify(ids))}&attributes=["name","price"]`);
      expect(await res.json()).toEqual(demo.products.slice(0, 2).map((p) => ({ id: p.id, name: p.name, price: p.price })));
      expect(demo.products.length).toBeGreaterThanOrEqual(200);
      const health = await fetch(`http://127.0.0.1:${server.port}/health`);
      expect(await health.json()).toEqual({ status: 'ok', storage: 'sqlite' });
    } finally {
      const exited = new Promise<number | null>((resolve) => server.proc.once('exit', (code) => resolve(code)));
      server.proc.kill('SIGTERM');
      expect(await exited).toBe(0);
      await stopChild(server.proc);
    }
    expect(server.stderr()).toMatch(/private key: [A-Za-z0-9]{40}/);
  });

  it('refuses serve --workers 2 (and RELEVO_WORKERS=2) on SQLite with exit code 2, before opening the database', async () => {
    const message = /--workers 2 needs PostgreSQL .*SQLite has one writer/;
    await expect(relevo('serve', '--workers', '2', '--db', `sqlite:${join(dir, 'workers.db')}`)).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(message) });
    const viaEnv = run(process.execPath, ['bin/relevo.js', 'serve', '--db', `sqlite:${join(dir, 'workers.db')}`], { env: { ...process.env, RELEVO_WORKERS: '2' } });
    await expect(viaEnv).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(message) });
    expect(() => readFileSync(join(dir, 'workers.db'))).toThrow(); // never created
  });
});
