/**
 * PostgreSQL connection handling for the adapter: URL parsing (the `schema` parameter), the
 * pool, transactions, advisory-lock keys and row-value conversions.
 */
import pg from 'pg';
import { CommitInDoubt, READ_RETRY, withRetry, writeRetry, type PostgresHealth } from './retry.js';

export interface PostgresTarget {
  /** The URL handed to pg: `schema` removed, search_path added to the startup `options`. */
  connectionString: string;
  /** The schema named in the URL, or null for the server's default search_path. */
  schema: string | null;
}

// Lower-case identifiers only: they need no quoting in SQL or in the startup options string.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Splits the Relevo-only `schema` query parameter out of a postgres:// URL. */
export function parsePostgresUrl(url: string): PostgresTarget {
  const queryAt = url.indexOf('?');
  if (queryAt < 0) return { connectionString: url, schema: null };
  // The query is edited on its own so the rest of the URL reaches pg byte for byte.
  const params = new URLSearchParams(url.slice(queryAt + 1));
  const schema = params.get('schema');
  if (schema === null) return { connectionString: url, schema: null };
  if (!SCHEMA_NAME.test(schema)) throw new Error(`Invalid schema "${schema}" in the PostgreSQL URL: use lower-case letters, digits and _`);
  params.delete('schema');
  // A startup option sets search_path on every connection the pool opens, before any query runs.
  const options = [params.get('options'), `-c search_path=${schema}`].filter(Boolean).join(' ');
  params.set('options', options);
  return { connectionString: `${url.slice(0, queryAt)}?${params.toString()}`, schema };
}

/** The URL with its password masked, for messages and logs. */
export function redactPassword(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}

/** Whether a PostgreSQL server answers at url within 3 s (test and bench scripts probe before they run). */
export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: parsePostgresUrl(url).connectionString, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A pool for the target; idle-connection errors are absorbed (the next query reports its own).
 * With `health`, a single SELECT statement run through pool.query is retried (twice, soon) when
 * its connection was lost: a read is safe to run again, and a request then survives a backend
 * killed under it.
 */
export function createPool(target: PostgresTarget, max = 10, health?: PostgresHealth): pg.Pool {
  // application_name lets operators (and the fault test) tell Relevo's backends apart.
  const pool = new pg.Pool({ connectionString: target.connectionString, max, application_name: APPLICATION_NAME });
  // Without a listener an idle client dropped by the server would crash the process.
  pool.on('error', () => {});
  // Nor may a client crash it in the moment between two owners: when pool.query's statement
  // ends, pg-pool hands the client to a waiting pool.connect() at once, but that caller's own
  // 'error' listener (withTransaction's) is only attached a microtask later, and a FATAL
  // "terminating connection" parsed from the same TCP read lands in between: an 'error' event
  // with no listener (seen in test/pg-faults.pg-test.ts, once in about seven runs). Every client
  // keeps this one for life; the owner's statement still fails (the client is no longer
  // queryable), which is a connection error and retried like any other.
  pool.on('connect', (client) => client.on('error', () => {}));
  if (health) retryReads(pool, health);
  return pool;
}

/** The application_name of every Relevo connection (pg_stat_activity). */
export const APPLICATION_NAME = 'relevo';

const READ_STATEMENT = /^\s*SELECT\b/i;

function retryReads(pool: pg.Pool, health: PostgresHealth): void {
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  const retrying = (...args: unknown[]): unknown => {
    const [text, , callback] = args;
    if (typeof text !== 'string' || typeof callback === 'function' || typeof args[1] === 'function' || !READ_STATEMENT.test(text)) return query(...args);
    return withRetry(health, READ_RETRY, () => query(...args));
  };
  pool.query = retrying as typeof pool.query;
}

