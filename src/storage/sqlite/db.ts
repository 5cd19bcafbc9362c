/**
 * The one SQLite connection of an open Storage: prepared-statement cache, write transactions and
 * row mapping shared by the stores, catalog and import modules.
 */
import { closeSync, fsync, openSync } from 'node:fs';
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
  /** A descriptor of the WAL file, opened on the first durable write (see durableWrite). */
  private walFd: number | null = null;

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

  /**
   * A write transaction whose commit reaches the disk without blocking the event loop. With
   * synchronous=FULL SQLite fsyncs the WAL inside COMMIT, and the whole process waits (about
   * a third of a busy log/click server's time went there). Here the transaction commits with
   * NORMAL (its frames are in the WAL file, in the OS cache: a process crash or kill -9 already
   * cannot lose them), then the WAL file is fsynced on libuv's thread pool while other requests
   * run; the promise resolves after that fsync, so a commit it acknowledges is as durable as under
   * FULL (a checkpoint in NORMAL mode fsyncs the WAL before copying it and the database after).
   * A connection configured NORMAL (or in memory) just writes.
   */
  async durableWrite<T>(fn: () => T): Promise<T> {
    if (this.raw.memory || (this.raw.pragma('synchronous', { simple: true }) as number) < 2) return this.write(fn);
    const result = this.withSynchronous('NORMAL', () => this.write(fn));
    await this.syncWal();
    return result;
  }

  /**
   * fsyncs the WAL file. A failure is thrown to the writer (its callers are not acknowledged) and
   * the descriptor is reopened by the next write.
   */
  private async syncWal(): Promise<void> {
    this.walFd ??= openSync(`${this.raw.name}-wal`, 'r');
    const fd = this.walFd;
    try {
      await new Promise<void>((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
    } catch (err) {
      this.closeWal();
      throw err;
    }
  }

  /** Releases the WAL descriptor (on close). */
  closeWal(): void {
    if (this.walFd === null) return;
    const fd = this.walFd;
    this.walFd = null;
    try {
      closeSync(fd);
    } catch {
      // already unusable: nothing to release
    }
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
