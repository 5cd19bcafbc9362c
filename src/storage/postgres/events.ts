/**
 * EventStore on PostgreSQL. commitBatch is one transaction of multi-row INSERTs over unnest'ed
 * column arrays, chunked at 1,000 rows: a group commit of any size costs a handful of round trips.
 *
 * Event-log ordering: a bigserial seq is drawn at insert but becomes visible at commit, so with
 * concurrent writers seq 11 can be visible before seq 10, and a tailer that has read past 11
 * would never see 10. Every batch with events therefore takes one transaction-level advisory lock
 * (per schema, distinct from the catalog's) before it draws seqs, and holds it until COMMIT:
 * seqs are drawn and committed in the same order across instances, so `seq > after` is a safe
 * tail. Impressions and sales are written BEFORE the lock: that keeps the serialised part short,
 * and the lock holder then only numbers its own new sales (the sale log, salesSince, ordered the
 * same way) and inserts events, which wait on no other row lock, so no deadlock.
 */
import type pg from 'pg';
import type { CommitResult, Doc, EventBatch, EventStore, ImpressionRecord, PersonKeys, SaleRecord, TrackedEvent, Uncount } from '../ports.js';
import {
  checkSalesPageSize, DEFAULT_HISTORY_LIMIT, DEFAULT_SALES_PAGE, encodeJson, EVENT_COLUMNS, eventValues, firstOccurrences,
  IMPRESSION_COLUMNS, IMPRESSION_WINDOW, impressionValues, SALE_COLUMNS, saleValues, scrubAttribution, storeKey, toColumns, toImpression, toSale,
  toStoredEvent, type EventRow, type ImpressionRow, type SaleRow,
} from '../shared.js';
import { applicableDeltas, queueRows, type UniqueCache } from '../rollups-shared.js';
import { forgetPostgresRollups, INSERT_QUEUED } from './analytics.js';
import { catalogWriter } from './catalog.js';
import { forgetPostgresIdentity } from './identity.js';
import { logChannel } from './notify.js';
import { chunk, committedResult, LOCK_EVENTS, retryingStatement, schemaLockId, toNumber, withTransaction } from './pool.js';
import { COMMIT_RETRY, withRetry, type PostgresHealth } from './retry.js';


const json = (value: unknown): unknown => value;
const INSERT_EVENTS = `INSERT INTO events (seq, ${EVENT_COLUMNS})
  SELECT u.seq, u.store_id, u.type, u.time, u.visitor, u.product, u.category, u.labels::jsonb, u.api, u.request_id, u.position, u.external, u.data::jsonb
  FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::float8[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
    $11::int[], $12::bool[], $13::text[])
  AS u(seq, store_id, type, time, visitor, product, category, labels, api, request_id, position, external, data)`;
const INSERT_IMPRESSIONS = `INSERT INTO impressions (${IMPRESSION_COLUMNS})
  SELECT u.store_id, u.request_id, u.time, u.visitor, u.api, u.labels::jsonb, u.input::jsonb, u.results::jsonb
  FROM unnest($1::bigint[], $2::text[], $3::float8[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
  AS u(store_id, request_id, time, visitor, api, labels, input, results)
  ON CONFLICT (store_id, request_id) DO NOTHING`;
const INSERT_SALES = `INSERT INTO sales (${SALE_COLUMNS})
  SELECT u.store_id, u.sale, u.sale_id::jsonb, u.time, u.visitor, u.email, u.customer, u.lines::jsonb, u.attribution::jsonb
  FROM unnest($1::bigint[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
  AS u(store_id, sale, sale_id, time, visitor, email, customer, lines, attribution)
  ON CONFLICT (store_id, sale) DO NOTHING
  RETURNING store_id, sale`;
const SELECT_EVENTS = `SELECT seq, ${EVENT_COLUMNS} FROM events`;
const NUMBER_SALES = `UPDATE sales s SET seq = nextval('sales_seq') FROM unnest($1::bigint[], $2::text[]) AS u(store_id, sale)
  WHERE s.store_id = u.store_id AND s.sale = u.sale RETURNING s.store_id, s.sale, s.seq`;
