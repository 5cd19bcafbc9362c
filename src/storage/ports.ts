/**
 * Storage ports: narrow interfaces named by use. Domain code depends on these only; the
 * sqlite/ and postgres/ adapters implement them, and conformance/ checks both behave alike.
 * Every method is async so one domain code path serves both the synchronous embedded driver and
 * the networked one.
 */

export type Id = string | number;
export type Doc = Record<string, unknown>;

/**
 * The catalog resources kept as documents (and exported in a feed, in this order). Orders and
 * their parcels are never removed by a feed mirror. `accessories` holds one document per product
 * that declares links (keyed by the product); `parcels` one per parcel, `ref` naming its order.
 */
export type CatalogKind = 'products' | 'categories' | 'pages' | 'customers' | 'orders' | 'parcels' | 'accessories';
export const CATALOG_KINDS: readonly CatalogKind[] = ['products', 'categories', 'pages', 'customers', 'orders', 'parcels', 'accessories'];
/**
 * Search merchandising rules and search settings, kept as documents beside the catalog (same
 * table, same change log, so every instance applies a rule change within one tail interval).
 * Not part of feeds: an import never mirrors or removes them.
 */
export type RuleKind = 'synonyms' | 'redirects' | 'customized_search' | 'campaigns' | 'search_settings';
export const RULE_KINDS: readonly RuleKind[] = ['synonyms', 'redirects', 'customized_search', 'campaigns', 'search_settings'];
/** Every kind of stored document. */
export type DocKind = CatalogKind | RuleKind;

/**
 * One stored document. `key` is the ID as a string (IDs compare as strings everywhere); `doc`
 * keeps the ID in the type it was given. `email`, `customer` and `time` are indexed copies of
 * fields the domain needs to look up (customers by email; orders by email, customer and time);
 * `ref` is the key of the document this one belongs to (a parcel's order).
 */
export interface CatalogEntry {
  key: string;
  doc: Doc;
  email?: string | null;
  customer?: string | null;
  time?: number | null;
  ref?: string | null;
}

export interface StoreRecord {
  id: number;
  name: string;
  publicKey: string;
  /** Unix seconds. */
  createdAt: number;
}

export interface PrivateKeyRecord {
  storeId: number;
  name: string;
  /** Hex SHA-256 of the key; the key itself is never stored. */
  hash: string;
  createdAt: number;
}

/** Stores and their keys. */
export interface StoreRegistry {
  /** Creates a store with its first private key. Throws LogicalError (409) when the name or public key is taken. */
  createStore(input: { name: string; publicKey: string; privateKey: { name: string; hash: string } }): Promise<StoreRecord>;
  /** Adds another named private key. Throws LogicalError (409) when the store already has a key of that name. */
  addPrivateKey(storeId: number, key: { name: string; hash: string }): Promise<void>;
  /** All stores, oldest first. */
  listStores(): Promise<StoreRecord[]>;
  findStoreByPublicKey(publicKey: string): Promise<StoreRecord | null>;
  findStoreByName(name: string): Promise<StoreRecord | null>;
  listPrivateKeys(storeId: number): Promise<PrivateKeyRecord[]>;
  /** Small per-store settings (JSON values), e.g. the visitor salt. */
  getSetting(storeId: number, name: string): Promise<unknown | undefined>;
  setSetting(storeId: number, name: string, value: unknown): Promise<void>;
}

/** One row of the catalog change log, which other instances tail to stay current. */
export interface CatalogChange {
  seq: number;
  storeId: number;
  kind: DocKind;
  key: string;
}

export interface ImportStats {
  /** Per kind: documents written and (for mirrored kinds) documents removed. */
  written: Record<CatalogKind, number>;
  removed: Record<CatalogKind, number>;
}

/**
 * A feed import in progress. Staged documents are invisible until commit; commit applies them
 * all in one transaction; abort (or a crash) leaves the catalog unchanged.
 */
