/**
 * Analytics on SQLite: rollup increments applied inside the caller's transaction (commitBatch or
 * a rebuild), and the grouped reads behind the analytics API. Reads touch rollups only.
 */
import { EVENT_TYPES, ROLLUP_METRICS, type AnalyticsStore, type RollupDelta } from '../ports.js';
import { bucketExpression, groupClause, groupsByName, mergeByGrain, SUM_METRICS, tableOf, toRollupRow, uniqueKey, UniqueCache, dayOf, queuedDeltas, uniqueRemovals, type RemovedUnique } from '../rollups-shared.js';
import { DEFAULT_SALES_PAGE, EVENT_COLUMNS, IMPRESSION_COLUMNS, toImpression, toStoredEvent, type EventRow, type ImpressionRow } from '../shared.js';
import type { SqliteDb } from './db.js';

/** Lets other work of the process (the group commit) run between two write transactions. */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const json = (text: unknown): unknown => (text === null ? null : JSON.parse(text as string));
/** One queued row of rollup increments (commitBatch, inside its transaction). */
export const INSERT_QUEUED = 'INSERT INTO rollup_queue (store_id, deltas) VALUES (?, ?)';
const INSERT_UNIQUE = 'INSERT OR IGNORE INTO rollup_uniques (store_id, day, kind, name, api, metric, visitor, hour) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';
/**
 * The upsert of one merged row, naming only the metrics it changes (a click touches one or two
 * of fifteen): the others keep their DEFAULT 0 or their stored value. One cached statement per
 * table and set of metrics; there are only a handful of sets.
 */
function upsertRow(db: SqliteDb, table: string, values: Float64Array): { statement: ReturnType<SqliteDb['stmt']>; params: number[] } {
  let mask = 0;
  const params: number[] = [];
  for (let i = 0; i < ROLLUP_METRICS.length; i++) {
    if (values[i] !== 0) {
      mask |= 1 << i;
      params.push(values[i]);
    }
  }
  return { statement: db.stmt(upsertSql(table, mask)), params };
}

const upsertSqlCache = new Map<string, string>();

/** The upsert text for a table and a set of metrics (bit i: ROLLUP_METRICS[i]), built once. */
function upsertSql(table: string, mask: number): string {
  const key = `${table}:${mask}`;
  let sql = upsertSqlCache.get(key);
  if (sql === undefined) {
    const names = ROLLUP_METRICS.filter((_, i) => mask & (1 << i));
    sql = `INSERT INTO ${table} (store_id, kind, hour, name, api, ${names.join(', ')}) VALUES (?, ?, ?, ?, ?, ${names.map(() => '?').join(', ')})
    ON CONFLICT (store_id, kind, hour, name, api) DO UPDATE SET ${names.map((m) => `${m} = ${m} + excluded.${m}`).join(', ')}`;
    upsertSqlCache.set(key, sql);
  }
  return sql;
}

/**
 * Applies deltas; must run inside a write transaction. Returns the per-day unique keys it
 * touched, for the caller to put in `known` once the transaction has committed.
 */
export function applySqliteRollups(db: SqliteDb, deltas: RollupDelta[], known: UniqueCache): string[] {
  if (deltas.length === 0) return [];
  const insertUnique = db.stmt(INSERT_UNIQUE);
  const fresh = new Set<string>();
  const touched: string[] = [];
  for (const d of deltas) {
    const key = uniqueKey(d);
    if (!key || !d.unique || known.has(key)) continue;
    touched.push(key);
    if (insertUnique.run(d.storeId, dayOf(d.hour), d.kind, d.name, d.api, d.unique.metric, d.unique.visitor, d.hour).changes === 1) fresh.add(key);
  }
  const { hourly, daily } = mergeByGrain(deltas, fresh);
  for (const [table, rows] of [['rollups', hourly], ['rollups_daily', daily]] as const) {
    for (const { delta: d, name, values } of rows) {
      const { statement, params } = upsertRow(db, table, values);
      statement.run(d.storeId, d.kind, d.hour, name, d.api, ...params);
    }
  }
  return touched;
}

