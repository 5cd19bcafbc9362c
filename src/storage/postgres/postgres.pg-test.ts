import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { expectMigratedSaleLog } from '../conformance/events-suite.js';
import { runStorageConformance } from '../conformance/suite.js';
import { openStorage } from '../open.js';
import type { RollupDelta } from '../ports.js';
import { openPostgres } from './index.js';
import { migratePostgres, POSTGRES_MIGRATIONS } from './migrations.js';
import { createPool, LOCK_RETENTION, parsePostgresUrl, postgresAnswers, redactPassword, retentionLockId } from './pool.js';
import { withPgClient as withClient } from '../../../test/helpers/db.js';

const baseUrl = process.env.RELEVO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schemas: string[] = [];

/** A fresh schema name per use, dropped after the file. */
function freshSchema(): string {
  const schema = `relevo_t_${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  return schema;
}

function urlFor(schema: string): string {
  return `${baseUrl}${baseUrl.includes('?') ? '&' : '?'}schema=${schema}`;
}


async function dropSchemas(names: string[]): Promise<void> {
  await withClient(async (client) => {
    for (const schema of names) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
}

/** Test-only: every row of every table of a schema as JSON text. */
async function dumpSchema(schema: string): Promise<string> {
  return withClient(async (client) => {
    const tables = await client.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'", [schema]);
    const dump: Record<string, string[]> = {};
    for (const { name } of tables.rows) {
      const rows = await client.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM ${schema}."${name}" t`);
      dump[name] = rows.rows.map((r) => r.row);
    }
    return JSON.stringify(dump);
  });
}

const suiteSchema = freshSchema();
// Through openStorage so URL dispatch is exercised; postgresql:// is the other accepted spelling.
runStorageConformance('postgres', () => openStorage(urlFor(suiteSchema).replace(/^postgres:/, 'postgresql:')), {
  cleanup: () => dropSchemas([suiteSchema]),
  dumpRows: () => dumpSchema(suiteSchema),
});

// File level, so it also runs when a -t filter skips the adapter tests below.
afterAll(() => dropSchemas(schemas));

