/**
 * SQLite schema migrations. Append new versions; never edit an applied one. The statements
 * deliberately avoid IF NOT EXISTS so a migration that ran twice would fail loudly.
 * Every table carries store_id so the logical layout matches the PostgreSQL (Citus) one.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  sql: string;
}

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE stores (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        public_key TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE private_keys (
        store_id INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (store_id, name)
      );
      CREATE TABLE store_settings (
        store_id INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (store_id, name)
      );
      -- doc is JSON text, kept byte for byte as the domain serialised it.
      CREATE TABLE catalog_docs (
        store_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        doc TEXT NOT NULL,
        email TEXT,
        customer TEXT,
        time INTEGER,
        PRIMARY KEY (store_id, kind, key)
      ) WITHOUT ROWID;
      CREATE INDEX catalog_docs_email ON catalog_docs (store_id, kind, email) WHERE email IS NOT NULL;
      CREATE INDEX catalog_docs_customer ON catalog_docs (store_id, kind, customer) WHERE customer IS NOT NULL;
      CREATE INDEX catalog_docs_time ON catalog_docs (store_id, kind, time) WHERE time IS NOT NULL;
      -- AUTOINCREMENT so a seq is never reused after the newest rows are deleted: tailers rely on it.
      CREATE TABLE catalog_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        store_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL
      );
      CREATE TABLE import_staging (
        store_id INTEGER NOT NULL,
        import_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        doc TEXT NOT NULL,
        email TEXT,
        customer TEXT,
        time INTEGER,
        PRIMARY KEY (store_id, import_id, kind, key)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    sql: `
      -- AUTOINCREMENT so a seq is never reused: eventsSince tailers rely on it. JSON columns are
      -- text; external is 0/1.
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        store_id INTEGER NOT NULL,
        type TEXT NOT NULL,
        time REAL NOT NULL,
        visitor TEXT,
        product TEXT,
        category TEXT,
        labels TEXT,
        api TEXT,
        request_id TEXT,
        position INTEGER,
        external INTEGER NOT NULL DEFAULT 0,
        data TEXT
      );
      CREATE INDEX events_visitor ON events (store_id, visitor, seq);
      CREATE INDEX events_type_time ON events (store_id, type, time);
      -- A rowid table, not WITHOUT ROWID: rows carry whole result lists and would be too wide.
      CREATE TABLE impressions (
        store_id INTEGER NOT NULL,
        request_id TEXT NOT NULL,
        time REAL NOT NULL,
        visitor TEXT NOT NULL,
        api TEXT NOT NULL,
        labels TEXT NOT NULL,
        input TEXT NOT NULL,
        results TEXT NOT NULL,
        PRIMARY KEY (store_id, request_id)
      );
      CREATE INDEX impressions_visitor ON impressions (store_id, visitor, time);
      -- sale_id is JSON so a numeric and a string sale ID come back as sent.
      CREATE TABLE sales (
        store_id INTEGER NOT NULL,
        sale TEXT NOT NULL,
        sale_id TEXT NOT NULL,
        time REAL NOT NULL,
        visitor TEXT,
        email TEXT,
        customer TEXT,
        lines TEXT NOT NULL,
        attribution TEXT,
        PRIMARY KEY (store_id, sale)
      );
      CREATE INDEX sales_visitor ON sales (store_id, visitor);
      CREATE INDEX sales_email ON sales (store_id, email);
      CREATE INDEX sales_customer ON sales (store_id, customer);
      -- sale is in the index so scanSales pages by (time, sale) straight off it.
      CREATE INDEX sales_time ON sales (store_id, time, sale);
      CREATE TABLE identity_links (
        store_id INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('visitor', 'email', 'customer')),
        value TEXT NOT NULL,
        person TEXT NOT NULL,
        PRIMARY KEY (store_id, kind, value)
      ) WITHOUT ROWID;
      CREATE INDEX identity_links_person ON identity_links (store_id, person);
    `,
  },
  {
    version: 3,
    sql: `
      -- Analytics rollups: one row per (store, kind, hour, name, api), incremented in the same
      -- transaction as the events they count. Metrics are REAL so money sums stay exact to 1e-6.
      CREATE TABLE rollups (
        store_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        hour INTEGER NOT NULL,
        name TEXT NOT NULL,
        api TEXT NOT NULL,
        impressions REAL NOT NULL DEFAULT 0, products_shown REAL NOT NULL DEFAULT 0, clicks REAL NOT NULL DEFAULT 0,
        position_sum REAL NOT NULL DEFAULT 0, position_n REAL NOT NULL DEFAULT 0, visitors REAL NOT NULL DEFAULT 0,
        clickers REAL NOT NULL DEFAULT 0, orders REAL NOT NULL DEFAULT 0, units REAL NOT NULL DEFAULT 0, revenue REAL NOT NULL DEFAULT 0,
        attributed_orders REAL NOT NULL DEFAULT 0, attributed_units REAL NOT NULL DEFAULT 0, attributed_revenue REAL NOT NULL DEFAULT 0,
        clicker_orders REAL NOT NULL DEFAULT 0, zero_results REAL NOT NULL DEFAULT 0,
        PRIMARY KEY (store_id, kind, hour, name, api)
      ) WITHOUT ROWID;
      -- Who was already counted per day, so visitors/clickers count each visitor once a day.
      CREATE TABLE rollup_uniques (
        store_id INTEGER NOT NULL,
        day INTEGER NOT NULL,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        api TEXT NOT NULL,
        metric TEXT NOT NULL,
        visitor TEXT NOT NULL,
        PRIMARY KEY (store_id, day, kind, name, api, metric, visitor)
      ) WITHOUT ROWID;
      CREATE INDEX rollup_uniques_visitor ON rollup_uniques (store_id, visitor);
    `,
  },
  {
    version: 4,
    sql: `
      -- The same counters per UTC day (every kind), so long ranges sum few rows. The time column
      -- keeps the name hour (it holds the day's start) so one query shape reads both tables.
      CREATE TABLE rollups_daily (
        store_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        hour INTEGER NOT NULL,
        name TEXT NOT NULL,
        api TEXT NOT NULL,
        impressions REAL NOT NULL DEFAULT 0, products_shown REAL NOT NULL DEFAULT 0, clicks REAL NOT NULL DEFAULT 0,
        position_sum REAL NOT NULL DEFAULT 0, position_n REAL NOT NULL DEFAULT 0, visitors REAL NOT NULL DEFAULT 0,
        clickers REAL NOT NULL DEFAULT 0, orders REAL NOT NULL DEFAULT 0, units REAL NOT NULL DEFAULT 0, revenue REAL NOT NULL DEFAULT 0,
        attributed_orders REAL NOT NULL DEFAULT 0, attributed_units REAL NOT NULL DEFAULT 0, attributed_revenue REAL NOT NULL DEFAULT 0,
        clicker_orders REAL NOT NULL DEFAULT 0, zero_results REAL NOT NULL DEFAULT 0,
        PRIMARY KEY (store_id, kind, hour, name, api)
      ) WITHOUT ROWID;
      -- Hourly rows are now kept for total, label and channel only.
      DELETE FROM rollups WHERE kind NOT IN ('total', 'label', 'channel');
    `,
  },
  {
    version: 5,
    sql: `
      -- Rollup increments queued by each group commit (a JSON array of deltas per store and
      -- batch), applied to the rollups and deleted in one later transaction, many at a time.
      CREATE TABLE rollup_queue (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        store_id INTEGER NOT NULL,
        deltas TEXT NOT NULL
      );
      CREATE INDEX rollup_queue_store ON rollup_queue (store_id);
    `,
  },
  {
    version: 6,
    sql: `
      -- The sale log: new sales get max(seq) + 1 (writers are serialised, so seqs commit in
      -- order), and other processes follow it with salesSince. Existing sales, in insertion order.
      ALTER TABLE sales ADD COLUMN seq INTEGER;
      UPDATE sales SET seq = rowid;
      CREATE UNIQUE INDEX sales_seq ON sales (seq);
    `,
  },
  {
    version: 7,
    sql: `
      -- The forget log: one row per privacy/forget, no personal data; other processes purge
      -- their in-memory models of whatever storage no longer knows (EventStore.stillKnown).
      CREATE TABLE forget_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        store_id INTEGER NOT NULL,
        time REAL NOT NULL
      );
    `,
  },
  {
    version: 8,
    sql: `
      -- ref: the key of the document a document belongs to (a parcel's order), looked up by
      -- CatalogStore.findDocsByRef.
      ALTER TABLE catalog_docs ADD COLUMN ref TEXT;
      CREATE INDEX catalog_docs_ref ON catalog_docs (store_id, kind, ref) WHERE ref IS NOT NULL;
      ALTER TABLE import_staging ADD COLUMN ref TEXT;
    `,
  },
  {
    version: 9,
    sql: `
      -- hour: the hour row a per-day unique's +1 went to, so privacy/forget can take it back there.
      ALTER TABLE rollup_uniques ADD COLUMN hour INTEGER;
    `,
  },
  {
    version: 10,
    sql: `
      -- This database's identity, drawn once: a model snapshot of another database is not used.
      CREATE TABLE database_id (id TEXT NOT NULL);
      INSERT INTO database_id (id) VALUES (lower(hex(randomblob(16))));
    `,
  },
  {
    version: 11,
    sql: `
      -- Retention: per store, the time (a UTC day start) before which raw events and impressions
      -- may have been dropped once rolled up. Rebuilds keep the rollups before it; it only moves forward.
      CREATE TABLE retention_horizon (
        store_id INTEGER PRIMARY KEY,
        horizon INTEGER NOT NULL
      );
      -- Retention deletes a store's impressions by time in chunks; without this each chunk
      -- would scan the store's impressions (the primary key is by request ID). It also serves
      -- scanImpressions' time order.
      CREATE INDEX impressions_time ON impressions (store_id, time, request_id);
    `,
  },
];

/** Applies pending migrations, each in its own IMMEDIATE transaction; safe when several processes open at once. */
export function migrateSqlite(db: Database.Database, migrations: readonly Migration[] = SQLITE_MIGRATIONS): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
  const record = db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)');
  for (const migration of migrations) {
    // IMMEDIATE takes the write lock before the check, so a concurrent opener waits and then skips.
    db.transaction(() => {
      if (isApplied.get(migration.version)) return;
      db.exec(migration.sql);
      record.run(migration.version, Math.floor(Date.now() / 1000));
    }).immediate();
  }
}
