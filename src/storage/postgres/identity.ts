/**
 * IdentityStore on PostgreSQL. A person is the set of identity_links rows sharing a person ID.
 * Every link transaction first takes a transaction-level advisory lock per store: without it two
 * instances linking the same new email at once would each mint a person and split it in two.
 * Under READ COMMITTED each statement after the lock sees what the previous holder committed.
 */
import type pg from 'pg';
import type { IdentityStore, PersonKeys } from '../ports.js';
import { linkKeys, lookupKeys, mergeTarget, newPersonId, personKeyList, toPersonKeys, type IdentityKey, type IdentityKind } from '../shared.js';
import { LOCK_IDENTITY, retryingTransaction, toNumber } from './pool.js';
import type { PostgresHealth } from './retry.js';

const KEYS = 'unnest($2::text[], $3::text[]) AS k(kind, value)';
const PERSONS_OF = `SELECT DISTINCT l.person FROM identity_links l JOIN ${KEYS}
  ON l.store_id = $1 AND l.kind = k.kind AND l.value = k.value`;
const UPSERT_LINKS = `INSERT INTO identity_links (store_id, kind, value, person) SELECT $1, k.kind, k.value, $4 FROM ${KEYS}
  ON CONFLICT (store_id, kind, value) DO UPDATE SET person = EXCLUDED.person`;
// Schemas sharing a server share the lock space: they can only contend, never conflict.
const LOCK = 'SELECT pg_advisory_xact_lock($1::int, $2::int)';

/** Takes the store's identity lock for the rest of the caller's transaction. */
export async function lockIdentity(client: pg.PoolClient, storeId: number): Promise<void> {
  // `| 0` wraps a store id past int4; two stores sharing a lock only contend.
  await client.query(LOCK, [LOCK_IDENTITY, storeId | 0]);
}

/** The key list as the two unnest arrays of KEYS. */
function keyArrays(keys: IdentityKey[]): [string[], string[]] {
  return [keys.map(([kind]) => kind), keys.map(([, value]) => value)];
}

async function personsOf(client: pg.PoolClient, storeId: number, keys: IdentityKey[]): Promise<string[]> {
  const { rows } = await client.query<{ person: string }>(PERSONS_OF, [storeId, ...keyArrays(keys)]);
  return rows.map((row) => row.person);
}

/**
 * Removes the links of these keys and every link of the persons they belong to; returns the rows
 * removed. Runs inside the caller's transaction (EventStore.forget), under the identity lock.
 */
export async function forgetPostgresIdentity(client: pg.PoolClient, storeId: number, keys: PersonKeys): Promise<number> {
  const named = personKeyList(keys);
  if (named.length === 0) return 0;
  await lockIdentity(client, storeId);
  const sql = `WITH d AS (DELETE FROM identity_links l WHERE l.store_id = $1
      AND (l.person IN (${PERSONS_OF}) OR (l.kind, l.value) IN (SELECT kind, value FROM ${KEYS}))
      RETURNING 1)
    SELECT count(*) AS n FROM d`;
  const { rows } = await client.query<{ n: string }>(sql, [storeId, ...keyArrays(named)]);
  return toNumber(rows[0].n);
}

/** The IdentityStore port over a pg pool. */
export function createPostgresIdentity(pool: pg.Pool, health: PostgresHealth): IdentityStore {
  return {
    async link(storeId, visitor, keys) {
      const named = linkKeys(visitor, keys);
      return retryingTransaction(pool, health, 'identity', async (client) => {
        await lockIdentity(client, storeId);
        const persons = await personsOf(client, storeId, named);
        const person = persons.length === 0 ? newPersonId() : mergeTarget(persons);
        const others = persons.filter((p) => p !== person);
        // Merge: every key of the other persons moves to the kept one (union of the persons).
        if (others.length > 0) {
          await client.query('UPDATE identity_links SET person = $2 WHERE store_id = $1 AND person = ANY($3::text[])', [storeId, person, others]);
        }
        await client.query(UPSERT_LINKS, [storeId, ...keyArrays(named), person]);
        return person;
      });
    },

    async personOf(storeId, by) {
      const named = lookupKeys(by);
      if (named.length === 0) return null;
      // One round trip; the lookup order (visitor, email, customer) decides when keys disagree.
      const sql = `SELECT l.person FROM identity_links l JOIN unnest($2::text[], $3::text[]) WITH ORDINALITY AS k(kind, value, n)
        ON l.store_id = $1 AND l.kind = k.kind AND l.value = k.value ORDER BY k.n LIMIT 1`;
      const { rows } = await pool.query<{ person: string }>(sql, [storeId, ...keyArrays(named)]);
      return rows[0]?.person ?? null;
    },

    async keysOf(storeId, person) {
      const { rows } = await pool.query<{ kind: IdentityKind; value: string }>('SELECT kind, value FROM identity_links WHERE store_id = $1 AND person = $2', [storeId, person]);
      return toPersonKeys(rows);
    },
  };
}
