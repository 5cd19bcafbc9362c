/**
 * The one SQLite connection of an open Storage: prepared-statement cache, write transactions and
 * row mapping shared by the stores, catalog and import modules.
 */
import { closeSync, fsync, openSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { CatalogEntry } from '../ports.js';
import { Checkpointer } from './checkpointer.js';

export interface DocRow {
  key: string;
  doc: string;
  email: string | null;
  customer: string | null;
  time: number | null;
  ref: string | null;
}

/** Column values of one entry, in the column order used by every insert. */
export type EntryValues = [key: string, doc: string, email: string | null, customer: string | null, time: number | null, ref: string | null];

export class SqliteDb {
  private readonly statements = new Map<string, Database.Statement>();
  /** A descriptor of the WAL file, opened on the first durable write (see durableWrite). */
  private walFd: number | null = null;
  /** The connection's configured synchronous level (0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA), read once. */
  private readonly level: number;

  /** Background WAL checkpoints (a file database only; see checkpointer.ts). */
  readonly checkpointer: Checkpointer | null;

  /** Wraps an open connection whose pragmas are set (its synchronous level is read here, once). */
  constructor(readonly raw: Database.Database) {
    this.level = raw.pragma('synchronous', { simple: true }) as number;
    this.checkpointer = raw.memory ? null : new Checkpointer(raw, this.level);
  }

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
    const result = this.raw.transaction(fn).immediate();
    this.checkpointer?.afterWrite();
    return result;
  }

  /**
   * A write transaction whose commit reaches the disk without blocking the event loop. With
   * synchronous=FULL SQLite fsyncs the WAL inside COMMIT, and the whole process waits (a profile
   * of a loaded log/click server found about a fifth of its busy time there; an A/B showed no
   * throughput change on this shared VM, but nothing else waits). Here the transaction commits with
   * NORMAL (its frames are in the WAL file, in the OS cache: a process crash or kill -9 already
   * cannot lose them), then the WAL file is fsynced on libuv's thread pool while other requests
   * run; the promise resolves after that fsync, so a commit it acknowledges is as durable as under
   * FULL (a checkpoint in NORMAL mode fsyncs the WAL before copying it and the database after).
   * A connection configured NORMAL (or in memory) just writes.
   */
  async durableWrite<T>(fn: () => T): Promise<T> {
    if (this.raw.memory || this.level < 2) return this.write(fn);
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

  /**
   * Runs fn with the connection's synchronous level set to `level`, then restores the configured
   * one. Both settings are cached statements: this runs around every group commit.
   */
  withSynchronous<T>(level: 'NORMAL' | 'FULL', fn: () => T): T {
    const wanted = level === 'NORMAL' ? 1 : 2;
    if (wanted === this.level) return fn();
    this.stmt(`PRAGMA synchronous = ${wanted}`).run();
    try {
      return fn();
    } finally {
      this.stmt(`PRAGMA synchronous = ${this.level}`).run();
    }
  }
}

/** Maps a catalog_docs / import_staging row to the port's entry. */
export function toEntry(row: DocRow): CatalogEntry {
  return { key: row.key, doc: JSON.parse(row.doc) as CatalogEntry['doc'], email: row.email, customer: row.customer, time: row.time, ref: row.ref };
}

/** Serialises an entry for an insert; absent indexed fields become NULL. */
export function entryValues(entry: CatalogEntry): EntryValues {
  return [entry.key, JSON.stringify(entry.doc), entry.email ?? null, entry.customer ?? null, entry.time ?? null, entry.ref ?? null];
}


/** Unix seconds. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
