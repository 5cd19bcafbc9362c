/**
 * Analytics on PostgreSQL: rollup increments applied inside the caller's transaction as two
 * multi-row statements (per-day uniques, then row upserts), and the grouped reads behind the
 * analytics API. Rows are upserted in key order so concurrent batches lock them in one order and
 * cannot deadlock.
 */
import type pg from 'pg';
import { EVENT_TYPES, ROLLUP_METRICS, type AnalyticsStore, type RetentionStats, type RollupDelta } from '../ports.js';
import { bucketExpression, dayOf, groupClause, groupsByName, mergeByGrain, METRIC_COLUMNS, SUM_METRICS, tableOf, toRollupRow, uniqueKey, uniqueKeyOf, queuedDeltas, uniqueRemovals, UniqueCache, type MergedRow } from '../rollups-shared.js';
import { DEFAULT_SALES_PAGE, EVENT_COLUMNS, IMPRESSION_COLUMNS, toColumns, toImpression, toStoredEvent, type EventRow, type ImpressionRow } from '../shared.js';
import { dropEventPartitions } from './partitions.js';
import { chunk, LOCK_RETENTION, retentionLockId, retryingStatement, retryingTransaction } from './pool.js';
import type { PostgresHealth } from './retry.js';

const json = (value: unknown): unknown => value;
/** Queued rows of rollup increments (commitBatch, inside its transaction). */
export const INSERT_QUEUED = 'INSERT INTO rollup_queue (store_id, deltas) SELECT * FROM unnest($1::bigint[], $2::text[])';
/**
 * Takes the oldest queued rows that no other transaction holds (SKIP LOCKED), or, for a reader
 * that must see everything, waits for the holder: once it commits, the rows it took are gone.
 */
const takeQueued = (wait: boolean) => `DELETE FROM rollup_queue WHERE id IN (SELECT id FROM rollup_queue ORDER BY id LIMIT $1 FOR UPDATE${wait ? '' : ' SKIP LOCKED'})
  RETURNING id, deltas`;
const INSERT_UNIQUES = `INSERT INTO rollup_uniques (store_id, day, kind, name, api, metric, visitor, hour)
  SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[])
  ON CONFLICT DO NOTHING
  RETURNING store_id, day, kind, name, api, metric, visitor`;
const upsertRows = (table: string) => `INSERT INTO ${table} (store_id, kind, hour, name, api, ${METRIC_COLUMNS})
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], ${ROLLUP_METRICS.map((_, i) => `$${i + 6}::float8[]`).join(', ')})
  ON CONFLICT (store_id, kind, hour, name, api) DO UPDATE SET ${ROLLUP_METRICS.map((m) => `${m} = ${table}.${m} + EXCLUDED.${m}`).join(', ')}`;

/**
 * Applies deltas with the caller's client (inside its transaction). Returns the per-day unique
 * keys it touched, for the caller to put in `known` once the transaction has committed.
 */
export async function applyPostgresRollups(client: pg.PoolClient, deltas: RollupDelta[], known: UniqueCache): Promise<string[]> {
  if (deltas.length === 0) return [];
  const uniques = new Map<string, unknown[]>();
  for (const d of deltas) {
    const key = uniqueKey(d);
    if (key && d.unique && !uniques.has(key) && !known.has(key)) uniques.set(key, [d.storeId, dayOf(d.hour), d.kind, d.name, d.api, d.unique.metric, d.unique.visitor, d.hour]);
  }
  const fresh = new Set<string>();
  const sortedUniques = [...uniques.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, v]) => v);
  for (const part of chunk(sortedUniques)) {
    const { rows } = await client.query(INSERT_UNIQUES, toColumns(part, 8));
    for (const r of rows) fresh.add(uniqueKeyOf(Number(r.store_id), Number(r.day), r.kind, r.name, r.api, r.metric, r.visitor));
  }
  const { hourly, daily } = mergeByGrain(deltas, fresh);
  await upsert(client, 'rollups', hourly);
  await upsert(client, 'rollups_daily', daily);
  return [...uniques.keys()];
}

async function upsert(client: pg.PoolClient, table: string, merged: MergedRow[]): Promise<void> {
  const sorted = merged.sort((a, b) => (a.key < b.key ? -1 : 1));
  const rows = sorted.map(({ delta: d, name, values }) => [d.storeId, d.kind, d.hour, name, d.api, ...values]);
  for (const part of chunk(rows)) await client.query(upsertRows(table), toColumns(part, 5 + ROLLUP_METRICS.length));
}

/**
 * privacy/forget, inside its transaction: deletes the per-day uniques of these visitors and takes
 * back what they and `uncounted` (the negated deltas of the deleted events and impressions) had
 * added, so the rollups stay equal to a recount of what remains. The rollup queue is applied
 * first (waiting for an applier holding rows): a queued unique of these visitors must not be
 * inserted after its rows are gone.
 */