/**
 * Runs fn inside BEGIN/COMMIT on one pooled client; rolls back and rethrows on failure. A failed
 * COMMIT is thrown as CommitInDoubt (the server may have committed before the connection went).
 * While the client is checked out, its 'error' event (the backend killed mid-transaction) is
 * absorbed here: the statement in flight rejects on its own, and without a listener the event
 * would crash the process. `tracked` records the transaction id first, for CommitInDoubt.
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, tracked = false): Promise<T> {
  const client = await pool.connect();
  let lost: Error | null = null;
  const onError = (err: Error) => (lost = err);
  client.on('error', onError);
  const release = (err?: Error) => {
    client.removeListener('error', onError);
    client.release(err ?? lost ?? undefined);
  };
  let committing = false;
  let xid: string | null = null;
  let result: T | undefined;
  try {
    if (tracked) {
      // One round trip: BEGIN and the transaction's id, which txid_status() can ask about later.
      const [, id] = (await client.query('BEGIN; SELECT txid_current() AS xid')) as unknown as [unknown, pg.QueryResult<{ xid: string }>];
      xid = id.rows[0].xid;
    } else {
      await client.query('BEGIN');
    }
    result = await fn(client);
    committing = true;
    await client.query('COMMIT');
    release();
    return result;
  } catch (err) {
    try {
      if (lost) throw lost;
      await client.query('ROLLBACK');
      release();
    } catch (rollbackError) {
      // A client that cannot roll back is in an unknown state: destroy it rather than pool it.
      release(rollbackError as Error);
    }
    throw committing ? new CommitInDoubt(err, xid, result) : err;
  }
}

/**
 * A write transaction that survives a lost connection: withTransaction, tracked, retried with
 * backoff (writeRetry, counted under `op`). A COMMIT in doubt is looked up first: a transaction
 * that landed is answered with its result and not run again. fn runs once per attempt, so it
 * must start from scratch each time (no state carried over from an attempt rolled back).
 */
export function retryingTransaction<T>(pool: pg.Pool, health: PostgresHealth, op: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withRetry(health, writeRetry(op), () => withTransaction(pool, fn, true), (doubt) => committedResult<T>(pool, doubt));
}

/**
 * One write statement that gives the same result when run twice (an idempotent UPDATE, DELETE or
 * upsert), retried on a lost connection like retryingTransaction, without a transaction around it.
 */
export function retryingStatement(pool: pg.Pool, health: PostgresHealth, op: string, text: string, params: unknown[]): Promise<pg.QueryResult> {
  return withRetry(health, writeRetry(op), () => pool.query(text, params));
}

/**
 * After a COMMIT in doubt: the transaction's result if it committed, null if it did not. While
 * its backend is still finishing ("in progress"), asks again for up to about 2 s, then fails.
 */
export async function committedResult<T>(pool: pg.Pool, doubt: CommitInDoubt): Promise<{ value: T } | null> {
  if (doubt.xid === null) return null;
  for (let i = 0; ; i++) {
    const { rows } = await pool.query<{ s: string | null }>('SELECT txid_status($1::bigint) AS s', [doubt.xid]);
    const status = rows[0].s;
    if (status === 'committed') return { value: doubt.result as T };
    if (status !== 'in progress') return null;
    // Re-running might store it twice: fail the batch instead (its callers are not answered ok).
    if (i >= 20) throw new Error(`transaction ${doubt.xid} still in progress after its connection was lost`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Advisory-lock class ids ("RL" + purpose), all of them here so that no two purposes share one;
 * the object id is a hash of the schema name (and, for retention, the store).
 */
export const LOCK_MIGRATE = 0x524c0001;
export const LOCK_CATALOG = 0x524c0002;
/** Event appends: seqs commit in order (events.ts). */
export const LOCK_EVENTS = 0x524c0003;
/** Identity links (identity.ts). */
export const LOCK_IDENTITY = 0x524c0004;
export const LOCK_RETENTION = 0x524c0005;
/** Making and dropping event partitions (partitions.ts). */
export const LOCK_PARTITIONS = 0x524c0006;

/** The advisory lock (LOCK_RETENTION, this) one store's retention run holds: one run per store at a time. */
export function retentionLockId(schema: string | null, storeId: number): number {
  return (schemaLockId(schema) ^ Math.imul(storeId, 0x9e3779b1)) | 0;
}

/** The int4 object id for advisory locks of one schema (FNV-1a), so schemas never contend. */
export function schemaLockId(schema: string | null): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(schema ?? '', 'utf8')) {
    hash = Math.imul(hash ^ byte, 0x01000193);
  }
  return hash | 0;
}

/** pg returns BIGINT (and count(*)) as strings to avoid precision loss; our values fit a double. */
export function toNumber(value: string | number | null): number {
  return value === null ? 0 : Number(value);
}

/** Splits a list into chunks of at most size, so one statement never carries an unbounded array. */
export function chunk<T>(items: T[], size = 1000): T[][] {
  const chunks: T[][] = [];
  for (let at = 0; at < items.length; at += size) chunks.push(items.slice(at, at + size));
  return chunks;
}

/** The SQLSTATE of a driver error, if any. */
export function sqlState(err: unknown): string | undefined {
  return (err as { code?: unknown }).code as string | undefined;
}