describe('postgres adapter', () => {

  it('migrates a new schema exactly once when several instances start together', async () => {
    const schema = freshSchema();
    const handles = await Promise.all([1, 2, 3, 4].map(() => openPostgres(urlFor(schema))));
    await Promise.all(handles.map((h) => h.close()));
    const versions = await withClient(async (c) => (await c.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`)).rows.map((r) => r.version));
    expect(versions).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
  });

  it('numbers the sales of an older schema in time order (migration 6, the sale log)', async () => {
    const schema = freshSchema();
    const pool = new pg.Pool({ connectionString: parsePostgresUrl(urlFor(schema)).connectionString, max: 1 });
    try {
      await migratePostgres(pool, schema, POSTGRES_MIGRATIONS.filter((m) => m.version <= 5));
      for (const [sale, time] of [['b', 30], ['a', 10], ['c', 20]] as const) {
        await pool.query("INSERT INTO sales (store_id, sale, sale_id, time, lines) VALUES (1, $1, $2::jsonb, $3, '[]'::jsonb)", [sale, JSON.stringify(sale), time]);
      }
    } finally {
      await pool.end();
    }
    await expectMigratedSaleLog(await openPostgres(urlFor(schema)), ['a', 'c', 'b']);
  });

  it('skips queued rollups another transaction holds, or waits for them when asked (analytics readers)', async () => {
    const schema = freshSchema();
    const storage = await openPostgres(urlFor(schema));
    const holder = new pg.Client({ connectionString: parsePostgresUrl(urlFor(schema)).connectionString });
    await holder.connect();
    try {
      const shown: RollupDelta = { storeId: 1, hour: 1_700_006_400, kind: 'product', name: 'p1', api: '', metrics: { impressions: 1 } };
      await storage.events.commitBatch({ events: [], impressions: [], sales: [], rollups: [shown] });
      await holder.query(`SET search_path TO ${schema}`);
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM rollup_queue FOR UPDATE'); // another instance's applier, mid-transaction
      expect(await storage.analytics.applyQueuedRollups(10)).toBe(0);
      let waited = false;
      const waiting = storage.analytics.applyQueuedRollups(10, true).then((n) => { waited = true; return n; });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(waited).toBe(false);
      await holder.query('ROLLBACK'); // the holder gave the row back unapplied: the waiting take applies it
      expect(await waiting).toBe(1);
      const rows = await storage.analytics.queryRollups(1, { kind: 'product', grain: 'day', from: shown.hour, to: shown.hour + 86400, groupBy: 'name' });
      expect(rows.map((r) => [r.name, r.metrics.impressions])).toEqual([['p1', 1]]);
    } finally {
      await holder.end();
      await storage.close();
    }
  });

  it('keeps each schema separate', async () => {
    const [a, b] = await Promise.all([openPostgres(urlFor(freshSchema())), openPostgres(urlFor(freshSchema()))]);
    try {
      await a.stores.createStore({ name: 'same', publicKey: 'same', privateKey: { name: 'k', hash: 'h' } });
      await b.stores.createStore({ name: 'same', publicKey: 'same', privateKey: { name: 'k', hash: 'h' } });
      expect((await a.stores.listStores()).length).toBe(1);
      expect((await b.stores.listStores()).length).toBe(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('strips the schema parameter and rejects unsafe schema names', () => {
    const target = parsePostgresUrl('postgres://u:p%40ss@db:5432/app?sslmode=disable&schema=relevo_a&options=-c%20statement_timeout%3D5000');
    expect(target.schema).toBe('relevo_a');
    const params = new URLSearchParams(target.connectionString.split('?')[1]);
    expect(params.get('schema')).toBeNull();
    expect(params.get('sslmode')).toBe('disable');
    expect(params.get('options')).toBe('-c statement_timeout=5000 -c search_path=relevo_a');
    expect(target.connectionString.startsWith('postgres://u:p%40ss@db:5432/app?')).toBe(true);
    expect(parsePostgresUrl('postgres://db/app')).toEqual({ connectionString: 'postgres://db/app', schema: null });
    expect(() => parsePostgresUrl('postgres://db/app?schema=x;drop')).toThrow(/Invalid schema/);
  });

  it('masks a password for messages and probes a server without throwing', async () => {
    expect(redactPassword('postgres://u:s3cret@db:5432/app?schema=a')).toBe('postgres://u:***@db:5432/app?schema=a');
    expect(redactPassword('postgres://db/app')).toBe('postgres://db/app');
    expect(await postgresAnswers(urlFor('relevo_probe'))).toBe(true);
    expect(await postgresAnswers('postgres://postgres@127.0.0.1:1/test')).toBe(false); // nothing listens on port 1
  });
});

describe('postgres retention', () => {
  afterAll(() => dropSchemas(schemas.splice(0)));

  it('runs one store\'s retention in one process at a time: the others skip it', async () => {
    const schema = freshSchema();
    const storage = await openPostgres(urlFor(schema));
    try {
      const store = await storage.stores.createStore({ name: 's', publicKey: 'retpub', privateKey: { name: 'k', hash: 'h' } });
      const day = 1_700_006_400;
      await storage.events.commitBatch({ events: [{ storeId: store.id, type: 'product', time: day - 3600, visitor: 'v', product: 'p' }], impressions: [], sales: [] });
      await withClient(async (other) => {
        const key = [LOCK_RETENTION, retentionLockId(schema, store.id)];
        await other.query('SELECT pg_advisory_lock($1::int, $2::int)', key);
        expect(await storage.analytics.dropRawBefore(store.id, day)).toEqual({ horizon: 0, events: 0, impressions: 0, skipped: true });
        await other.query('SELECT pg_advisory_unlock($1::int, $2::int)', key);
      });
      expect(await storage.analytics.dropRawBefore(store.id, day)).toEqual({ horizon: day, events: 1, impressions: 0 });
      // The run released its lock: another session takes it at once.
      await withClient(async (other) => {
        const { rows } = await other.query('SELECT pg_try_advisory_lock($1::int, $2::int) AS ok', [LOCK_RETENTION, retentionLockId(schema, store.id)]);
        expect(rows[0].ok).toBe(true);
      });
    } finally {
      await storage.close();
    }
  });
});

describe('postgres pool', () => {
  it('never lets a client\'s error event crash the process, even before its new owner listens', async () => {
    // pg-pool hands a released client to a waiting connect() at once; a FATAL parsed from the same
    // read used to reach it before the owner attached its listener (an uncaught 'error' event).
    const pool = createPool(parsePostgresUrl(baseUrl), 1);
    try {
      const client = await pool.connect();
      try {
        expect(client.listenerCount('error')).toBeGreaterThan(0);
        expect(() => client.emit('error', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).not.toThrow();
      } finally {
        client.release(true);
      }
    } finally {
      await pool.end();
    }
  });
});