export interface ImportSession {
  stage(kind: CatalogKind, entries: CatalogEntry[]): Promise<void>;
  /** Upserts everything staged; for each kind in `mirror` removes stored documents that were not staged. */
  commit(mirror: CatalogKind[]): Promise<ImportStats>;
  abort(): Promise<void>;
}

/** Catalog documents of every store. */
export interface CatalogStore {
  /** Inserts or replaces whole documents by key, in one transaction. */
  upsertDocs(storeId: number, kind: DocKind, entries: CatalogEntry[]): Promise<void>;
  /** Inserts the documents whose key is absent; returns the keys it inserted (the rest are left untouched). */
  insertDocsIfAbsent(storeId: number, kind: DocKind, entries: CatalogEntry[]): Promise<string[]>;
  /** Removes documents by key in one transaction; returns how many existed. */
  removeDocs(storeId: number, kind: DocKind, keys: string[]): Promise<number>;
  /** The documents with these keys, in the order asked; missing keys are skipped. */
  getDocs(storeId: number, kind: DocKind, keys: string[]): Promise<CatalogEntry[]>;
  /** Documents whose indexed email is one of these (already normalised). */
  findDocsByEmail(storeId: number, kind: DocKind, emails: string[]): Promise<CatalogEntry[]>;
  /** Documents whose indexed customer ID is one of these (as strings). */
  findDocsByCustomer(storeId: number, kind: DocKind, customers: string[]): Promise<CatalogEntry[]>;
  /** Documents whose `ref` is one of these keys (a parcel's order), in key order. */
  findDocsByRef(storeId: number, kind: DocKind, refs: string[]): Promise<CatalogEntry[]>;
  /** The newest documents of a kind by indexed `time` (newest first; equal times by key), at most `limit`. */
  latestDocs(storeId: number, kind: DocKind, limit: number): Promise<CatalogEntry[]>;
  /** Every document of a kind, in key order, streamed in pages so memory stays bounded. */
  scanDocs(storeId: number, kind: DocKind, pageSize?: number): AsyncIterable<CatalogEntry[]>;
  countDocs(storeId: number, kind: DocKind): Promise<number>;
  /** Change-log rows with seq > after, oldest first, at most `limit`. */
  changesSince(after: number, limit: number): Promise<CatalogChange[]>;
  /** The newest change-log seq (0 when empty). */
  latestChangeSeq(): Promise<number>;
  beginImport(storeId: number): Promise<ImportSession>;
}


/* ----------------------------------------------------------------------------------------- */
/* Tracking: events, impressions, sales, identity                                              */
/* ----------------------------------------------------------------------------------------- */

/** Stored event types (sales and impressions have their own records). */
export type EventType = 'click' | 'product' | 'category' | 'email' | 'cart' | 'returned' | 'debug';
/**
 * Every stored event type. Retention deletes by (store, type, time) through the events_type_time
 * index, one range per type, instead of scanning all of a store's events.
 */
// From a record so a type added to EventType but not here fails to compile (retention would keep it forever).
export const EVENT_TYPES = Object.keys({ click: 1, product: 1, category: 1, email: 1, cart: 1, returned: 1, debug: 1 } satisfies Record<EventType, 1>) as readonly EventType[];

/** One tracked event. `time` is unix seconds (fractions allowed). IDs are keys (strings). */
export interface TrackedEvent {
  storeId: number;
  type: EventType;
  time: number;
  visitor: string | null;
  product?: string | null;
  category?: string | null;
  labels?: string[] | null;
  api?: string | null;
  /** The impression a click was joined to. */
  requestId?: string | null;
  /** 0-based position of a clicked product in the result it came from. */
  position?: number | null;
  external?: boolean;
  /** Everything else the event carries (cart lines and basket_id, returned order/quantity, debug message…). */
  data?: Doc | null;
}

/** A stored event with its sequence number (monotonic per database, in commit order). */
export interface StoredEvent extends TrackedEvent {
  seq: number;
}

