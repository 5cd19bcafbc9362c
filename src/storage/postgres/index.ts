/** The PostgreSQL adapter: one pg Pool per open Storage, optionally confined to one schema. */
import type { Storage } from '../ports.js';
import { createPostgresAnalytics } from './analytics.js';
import { createPostgresCatalog } from './catalog.js';
import { createPostgresEvents } from './events.js';
import { createPostgresIdentity } from './identity.js';
import { migratePostgres } from './migrations.js';
import { prepareEventPartitions } from './partitions.js';
import { LogListener, logChannel } from './notify.js';
import { createPool, parsePostgresUrl } from './pool.js';
import { PostgresHealth } from './retry.js';
import { UniqueCache } from '../rollups-shared.js';
import { createPostgresStores } from './stores.js';

/** Opens a pool for a postgres:// URL (optional `?schema=name`), creates the schema and migrates it. */
export async function openPostgres(url: string): Promise<Storage> {
  const target = parsePostgresUrl(url);
  const health = new PostgresHealth();
  const pool = createPool(target, 10, health);
  try {
    await migratePostgres(pool, target.schema);
  } catch (err) {
    await pool.end();
    throw err;
  }
  const uniques = new UniqueCache();
  const writer = createPool(target, 2, health);
  const channel = logChannel(target.schema);
  const listener = new LogListener(target, channel, health);
  let closing: Promise<void> | null = null;
  return {
    dialect: 'postgres',
    stores: createPostgresStores(pool, channel, health),
    catalog: createPostgresCatalog(pool, target.schema, health),
    events: createPostgresEvents(pool, target.schema, uniques, health, writer),
    identity: createPostgresIdentity(pool, health),
    analytics: createPostgresAnalytics(pool, uniques, health, target.schema),
    health,
    onLogChange: (fn) => listener.on(fn),
    prepareEventPartitions: (now) => prepareEventPartitions(pool, health, target.schema, now),
    async ping() {
      await pool.query('SELECT 1');
    },
    async databaseId() {
      return (await pool.query<{ id: string }>('SELECT id FROM database_id')).rows[0].id;
    },
    // pool.end() throws when called twice; closing is idempotent as with SQLite.
    close: () => (closing ??= listener.close().then(() => Promise.all([pool.end(), writer.end()])).then(() => undefined)),
  };
}
