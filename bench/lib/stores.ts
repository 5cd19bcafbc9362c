/** A store to benchmark against, created directly in the database the server will open. */
import { createStore } from '../../src/stores/keys.js';
import { openStorage } from '../../src/storage/open.js';
import { parsePostgresUrl } from '../../src/storage/postgres/pool.js';

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
      drop: () => dropPostgresSchema(url),
    };
  } finally {
    await storage.close();
  }
}

/** Drops the schema named in a postgres:// URL (`?schema=`); nothing for SQLite URLs or a URL without one. */
export async function dropPostgresSchema(url: string): Promise<void> {
  const { schema, connectionString } = url.startsWith('postgres') ? parsePostgresUrl(url) : { schema: null, connectionString: '' };
  if (!schema) return;
  const pg = await import('pg');
  const client = new pg.default.Client({ connectionString });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** What the database at url holds after a run: events by type and sales, over every store. */
export async function countStoredRecords(url: string): Promise<{ events: Map<string, number>; sales: number }> {
  const storage = await openStorage(url);
  try {
    let sales = 0;
    for (const store of await storage.stores.listStores()) for await (const page of storage.events.scanSales(store.id)) sales += page.length;
    const events = new Map<string, number>();
    for (let after = 0; ; ) {
      const page = await storage.events.eventsSince(after, 10_000);
      if (page.length === 0) return { events, sales };
      for (const e of page) events.set(e.type, (events.get(e.type) ?? 0) + 1);
      after = page[page.length - 1].seq;
    }
  } finally {
    await storage.close();
  }
}
