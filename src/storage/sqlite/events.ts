/**
 * EventStore on SQLite. commitBatch writes a whole group commit in one IMMEDIATE transaction with
 * cached per-row statements: there is no network round trip to amortise. SQLite has one writer
 * at a time and AUTOINCREMENT never reuses a seq, so event seqs commit in order and
 * `eventsSince(after)` is a safe tail for any reader of the file.
 */
import type { Doc, EventStore, ImpressionRecord, PersonKeys } from '../ports.js';
import {
  checkSalesPageSize, DEFAULT_HISTORY_LIMIT, DEFAULT_SALES_PAGE, encodeJson, EVENT_COLUMNS, eventValues, IMPRESSION_COLUMNS,
  IMPRESSION_WINDOW, impressionShows, impressionValues, SALE_COLUMNS, saleValues, scrubAttribution, scrubOrderDoc,
  toImpression, toSale, toStoredEvent, type EventRow, type ImpressionRow, type SaleRow,
} from '../shared.js';
import { applicableDeltas, queueRows, type UniqueCache } from '../rollups-shared.js';
import { forgetSqliteRollups, INSERT_QUEUED } from './analytics.js';
import type { SqliteDb } from './db.js';
import { forgetSqliteIdentity } from './identity.js';

const json = (text: unknown): unknown => (text === null ? null : JSON.parse(text as string));
const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');
// json_each turns one JSON array parameter into a set, so one cached statement fits any list.
const inList = (column: string) => `${column} IN (SELECT value FROM json_each(?))`;
/** Up to this many visitors, eventsOfVisitors binds each as a parameter of its own. */
const FEW_VISITORS = 16;

const INSERT_EVENT = `INSERT INTO events (${EVENT_COLUMNS}) VALUES (${placeholders(12)})`;
const INSERT_IMPRESSION = `INSERT INTO impressions (${IMPRESSION_COLUMNS}) VALUES (${placeholders(8)})
  ON CONFLICT (store_id, request_id) DO NOTHING`;
// One writer at a time: max(seq) + 1 commits in seq order (the sale log, salesSince).
const INSERT_SALE = `INSERT INTO sales (${SALE_COLUMNS}, seq) VALUES (${placeholders(9)}, (SELECT coalesce(max(seq), 0) + 1 FROM sales))
  ON CONFLICT (store_id, sale) DO NOTHING RETURNING seq`;
const SELECT_EVENTS = `SELECT seq, ${EVENT_COLUMNS} FROM events`;
const SELECT_IMPRESSIONS = `SELECT ${IMPRESSION_COLUMNS} FROM impressions`;
const SELECT_SALES = `SELECT ${SALE_COLUMNS} FROM sales`;
/**
 * A visitor's newest impressions in a window (the click join's fallback), and several visitors'
 * newest (history). Both name the visitor index: without statistics SQLite would rather walk the
 * store's (store, time, request_id) index, which gives the ORDER BY for free but reads every
 * impression of the window (every click join's probe grows with the store's traffic). Exported for
 * the plan test in sqlite.test.ts.
 */
export const LATEST_IMPRESSIONS = `${SELECT_IMPRESSIONS} INDEXED BY impressions_visitor WHERE store_id = ? AND visitor = ? AND time >= ?
  ORDER BY time DESC, request_id DESC LIMIT ${IMPRESSION_WINDOW}`;
export const VISITORS_IMPRESSIONS = `${SELECT_IMPRESSIONS} INDEXED BY impressions_visitor WHERE store_id = ? AND ${inList('visitor')}
  ORDER BY time DESC, request_id DESC LIMIT ?`;
// A union of three index lookups: with an OR (and an ORDER BY) SQLite would rather walk the
// whole store's sales in time order.
const personSalesBy = (column: string, list: string) => `SELECT rowid FROM sales WHERE store_id = @store AND ${column} IN (SELECT value FROM json_each(@${list}))`;
const PERSON_SALES = `rowid IN (${personSalesBy('visitor', 'visitors')} UNION ALL ${personSalesBy('email', 'emails')} UNION ALL ${personSalesBy('customer', 'customers')})`;

