/**
 * The one SQLite connection of an open Storage: prepared-statement cache, write transactions and
 * row mapping shared by the stores, catalog and import modules.
 */
import type Database from 'better-sqlite3';
import type { CatalogEntry } from '../ports.js';

export interface DocRow {
  key: string;
  doc: string;
  email: string | null;
  customer: string | null;
  time: number | null;
}

/** Column values of one entry, in the column order used by every insert. */
export type EntryValues = [key: string, doc: string, email: string | null, customer: string | null, time: number | null];

export class SqliteDb {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly raw: Database.Database) {}

  /** A prepared statement for this SQL, prepared once per connection. */
  stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.raw.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Runs fn in a BEGIN IMMEDIATE transaction. IMMEDIATE takes the write lock up front: a deferred
   * transaction that reads first can fail with SQLITE_BUSY_SNAPSHOT when another connection
   * writes meanwhile, and the busy timeout does not retry that.
   */
  write<T>(fn: () => T): T {
    return this.raw.transaction(fn).immediate();
  }

  /** Runs fn with the connection's synchronous level set to `level`, then restores it. */
  withSynchronous<T>(level: 'NORMAL' | 'FULL', fn: () => T): T {
    const previous = this.raw.pragma('synchronous', { simple: true }) as number;
    this.raw.pragma(`synchronous = ${level}`);
    try {
      return fn();
    } finally {
      this.raw.pragma(`synchronous = ${previous}`);
    }
  }
}

/** Maps a catalog_docs / import_staging row to the port's entry. */
export function toEntry(row: DocRow): CatalogEntry {
  return { key: row.key, doc: JSON.parse(row.doc) as CatalogEntry['doc'], email: row.email, customer: row.customer, time: row.time };
}

/** Serialises an entry for an insert; absent indexed fields become NULL. */
export function entryValues(entry: CatalogEntry): EntryValues {
  return [entry.key, JSON.stringify(entry.doc), entry.email ?? null, entry.customer ?? null, entry.time ?? null];
}


/** Unix seconds. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
