/** StoreRegistry on PostgreSQL: stores, their hashed private keys and small JSON settings. */
import type pg from 'pg';
import { LogicalError } from '../../errors.js';
import type { PrivateKeyRecord, StoreRecord, StoreRegistry } from '../ports.js';
import { retryingStatement, retryingTransaction, sqlState, toNumber } from './pool.js';
import type { PostgresHealth } from './retry.js';

interface StoreRow {
  id: string;
  name: string;
  public_key: string;
  created_at: string;
}

interface KeyRow {
  store_id: string;
  name: string;
  hash: string;
  created_at: string;
}

const STORE_COLUMNS = 'id, name, public_key, created_at';

function toStore(row: StoreRow): StoreRecord {
  return { id: toNumber(row.id), name: row.name, publicKey: row.public_key, createdAt: toNumber(row.created_at) };
}

function toKey(row: KeyRow): PrivateKeyRecord {
  return { storeId: toNumber(row.store_id), name: row.name, hash: row.hash, createdAt: toNumber(row.created_at) };
}

/** Turns constraint violations into the catalogue's errors; anything else is rethrown as is. */
function conflictError(err: unknown, messages: { unique: string; foreignKey?: string }): unknown {
  if (sqlState(err) === '23505') return new LogicalError(messages.unique, 409);
  if (sqlState(err) === '23503' && messages.foreignKey) return new LogicalError(messages.foreignKey, 404);
  return err;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The StoreRegistry port over a pg pool. */
export function createPostgresStores(pool: pg.Pool, channel: string, health: PostgresHealth): StoreRegistry {
  const findOne = async (where: string, value: string) => {
    const { rows } = await pool.query<StoreRow>(`SELECT ${STORE_COLUMNS} FROM stores WHERE ${where} = $1`, [value]);
    return rows.length ? toStore(rows[0]) : null;
  };
  return {
    async createStore(input) {
      const createdAt = nowSeconds();
      // One statement inserts the store and its first key. It runs in a tracked transaction all
      // the same: after a lost connection the retry must know whether it landed (a second insert
      // would fail on the name it took). A SELECT in a CTE runs only when referenced: the INSERT reads it, so the notification
      // (of the keys log, sent at COMMIT) is queued by the same statement.
      const sql = `WITH s AS (INSERT INTO stores (name, public_key, created_at) VALUES ($1, $2, $3) RETURNING id),
          n AS (SELECT pg_notify($6, 'keys'))
        INSERT INTO private_keys (store_id, name, hash, created_at) SELECT s.id, $4, $5, $3 FROM s, n RETURNING store_id`;
      try {
        const params = [input.name, input.publicKey, createdAt, input.privateKey.name, input.privateKey.hash, channel];
        const { rows } = await retryingTransaction(pool, health, 'stores', (client) => client.query<{ store_id: string }>(sql, params));
        return { id: toNumber(rows[0].store_id), name: input.name, publicKey: input.publicKey, createdAt };
      } catch (err) {
        const constraint = (err as { constraint?: string }).constraint;
        const taken = constraint === 'stores_name_unique' ? `Store name "${input.name}" is already taken` : `Public key "${input.publicKey}" is already taken`;
        throw conflictError(err, { unique: taken });
      }
    },

    async addPrivateKey(storeId, key) {
      const sql = `INSERT INTO private_keys (store_id, name, hash, created_at)
        SELECT $1, $2, $3, $4 FROM (SELECT pg_notify($5, 'keys')) AS n`;
      try {
        const params = [storeId, key.name, key.hash, nowSeconds(), channel];
        await retryingTransaction(pool, health, 'stores', (client) => client.query(sql, params));
      } catch (err) {
        throw conflictError(err, {
          unique: `Store ${storeId} already has a private key named "${key.name}"`,
          foreignKey: `Store ${storeId} does not exist`,
        });
      }
    },

    async listStores() {
      const { rows } = await pool.query<StoreRow>(`SELECT ${STORE_COLUMNS} FROM stores ORDER BY id`);
      return rows.map(toStore);
    },

    findStoreByPublicKey: (publicKey) => findOne('public_key', publicKey),
    findStoreByName: (name) => findOne('name', name),

    async listPrivateKeys(storeId) {
      const sql = 'SELECT store_id, name, hash, created_at FROM private_keys WHERE store_id = $1 ORDER BY created_at, name';
      const { rows } = await pool.query<KeyRow>(sql, [storeId]);
      return rows.map(toKey);
    },

    async getSetting(storeId, name) {
      // pg parses jsonb itself, so the row already holds the JSON value.
      const { rows } = await pool.query<{ value: unknown }>('SELECT value FROM store_settings WHERE store_id = $1 AND name = $2', [storeId, name]);
      return rows.length ? rows[0].value : undefined;
    },

    async setSetting(storeId, name, value) {
      // undefined is not JSON: setting it removes the setting, so a later get answers undefined.
      if (value === undefined) {
        await retryingStatement(pool, health, 'stores', 'DELETE FROM store_settings WHERE store_id = $1 AND name = $2', [storeId, name]);
        return;
      }
      const sql = `INSERT INTO store_settings (store_id, name, value) VALUES ($1, $2, $3::jsonb)
        ON CONFLICT (store_id, name) DO UPDATE SET value = EXCLUDED.value`;
      try {
        // Always a JSON string: pg would turn a JS array into a PostgreSQL array literal.
        await retryingStatement(pool, health, 'stores', sql, [storeId, name, JSON.stringify(value)]);
      } catch (err) {
        throw conflictError(err, { unique: `Setting "${name}" conflicts`, foreignKey: `Store ${storeId} does not exist` });
      }
    },
  };
}