/**
 * privacy/forget, inside its transaction: deletes the per-day uniques of these visitors and takes
 * back what they and `uncounted` (the negated deltas of the deleted events and impressions) had
 * added, so the rollups stay equal to a recount of what remains. The rollup queue is applied
 * first: a queued unique of these visitors must not be inserted after its rows are gone.
 */
export function forgetSqliteRollups(db: SqliteDb, storeId: number, visitors: string[], uncounted: RollupDelta[]): void {
  applyWholeQueue(db);
  const removed = db.stmt(`DELETE FROM rollup_uniques WHERE store_id = ? AND visitor IN (SELECT value FROM json_each(?))
    RETURNING store_id AS storeId, kind, name, api, metric, hour`).all(storeId, JSON.stringify(visitors)) as RemovedUnique[];
  applySqliteRollups(db, [...uncounted, ...uniqueRemovals(removed)], new UniqueCache());
}

/** Applies and deletes every queued row (of every store), inside the caller's write transaction. */
function applyWholeQueue(db: SqliteDb): void {
  const queued = db.stmt('DELETE FROM rollup_queue RETURNING id, deltas').all() as Array<{ id: number; deltas: string }>;
  applySqliteRollups(db, queuedDeltas(queued.sort((a, b) => a.id - b.id)), new UniqueCache());
}

/** Retention's default chunk: rows deleted per write transaction. */
const RETENTION_CHUNK = 5000;
const DAY = 86400;
// One index range per event type (events_type_time is (store_id, type, time)).
const EVENT_TYPE_LIST = EVENT_TYPES.map((t) => `'${t}'`).join(', ');