/** A result shown to a visitor (every result-returning call with a visitor records one). */
export interface ImpressionRecord {
  storeId: number;
  requestId: string;
  time: number;
  visitor: string;
  api: string;
  labels: string[];
  /** What was asked: query / products / category / page. */
  input: Doc;
  /** Keys of the products (or other results) shown, in order. */
  results: string[];
}

/** What a click without an in-memory match asks of stored impressions (EventStore.joinImpressions). */
export interface ImpressionJoin {
  visitor: string;
  product: string;
  requestId?: string;
  api?: string;
  labels?: string[];
  since?: number;
}

export interface SaleLine {
  /** Product key (string). */
  product: string;
  /** Product ID as the shop sent it. */
  id: Id;
  price: number;
  quantity: number;
}

/** A sale from `log/sale`. Idempotent on (storeId, sale). */
export interface SaleRecord {
  storeId: number;
  /** Sale key: String(sale ID). */
  sale: string;
  /** Sale ID as the shop sent it. */
  saleId: Id;
  time: number;
  visitor: string | null;
  email: string | null;
  customer: string | null;
  lines: SaleLine[];
  /** How each line was attributed (computed when logged). */
  attribution?: Doc | null;
}

/** Everything one group commit writes. */
export interface EventBatch {
  events: TrackedEvent[];
  impressions: ImpressionRecord[];
  sales: SaleRecord[];
  /**
   * Analytics increments of the batch (see RollupDelta). commitBatch queues them, with the
   * records they count and in the same transaction, in the rollup queue (one row per store and
   * batch); applyQueuedRollups adds them to the rollup rows later, many batches at a time.
   */
  rollups?: RollupDelta[];
}

export interface CommitResult {
  /** Parallel to batch.sales: true when the sale was new, false when (store, sale) already existed (also within the batch). */
  newSales: boolean[];
  /** Parallel to batch.events: the seq each event was stored under. */
  eventSeqs: number[];
  /** Parallel to batch.sales: the sale-log seq of a new sale (see salesSince), null for a repeat. */
  saleSeqs: Array<number | null>;
}

/** Who a person is: the visitors, emails and customer IDs linked into one identity. */
export interface PersonKeys {
  visitors: string[];
  emails: string[];
  customers: string[];
}

export interface ForgetStats {
  events: number;
  impressions: number;
  salesAnonymised: number;
  ordersAnonymised: number;
  /** Parcels of the anonymised orders removed (tracking codes and links lead to an address). */
  parcelsRemoved: number;
  customersRemoved: number;
  identitiesRemoved: number;
  /** This forget's seq in the forget log (forgetsSince): other instances purge their models when they read it. */
  logSeq: number;
}

/** The rollup increments to take back for events and impressions a forget deletes (negated, without uniques). */
export type Uncount = (removed: { events: StoredEvent[]; impressions: ImpressionRecord[] }) => RollupDelta[];

