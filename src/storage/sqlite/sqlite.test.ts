import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { expectMigratedSaleLog } from '../conformance/events-suite.js';
import { runStorageConformance } from '../conformance/suite.js';
import { openStorage } from '../open.js';
import { migrateSqlite, SQLITE_MIGRATIONS } from './migrations.js';
import { SqliteDb } from './db.js';
import { LATEST_IMPRESSIONS, VISITORS_IMPRESSIONS } from './events.js';
import { openSqlite } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'relevo-sqlite-'));
const file = join(dir, 'nested', 'relevo.db');

/** Test-only: every row of every table as JSON text, read through a separate read-only connection. */
async function dumpRows(): Promise<string> {
  const raw = new Database(file, { readonly: true });
  try {
    const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    return JSON.stringify(Object.fromEntries(tables.map((table) => [table, raw.prepare(`SELECT * FROM "${table}"`).all()])));
  } finally {
    raw.close();
  }
}

// Opened through openStorage so the URL parsing is exercised too; the parent directory does not exist yet.
runStorageConformance('sqlite', () => openStorage(`sqlite:${file}`), { dumpRows });

describe('sqlite adapter', () => {
  it('tells when another connection has committed impressions, not when this one did', async () => {
    const path = join(dir, 'writers.db');
    const [mine, theirs] = [await openStorage(`sqlite:${path}`), await openStorage(`sqlite:${path}`)];
    try {
      const store = await mine.stores.createStore({ name: 'w', publicKey: 'wpub', privateKey: { name: 'k', hash: 'x' } });
      const shown = (requestId: string) => ({ storeId: store.id, requestId, time: 1, visitor: 'v', api: 'search/search', labels: [], input: {}, results: ['p'] });
      const commit = (s: typeof mine, requestId: string) => s.events.commitBatch({ events: [], sales: [], impressions: [shown(requestId)] });
      await commit(mine, 'a');
      await commit(mine, 'b');
      expect(mine.events.othersWroteImpressions!()).toBe(false);
      // Found before this connection's next rows would hide theirs under a higher rowid, and kept.
      await commit(theirs, 'c');
      await commit(mine, 'd');
      expect(mine.events.othersWroteImpressions!()).toBe(true);
      expect(theirs.events.othersWroteImpressions!()).toBe(true);
      expect(mine.events.othersWroteImpressions!()).toBe(true);
    } finally {
      await mine.close();
      await theirs.close();
    }
  });

  it('reads a visitor\'s impressions off the visitor index, not the store\'s time order', async () => {
    // Without statistics the planner preferred impressions_time (it gives the ORDER BY for free)
    // and read every impression of the window per click join.
    const path = join(dir, 'plans.db');
    await (await openStorage(`sqlite:${path}`)).close();
    const raw = new Database(path, { readonly: true });
    try {
      for (const [sql, params] of [[LATEST_IMPRESSIONS, [1, 'v', 0]], [VISITORS_IMPRESSIONS, [1, '["v"]', 10]]] as const) {
        const plan = (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
        expect(plan).toMatch(/USING INDEX impressions_visitor \(store_id=\? AND visitor=\?/);
      }
    } finally {
      raw.close();
    }
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('records each migration once and keeps the file in WAL mode', async () => {
    const again = await openSqlite(file);
    await again.close();
    const raw = new Database(file, { readonly: true });
    try {
      const versions = raw.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
      expect(versions).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });

  it('numbers the sales of an older database in the order they were stored (migration 6, the sale log)', async () => {
    const old = join(dir, 'v5.db');
    const raw = new Database(old);
    migrateSqlite(raw, SQLITE_MIGRATIONS.filter((m) => m.version <= 5));
    const insert = raw.prepare("INSERT INTO sales (store_id, sale, sale_id, time, visitor, email, customer, lines, attribution) VALUES (1, ?, ?, ?, NULL, NULL, NULL, '[]', NULL)");
    for (const [sale, time] of [['b', 30], ['a', 10], ['c', 20]] as const) insert.run(sale, JSON.stringify(sale), time);
    raw.close();
    await expectMigratedSaleLog(await openSqlite(old), ['b', 'a', 'c']);
  });

  it('opens an in-memory database from sqlite::memory:', async () => {
    const storage = await openStorage('sqlite::memory:');
    const store = await storage.stores.createStore({ name: 'm', publicKey: 'm', privateKey: { name: 'k', hash: 'h' } });
    expect(await storage.stores.findStoreByName('m')).toEqual(store);
    await storage.close();
  });

  it('creates a missing parent directory', async () => {
    const deep = join(dir, 'a', 'b', 'c.db');
    const storage = await openStorage(`sqlite:${deep}`);
    await storage.close();
    expect(existsSync(deep)).toBe(true);
  });
});

describe('openStorage', () => {
  it('rejects an unknown scheme, naming it', async () => {
    await expect(openStorage('mysql://localhost/relevo')).rejects.toThrow(/"mysql:"/);
    await expect(openStorage('relevo.db')).rejects.toThrow(/no scheme/);
    await expect(openStorage('sqlite:')).rejects.toThrow(/names no database/);
  });
});

describe('sqlite durable writes', () => {
  const own = mkdtempSync(join(tmpdir(), 'relevo-durable-'));
  afterAll(() => rmSync(own, { recursive: true, force: true }));

  it('commits a durable write with NORMAL, then fsyncs the WAL off the event loop', async () => {
    const raw = new Database(join(own, 'durable.db'));
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = FULL'); // configured before the wrapper reads it
    const db = new SqliteDb(raw);
    try {
      db.raw.exec('CREATE TABLE t (x INTEGER)');
      const levels: number[] = [];
      const ticks: string[] = [];
      const write = db.durableWrite(() => {
        levels.push(db.raw.pragma('synchronous', { simple: true }) as number);
        db.stmt('INSERT INTO t VALUES (1)').run();
        return 'done';
      });
      setImmediate(() => ticks.push('event loop ran while the fsync was pending'));
      expect(await write).toBe('done');
      expect(levels).toEqual([1]); // NORMAL inside the transaction
      expect(db.raw.pragma('synchronous', { simple: true })).toBe(2); // FULL again for every other write
      expect(ticks).toHaveLength(1);
      await db.durableWrite(() => db.stmt('INSERT INTO t VALUES (2)').run());
      expect(db.raw.prepare('SELECT count(*) FROM t').pluck().get()).toBe(2);
      // A failing transaction rejects and leaves nothing behind.
      await expect(db.durableWrite(() => { db.stmt('INSERT INTO t VALUES (3)').run(); throw new Error('boom'); })).rejects.toThrow('boom');
      expect(db.raw.prepare('SELECT count(*) FROM t').pluck().get()).toBe(2);
      expect(db.raw.pragma('synchronous', { simple: true })).toBe(2);
    } finally {
      db.closeWal();
      db.raw.close();
    }
  });

  it('lowers the synchronous level for the one call only, also when it throws', () => {
    const raw = new Database(join(own, 'level.db'));
    raw.pragma('synchronous = FULL');
    const db = new SqliteDb(raw);
    try {
      expect(db.withSynchronous('NORMAL', () => db.raw.pragma('synchronous', { simple: true }))).toBe(1);
      expect(db.raw.pragma('synchronous', { simple: true })).toBe(2);
      expect(() => db.withSynchronous('NORMAL', () => { throw new Error('boom'); })).toThrow('boom');
      expect(db.raw.pragma('synchronous', { simple: true })).toBe(2);
    } finally {
      db.raw.close();
    }
  });
});
