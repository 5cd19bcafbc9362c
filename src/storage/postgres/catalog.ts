/**
 * CatalogStore on PostgreSQL. Writes are multi-row statements over unnest'ed arrays, chunked at
 * 1,000 rows, and append their catalog_log rows in the same statement via a data-modifying CTE.
 *
 * Change-log ordering: a bigserial seq is taken when a row is inserted but becomes visible at
 * commit, so with concurrent writers seq 11 can be visible before seq 10, and a tailer that has
 * read past 11 would never see 10. Every catalog write transaction therefore first takes one
 * transaction-level advisory lock (per schema): catalog writes are serialised, seqs commit in
 * order, and `seq > after` is a safe tail. Catalog writes are rare next to events, so the lost
 * write concurrency is cheap; the lock also makes concurrent insertDocsIfAbsent trivially exact.
 */
import type pg from 'pg';
import type { CatalogChange, CatalogEntry, CatalogStore, DocKind } from '../ports.js';
import { beginPostgresImport } from './import.js';
import { logChannel } from './notify.js';
import { chunk, LOCK_CATALOG, retryingTransaction, schemaLockId, toNumber } from './pool.js';
import type { PostgresHealth } from './retry.js';
import { checkPageSize, lastPerKey } from '../catalog-shared.js';
import { DOC_COLUMNS, entryArrays, firstPerKey, toEntry, unnestEntries, type DocRow } from './rows.js';

const DEFAULT_PAGE_SIZE = 1000;
const INSERT_DOCS = `INSERT INTO catalog_docs (store_id, kind, key, doc, email, customer, time, ref)
  SELECT $1::bigint, $2::text, u.key, u.doc::jsonb, u.email, u.customer, u.time, u.ref FROM ${unnestEntries(3)}`;
const UPSERT_DOCS = `WITH w AS (${INSERT_DOCS}
    ON CONFLICT (store_id, kind, key) DO UPDATE
    SET doc = EXCLUDED.doc, email = EXCLUDED.email, customer = EXCLUDED.customer, time = EXCLUDED.time, ref = EXCLUDED.ref
    RETURNING key)
  INSERT INTO catalog_log (store_id, kind, key) SELECT $1::bigint, $2::text, key FROM w`;
const INSERT_ABSENT_DOCS = `WITH w AS (${INSERT_DOCS} ON CONFLICT (store_id, kind, key) DO NOTHING RETURNING key),
  log AS (INSERT INTO catalog_log (store_id, kind, key) SELECT $1::bigint, $2::text, key FROM w)
  SELECT key FROM w`;
const REMOVE_DOCS = `WITH d AS (DELETE FROM catalog_docs WHERE store_id = $1::bigint AND kind = $2::text AND key = ANY($3::text[]) RETURNING key),
  log AS (INSERT INTO catalog_log (store_id, kind, key) SELECT $1::bigint, $2::text, key FROM d)
  SELECT count(*) AS n FROM d`;

interface ChangeRow {
  seq: string;
  store_id: string;
  kind: DocKind;
  key: string;
}

/**
 * Runs fn in a transaction holding the schema's catalog write lock (see the module comment),
 * retried on a lost connection (retryingTransaction: fn runs again from the start).
 */
export function catalogWriter(pool: pg.Pool, schema: string | null, health: PostgresHealth, op = 'catalog') {
  const lockId = schemaLockId(schema);
  const channel = logChannel(schema);
  // Every catalog write (documents, rules, imports, forget) appends to catalog_log: its
  // notification is queued with the lock and sent at COMMIT, so other instances' tails wake.
  return <T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> =>
    retryingTransaction(pool, health, op, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock($1::int, $2::int), pg_notify($3, 'catalog')", [LOCK_CATALOG, lockId, channel]);
      return fn(client);
    });
}