const SELECT_IMPRESSIONS = `SELECT ${IMPRESSION_COLUMNS} FROM impressions`;
const SELECT_SALES = `SELECT ${SALE_COLUMNS} FROM sales`;
const PERSON_SALES = 'store_id = $1 AND (visitor = ANY($2::text[]) OR email = ANY($3::text[]) OR customer = ANY($4::text[]))';
// Per click (LATERAL), only the visitor's newest IMPRESSION_WINDOW rows are read off the (store,
// visitor, time) index; the filters then run on that bounded set. `?` is jsonb "array has this
// string". One row per click that found its impression.
const JOIN_LATEST = `SELECT q.n, i.* FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::float8[]) WITH ORDINALITY AS q(visitor, product, api, labels, since, n)
  CROSS JOIN LATERAL (SELECT w.* FROM (
      ${SELECT_IMPRESSIONS} WHERE store_id = $1 AND visitor = q.visitor AND time >= q.since
      ORDER BY time DESC, request_id DESC LIMIT ${IMPRESSION_WINDOW}) AS w
    WHERE w.results ? q.product AND (q.api IS NULL OR w.api = q.api) AND w.labels @> q.labels::jsonb
    ORDER BY w.time DESC, w.request_id DESC LIMIT 1) AS i`;

/**
 * The EventStore port over a pg pool; `schema` scopes the event-append lock. Group commits use
 * `writer`, a pool of their own, so a commit never queues behind the reads of the requests it
 * is about to answer (one commit runs at a time per instance anyway).
 */