/** The EventStore port over one SQLite connection. */
export function createSqliteEvents(db: SqliteDb, uniques: UniqueCache): EventStore {
  // The newest impression rowid this connection knows of, and whether another connection has
  // committed impressions (see othersWroteImpressions): rowids only grow, so a max above ours is theirs.
  const newestImpression = () => (db.stmt('SELECT coalesce(max(rowid), 0) AS id FROM impressions').get() as { id: number }).id;
  let knownImpression = newestImpression();
  let othersWrote = false;

  /**
   * The visitor's newest impression showing the product (api, labels, since as joinImpressions):
   * only their newest IMPRESSION_WINDOW rows are read, straight off the (store, visitor, time)
   * index, newest first; membership and filters are then checked in JS.
   */
  function latestShowing(storeId: number, visitor: string, product: string, opts: { api?: string; labels?: string[]; since?: number }): ImpressionRecord | null {
    const recent = db.stmt(LATEST_IMPRESSIONS);
    for (const row of recent.all(storeId, visitor, opts.since ?? -Infinity) as ImpressionRow[]) {
      const impression = toImpression(row, json);
      if (impressionShows(impression, product, opts)) return impression;
    }
    return null;
  }

  return {
    async commitBatch(batch) {
      // The fsync runs off the event loop; the answer still waits for it (durableWrite).
      let newest: number | null = null; // taken inside the transaction, kept once it committed
      const result = await db.durableWrite(() => {
        const insertEvent = db.stmt(INSERT_EVENT);
        const eventSeqs = batch.events.map((event) => Number(insertEvent.run(...eventValues(event, Number)).lastInsertRowid));
        if (batch.impressions.length > 0) {
          // Looked at before this batch's rows hide another connection's under a higher rowid.
          if (newestImpression() > knownImpression) othersWrote = true;
          // DO NOTHING keeps the first impression of a request_id, within the batch and across batches.
          const insertImpression = db.stmt(INSERT_IMPRESSION);
          for (const impression of batch.impressions) insertImpression.run(...impressionValues(impression));
          newest = newestImpression();
        }
        // A sale repeated in the batch finds its first copy already inserted: changes 0, so false.
        const insertSale = db.stmt(INSERT_SALE);
        const saleSeqs = batch.sales.map((sale) => (insertSale.get(...saleValues(sale)) as { seq: number } | undefined)?.seq ?? null);
        const newSales = saleSeqs.map((seq) => seq !== null);
        // Rollup increments are queued with what they count (applyQueuedRollups adds them up
        // later, many batches per transaction); a repeated sale's deltas are dropped here.
        const inserted = new Set(batch.sales.filter((_, i) => newSales[i]).map((s) => `${s.storeId}/${s.sale}`));
        const enqueue = db.stmt(INSERT_QUEUED);
        for (const [storeId, deltas] of queueRows(applicableDeltas(batch.rollups ?? [], inserted))) enqueue.run(storeId, deltas);
        return { newSales, eventSeqs, saleSeqs };
      });
      if (newest !== null) knownImpression = newest;
      return result;
    },

    othersWroteImpressions() {
      if (!othersWrote && newestImpression() > knownImpression) othersWrote = true;
      return othersWrote;
    },

    async findImpression(storeId, requestId) {
      const row = db.stmt(`${SELECT_IMPRESSIONS} WHERE store_id = ? AND request_id = ?`).get(storeId, requestId) as ImpressionRow | undefined;
      return row ? toImpression(row, json) : null;
    },

    async joinImpressions(storeId, joins) {
      if (joins.length === 0) return [];
      // One read transaction for the batch: each probe then skips the WAL read-lock dance.
      return db.raw.transaction(() => joins.map((j) => {
        if (j.requestId) {
          const row = db.stmt(`${SELECT_IMPRESSIONS} WHERE store_id = ? AND request_id = ?`).get(storeId, j.requestId) as ImpressionRow | undefined;
          if (row && row.visitor === j.visitor) return toImpression(row, json);
        }
        return latestShowing(storeId, j.visitor, j.product, j);
      })).deferred();
    },

    async eventsOfVisitors(storeId, visitors, opts = {}) {
      const limit = opts.limit ?? DEFAULT_HISTORY_LIMIT;
      if (visitors.length === 0 || limit <= 0) return [];
      // Every sale's attribution asks this for a person's few visitors: plain placeholders (one
      // cached statement per list length) cost a fifth of json_each's virtual tables. The index is
      // named, and the type test kept off it (`+type`), since on a large store SQLite would rather
      // walk (store, type, time) for the newest clicks than read the visitor's own few rows.
      const few = visitors.length <= FEW_VISITORS;
      const byVisitor = few ? `visitor IN (${placeholders(visitors.length)})` : inList('visitor');
      const byType = opts.types ? `AND +type IN (${placeholders(opts.types.length)})` : '';
      // An integer LIMIT is written into the SQL, not bound: SQLite's planner reads a bound
      // LIMIT's value, so binding it again expires the statement and every run is prepared anew
      // (most of the cost when the person has no clicks). The callers pass a few constants.
      const inline = Number.isSafeInteger(limit);
      const sql = `${SELECT_EVENTS} INDEXED BY events_visitor WHERE store_id = ? AND ${byVisitor} ${byType}
        ORDER BY time DESC, seq DESC LIMIT ${inline ? limit : '?'}`;
      const params = [storeId, ...(few ? visitors : [JSON.stringify(visitors)]), ...(opts.types ?? [])];
      const rows = db.stmt(sql).all(...params, ...(inline ? [] : [limit])) as EventRow[];
      return rows.map((row) => toStoredEvent(row, json));
    },

    async returnedUnits(storeId, order, product) {
      // Returns are few: the store's returned events come off the (store, type, time) index.
      const sql = `SELECT COALESCE(SUM(json_extract(data, '$.quantity')), 0) AS n FROM events
        WHERE store_id = ? AND type = 'returned' AND product = ? AND CAST(json_extract(data, '$.order') AS TEXT) = ?`;
      return Number((db.stmt(sql).get(storeId, product, order) as { n: number }).n);
    },

    async impressionsOfVisitors(storeId, visitors, limit = DEFAULT_HISTORY_LIMIT) {
      if (visitors.length === 0 || limit <= 0) return [];
      return (db.stmt(VISITORS_IMPRESSIONS).all(storeId, JSON.stringify(visitors), limit) as ImpressionRow[]).map((row) => toImpression(row, json));
    },

    async impressionsSince(storeId, since, limit) {
      if (limit <= 0) return [];
      const rows = db.stmt(`${SELECT_IMPRESSIONS} WHERE store_id = ? AND time >= ? ORDER BY time DESC, request_id DESC LIMIT ?`).all(storeId, since, limit) as ImpressionRow[];
      return rows.map((row) => toImpression(row, json));
    },

    async salesOf(storeId, keys) {
      const rows = db.stmt(`${SELECT_SALES} WHERE ${PERSON_SALES} ORDER BY time DESC, sale DESC`).all(personParams(storeId, keys));
      return (rows as SaleRow[]).map((row) => toSale(row, json));
    },

    async getSale(storeId, sale) {
      const row = db.stmt(`${SELECT_SALES} WHERE store_id = ? AND sale = ?`).get(storeId, sale) as SaleRow | undefined;
      return row ? toSale(row, json) : null;
    },

    async setSaleAttribution(storeId, sale, attribution) {
      db.stmt('UPDATE sales SET attribution = ? WHERE store_id = ? AND sale = ?').run(encodeJson(attribution), storeId, sale);
    },

    async latestEventSeq() {
      return (db.stmt('SELECT coalesce(max(seq), 0) AS seq FROM events').get() as { seq: number }).seq;
    },

    async eventsSince(after, limit) {
      // SQLite reads a LIMIT below zero as "no limit"; the port means "nothing".
      if (limit <= 0) return [];
      const rows = db.stmt(`${SELECT_EVENTS} WHERE seq > ? ORDER BY seq LIMIT ?`).all(after, limit) as EventRow[];
      return rows.map((row) => toStoredEvent(row, json));
    },

    async salesSince(after, limit) {
      if (limit <= 0) return [];
      const rows = db.stmt(`SELECT seq, ${SALE_COLUMNS} FROM sales WHERE seq > ? ORDER BY seq LIMIT ?`).all(after, limit) as Array<SaleRow & { seq: number }>;
      return rows.map((row) => ({ seq: row.seq, sale: toSale(row, json) }));
    },

    async latestSaleSeq() {
      return (db.stmt('SELECT coalesce(max(seq), 0) AS seq FROM sales').get() as { seq: number }).seq;
    },

    async forgetsSince(after, limit) {
      if (limit <= 0) return [];
      return db.stmt('SELECT seq, store_id AS storeId FROM forget_log WHERE seq > ? ORDER BY seq LIMIT ?').all(after, limit) as Array<{ seq: number; storeId: number }>;
    },

    async latestForgetSeq() {
      return (db.stmt('SELECT coalesce(max(seq), 0) AS seq FROM forget_log').get() as { seq: number }).seq;
    },

    async stillKnown(storeId, keys) {
      const params = personParams(storeId, keys);
      const known = (list: 'visitors' | 'emails' | 'customers', sql: string) => (params[list] === '[]' ? [] : (db.stmt(sql).pluck().all(params) as string[]));
      return {
        visitors: known('visitors', STILL_KNOWN_VISITORS),
        emails: known('emails', STILL_KNOWN_EMAILS),
        customers: known('customers', STILL_KNOWN_CUSTOMERS),
      };
    },

    async *scanSales(storeId, pageSize = DEFAULT_SALES_PAGE) {
      const limit = checkSalesPageSize(pageSize);
      // Keyset pagination on (time, sale), the sales_time index order: stable under concurrent writes.
      const first = db.stmt(`${SELECT_SALES} WHERE store_id = ? ORDER BY time, sale LIMIT ?`);
      const next = db.stmt(`${SELECT_SALES} WHERE store_id = ? AND (time, sale) > (?, ?) ORDER BY time, sale LIMIT ?`);
      let rows = first.all(storeId, limit) as SaleRow[];
      while (rows.length > 0) {
        yield rows.map((row) => toSale(row, json));
        if (rows.length < limit) return;
        const last = rows[rows.length - 1];
        rows = next.all(storeId, last.time, last.sale, limit) as SaleRow[];
      }
    },

    async forget(storeId, keys, uncount) {
      const visitors = JSON.stringify(keys.visitors);
      const stats = db.write(() => {
        // Deleted and read in one pass: the rows' own increments are taken back from the rollups.
        const deleteByVisitor = <R>(table: string, columns: string) =>
          db.stmt(`DELETE FROM ${table} WHERE store_id = ? AND ${inList('visitor')} RETURNING ${columns}`).all(storeId, visitors) as R[];
        const events = deleteByVisitor<EventRow>('events', `seq, ${EVENT_COLUMNS}`).map((row) => toStoredEvent(row, json));
        const impressions = deleteByVisitor<ImpressionRow>('impressions', IMPRESSION_COLUMNS).map((row) => toImpression(row, json));
        forgetSqliteRollups(db, storeId, keys.visitors, uncount({ events, impressions }));
        const orders = anonymiseOrders(db, storeId, keys);
        return {
          events: events.length,
          impressions: impressions.length,
          salesAnonymised: anonymiseSales(db, storeId, keys),
          ordersAnonymised: orders.length,
          parcelsRemoved: removeParcelsOf(db, storeId, orders),
          customersRemoved: removeCustomers(db, storeId, keys),
          identitiesRemoved: forgetSqliteIdentity(db, storeId, keys),
          logSeq: Number(db.stmt('INSERT INTO forget_log (store_id, time) VALUES (?, ?)').run(storeId, Date.now() / 1000).lastInsertRowid),
        };
      });
      uniques.clear(); // the visitors' per-day uniques are gone: a later event of theirs counts again
      return stats;
    },
  };
}

