/**
 * IdentityStore on SQLite. A person is the set of identity_links rows sharing a person ID. Each
 * link runs in one IMMEDIATE transaction, and SQLite has one writer at a time, so concurrent links
 * (from any connection) see each other's persons and never split one person in two.
 */
import type { IdentityStore, PersonKeys } from '../ports.js';
import { linkKeys, lookupKeys, mergeTarget, newPersonId, personKeyList, toPersonKeys, type IdentityKey, type IdentityKind } from '../shared.js';
import type { SqliteDb } from './db.js';

const PERSON_OF = 'SELECT person FROM identity_links WHERE store_id = ? AND kind = ? AND value = ?';
const UPSERT_LINK = `INSERT INTO identity_links (store_id, kind, value, person) VALUES (?, ?, ?, ?)
  ON CONFLICT (store_id, kind, value) DO UPDATE SET person = excluded.person`;
const REPOINT = 'UPDATE identity_links SET person = ? WHERE store_id = ? AND person = ?';

/** The distinct persons these keys belong to (inside the caller's transaction). */
function personsOf(db: SqliteDb, storeId: number, keys: IdentityKey[]): string[] {
  const lookup = db.stmt(PERSON_OF).pluck();
  const persons = new Set<string>();
  for (const [kind, value] of keys) {
    const person = lookup.get(storeId, kind, value) as string | undefined;
    if (person !== undefined) persons.add(person);
  }
  return [...persons];
}

/**
 * Removes the links of these keys and every link of the persons they belong to; returns the rows
 * removed. Runs inside the caller's write transaction (EventStore.forget).
 */
export function forgetSqliteIdentity(db: SqliteDb, storeId: number, keys: PersonKeys): number {
  const named = personKeyList(keys);
  let removed = 0;
  for (const person of personsOf(db, storeId, named)) {
    removed += db.stmt('DELETE FROM identity_links WHERE store_id = ? AND person = ?').run(storeId, person).changes;
  }
  // Keys that were linked to nobody have no rows left by now; this is for the defensive case only.
  const remove = db.stmt('DELETE FROM identity_links WHERE store_id = ? AND kind = ? AND value = ?');
  for (const [kind, value] of named) removed += remove.run(storeId, kind, value).changes;
  return removed;
}

/** The IdentityStore port over one SQLite connection. */
export function createSqliteIdentity(db: SqliteDb): IdentityStore {
  return {
    async link(storeId, visitor, keys) {
      const named = linkKeys(visitor, keys);
      return db.write(() => {
        const persons = personsOf(db, storeId, named);
        const person = persons.length === 0 ? newPersonId() : mergeTarget(persons);
        // Merge: every key of the other persons moves to the kept one (union of the persons).
        for (const other of persons) if (other !== person) db.stmt(REPOINT).run(person, storeId, other);
        const upsert = db.stmt(UPSERT_LINK);
        for (const [kind, value] of named) upsert.run(storeId, kind, value, person);
        return person;
      });
    },

    async personOf(storeId, by) {
      const lookup = db.stmt(PERSON_OF).pluck();
      for (const [kind, value] of lookupKeys(by)) {
        const person = lookup.get(storeId, kind, value) as string | undefined;
        if (person !== undefined) return person;
      }
      return null;
    },

    async keysOf(storeId, person) {
      const rows = db.stmt('SELECT kind, value FROM identity_links WHERE store_id = ? AND person = ?').all(storeId, person);
      return toPersonKeys(rows as { kind: IdentityKind; value: string }[]);
    },
  };
}