export function createPostgresEvents(pool: pg.Pool, schema: string | null, uniques: UniqueCache, health: PostgresHealth, writer: pg.Pool = pool): EventStore {
  const lockId = schemaLockId(schema);
  const channel = logChannel(schema);

  /**
   * Takes the event-append lock (held until COMMIT; taking it again in the transaction is free).
   * Whoever appends to the event, sale or forget log takes it, so the same statement queues the
   * log's notification (sent at COMMIT; repeats fold into one): other instances' tails wake.
   */
  async function lockAppends(client: pg.PoolClient): Promise<void> {
    await client.query("SELECT pg_advisory_xact_lock($1::int, $2::int), pg_notify($3, 'events')", [LOCK_EVENTS, lockId, channel]);
  }

  async function insertEvents(client: pg.PoolClient, events: TrackedEvent[]): Promise<number[]> {
    if (events.length === 0) return [];
    await lockAppends(client);
    // Seqs are drawn explicitly, then sorted, so eventSeqs[i] is event i's seq whatever order
    // the server evaluates the INSERT's rows in.
    const drawn = await client.query<{ seq: string }>("SELECT nextval(pg_get_serial_sequence('events', 'seq')) AS seq FROM generate_series(1, $1)", [events.length]);
    const seqs = drawn.rows.map((row) => Number(row.seq)).sort((a, b) => a - b);
    for (const part of chunk(events.map((event, i) => [seqs[i], ...eventValues(event, Boolean)]))) await client.query(INSERT_EVENTS, toColumns(part, 13));
    return seqs;
  }

  async function insertImpressions(client: pg.PoolClient, impressions: ImpressionRecord[]): Promise<void> {
    // One statement must not meet a key twice; the first impression of a request_id is kept.
    const first = firstOccurrences(impressions, (i) => storeKey(i.storeId, i.requestId));
    const unique = impressions.filter((_, i) => first[i]);
    for (const part of chunk(unique.map(impressionValues))) await client.query(INSERT_IMPRESSIONS, toColumns(part, 8));
  }

  async function insertSales(client: pg.PoolClient, sales: SaleRecord[]): Promise<boolean[]> {
    const first = firstOccurrences(sales, (s) => storeKey(s.storeId, s.sale));
    const unique = sales.filter((_, i) => first[i]);
    const inserted = new Set<string>();
    for (const part of chunk(unique.map(saleValues))) {
      const { rows } = await client.query<{ store_id: string; sale: string }>(INSERT_SALES, toColumns(part, 9));
      for (const row of rows) inserted.add(storeKey(Number(row.store_id), row.sale));
    }
    // A later copy in the batch is never new: its first copy was (or was not) the one inserted.
    return sales.map((sale, i) => first[i] && inserted.has(storeKey(sale.storeId, sale.sale)));
  }

  /**
   * Numbers the batch's new sales in the sale log, under the append lock: like event seqs, sale
   * seqs are then drawn and committed in the same order across instances. The rows are this
   * transaction's own (inserted just before), so the update waits on no other row lock.
   */
  async function numberSales(client: pg.PoolClient, sales: SaleRecord[], newSales: boolean[]): Promise<Array<number | null>> {
    const fresh = sales.filter((_, i) => newSales[i]);
    if (fresh.length === 0) return sales.map(() => null);
    await lockAppends(client);
    const { rows } = await client.query<{ store_id: string; sale: string; seq: string }>(NUMBER_SALES, [fresh.map((s) => s.storeId), fresh.map((s) => s.sale)]);
    const seqOf = new Map(rows.map((row) => [storeKey(Number(row.store_id), row.sale), Number(row.seq)]));
    return sales.map((s, i) => (newSales[i] ? seqOf.get(storeKey(s.storeId, s.sale)) ?? null : null));
  }

  async function writeBatch(batch: EventBatch): Promise<CommitResult> {
    return withTransaction(writer, async (client) => {
      await insertImpressions(client, batch.impressions);
      const newSales = await insertSales(client, batch.sales);
      const saleSeqs = await numberSales(client, batch.sales, newSales);
      const eventSeqs = await insertEvents(client, batch.events);
      // Rollup increments are queued with what they count (applyQueuedRollups adds them up
      // later, many batches per transaction); a repeated sale's deltas are dropped here.
      const inserted = new Set(batch.sales.filter((_, i) => newSales[i]).map((s) => `${s.storeId}/${s.sale}`));
      const queued = queueRows(applicableDeltas(batch.rollups ?? [], inserted));
      if (queued.length > 0) await client.query(INSERT_QUEUED, toColumns(queued, 2));
      return { newSales, eventSeqs, saleSeqs };
    }, true);
  }

  return {
    async commitBatch(batch) {
      // Retried on a lost connection; a COMMIT in doubt is first looked up (txid_status), so a
      // batch that landed is answered, not written twice.
      return withRetry(health, COMMIT_RETRY, () => writeBatch(batch), (doubt) => committedResult(writer, doubt));
    },

    async findImpression(storeId, requestId) {
      const { rows } = await pool.query<ImpressionRow>(`${SELECT_IMPRESSIONS} WHERE store_id = $1 AND request_id = $2`, [storeId, requestId]);
      return rows.length ? toImpression(rows[0], json) : null;
    },

    async joinImpressions(storeId, joins) {
      const found: Array<ImpressionRecord | null> = joins.map(() => null);
      const ids = [...new Set(joins.flatMap((j) => (j.requestId ? [j.requestId] : [])))];
      if (ids.length > 0) {
        const { rows } = await pool.query<ImpressionRow>(`${SELECT_IMPRESSIONS} WHERE store_id = $1 AND request_id = ANY($2::text[])`, [storeId, ids]);
        const byId = new Map(rows.map((row) => [row.request_id, row]));
        joins.forEach((j, i) => {
          const row = j.requestId ? byId.get(j.requestId) : undefined;
          if (row && row.visitor === j.visitor) found[i] = toImpression(row, json);
        });
      }
      const rest = joins.map((j, i) => ({ j, i })).filter(({ i }) => found[i] === null);
      if (rest.length > 0) {
        const { rows } = await pool.query<ImpressionRow & { n: string }>(JOIN_LATEST, [
          storeId, rest.map(({ j }) => j.visitor), rest.map(({ j }) => j.product), rest.map(({ j }) => j.api ?? null),
          rest.map(({ j }) => JSON.stringify(j.labels ?? [])), rest.map(({ j }) => j.since ?? -Infinity),
        ]);
        for (const row of rows) found[rest[Number(row.n) - 1].i] = toImpression(row, json);
      }
      return found;
    },

    async eventsOfVisitors(storeId, visitors, opts = {}) {
      const limit = opts.limit ?? DEFAULT_HISTORY_LIMIT;
      if (visitors.length === 0 || limit <= 0) return [];
      const sql = `${SELECT_EVENTS} WHERE store_id = $1 AND visitor = ANY($2::text[]) AND ($3::text[] IS NULL OR type = ANY($3::text[]))
        ORDER BY time DESC, seq DESC LIMIT $4`;
      const { rows } = await pool.query<EventRow>(sql, [storeId, visitors, opts.types ?? null, limit]);
      return rows.map((row) => toStoredEvent(row, json));
    },

    async returnedUnits(storeId, order, product) {
      // Returns are few: the store's returned events come off the (store, type, time) index.
      const { rows } = await pool.query<{ n: string }>(
        `SELECT COALESCE(SUM((data->>'quantity')::float8), 0) AS n FROM events
          WHERE store_id = $1 AND type = 'returned' AND product = $2 AND data->>'order' = $3`,
        [storeId, product, order],
      );
      return Number(rows[0].n);
    },

    async impressionsOfVisitors(storeId, visitors, limit = DEFAULT_HISTORY_LIMIT) {
      if (visitors.length === 0 || limit <= 0) return [];
      const sql = `${SELECT_IMPRESSIONS} WHERE store_id = $1 AND visitor = ANY($2::text[]) ORDER BY time DESC, request_id DESC LIMIT $3`;
      const { rows } = await pool.query<ImpressionRow>(sql, [storeId, visitors, limit]);
      return rows.map((row) => toImpression(row, json));
    },

    async impressionsSince(storeId, since, limit) {
      if (limit <= 0) return [];
      const sql = `${SELECT_IMPRESSIONS} WHERE store_id = $1 AND time >= $2 ORDER BY time DESC, request_id DESC LIMIT $3`;
      const { rows } = await pool.query<ImpressionRow>(sql, [storeId, since, limit]);
      return rows.map((row) => toImpression(row, json));
    },

    async salesOf(storeId, keys) {
      const sql = `${SELECT_SALES} WHERE ${PERSON_SALES} ORDER BY time DESC, sale DESC`;
      const { rows } = await pool.query<SaleRow>(sql, [storeId, keys.visitors, keys.emails, keys.customers]);
      return rows.map((row) => toSale(row, json));
    },

    async getSale(storeId, sale) {
      const { rows } = await pool.query<SaleRow>(`${SELECT_SALES} WHERE store_id = $1 AND sale = $2`, [storeId, sale]);
      return rows.length ? toSale(rows[0], json) : null;
    },

    async setSaleAttribution(storeId, sale, attribution) {
      await retryingStatement(pool, health, 'sales', 'UPDATE sales SET attribution = $3::jsonb WHERE store_id = $1 AND sale = $2', [storeId, sale, encodeJson(attribution)]);
    },

    async latestEventSeq() {
      const { rows } = await pool.query<{ seq: string }>('SELECT coalesce(max(seq), 0) AS seq FROM events');
      return Number(rows[0].seq);
    },

    async eventsSince(after, limit) {
      if (limit <= 0) return [];
      const { rows } = await pool.query<EventRow>(`${SELECT_EVENTS} WHERE seq > $1 ORDER BY seq LIMIT $2`, [after, limit]);
      return rows.map((row) => toStoredEvent(row, json));
    },

    async salesSince(after, limit) {
      if (limit <= 0) return [];
      const { rows } = await pool.query<SaleRow & { seq: string }>(`SELECT seq, ${SALE_COLUMNS} FROM sales WHERE seq > $1 ORDER BY seq LIMIT $2`, [after, limit]);
      return rows.map((row) => ({ seq: Number(row.seq), sale: toSale(row, json) }));
    },

    async latestSaleSeq() {
      const { rows } = await pool.query<{ seq: string }>('SELECT coalesce(max(seq), 0) AS seq FROM sales');
      return Number(rows[0].seq);
    },

    async forgetsSince(after, limit) {
      if (limit <= 0) return [];
      const { rows } = await pool.query<{ seq: string; store_id: string }>('SELECT seq, store_id FROM forget_log WHERE seq > $1 ORDER BY seq LIMIT $2', [after, limit]);
      return rows.map((row) => ({ seq: Number(row.seq), storeId: Number(row.store_id) }));
    },

    async latestForgetSeq() {
      const { rows } = await pool.query<{ seq: string }>('SELECT coalesce(max(seq), 0) AS seq FROM forget_log');
      return Number(rows[0].seq);
    },

    async stillKnown(storeId, keys) {
      const known = async (list: string[], sql: string) => (list.length === 0 ? [] : (await pool.query<{ v: string }>(sql, [storeId, list])).rows.map((row) => row.v));
      return {
        visitors: await known(keys.visitors, STILL_KNOWN_VISITORS),
        emails: await known(keys.emails, STILL_KNOWN_EMAILS),
        customers: await known(keys.customers, STILL_KNOWN_CUSTOMERS),
      };
    },

    async *scanSales(storeId, pageSize = DEFAULT_SALES_PAGE) {
      const limit = checkSalesPageSize(pageSize);
      // Keyset pagination on (time, sale), the sales_time index order: stable under concurrent writes.
      let { rows } = await pool.query<SaleRow>(`${SELECT_SALES} WHERE store_id = $1 ORDER BY time, sale LIMIT $2`, [storeId, limit]);
      while (rows.length > 0) {
        yield rows.map((row) => toSale(row, json));
        if (rows.length < limit) return;
        const last = rows[rows.length - 1];
        const sql = `${SELECT_SALES} WHERE store_id = $1 AND (time, sale) > ($2, $3) ORDER BY time, sale LIMIT $4`;
        ({ rows } = await pool.query<SaleRow>(sql, [storeId, last.time, last.sale, limit]));
      }
    },

    async forget(storeId, keys, uncount) {
      // The catalog writer: orders and customers change under the catalog lock, with log rows.
      const result = await catalogWriter(pool, schema, health, 'forget')(async (client) => {
        const stats = await forgetPerson(client, storeId, keys, uncount);
        // Logged under the event-append lock (after the catalog lock, which commits never take):
        // forget seqs then commit in order, and other instances follow the log.
        await lockAppends(client);
        const { rows } = await client.query<{ seq: string }>('INSERT INTO forget_log (store_id, time) VALUES ($1, $2) RETURNING seq', [storeId, Date.now() / 1000]);
        return { ...stats, logSeq: Number(rows[0].seq) };
      });
      uniques.clear(); // the visitors' per-day uniques are gone: a later event of theirs counts again
      return result;
    },
  };
}

