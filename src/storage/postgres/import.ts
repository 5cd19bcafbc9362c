/**
 * Feed imports on PostgreSQL. Staged rows live in import_staging under a random import id, so a
 * feed of any size never sits in memory and a crash leaves only staging rows behind; commit
 * moves them into catalog_docs with three set-based statements in one catalog write transaction.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { CatalogKind, ImportSession, ImportStats } from '../ports.js';
import { chunk, retryingStatement, retryingTransaction, toNumber } from './pool.js';
import type { PostgresHealth } from './retry.js';
import { emptyImportStats, lastPerKey, mirroredKinds } from '../catalog-shared.js';
import { entryArrays, unnestEntries } from './rows.js';

type CatalogWriter = <T>(fn: (client: pg.PoolClient) => Promise<T>) => Promise<T>;
type KindCount = { kind: CatalogKind; n: string };

const STAGED = 'FROM import_staging WHERE store_id = $1::bigint AND import_id = $2::uuid';
const STAGE_ROWS = `INSERT INTO import_staging (store_id, import_id, kind, key, doc, email, customer, time, ref)
  SELECT $1::bigint, $2::uuid, $3::text, u.key, u.doc::jsonb, u.email, u.customer, u.time, u.ref FROM ${unnestEntries(4)}
  ON CONFLICT (store_id, import_id, kind, key) DO UPDATE
  SET doc = EXCLUDED.doc, email = EXCLUDED.email, customer = EXCLUDED.customer, time = EXCLUDED.time, ref = EXCLUDED.ref`;
// Staging rows are unique per (kind, key), so one INSERT ... ON CONFLICT never meets a key twice.
const APPLY_STAGED = `WITH w AS (
    INSERT INTO catalog_docs (store_id, kind, key, doc, email, customer, time, ref)
    SELECT store_id, kind, key, doc, email, customer, time, ref ${STAGED} ORDER BY kind, key
    ON CONFLICT (store_id, kind, key) DO UPDATE
    SET doc = EXCLUDED.doc, email = EXCLUDED.email, customer = EXCLUDED.customer, time = EXCLUDED.time, ref = EXCLUDED.ref
    RETURNING kind, key),
  log AS (INSERT INTO catalog_log (store_id, kind, key) SELECT $1::bigint, kind, key FROM w)
  SELECT kind, count(*) AS n FROM w GROUP BY kind`;
const PRUNE_UNSTAGED = `WITH d AS (
    DELETE FROM catalog_docs c WHERE c.store_id = $1::bigint AND c.kind = ANY($3::text[])
    AND NOT EXISTS (SELECT 1 FROM import_staging s
      WHERE s.store_id = c.store_id AND s.import_id = $2::uuid AND s.kind = c.kind AND s.key = c.key)
    RETURNING c.kind, c.key),
  log AS (INSERT INTO catalog_log (store_id, kind, key) SELECT $1::bigint, kind, key FROM d)
  SELECT kind, count(*) AS n FROM d GROUP BY kind`;

/** Starts an import for one store; `write` is the catalog writer (see catalog.ts). */
export function beginPostgresImport(pool: pg.Pool, write: CatalogWriter, storeId: number, health: PostgresHealth): ImportSession {
  const importId = randomUUID();
  let finished = false;
  const ensureOpen = () => {
    if (finished) throw new Error(`Import ${importId} is already committed or aborted`);
  };

  return {
    async stage(kind, entries) {
      ensureOpen();
      const unique = lastPerKey(entries);
      if (unique.length === 0) return;
      // Each call commits its own batch, so staging memory is bounded by the caller's batch size.
      // No catalog lock: staging writes no catalog_log rows. An upsert per key: safe to run again.
      await retryingTransaction(pool, health, 'import', async (client) => {
        for (const part of chunk(unique)) await client.query(STAGE_ROWS, [storeId, importId, kind, ...entryArrays(part)]);
      });
    },

    async commit(mirror) {
      ensureOpen();
      const stats = await write((client) => applyImport(client, storeId, importId, mirroredKinds(mirror)));
      finished = true;
      return stats;
    },

    async abort() {
      if (finished) return;
      finished = true;
      await retryingStatement(pool, health, 'import', `DELETE ${STAGED}`, [storeId, importId]);
    },
  };
}

async function applyImport(client: pg.PoolClient, storeId: number, importId: string, mirror: CatalogKind[]): Promise<ImportStats> {
  const stats = emptyImportStats();
  const written = await client.query<KindCount>(APPLY_STAGED, [storeId, importId]);
  for (const { kind, n } of written.rows) stats.written[kind] = toNumber(n);
  if (mirror.length > 0) {
    const removed = await client.query<KindCount>(PRUNE_UNSTAGED, [storeId, importId, mirror]);
    for (const { kind, n } of removed.rows) stats.removed[kind] = toNumber(n);
  }
  await client.query(`DELETE ${STAGED}`, [storeId, importId]);
  return stats;
}
