/**
 * Monthly event partitions on PostgreSQL (migration 12): the months ahead are made before events
 * reach them (`prepareEventPartitions`, at start-up and every few hours), and retention drops a
 * whole month once it lies before every store's horizon (`dropEventPartitions`), instead of
 * deleting its rows one by one. Both run under one advisory lock per schema, so instances and
 * workers never make or drop the same partition at once; a lock wait is bounded (lock_timeout),
 * and a run that gives up leaves everything as it was for the next one.
 */
import type pg from 'pg';
import { LOCK_PARTITIONS, retryingTransaction, schemaLockId, sqlState } from './pool.js';
import type { PostgresHealth } from './retry.js';

const DAY = 86400;
/** Months made ahead of the current one. */
export const MONTHS_AHEAD = 2;
/**
 * How long a partition change waits for its locks before it gives up until the next run. Making
 * a month (ATTACH) locks only the default partition exclusively, so it may wait; dropping one
 * locks `events` itself, and while it waits every insert queues behind it: a moment only.
 */
const PREPARE_LOCK_TIMEOUT = '5s';
const DROP_LOCK_TIMEOUT = '200ms';
/** lock_not_available: lock_timeout ran out. */
const LOCK_NOT_AVAILABLE = '55P03';

/** The UTC month start (unix s) of a time, `plus` months on. */
export function monthStart(time: number, plus = 0): number {
  const d = new Date(time * 1000);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + plus, 1) / 1000;
}

/** The monthly partition of the month starting at `first` (unix s): events_pYYYYMM, as events_month_partition names it. */
export function partitionName(first: number): string {
  return `events_p${new Date(first * 1000).toISOString().slice(0, 7).replace('-', '')}`;
}

/** A monthly partition's name (events_pYYYYMM) back to its month start, or null for another table. */
export function partitionMonth(name: string): number | null {
  const m = /^events_p(\d{4})(\d{2})$/.exec(name);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, 1) / 1000 : null;
}

async function underPartitionLock<T>(pool: pg.Pool, health: PostgresHealth, schema: string | null, lockTimeout: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return retryingTransaction(pool, health, 'partitions', async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1::int, $2::int)', [LOCK_PARTITIONS, schemaLockId(schema)]);
    await client.query(`SET LOCAL lock_timeout = '${lockTimeout}'`);
    return fn(client);
  });
}

/** The monthly partitions of `events`, oldest first. */
async function monthlyPartitions(client: pg.PoolClient): Promise<Array<{ name: string; month: number }>> {
  const { rows } = await client.query<{ name: string }>(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'events'::regclass`);
  return rows.flatMap(({ name }) => {
    const month = partitionMonth(name);
    return month === null ? [] : [{ name, month }];
  }).sort((a, b) => a.month - b.month);
}

/** Makes the partitions of this month and MONTHS_AHEAD more where missing; returns the names made. */
export async function prepareEventPartitions(pool: pg.Pool, health: PostgresHealth, schema: string | null, now: number): Promise<string[]> {
  return underPartitionLock(pool, health, schema, PREPARE_LOCK_TIMEOUT, async (client) => {
    const made: string[] = [];
    for (let i = 0; i <= MONTHS_AHEAD; i++) {
      const first = monthStart(now, i);
      const { rows } = await client.query<{ made: boolean }>('SELECT events_month_partition($1) AS made', [first]);
      if (rows[0].made) made.push(partitionName(first));
    }
    return made;
  });
}

/**
 * Drops the monthly partitions that end at or before `asked` (floored to a UTC day, as every
 * horizon is) once every store's horizon is there: the horizon is recorded for every store first
 * (a rebuild then keeps the rollups before it), after the caller applied the rollup queue.
 * Returns the partitions dropped and the events they held.
 */
export async function dropEventPartitions(pool: pg.Pool, health: PostgresHealth, schema: string | null, asked: number): Promise<{ partitions: string[]; events: number }> {
  const horizon = Math.floor(asked / DAY) * DAY;
  return underPartitionLock(pool, health, schema, DROP_LOCK_TIMEOUT, async (client) => {
    await client.query(`INSERT INTO retention_horizon (store_id, horizon) SELECT id, $1 FROM stores
      ON CONFLICT (store_id) DO UPDATE SET horizon = greatest(retention_horizon.horizon, EXCLUDED.horizon)`, [horizon]);
    const partitions: string[] = [];
    let events = 0;
    for (const { name, month } of await monthlyPartitions(client)) {
      if (monthStart(month, 1) > horizon) break;
      await client.query('SAVEPOINT drop_partition');
      try {
        const n = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${name}`)).rows[0].n);
        await client.query(`DROP TABLE ${name}`);
        events += n;
        partitions.push(name);
      } catch (err) {
        if (sqlState(err) !== LOCK_NOT_AVAILABLE) throw err;
        // Busy: what was dropped stays dropped; the rest waits for the next run (rows past the
        // horizon are deleted one by one meanwhile, as on a database without partitions).
        await client.query('ROLLBACK TO SAVEPOINT drop_partition');
        break;
      }
    }
    return { partitions, events };
  });
}