const STILL_KNOWN_VISITORS = `SELECT v FROM unnest($2::text[]) AS v WHERE
  EXISTS (SELECT 1 FROM events e WHERE e.store_id = $1 AND e.visitor = v)
  OR EXISTS (SELECT 1 FROM sales s WHERE s.store_id = $1 AND s.visitor = v)
  OR EXISTS (SELECT 1 FROM identity_links l WHERE l.store_id = $1 AND l.kind = 'visitor' AND l.value = v)`;
/** Emails or customer IDs still in a sale, an identity link or a catalog order or customer (a customer ID also as a customer's key). */
const stillKnownBy = (column: 'email' | 'customer', alsoCustomerKey: boolean) => `SELECT v FROM unnest($2::text[]) AS v WHERE
  EXISTS (SELECT 1 FROM sales s WHERE s.store_id = $1 AND s.${column} = v)
  OR EXISTS (SELECT 1 FROM identity_links l WHERE l.store_id = $1 AND l.kind = '${column}' AND l.value = v)
  OR EXISTS (SELECT 1 FROM catalog_docs c WHERE c.store_id = $1 AND c.kind IN ('orders', 'customers') AND c.${column} = v)
  ${alsoCustomerKey ? "OR EXISTS (SELECT 1 FROM catalog_docs c WHERE c.store_id = $1 AND c.kind = 'customers' AND c.key = v)" : ''}`;