const STILL_KNOWN_VISITORS = `SELECT j.value FROM json_each(@visitors) j WHERE
  EXISTS (SELECT 1 FROM events e WHERE e.store_id = @store AND e.visitor = j.value)
  OR EXISTS (SELECT 1 FROM sales s WHERE s.store_id = @store AND s.visitor = j.value)
  OR EXISTS (SELECT 1 FROM identity_links l WHERE l.store_id = @store AND l.kind = 'visitor' AND l.value = j.value)`;
/** Emails or customer IDs still in a sale, an identity link or a catalog order or customer (a customer ID also as a customer's key). */
const stillKnownBy = (column: 'email' | 'customer', list: 'emails' | 'customers', alsoCustomerKey: boolean) => `SELECT j.value FROM json_each(@${list}) j WHERE
  EXISTS (SELECT 1 FROM sales s WHERE s.store_id = @store AND s.${column} = j.value)
  OR EXISTS (SELECT 1 FROM identity_links l WHERE l.store_id = @store AND l.kind = '${column}' AND l.value = j.value)
  OR EXISTS (SELECT 1 FROM catalog_docs c WHERE c.store_id = @store AND c.kind IN ('orders', 'customers') AND c.${column} = j.value)
  ${alsoCustomerKey ? "OR EXISTS (SELECT 1 FROM catalog_docs c WHERE c.store_id = @store AND c.kind = 'customers' AND c.key = j.value)" : ''}`;
