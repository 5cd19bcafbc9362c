/**
 * Feed imports on SQLite. Staged rows live in import_staging under a random import id, so a
 * feed of any size never sits in memory and a crash leaves only staging rows behind; commit
 * moves them into catalog_docs with set-based statements in one transaction.
 */
import { randomUUID } from 'node:crypto';
import { emptyImportStats, mirroredKinds } from '../catalog-shared.js';
import type { CatalogKind, ImportSession, ImportStats } from '../ports.js';
import { entryValues, type SqliteDb } from './db.js';

const STAGED = 'FROM import_staging WHERE store_id = ? AND import_id = ?';
const STAGE_ROW = `INSERT INTO import_staging (store_id, import_id, kind, key, doc, email, customer, time, ref)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (store_id, import_id, kind, key) DO UPDATE
  SET doc = excluded.doc, email = excluded.email, customer = excluded.customer, time = excluded.time, ref = excluded.ref`;
// The WHERE clause is required: without it SQLite cannot tell the upsert's ON from a join's ON.
const APPLY_STAGED = `INSERT INTO catalog_docs (store_id, kind, key, doc, email, customer, time, ref)
  SELECT store_id, kind, key, doc, email, customer, time, ref ${STAGED}
  ON CONFLICT (store_id, kind, key) DO UPDATE
  SET doc = excluded.doc, email = excluded.email, customer = excluded.customer, time = excluded.time, ref = excluded.ref`;
const NOT_STAGED = `d.store_id = ? AND d.kind = ? AND NOT EXISTS (SELECT 1 FROM import_staging s
  WHERE s.store_id = d.store_id AND s.import_id = ? AND s.kind = d.kind AND s.key = d.key)`;



/** Starts an import for one store; see ImportSession for the contract. */
export function beginSqliteImport(db: SqliteDb, storeId: number): ImportSession {
  const importId = randomUUID();
  let finished = false;
  const ensureOpen = () => {
    if (finished) throw new Error(`Import ${importId} is already committed or aborted`);
  };

  return {
    async stage(kind, entries) {
      ensureOpen();
      if (entries.length === 0) return;
      // Each call commits its own batch, so staging memory is bounded by the caller's batch size.
      db.write(() => {
        const stage = db.stmt(STAGE_ROW);
        for (const entry of entries) stage.run(storeId, importId, kind, ...entryValues(entry));
      });
    },

    async commit(mirror) {
      ensureOpen();
      const stats = db.write(() => applyImport(db, storeId, importId, mirroredKinds(mirror)));
      finished = true;
      return stats;
    },

    async abort() {
      if (finished) return;
      finished = true;
      db.write(() => db.stmt(`DELETE ${STAGED}`).run(storeId, importId));
    },
  };
}

function applyImport(db: SqliteDb, storeId: number, importId: string, mirror: CatalogKind[]): ImportStats {
  const stats = emptyImportStats();
  const counts = db.stmt(`SELECT kind, count(*) AS n ${STAGED} GROUP BY kind`).all(storeId, importId) as { kind: CatalogKind; n: number }[];
  for (const { kind, n } of counts) stats.written[kind] = n;

  db.stmt(APPLY_STAGED).run(storeId, importId);
  db.stmt(`INSERT INTO catalog_log (store_id, kind, key) SELECT store_id, kind, key ${STAGED} ORDER BY kind, key`).run(storeId, importId);
  for (const kind of mirror) {
    // Log the doomed keys first: after the delete they are gone.
    db.stmt(`INSERT INTO catalog_log (store_id, kind, key) SELECT d.store_id, d.kind, d.key FROM catalog_docs d WHERE ${NOT_STAGED} ORDER BY d.key`).run(
      storeId,
      kind,
      importId,
    );
    stats.removed[kind] = db.stmt(`DELETE FROM catalog_docs AS d WHERE ${NOT_STAGED}`).run(storeId, kind, importId).changes;
  }
  db.stmt(`DELETE ${STAGED}`).run(storeId, importId);
  return stats;
}
