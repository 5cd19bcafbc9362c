/** StoreRegistry on SQLite: stores, their hashed private keys and small JSON settings. */
import { LogicalError } from '../../errors.js';
import type { PrivateKeyRecord, StoreRecord, StoreRegistry } from '../ports.js';
import { nowSeconds, type SqliteDb } from './db.js';

interface StoreRow {
  id: number;
  name: string;
  public_key: string;
  created_at: number;
}

interface KeyRow {
  store_id: number;
  name: string;
  hash: string;
  created_at: number;
}

const STORE_COLUMNS = 'id, name, public_key, created_at';

function toStore(row: StoreRow): StoreRecord {
  return { id: row.id, name: row.name, publicKey: row.public_key, createdAt: row.created_at };
}

function toKey(row: KeyRow): PrivateKeyRecord {
  return { storeId: row.store_id, name: row.name, hash: row.hash, createdAt: row.created_at };
}

function sqliteCode(err: unknown): string | undefined {
  return (err as { code?: unknown }).code as string | undefined;
}

/** Turns constraint failures into the catalogue's errors; anything else is rethrown as is. */
function conflictError(err: unknown, messages: { unique: string; foreignKey?: string }): unknown {
  const code = sqliteCode(err);
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return new LogicalError(messages.unique, 409);
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' && messages.foreignKey) return new LogicalError(messages.foreignKey, 404);
  return err;
}

/** The StoreRegistry port over one SQLite connection. */
export function createSqliteStores(db: SqliteDb): StoreRegistry {
  const selectStore = (where: string) => db.stmt(`SELECT ${STORE_COLUMNS} FROM stores WHERE ${where}`);
  return {
    async createStore(input) {
      const createdAt = nowSeconds();
      try {
        return db.write(() => {
          const info = db.stmt('INSERT INTO stores (name, public_key, created_at) VALUES (?, ?, ?)').run(input.name, input.publicKey, createdAt);
          const id = Number(info.lastInsertRowid);
          db.stmt('INSERT INTO private_keys (store_id, name, hash, created_at) VALUES (?, ?, ?, ?)').run(
            id,
            input.privateKey.name,
            input.privateKey.hash,
            createdAt,
          );
          return { id, name: input.name, publicKey: input.publicKey, createdAt };
        });
      } catch (err) {
        // The SQLite message names the violated column ("UNIQUE constraint failed: stores.name").
        const taken = String((err as Error).message).includes('stores.name')
          ? `Store name "${input.name}" is already taken`
          : `Public key "${input.publicKey}" is already taken`;
        throw conflictError(err, { unique: taken });
      }
    },

    async addPrivateKey(storeId, key) {
      try {
        db.write(() => {
          db.stmt('INSERT INTO private_keys (store_id, name, hash, created_at) VALUES (?, ?, ?, ?)').run(storeId, key.name, key.hash, nowSeconds());
        });
      } catch (err) {
        throw conflictError(err, {
          unique: `Store ${storeId} already has a private key named "${key.name}"`,
          foreignKey: `Store ${storeId} does not exist`,
        });
      }
    },

    async listStores() {
      return (db.stmt(`SELECT ${STORE_COLUMNS} FROM stores ORDER BY id`).all() as StoreRow[]).map(toStore);
    },

    async findStoreByPublicKey(publicKey) {
      const row = selectStore('public_key = ?').get(publicKey) as StoreRow | undefined;
      return row ? toStore(row) : null;
    },

    async findStoreByName(name) {
      const row = selectStore('name = ?').get(name) as StoreRow | undefined;
      return row ? toStore(row) : null;
    },

    async listPrivateKeys(storeId) {
      const sql = 'SELECT store_id, name, hash, created_at FROM private_keys WHERE store_id = ? ORDER BY created_at, name';
      return (db.stmt(sql).all(storeId) as KeyRow[]).map(toKey);
    },

    async getSetting(storeId, name) {
      const value = db.stmt('SELECT value FROM store_settings WHERE store_id = ? AND name = ?').pluck().get(storeId, name) as string | undefined;
      return value === undefined ? undefined : JSON.parse(value);
    },

    async setSetting(storeId, name, value) {
      // undefined is not JSON: setting it removes the setting, so a later get answers undefined.
      if (value === undefined) {
        db.stmt('DELETE FROM store_settings WHERE store_id = ? AND name = ?').run(storeId, name);
        return;
      }
      const sql = `INSERT INTO store_settings (store_id, name, value) VALUES (?, ?, ?)
        ON CONFLICT (store_id, name) DO UPDATE SET value = excluded.value`;
      try {
        db.stmt(sql).run(storeId, name, JSON.stringify(value));
      } catch (err) {
        throw conflictError(err, { unique: `Setting "${name}" conflicts`, foreignKey: `Store ${storeId} does not exist` });
      }
    },
  };
}
