/** A store to benchmark against, created directly in the database the server will open. */
import { createStore } from '../../src/stores/keys.js';
import { openStorage } from '../../src/storage/open.js';

export interface BenchStore {
  publicKey: string;
  privateKey: string;
  /** Drops what the benchmark created (a PostgreSQL schema); SQLite files are removed by the caller. */
  drop(): Promise<void>;
}

/** Creates a store named "bench" in the database at url. */
export async function createBenchStore(url: string): Promise<BenchStore> {
  const storage = await openStorage(url);
  try {
    const created = await createStore(storage, { name: 'bench' });
    return {
      publicKey: created.publicKey,
      privateKey: created.privateKey,
      drop: async () => {
        const m = /[?&]schema=([A-Za-z0-9_]+)/.exec(url);
        if (!m) return;
        const pg = await import('pg');
        const client = new pg.default.Client({ connectionString: url.replace(/[?&]schema=[A-Za-z0-9_]+/, '') });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${m[1]} CASCADE`);
        await client.end();
      },
    };
  } finally {
    await storage.close();
  }
}

/** Whether a PostgreSQL server answers at url (a `schema=` option is ignored). */
export async function pgAnswers(url: string): Promise<boolean> {
  const pg = await import('pg');
  const client = new pg.default.Client({ connectionString: url.replace(/[?&]schema=[A-Za-z0-9_]+/, ''), connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