export async function forgetPostgresRollups(client: pg.PoolClient, storeId: number, visitors: string[], uncounted: RollupDelta[]): Promise<void> {
  await applyWholeQueue(client);
  const { rows } = await client.query<{ store_id: string; kind: string; name: string; api: string; metric: string; hour: string | null }>(
    'DELETE FROM rollup_uniques WHERE store_id = $1 AND visitor = ANY($2::text[]) RETURNING store_id, kind, name, api, metric, hour', [storeId, visitors]);
  const removed = rows.map((r) => ({ storeId: Number(r.store_id), kind: r.kind, name: r.name, api: r.api, metric: r.metric, hour: r.hour === null ? null : Number(r.hour) }));
  await applyPostgresRollups(client, [...uncounted, ...uniqueRemovals(removed)], new UniqueCache());
}

/** Applies and deletes every queued row (of every store; waiting for an applier holding rows), inside the caller's transaction. */
async function applyWholeQueue(client: pg.PoolClient): Promise<void> {
  const queued = await client.query<{ id: string; deltas: string }>('DELETE FROM rollup_queue RETURNING id, deltas');
  await applyPostgresRollups(client, queuedDeltas(queued.rows.sort((a, b) => Number(a.id) - Number(b.id))), new UniqueCache());
}

/** Retention's default chunk: rows deleted per transaction. */
const RETENTION_CHUNK = 5000;
const DAY = 86400;
const SET_HORIZON = `INSERT INTO retention_horizon (store_id, horizon) VALUES ($1, $2)
  ON CONFLICT (store_id) DO UPDATE SET horizon = greatest(retention_horizon.horizon, EXCLUDED.horizon) RETURNING horizon`;
// One index range per event type (events_type_time is (store_id, type, time)).
// The outer time test keeps the delete's probes to the months before the horizon (partitions).
const DROP_EVENTS = `DELETE FROM events WHERE store_id = $1 AND time < $2 AND seq IN
  (SELECT seq FROM events WHERE store_id = $1 AND type = ANY($4::text[]) AND time < $2 LIMIT $3)`;
const DROP_IMPRESSIONS = `DELETE FROM impressions WHERE store_id = $1 AND request_id IN
  (SELECT request_id FROM impressions WHERE store_id = $1 AND time < $2 LIMIT $3)`;