const STILL_KNOWN_EMAILS = stillKnownBy('email', false);
const STILL_KNOWN_CUSTOMERS = stillKnownBy('customer', true);

// Catalog changes append their catalog_log rows in the same statement, as catalog.ts does.
const ANONYMISE_ORDERS = `WITH d AS (UPDATE catalog_docs SET doc = doc - 'email' - 'customer', email = NULL, customer = NULL
    WHERE store_id = $1 AND kind = 'orders' AND (email = ANY($2::text[]) OR customer = ANY($3::text[])) RETURNING key),
  log AS (INSERT INTO catalog_log (store_id, kind, key) SELECT $1, 'orders', key FROM d)
  SELECT key FROM d`;
// Tracking codes and links lead to an address: an anonymised order's parcels go.
const REMOVE_PARCELS = `WITH d AS (DELETE FROM catalog_docs WHERE store_id = $1 AND kind = 'parcels' AND ref = ANY($2::text[]) RETURNING key),
  log AS (INSERT INTO catalog_log (store_id, kind, key) SELECT $1, 'parcels', key FROM d)
  SELECT count(*) AS n FROM d`;
const REMOVE_CUSTOMERS = `WITH d AS (DELETE FROM catalog_docs
    WHERE store_id = $1 AND kind = 'customers' AND (email = ANY($2::text[]) OR key = ANY($3::text[])) RETURNING key),
  log AS (INSERT INTO catalog_log (store_id, kind, key) SELECT $1, 'customers', key FROM d)
  SELECT count(*) AS n FROM d`;

