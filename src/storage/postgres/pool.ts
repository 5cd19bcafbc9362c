/**
 * PostgreSQL connection handling for the adapter: URL parsing (the `schema` parameter), the
 * pool, transactions, advisory-lock keys and row-value conversions.
 */
import pg from 'pg';

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

/** A pool for the target; idle-connection errors are absorbed (the next query reports its own). */
export function createPool(target: PostgresTarget, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: target.connectionString, max });
  // Without a listener an idle client dropped by the server would crash the process.
  pool.on('error', () => {});
  return pool;
}

/** Runs fn inside BEGIN/COMMIT on one pooled client; rolls back and rethrows on failure. */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
      client.release();
    } catch (rollbackError) {
      // A client that cannot roll back is in an unknown state: destroy it rather than pool it.
      client.release(rollbackError as Error);
    }
    throw err;
  }
}

/** Advisory-lock class ids ("RL" + purpose); the object id is a hash of the schema name. */
export const LOCK_MIGRATE = 0x524c0001;
export const LOCK_CATALOG = 0x524c0002;

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