/** The AnalyticsStore port over a pg pool. */
export function createPostgresAnalytics(pool: pg.Pool, known: UniqueCache, health: PostgresHealth, schema: string | null = null): AnalyticsStore {
  const store: AnalyticsStore = {
    async queryRollups(storeId, q) {
      const bucket = bucketExpression(q);
      const byName = groupsByName(q);
      const params: unknown[] = [storeId, q.kind, q.from, q.to];
      const where = ['store_id = $1', 'kind = $2', 'hour >= $3', 'hour < $4'];
      if (q.names) where.push(`name = ANY($${params.push(q.names)}::text[])`);
      if (q.api !== undefined) where.push(`api = $${params.push(q.api)}`);
      const sql = `SELECT ${byName ? 'name' : "'' AS name"}, ${bucket} AS bucket, ${SUM_METRICS} FROM ${tableOf(q)} WHERE ${where.join(' AND ')}
        ${groupClause(byName, bucket)}`;
      const { rows } = await pool.query(sql, params);
      return rows.map(toRollupRow);
    },

    async clearRollups(storeId, from) {
      await retryingTransaction(pool, health, 'rollups', async (client) => {
        if (from === undefined) {
          await client.query('DELETE FROM rollups WHERE store_id = $1', [storeId]);
          await client.query('DELETE FROM rollups_daily WHERE store_id = $1', [storeId]);
          await client.query('DELETE FROM rollup_uniques WHERE store_id = $1', [storeId]);
          await client.query('DELETE FROM rollup_queue WHERE store_id = $1', [storeId]);
          return;
        }
        // The rows before `from` are kept: queued increments for them (a backfilled record)
        // must land there first, since the recount will not see them again.
        await applyWholeQueue(client);
        await client.query('DELETE FROM rollups WHERE store_id = $1 AND hour >= $2', [storeId, from]);
        await client.query('DELETE FROM rollups_daily WHERE store_id = $1 AND hour >= $2', [storeId, from]);
        await client.query('DELETE FROM rollup_uniques WHERE store_id = $1 AND day >= $2', [storeId, from]);
      });
      // After the delete, not before: a commit landing in between would otherwise leave keys
      // in the cache whose rows the delete removed, and the rebuild would skip those uniques.
      known.clear();
    },

    async applyRollups(deltas) {
      known.addAll(await retryingTransaction(pool, health, 'rollups', (client) => applyPostgresRollups(client, deltas, known)));
    },

    async applyQueuedRollups(maxRows, wait = false) {
      let taken = 0;
      known.addAll(await retryingTransaction(pool, health, 'rollups', async (client) => {
        taken = 0;
        await client.query('SET LOCAL synchronous_commit TO OFF');
        const { rows } = await client.query<{ id: string; deltas: string }>(takeQueued(wait), [maxRows]);
        taken = rows.length;
        if (taken === 0) return [];
        known.checkForgets(Number((await client.query<{ seq: string }>('SELECT coalesce(max(seq), 0) AS seq FROM forget_log')).rows[0].seq));
        return applyPostgresRollups(client, queuedDeltas(rows.sort((a, b) => Number(a.id) - Number(b.id))), known);
      }));
      return taken;
    },

    async recentEvents(storeId, after, limit) {
      const { rows } = await pool.query<EventRow>(`SELECT seq, ${EVENT_COLUMNS} FROM events WHERE store_id = $1 AND seq > $2 ORDER BY seq DESC LIMIT $3`, [storeId, after, limit]);
      return rows.map((row) => toStoredEvent(row, json));
    },

    async *scanImpressions(storeId, pageSize = DEFAULT_SALES_PAGE) {
      let { rows } = await pool.query<ImpressionRow>(`SELECT ${IMPRESSION_COLUMNS} FROM impressions WHERE store_id = $1 ORDER BY time, request_id LIMIT $2`, [storeId, pageSize]);
      while (rows.length > 0) {
        yield rows.map((row) => toImpression(row, json));
        if (rows.length < pageSize) return;
        const last = rows[rows.length - 1];
        ({ rows } = await pool.query<ImpressionRow>(
          `SELECT ${IMPRESSION_COLUMNS} FROM impressions WHERE store_id = $1 AND (time, request_id) > ($2, $3) ORDER BY time, request_id LIMIT $4`,
          [storeId, last.time, last.request_id, pageSize],
        ));
      }
    },

    async retentionHorizon(storeId) {
      const { rows } = await pool.query<{ horizon: string }>('SELECT horizon FROM retention_horizon WHERE store_id = $1', [storeId]);
      return rows.length === 0 ? 0 : Number(rows[0].horizon);
    },

    async dropEventPartitions(asked) {
      // Counted first, as dropRawBefore does: the partitions' rows leave for good.
      while ((await store.applyQueuedRollups(RETENTION_CHUNK, true)) === RETENTION_CHUNK);
      return dropEventPartitions(pool, health, schema, asked);
    },

    async dropRawBefore(storeId, asked, chunkRows = RETENTION_CHUNK) {
      // One run per store at a time: with several instances or workers each runs retention every
      // hour, and the others skip (a run is idempotent; this saves them the work and the row
      // locks). A session lock on a connection of its own, released at the end; a lost
      // connection releases it too, and a second run meanwhile would only repeat the work.
      const holder = await pool.connect();
      let lost: Error | undefined;
      const onError = (err: Error) => (lost = err);
      holder.on('error', onError);
      const key = [LOCK_RETENTION, retentionLockId(schema, storeId)];
      try {
        const { rows } = await holder.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::int, $2::int) AS ok', key);
        if (!rows[0].ok) return { horizon: await store.retentionHorizon(storeId), events: 0, impressions: 0, skipped: true };
        try {
          return await dropUnderLock(storeId, asked, chunkRows);
        } finally {
          await holder.query('SELECT pg_advisory_unlock($1::int, $2::int)', key).catch((err: Error) => (lost ??= err));
        }
      } finally {
        holder.removeListener('error', onError);
        holder.release(lost);
      }
    },
  };

  async function dropUnderLock(storeId: number, asked: number, chunkRows: number): Promise<RetentionStats> {
    // Counted first (waiting for an applier holding rows): every queued increment lands in
    // the rollup rows, which retention keeps.
    while ((await store.applyQueuedRollups(chunkRows, true)) === chunkRows);
    // Recorded before any row goes: a rebuild after a crash mid-way keeps what was counted.
    // Idempotent statements (the horizon only moves forward, a chunk deletes what is left), so
    // each is simply run again after a lost connection.
    const { rows } = await retryingStatement(pool, health, 'retention', SET_HORIZON, [storeId, Math.floor(asked / DAY) * DAY]);
    const horizon = Number(rows[0].horizon);
    const dropAll = async (sql: string, params: unknown[]): Promise<number> => {
      let total = 0;
      for (;;) {
        // One statement, its own transaction: short, and the group commit goes on meanwhile.
        const n = (await retryingStatement(pool, health, 'retention', sql, params)).rowCount ?? 0;
        total += n;
        if (n < chunkRows) return total;
      }
    };
    return {
      horizon,
      events: await dropAll(DROP_EVENTS, [storeId, horizon, chunkRows, EVENT_TYPES]),
      impressions: await dropAll(DROP_IMPRESSIONS, [storeId, horizon, chunkRows]),
    };
  }
  return store;
}