/** EventStore.forget inside the caller's catalog write transaction. */
async function forgetPerson(client: pg.PoolClient, storeId: number, keys: PersonKeys, uncount: Uncount) {
  const count = async (sql: string, params: unknown[]) => toNumber((await client.query<{ n: string }>(sql, params)).rows[0].n);
  // Deleted and read in one pass: the rows' own increments are taken back from the rollups.
  const deleteByVisitor = async <R extends pg.QueryResultRow>(table: string, columns: string) =>
    (await client.query<R>(`DELETE FROM ${table} WHERE store_id = $1 AND visitor = ANY($2::text[]) RETURNING ${columns}`, [storeId, keys.visitors])).rows;
  const events = (await deleteByVisitor<EventRow>('events', `seq, ${EVENT_COLUMNS}`)).map((row) => toStoredEvent(row, json));
  const impressions = (await deleteByVisitor<ImpressionRow>('impressions', IMPRESSION_COLUMNS)).map((row) => toImpression(row, json));
  await forgetPostgresRollups(client, storeId, keys.visitors, uncount({ events, impressions }));
  const orders = (await client.query<{ key: string }>(ANONYMISE_ORDERS, [storeId, keys.emails, keys.customers])).rows.map((row) => row.key);
  return {
    events: events.length,
    impressions: impressions.length,
    salesAnonymised: await anonymiseSales(client, storeId, keys),
    ordersAnonymised: orders.length,
    parcelsRemoved: orders.length > 0 ? await count(REMOVE_PARCELS, [storeId, orders]) : 0,
    customersRemoved: await count(REMOVE_CUSTOMERS, [storeId, keys.emails, keys.customers]),
    identitiesRemoved: await forgetPostgresIdentity(client, storeId, keys),
  };
}

/** Removes the person from their sales; lines, time and the attribution totals stay. */
async function anonymiseSales(client: pg.PoolClient, storeId: number, keys: PersonKeys): Promise<number> {
  const params = [storeId, keys.visitors, keys.emails, keys.customers];
  const { rows } = await client.query<{ sale: string; attribution: Doc | null }>(`SELECT sale, attribution FROM sales WHERE ${PERSON_SALES} FOR UPDATE`, params);
  // The attribution is scrubbed in JS: personal fields may sit at any depth.
  const update = `UPDATE sales s SET visitor = NULL, email = NULL, customer = NULL, attribution = u.attribution::jsonb
    FROM unnest($2::text[], $3::text[]) AS u(sale, attribution) WHERE s.store_id = $1 AND s.sale = u.sale`;
  for (const part of chunk(rows)) {
    await client.query(update, [storeId, part.map((row) => row.sale), part.map((row) => encodeJson(row.attribution === null ? null : scrubAttribution(row.attribution)))]);
  }
  return rows.length;
}