/** Events, impressions and sales. */
export interface EventStore {
  /** Writes a batch in ONE transaction; a sale whose (store, sale) exists is skipped (see CommitResult). */
  commitBatch(batch: EventBatch): Promise<CommitResult>;
  findImpression(storeId: number, requestId: string): Promise<ImpressionRecord | null>;
  /**
   * The impressions many clicks of one store join, answered in the order asked (a group commit
   * joins its batch's clicks at once: one read transaction on SQLite, two statements on
   * PostgreSQL). Each: the impression of `requestId` when it belongs to `visitor`, else the
   * visitor's newest impression that showed `product`, with this `api` and all these `labels`
   * when given, not older than `since` (unix s), among their newest IMPRESSION_WINDOW.
   */
  joinImpressions(storeId: number, joins: ImpressionJoin[]): Promise<Array<ImpressionRecord | null>>;
  /** Events of these visitors, newest first. */
  eventsOfVisitors(storeId: number, visitors: string[], opts?: { types?: EventType[]; limit?: number }): Promise<StoredEvent[]>;
  /** Units of `product` already returned from `order` (the sum of its `returned` events' data.quantity). */
  returnedUnits(storeId: number, order: string, product: string): Promise<number>;
  /** Impressions of these visitors, newest first. */
  impressionsOfVisitors(storeId: number, visitors: string[], limit?: number): Promise<ImpressionRecord[]>;
  /**
   * True once a connection other than this one has committed impressions (SQLite: the click
   * join's memory assumes this process is the only writer, and checks it once per group commit).
   * Absent where several writers are the rule (PostgreSQL).
   */
  othersWroteImpressions?(): boolean;
  /** The store's impressions not older than `since` (unix s), newest first, at most `limit` (the click join's memory at start-up). */
  impressionsSince(storeId: number, since: number, limit: number): Promise<ImpressionRecord[]>;
  /** Sales of a person: any of these visitors, emails or customers; newest first. */
  salesOf(storeId: number, keys: PersonKeys): Promise<SaleRecord[]>;
  getSale(storeId: number, sale: string): Promise<SaleRecord | null>;
  /** Replaces the stored attribution of a sale (e.g. after a return or a window change). */
  setSaleAttribution(storeId: number, sale: string, attribution: Doc | null): Promise<void>;
  /** Events of every store with seq > after, oldest first (model rebuilds, other instances tailing). */
  eventsSince(after: number, limit: number): Promise<StoredEvent[]>;
  /** The highest committed event seq of every store (0 when there is none): a tailer's cheap look. */
  latestEventSeq(): Promise<number>;
  /**
   * New sales of every store with seq > after, in seq order: the sale log. Seqs commit in order
   * on both adapters (as event seqs do), so `seq > after` is a safe tail for other instances.
   */
  salesSince(after: number, limit: number): Promise<Array<{ seq: number; sale: SaleRecord }>>;
  /** The highest committed sale seq (0 when there is none). */
  latestSaleSeq(): Promise<number>;
  /**
   * The forget log: which store had a privacy/forget, in seq order (seqs commit in order, as in
   * the event log). It holds no personal data: a reader finds who was forgotten with stillKnown.
   */
  forgetsSince(after: number, limit: number): Promise<Array<{ seq: number; storeId: number }>>;
  /** The highest committed forget seq (0 when there is none). */
  latestForgetSeq(): Promise<number>;
  /**
   * Which of these keys the store still holds anywhere: visitors in events, sales or identity
   * links; emails and customer IDs in sales, identity links, catalog orders or customers (a
   * customer ID also as a customer's key). A key an instance holds in memory that storage no
   * longer knows was forgotten by another instance.
   */
  stillKnown(storeId: number, keys: PersonKeys): Promise<PersonKeys>;
  /** Sales of a store in time order, paged (analytics rebuilds). */
  scanSales(storeId: number, pageSize?: number): AsyncIterable<SaleRecord[]>;
  /**
   * Privacy: in ONE transaction, deletes the events and impressions of the visitors, anonymises
   * their sales (visitor/email/customer removed, lines and totals kept), anonymises catalog orders
   * with these emails/customers, removes catalog customers with these emails or IDs, and removes
   * the identity links of the person. Rollups stay equal to a recount of what remains: in the same
   * transaction the adapter subtracts what `uncount` says the deleted events and impressions had
   * added, and one per-day unique for each of the visitors' rollup_uniques rows it deletes.
   */
  forget(storeId: number, keys: PersonKeys, uncount: Uncount): Promise<ForgetStats>;
}

/** Cross-device identity: visitors, emails and customer IDs linked into persons. */
export interface IdentityStore {
  /**
   * Links a visitor (or none) with an email and/or customer ID. Creates a person when none of them
   * is known; when they belong to different persons, merges those persons into one (union).
   * Returns the person ID. Emails arrive normalised (trimmed, lower-cased).
   */
  link(storeId: number, visitor: string | null, keys: { email?: string | null; customer?: string | null }): Promise<string>;
  /** The person of a visitor, email or customer ID (null when unknown). */
  personOf(storeId: number, by: { visitor?: string; email?: string; customer?: string }): Promise<string | null>;
  /** Everything linked to a person. */
  keysOf(storeId: number, person: string): Promise<PersonKeys>;
}