/** The CatalogStore port over a pg pool. */
export function createPostgresCatalog(pool: pg.Pool, schema: string | null, health: PostgresHealth): CatalogStore {
  const write = catalogWriter(pool, schema, health);
  const selectDocs = (where: string) => `SELECT ${DOC_COLUMNS} FROM catalog_docs WHERE store_id = $1 AND kind = $2 AND ${where}`;

  return {
    async upsertDocs(storeId, kind, entries) {
      const unique = lastPerKey(entries);
      if (unique.length === 0) return;
      await write(async (client) => {
        for (const part of chunk(unique)) await client.query(UPSERT_DOCS, [storeId, kind, ...entryArrays(part)]);
      });
    },

    async insertDocsIfAbsent(storeId, kind, entries) {
      const unique = firstPerKey(entries);
      if (unique.length === 0) return [];
      const inserted = new Set<string>();
      await write(async (client) => {
        inserted.clear(); // an attempt rolled back after a lost connection inserted nothing
        for (const part of chunk(unique)) {
          const { rows } = await client.query<{ key: string }>(INSERT_ABSENT_DOCS, [storeId, kind, ...entryArrays(part)]);
          for (const row of rows) inserted.add(row.key);
        }
      });
      // RETURNING has no defined order; answer in the order the entries came.
      return unique.map((entry) => entry.key).filter((key) => inserted.has(key));
    },

    async removeDocs(storeId, kind, keys) {
      if (keys.length === 0) return 0;
      return write(async (client) => {
        let removed = 0;
        for (const part of chunk(keys)) {
          const { rows } = await client.query<{ n: string }>(REMOVE_DOCS, [storeId, kind, part]);
          removed += toNumber(rows[0].n);
        }
        return removed;
      });
    },

    async getDocs(storeId, kind, keys) {
      if (keys.length === 0) return [];
      const { rows } = await pool.query<DocRow>(selectDocs('key = ANY($3::text[])'), [storeId, kind, keys]);
      const byKey = new Map(rows.map((row) => [row.key, row]));
      const found: CatalogEntry[] = [];
      for (const key of keys) {
        const row = byKey.get(key);
        if (row) found.push(toEntry(row));
      }
      return found;
    },

    async findDocsByEmail(storeId, kind, emails) {
      if (emails.length === 0) return [];
      const { rows } = await pool.query<DocRow>(selectDocs('email = ANY($3::text[]) ORDER BY key'), [storeId, kind, emails]);
      return rows.map(toEntry);
    },

    async findDocsByCustomer(storeId, kind, customers) {
      if (customers.length === 0) return [];
      const { rows } = await pool.query<DocRow>(selectDocs('customer = ANY($3::text[]) ORDER BY key'), [storeId, kind, customers]);
      return rows.map(toEntry);
    },

    async findDocsByRef(storeId, kind, refs) {
      if (refs.length === 0) return [];
      const { rows } = await pool.query<DocRow>(selectDocs('ref = ANY($3::text[]) ORDER BY key'), [storeId, kind, refs]);
      return rows.map(toEntry);
    },

    async latestDocs(storeId, kind, limit) {
      if (limit <= 0) return [];
      const { rows } = await pool.query<DocRow>(selectDocs('time IS NOT NULL ORDER BY time DESC, key LIMIT $3'), [storeId, kind, limit]);
      return rows.map(toEntry);
    },

    async *scanDocs(storeId, kind, pageSize = DEFAULT_PAGE_SIZE) {
      const limit = checkPageSize(pageSize);
      // Keyset pagination: each page starts after the last key seen, so concurrent writes never
      // shift a page the way OFFSET would. The first page has its own query because '' is a key too.
      let { rows } = await pool.query<DocRow>(selectDocs('true ORDER BY key LIMIT $3'), [storeId, kind, limit]);
      while (rows.length > 0) {
        yield rows.map(toEntry);
        if (rows.length < limit) return;
        ({ rows } = await pool.query<DocRow>(selectDocs('key > $3 ORDER BY key LIMIT $4'), [storeId, kind, rows[rows.length - 1].key, limit]));
      }
    },

    async countDocs(storeId, kind) {
      const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM catalog_docs WHERE store_id = $1 AND kind = $2', [storeId, kind]);
      return toNumber(rows[0].n);
    },

    async changesSince(after, limit) {
      if (limit <= 0) return [];
      const sql = 'SELECT seq, store_id, kind, key FROM catalog_log WHERE seq > $1 ORDER BY seq LIMIT $2';
      const { rows } = await pool.query<ChangeRow>(sql, [after, limit]);
      return rows.map((row): CatalogChange => ({ seq: toNumber(row.seq), storeId: toNumber(row.store_id), kind: row.kind, key: row.key }));
    },

    async latestChangeSeq() {
      const { rows } = await pool.query<{ seq: string }>('SELECT coalesce(max(seq), 0) AS seq FROM catalog_log');
      return toNumber(rows[0].seq);
    },

    async beginImport(storeId) {
      return beginPostgresImport(pool, write, storeId, health);
    },
  };
}