const STILL_KNOWN_EMAILS = stillKnownBy('email', 'emails', false);
const STILL_KNOWN_CUSTOMERS = stillKnownBy('customer', 'customers', true);

/** Named parameters of the PERSON_* conditions: the key lists as JSON arrays. */
function personParams(store: number, keys: PersonKeys) {
  return { store, visitors: JSON.stringify(keys.visitors), emails: JSON.stringify(keys.emails), customers: JSON.stringify(keys.customers) };
}

/** Removes the person from their sales; lines, time and the attribution totals stay. */
function anonymiseSales(db: SqliteDb, storeId: number, keys: PersonKeys): number {
  const rows = db.stmt(`SELECT sale, attribution FROM sales WHERE ${PERSON_SALES}`).all(personParams(storeId, keys)) as { sale: string; attribution: string | null }[];
  const update = db.stmt('UPDATE sales SET visitor = NULL, email = NULL, customer = NULL, attribution = ? WHERE store_id = ? AND sale = ?');
  for (const row of rows) {
    const attribution = row.attribution === null ? null : JSON.stringify(scrubAttribution(JSON.parse(row.attribution)));
    update.run(attribution, storeId, row.sale);
  }
  return rows.length;
}

const APPEND_LOG = 'INSERT INTO catalog_log (store_id, kind, key) VALUES (?, ?, ?)';
// Key sets built from index lookups; "IS NOT NULL" lets SQLite use the partial email/customer indexes.
const docKeysBy = (kind: string, column: string, list: string) =>
  `SELECT key FROM catalog_docs WHERE store_id = @store AND kind = '${kind}' AND ${column} IS NOT NULL AND ${column} IN (SELECT value FROM json_each(@${list}))`;