/* ----------------------------------------------------------------------------------------- */
/* Analytics rollups                                                                           */
/* ----------------------------------------------------------------------------------------- */

/**
 * What a rollup row is about: the store total, one label, one channel, one product, one search
 * query, or (for a label's detail page) one (label, product) or (label, click position) pair, named
 * `label + "\u001f" + product|position` (PostgreSQL text cannot hold a NUL).
 */
export type RollupKind = 'total' | 'label' | 'channel' | 'product' | 'query' | 'label_product' | 'label_position';

export const ROLLUP_METRICS = [
  'impressions', 'products_shown', 'clicks', 'position_sum', 'position_n', 'visitors', 'clickers',
  'orders', 'units', 'revenue', 'attributed_orders', 'attributed_units', 'attributed_revenue', 'clicker_orders', 'zero_results',
] as const;
export type RollupMetric = (typeof ROLLUP_METRICS)[number];

/**
 * An increment to one rollup row (store, hour, kind, name, api). `unique` counts a visitor once
 * per day for that row and metric (the metric is incremented only when the visitor is new that
 * day). `onlyIfNewSale` applies the delta only when that sale of the same batch was new.
 */
export interface RollupDelta {
  storeId: number;
  /** Start of the UTC hour, unix seconds. */
  hour: number;
  kind: RollupKind;
  name: string;
  api: string;
  metrics: Partial<Record<RollupMetric, number>>;
  /**
   * Several rows at once: the same metrics for each of these names (`name` is then ignored, and
   * there is no `unique`). An impression's products come as one such delta, not one per product:
   * 20 results are one object to build, queue as JSON and parse, instead of 20.
   */
  names?: string[];
  unique?: { visitor: string; metric: 'visitors' | 'clickers' };
  /** Applies only if this sale (ID) was new in the batch; a batch carries one set of deltas per sale ID. */
  onlyIfNewSale?: string;
}

/** Summed rollup rows of a query, grouped by name (and bucket when asked). */
export interface RollupRow {
  name: string;
  /** Bucket start (unix s) when grouped by hour or day; 0 otherwise. */
  bucket: number;
  metrics: Record<RollupMetric, number>;
}

/** Kinds kept per hour as well as per day; the others (per product, query, label detail) per day only. */
export const HOURLY_KINDS: readonly RollupKind[] = ['total', 'label', 'channel'];

export interface RollupQuery {
  kind: RollupKind;
  /** Which rows: hourly (only HOURLY_KINDS have them) or daily. */
  grain: 'hour' | 'day';
  /** [from, to) unix seconds; rows whose hour (or day) start lies in it are summed. */
  from: number;
  to: number;
  names?: string[];
  api?: string;
  groupBy: 'name' | 'hour' | 'day' | 'name-day';
}