/** The AnalyticsStore port over one SQLite connection. */
export function createSqliteAnalytics(db: SqliteDb, known: UniqueCache): AnalyticsStore {
  const store: AnalyticsStore = {
    async queryRollups(storeId, q) {
      const bucket = bucketExpression(q);
      const byName = groupsByName(q);
      const where = [
        'store_id = ?', 'kind = ?', 'hour >= ?', 'hour < ?',
        ...(q.names ? ['name IN (SELECT value FROM json_each(?))'] : []),
        ...(q.api !== undefined ? ['api = ?'] : []),
      ].join(' AND ');
      const params: unknown[] = [storeId, q.kind, q.from, q.to];
      if (q.names) params.push(JSON.stringify(q.names));
      if (q.api !== undefined) params.push(q.api);
      const sql = `SELECT ${byName ? 'name' : "'' AS name"}, ${bucket} AS bucket, ${SUM_METRICS} FROM ${tableOf(q)} WHERE ${where}
        ${groupClause(byName, bucket)}`;
      return (db.stmt(sql).all(...params) as Array<Record<string, unknown>>).map(toRollupRow);
    },

    async clearRollups(storeId, from) {
      db.write(() => {
        if (from === undefined) {
          db.stmt('DELETE FROM rollups WHERE store_id = ?').run(storeId);
          db.stmt('DELETE FROM rollups_daily WHERE store_id = ?').run(storeId);
          db.stmt('DELETE FROM rollup_uniques WHERE store_id = ?').run(storeId);
          db.stmt('DELETE FROM rollup_queue WHERE store_id = ?').run(storeId);
          return;
        }
        // The rows before `from` are kept: queued increments for them (a backfilled record)
        // must land there first, since the recount will not see them again.
        applyWholeQueue(db);
        db.stmt('DELETE FROM rollups WHERE store_id = ? AND hour >= ?').run(storeId, from);
        db.stmt('DELETE FROM rollups_daily WHERE store_id = ? AND hour >= ?').run(storeId, from);
        db.stmt('DELETE FROM rollup_uniques WHERE store_id = ? AND day >= ?').run(storeId, from);
      });
      known.clear(); // after the delete, as on PostgreSQL
    },

    async applyRollups(deltas) {
      known.addAll(db.write(() => applySqliteRollups(db, deltas, known)));
    },

    async applyQueuedRollups(maxRows) {
      let touched: string[] = [];
      // One writer at a time: the oldest maxRows rows are exactly those with id <= the last one read.
      const taken = db.withSynchronous('NORMAL', () => db.write(() => {
        // The LIMIT written into the SQL (a bound one expires the statement at every rebind, so it
        // would be prepared anew per transaction); the applier asks a handful of sizes.
        const rows = db.stmt(`SELECT id, deltas FROM rollup_queue ORDER BY id LIMIT ${Math.max(1, Math.floor(maxRows))}`).all() as Array<{ id: number; deltas: string }>;
        if (rows.length === 0) return 0;
        known.checkForgets((db.stmt('SELECT coalesce(max(seq), 0) AS seq FROM forget_log').get() as { seq: number }).seq);
        touched = applySqliteRollups(db, queuedDeltas(rows), known);
        db.stmt('DELETE FROM rollup_queue WHERE id <= ?').run(rows[rows.length - 1].id);
        return rows.length;
      }));
      known.addAll(touched);
      return taken;
    },

    async recentEvents(storeId, after, limit) {
      const rows = db.stmt(`SELECT seq, ${EVENT_COLUMNS} FROM events WHERE store_id = ? AND seq > ? ORDER BY seq DESC LIMIT ?`).all(storeId, after, limit) as EventRow[];
      return rows.map((row) => toStoredEvent(row, json));
    },

    async *scanImpressions(storeId, pageSize = DEFAULT_SALES_PAGE) {
      const first = db.stmt(`SELECT ${IMPRESSION_COLUMNS} FROM impressions WHERE store_id = ? ORDER BY time, request_id LIMIT ?`);
      const next = db.stmt(`SELECT ${IMPRESSION_COLUMNS} FROM impressions WHERE store_id = ? AND (time, request_id) > (?, ?) ORDER BY time, request_id LIMIT ?`);
      let rows = first.all(storeId, pageSize) as ImpressionRow[];
      while (rows.length > 0) {
        yield rows.map((row) => toImpression(row, json));
        if (rows.length < pageSize) return;
        const last = rows[rows.length - 1];
        rows = next.all(storeId, last.time, last.request_id, pageSize) as ImpressionRow[];
      }
    },

    async retentionHorizon(storeId) {
      return (db.stmt('SELECT horizon FROM retention_horizon WHERE store_id = ?').get(storeId) as { horizon: number } | undefined)?.horizon ?? 0;
    },

    async dropRawBefore(storeId, asked, chunkRows = RETENTION_CHUNK) {
      // Counted first: every queued increment lands in the rollup rows, which retention keeps.
      while ((await store.applyQueuedRollups(chunkRows)) === chunkRows) await yieldToLoop();
      // Recorded before any row goes: a rebuild after a crash mid-way keeps what was counted.
      const horizon = db.write(() => {
        db.stmt(`INSERT INTO retention_horizon (store_id, horizon) VALUES (?, ?)
          ON CONFLICT (store_id) DO UPDATE SET horizon = max(horizon, excluded.horizon)`).run(storeId, Math.floor(asked / DAY) * DAY);
        return (db.stmt('SELECT horizon FROM retention_horizon WHERE store_id = ?').get(storeId) as { horizon: number }).horizon;
      });
      const dropEvents = db.stmt(`DELETE FROM events WHERE seq IN
        (SELECT seq FROM events WHERE store_id = ? AND type IN (${EVENT_TYPE_LIST}) AND time < ? LIMIT ?)`);
      const dropImpressions = db.stmt(`DELETE FROM impressions WHERE rowid IN
        (SELECT rowid FROM impressions WHERE store_id = ? AND time < ? LIMIT ?)`);
      const dropAll = async (statement: typeof dropEvents): Promise<number> => {
        let total = 0;
        for (;;) {
          const n = db.write(() => statement.run(storeId, horizon, chunkRows).changes);
          total += n;
          if (n < chunkRows) return total;
          await yieldToLoop(); // the group commit writes between chunks
        }
      };
      return { horizon, events: await dropAll(dropEvents), impressions: await dropAll(dropImpressions) };
    },
  };
  return store;
}
