/**
 * CatalogStore on SQLite. Every write runs in one IMMEDIATE transaction that also appends the
 * catalog_log rows, so a tailer never sees a document change without its log row or vice versa.
 * Per-row prepared statements are the fast path here: there is no network round trip to batch.
 */
import type { CatalogChange, CatalogEntry, CatalogStore, DocKind } from '../ports.js';
import { checkPageSize, lastPerKey } from '../catalog-shared.js';
import { entryValues, toEntry, type DocRow, type SqliteDb } from './db.js';
import { beginSqliteImport } from './import.js';

const DOC_COLUMNS = 'key, doc, email, customer, time, ref';
const INSERT_DOC = `INSERT INTO catalog_docs (store_id, kind, key, doc, email, customer, time, ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
const UPSERT_DOC = `${INSERT_DOC} ON CONFLICT (store_id, kind, key) DO UPDATE
  SET doc = excluded.doc, email = excluded.email, customer = excluded.customer, time = excluded.time, ref = excluded.ref`;
const INSERT_DOC_IF_ABSENT = `${INSERT_DOC} ON CONFLICT (store_id, kind, key) DO NOTHING`;
const APPEND_LOG = 'INSERT INTO catalog_log (store_id, kind, key) VALUES (?, ?, ?)';
const DEFAULT_PAGE_SIZE = 1000;

interface ChangeRow {
  seq: number;
  store_id: number;
  kind: DocKind;
  key: string;
}

/** The CatalogStore port over one SQLite connection. */
export function createSqliteCatalog(db: SqliteDb): CatalogStore {
  const appendLog = (storeId: number, kind: DocKind, key: string) => db.stmt(APPEND_LOG).run(storeId, kind, key);
  const selectDocs = (where: string) => db.stmt(`SELECT ${DOC_COLUMNS} FROM catalog_docs WHERE store_id = ? AND kind = ? AND ${where}`);

  return {
    async upsertDocs(storeId, kind, entries) {
      const unique = lastPerKey(entries);
      if (unique.length === 0) return;
      db.write(() => {
        const upsert = db.stmt(UPSERT_DOC);
        for (const entry of unique) {
          upsert.run(storeId, kind, ...entryValues(entry));
          appendLog(storeId, kind, entry.key);
        }
      });
    },

    async insertDocsIfAbsent(storeId, kind, entries) {
      if (entries.length === 0) return [];
      return db.write(() => {
        const insert = db.stmt(INSERT_DOC_IF_ABSENT);
        const inserted: string[] = [];
        // A repeated key in the batch is absent only the first time: the first entry wins.
        for (const entry of entries) {
          if (insert.run(storeId, kind, ...entryValues(entry)).changes === 0) continue;
          inserted.push(entry.key);
          appendLog(storeId, kind, entry.key);
        }
        return inserted;
      });
    },

    async removeDocs(storeId, kind, keys) {
      if (keys.length === 0) return 0;
      return db.write(() => {
        const remove = db.stmt('DELETE FROM catalog_docs WHERE store_id = ? AND kind = ? AND key = ?');
        let removed = 0;
        for (const key of keys) {
          if (remove.run(storeId, kind, key).changes === 0) continue;
          removed += 1;
          appendLog(storeId, kind, key);
        }
        return removed;
      });
    },

    async getDocs(storeId, kind, keys) {
      const get = selectDocs('key = ?');
      const found: CatalogEntry[] = [];
      for (const key of keys) {
        const row = get.get(storeId, kind, key) as DocRow | undefined;
        if (row) found.push(toEntry(row));
      }
      return found;
    },

    async findDocsByEmail(storeId, kind, emails) {
      if (emails.length === 0) return [];
      // json_each turns one JSON array parameter into a set, so one cached statement fits any list.
      const rows = selectDocs('email IN (SELECT value FROM json_each(?)) ORDER BY key').all(storeId, kind, JSON.stringify(emails));
      return (rows as DocRow[]).map(toEntry);
    },

    async findDocsByCustomer(storeId, kind, customers) {
      if (customers.length === 0) return [];
      const rows = selectDocs('customer IN (SELECT value FROM json_each(?)) ORDER BY key').all(storeId, kind, JSON.stringify(customers));
      return (rows as DocRow[]).map(toEntry);
    },

    async findDocsByRef(storeId, kind, refs) {
      if (refs.length === 0) return [];
      const rows = selectDocs('ref IN (SELECT value FROM json_each(?)) ORDER BY key').all(storeId, kind, JSON.stringify(refs));
      return (rows as DocRow[]).map(toEntry);
    },

    async latestDocs(storeId, kind, limit) {
      if (limit <= 0) return [];
      const rows = selectDocs('time IS NOT NULL ORDER BY time DESC, key LIMIT ?').all(storeId, kind, limit);
      return (rows as DocRow[]).map(toEntry);
    },

    async *scanDocs(storeId, kind, pageSize = DEFAULT_PAGE_SIZE) {
      const limit = checkPageSize(pageSize);
      // Keyset pagination: each page starts after the last key seen, so concurrent writes never
      // shift a page the way OFFSET would. The first page has its own statement because '' is a key too.
      const first = selectDocs('1 ORDER BY key LIMIT ?');
      const next = selectDocs('key > ? ORDER BY key LIMIT ?');
      let rows = first.all(storeId, kind, limit) as DocRow[];
      while (rows.length > 0) {
        yield rows.map(toEntry);
        if (rows.length < limit) return;
        rows = next.all(storeId, kind, rows[rows.length - 1].key, limit) as DocRow[];
      }
    },

    async countDocs(storeId, kind) {
      return db.stmt('SELECT count(*) FROM catalog_docs WHERE store_id = ? AND kind = ?').pluck().get(storeId, kind) as number;
    },

    async changesSince(after, limit) {
      // SQLite reads a LIMIT below zero as "no limit"; the port means "nothing".
      if (limit <= 0) return [];
      const rows = db.stmt('SELECT seq, store_id, kind, key FROM catalog_log WHERE seq > ? ORDER BY seq LIMIT ?').all(after, limit) as ChangeRow[];
      return rows.map((row): CatalogChange => ({ seq: row.seq, storeId: row.store_id, kind: row.kind, key: row.key }));
    },

    async latestChangeSeq() {
      return db.stmt('SELECT coalesce(max(seq), 0) FROM catalog_log').pluck().get() as number;
    },

    async beginImport(storeId) {
      return beginSqliteImport(db, storeId);
    },
  };
}