/** Analytics reads (rollups only: no dashboard query scans raw events). */
export interface AnalyticsStore {
  queryRollups(storeId: number, q: RollupQuery): Promise<RollupRow[]>;
  /**
   * Deletes a store's rollups, their per-day uniques and its queued increments, so they can be
   * rebuilt from raw events. With `from` (a UTC day start, the retention horizon) only the rows
   * of hours and days at or after it go, in one transaction that first applies the whole rollup
   * queue: the rows before it count raw records that are gone and are kept as they are.
   */
  clearRollups(storeId: number, from?: number): Promise<void>;
  /** Applies deltas in one transaction (rebuilds; tracked batches go through the queue). */
  applyRollups(deltas: RollupDelta[]): Promise<void>;
  /**
   * Takes up to `maxRows` of the oldest queued rows (any store, any process), adds their deltas
   * to the rollups and deletes them, in one transaction; resolves with how many it took (0: the
   * queue is empty). The commit is not flushed to disk (SQLite synchronous=NORMAL, PostgreSQL
   * synchronous_commit off): a transaction lost in a crash loses its deletes too, so its rows are
   * applied again, never twice. Concurrent callers take disjoint rows: by default a row another
   * process holds is skipped; with `wait` the call waits for that process to commit first, so a
   * reader that drains with `wait` until 0 sees every increment committed before it began.
   */
  applyQueuedRollups(maxRows: number, wait?: boolean): Promise<number>;
  /** Newest events of a store with seq > after (the live feed), newest first. */
  recentEvents(storeId: number, after: number, limit: number): Promise<StoredEvent[]>;
  /** Every impression of a store in time order, paged (rollup rebuilds and recounts). */
  scanImpressions(storeId: number, pageSize?: number): AsyncIterable<ImpressionRecord[]>;
  /** The store's retention horizon (unix s, a UTC day start): raw records before it may be gone. 0: none dropped. */
  retentionHorizon(storeId: number): Promise<number>;
  /**
   * Retention: deletes the store's events and impressions older than `horizon` (rounded down to
   * a UTC day start, so no day's rollups mix counted-and-dropped with recountable records).
   * First the rollup queue is applied (until a take finds it short of a full chunk), so what is
   * deleted is already counted in the rollup rows, which are kept; then the horizon is recorded
   * (it only moves forward: an earlier one leaves the stored horizon in place); then rows go in
   * transactions of at most `chunkRows`, so a large delete never holds the writer for long.
   * Sales, rollups and per-day uniques are kept.
   */
  dropRawBefore(storeId: number, horizon: number, chunkRows?: number): Promise<RetentionStats>;
  /**
   * Where events are partitioned by month (PostgreSQL): applies the rollup queue, raises every
   * store's horizon to `asked` (a UTC day start), then drops the monthly partitions that end by
   * it, all stores' events in them at once. Returns the partitions dropped and their events.
   */
  dropEventPartitions?(asked: number): Promise<{ partitions: string[]; events: number }>;
}

/** What one retention run of a store did. */
export interface RetentionStats {
  /** The horizon in force after the run (the stored one when the asked one was earlier). */
  horizon: number;
  events: number;
  impressions: number;
  /** The run was skipped: another process holds this store's retention run (PostgreSQL). */
  skipped?: boolean;
}

/** A connection error or a retry met by the adapter (counted in /metrics). */
export interface DbFault {
  kind: 'error' | 'retry';
  /** What was running: `commit`, `read`, `listen` … */
  op: string;
}

/** An adapter's view of its database connection (PostgreSQL; SQLite has none to lose). */
export interface DbHealth {
  /** null while the database answers; otherwise why not (unreachable, retrying). */
  degraded(): string | null;
  onFault(listener: (fault: DbFault) => void): void;
}

/** Which log a commit appended to: the tails that follow it (`keys`: stores and private keys). */
export type LogTopic = 'events' | 'catalog' | 'keys';

/** An open storage backend. */
export interface Storage {
  readonly dialect: 'sqlite' | 'postgres';
  readonly stores: StoreRegistry;
  readonly catalog: CatalogStore;
  readonly events: EventStore;
  readonly identity: IdentityStore;
  readonly analytics: AnalyticsStore;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** This database's identity (drawn when it was created; kept by a backup and restore). */
  databaseId(): Promise<string>;
  /** Connection health and faults (PostgreSQL). */
  readonly health?: DbHealth;
  /**
   * Calls listener soon after any instance commits to a log (PostgreSQL LISTEN/NOTIFY), and with
   * every topic after the notification connection is re-established (notifications may have
   * been missed meanwhile). The tails' polling stays the fallback.
   */
  onLogChange?(listener: (topic: LogTopic) => void): void;
  /** Makes the monthly event partitions of this month and the next ones where missing (PostgreSQL); returns the names made. */
  prepareEventPartitions?(now: number): Promise<string[]>;
  close(): Promise<void>;
}