const PERSON_ORDERS = `store_id = @store AND kind = 'orders'
  AND key IN (${docKeysBy('orders', 'email', 'emails')} UNION ALL ${docKeysBy('orders', 'customer', 'customers')})`;
const PERSON_CUSTOMERS = `store_id = @store AND kind = 'customers'
  AND key IN (SELECT value FROM json_each(@customers) UNION ALL ${docKeysBy('customers', 'email', 'emails')})`;

/** Strips email and customer from matching catalog orders, logging each change as catalog writes do; returns their keys. */
function anonymiseOrders(db: SqliteDb, storeId: number, keys: PersonKeys): string[] {
  const rows = db.stmt(`SELECT key, doc FROM catalog_docs WHERE ${PERSON_ORDERS} ORDER BY key`).all(personParams(storeId, keys)) as { key: string; doc: string }[];
  const update = db.stmt(`UPDATE catalog_docs SET doc = ?, email = NULL, customer = NULL WHERE store_id = ? AND kind = 'orders' AND key = ?`);
  for (const row of rows) {
    update.run(JSON.stringify(scrubOrderDoc(JSON.parse(row.doc) as Doc)), storeId, row.key);
    db.stmt(APPEND_LOG).run(storeId, 'orders', row.key);
  }
  return rows.map((row) => row.key);
}

/** Removes the parcels of these orders, logging each removal. */
function removeParcelsOf(db: SqliteDb, storeId: number, orders: string[]): number {
  if (orders.length === 0) return 0;
  const where = "store_id = ? AND kind = 'parcels' AND ref IS NOT NULL AND ref IN (SELECT value FROM json_each(?))";
  const list = JSON.stringify(orders);
  db.stmt(`INSERT INTO catalog_log (store_id, kind, key) SELECT store_id, kind, key FROM catalog_docs WHERE ${where} ORDER BY key`).run(storeId, list);
  return db.stmt(`DELETE FROM catalog_docs WHERE ${where}`).run(storeId, list).changes;
}

/** Removes catalog customers with these emails or IDs, logging each removal. */
function removeCustomers(db: SqliteDb, storeId: number, keys: PersonKeys): number {
  const params = personParams(storeId, keys);
  // Log the doomed keys first: after the delete they are gone.
  db.stmt(`INSERT INTO catalog_log (store_id, kind, key) SELECT store_id, kind, key FROM catalog_docs WHERE ${PERSON_CUSTOMERS} ORDER BY key`).run(params);
  return db.stmt(`DELETE FROM catalog_docs WHERE ${PERSON_CUSTOMERS}`).run(params).changes;
}
