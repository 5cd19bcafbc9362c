/**
 * Test-only database access: PostgreSQL test schemas, and a dump of every row of every table (to
 * prove that privacy/forget leaves nothing behind). Tests may use the drivers; src/ may not
 * outside the adapters.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';

export const PG_URL = process.env.RELEVO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A URL for a fresh PostgreSQL schema (created by the adapter on open). */
export function pgSchemaUrl(prefix = 't'): string {
  return `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${prefix}_${randomBytes(6).toString('hex')}`;
}

function schemaOf(url: string): string | null {
  return /[?&]schema=([a-z0-9_]+)/.exec(url)?.[1] ?? null;
}

/** Runs fn with a client of its own on the test database (not confined to a schema). */
export async function withPgClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Drops the schema of a pgSchemaUrl. */
export async function dropPgSchema(url: string): Promise<void> {
  const schema = schemaOf(url);
  if (!schema) return;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** Every row of every table, as one JSON text per table (`table: [...]`). */
export async function dumpAllRows(url: string): Promise<Record<string, string>> {
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length), { readonly: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
      return Object.fromEntries(tables.map(({ name }) => [name, JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all())]));
    } finally {
      db.close();
    }
  }
  const schema = schemaOf(url)!;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
    const out: Record<string, string> = {};
    for (const { table_name } of rows) {
      const data = await client.query(`SELECT row_to_json(t)::text AS j FROM ${schema}."${table_name}" t`);
      out[table_name] = JSON.stringify(data.rows.map((r) => r.j));
    }
    return out;
  } finally {
    await client.end();
  }
}
