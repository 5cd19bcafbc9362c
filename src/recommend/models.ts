/**
 * The per-store models behind the result endpoints, held in memory, rebuilt from storage at
 * start-up and updated after every commit (so the next request sees each event). Each model is a
 * component with the hooks it needs; runtime.ts registers the components, and endpoints fetch
 * theirs by name, so a new model never touches this file.
 */
import type { Logger } from 'pino';
import type { CatalogEntry, Doc, PersonKeys, SaleRecord, Storage, StoredEvent } from '../storage/ports.js';
import type { CommittedBatch } from '../tracking/ingest.js';
import { Poller } from '../poller.js';
import { Popularity } from './popularity.js';
import { SnapshotStateError } from './snapshot-state.js';

/** A purchase as models see it: logged sales and catalog orders alike. */
export interface OrderSignal {
  /** Product keys of the order's lines (repeats possible). */
  products: string[];
  time: number;
  visitor: string | null;
  email: string | null;
  customer: string | null;
  /** The sale / order key. */
  order: string;
}

/** One model of one store. Every hook is optional; all run synchronously after a commit. */
export interface ModelComponent {
  /** A committed event (view, click, cart, email, returned …). */
  applyEvent?(e: StoredEvent): void;
  /** A new order (logged sale or catalog order). */
  applyOrder?(o: OrderSignal): void;
  /** A committed impression (what was shown). */
  applyImpression?(requestId: string, visitor: string, results: string[], time: number): void;
  /** privacy/forget: drop everything held about these visitors, emails and customers. */
  forget?(keys: PersonKeys): void;
  /** The visitors, emails and customer IDs this component holds data of (required with forget). */
  people?(): PersonKeys;
  /**
   * The learned state, for a snapshot (`relevo snapshot`, a graceful stop with RELEVO_SNAPSHOT):
   * its own Maps, arrays and typed arrays, not copies, serialized at once with v8.serialize.
   */
  snapshot(): unknown;
  /** Takes back (in a fresh component) what snapshot() returned; throws on a state of the wrong shape. */
  restore(state: unknown): void;
}

export type ComponentFactory = (storeId: number) => ModelComponent;

/** A reader's position in a log: everything up to `seq` applied, and the own entries above it. */
export interface CursorState {
  seq: number;
  own: number[];
}

/**
 * Everything the models learned, as Models.snapshot() gives it and Models.restore() takes it back:
 * each store's component states, how far each log was read, and the catalog orders counted.
 */
export interface ModelsSnapshot {
  components: string[];
  cursors: { events: CursorState; sales: CursorState; forgets: CursorState };
  /** Storage.databaseId() of the database the snapshot was taken of. */
  databaseId: string;
  /** Catalog orders counted, per store: the catalog is no log, so new ones are told by key. */
  orders: Array<[number, string[]]>;
  stores: Array<[number, Record<string, unknown>]>;
}

/** What Models.restore() caught up on after taking the state back. */
export interface RestoreReport {
  events: number;
  sales: number;
  forgotten: number;
  orders: number;
}

const TAIL_PAGE = 5000;
/** Keys per stillKnown lookup when another instance's forget is applied. */
const PURGE_CHUNK = 1000;
const PERSON_KINDS = ['visitors', 'emails', 'customers'] as const;

export class StoreModels {
  private readonly components = new Map<string, ModelComponent>();

  constructor(
    readonly storeId: number,
    factories: ReadonlyMap<string, ComponentFactory>,
  ) {
    for (const [name, make] of factories) this.components.set(name, make(storeId));
  }

  /** Store-wide popularity (always present). */
  get popularity(): Popularity {
    return this.get<Popularity>('popularity');
  }

  /** The component registered under `name`. */
  get<T extends ModelComponent>(name: string): T {
    const c = this.components.get(name);
    if (!c) throw new Error(`no model component "${name}" registered`);
    return c as T;
  }

  /** Runs a hook on every component. */
  each(fn: (c: ModelComponent) => void): void {
    for (const c of this.components.values()) fn(c);
  }
}

export class Models {
  private readonly stores = new Map<number, StoreModels>();
  private readonly factories = new Map<string, ComponentFactory>([['popularity', () => new Popularity()]]);
  /** How far the models have read the event log and the sale log (rebuild, then the tail). */
  private readonly eventLog = new LogCursor();
  private readonly saleLog = new LogCursor();
  private readonly forgetLog = new LogCursor();
  private readonly foreignForgetListeners: Array<(storeId: number) => void> = [];
  /** Catalog orders already counted, per store (for snapshots: restore counts only newer ones). */
  private readonly catalogOrders = new Map<number, Set<string>>();
  private tail: Poller | null = null;

  constructor(private readonly log: Logger) {}

  /** Registers a component for every store (before rebuild). */
  register(name: string, factory: ComponentFactory): void {
    if (this.stores.size > 0) throw new Error('register model components before the first store is built');
    this.factories.set(name, factory);
  }

  /** The models of a store (empty until events arrive). */
  of(storeId: number): StoreModels {
    let m = this.stores.get(storeId);
    if (!m) this.stores.set(storeId, (m = new StoreModels(storeId, this.factories)));
    return m;
  }

  /** Rebuilds every store's models from storage: events, impressions are not replayed; sales and catalog orders are. */
  async rebuild(storage: Storage): Promise<void> {
    const started = Date.now();
    // Storage already reflects every forget logged so far: only later ones concern the models.
    this.forgetLog.advance(await storage.events.latestForgetSeq());
    const read = await this.catchUp(storage);
    this.log.info({ events: read.events, orders: read.sales + read.orders, ms: Date.now() - started }, 'models rebuilt');
  }

  /**
   * Reads the event and sale logs past their cursors, the forgets logged since (other processes'),
   * and the catalog orders not counted yet: from nothing, a rebuild; after restore, the tail.
   */
  private async catchUp(storage: Storage): Promise<RestoreReport> {
    let events = 0;
    await readLog(this.eventLog, (after) => storage.events.eventsSince(after, TAIL_PAGE), (e) => e.seq, (e) => {
      this.applyEvent(e);
      if (++events % 100_000 === 0) this.log.info({ events }, 'models: reading the event log');
    });
    const sales = await readLog(this.saleLog, (after) => storage.events.salesSince(after, TAIL_PAGE), (s) => s.seq, (s) => this.applySale(s.sale));
    const forgotten = await this.followForgets(storage, async () => undefined);
    let orders = 0;
    for (const store of await storage.stores.listStores()) {
      const counted = this.catalogOrders.get(store.id);
      for await (const page of storage.catalog.scanDocs(store.id, 'orders')) {
        const fresh = counted ? page.filter((entry) => !counted.has(entry.key)) : page;
        this.applyCatalogOrders(store.id, fresh);
        orders += fresh.length;
      }
    }
    return { events, sales, forgotten, orders };
  }

  /**
   * The state of every store's models and of the log cursors, for a snapshot file. The states are
   * the components' own structures, not copies: `serialize` runs on them at once, before any
   * other event can apply.
   */
  async snapshot<T>(storage: Storage, serialize: (snap: ModelsSnapshot) => T): Promise<T> {
    const databaseId = await storage.databaseId();
    const stores: ModelsSnapshot['stores'] = [];
    for (const [id, store] of this.stores) {
      const states: Record<string, unknown> = {};
      for (const name of this.factories.keys()) states[name] = store.get(name).snapshot();
      stores.push([id, states]);
    }
    return serialize({
      components: [...this.factories.keys()],
      cursors: { events: this.eventLog.state(), sales: this.saleLog.state(), forgets: this.forgetLog.state() },
      databaseId,
      orders: [...this.catalogOrders].map(([id, keys]) => [id, [...keys]]),
      stores,
    });
  }

  /**
   * Instead of rebuild(): takes back a snapshot's state, then reads what the logs gained since
   * (events, sales, forgets of other processes) and the catalog orders not counted yet. Throws a
   * SnapshotStateError, before changing anything, when the snapshot does not fit these components
   * or this database; the caller then rebuilds.
   */
  async restore(storage: Storage, snap: ModelsSnapshot): Promise<RestoreReport> {
    if (this.stores.size > 0) throw new Error('restore a snapshot before the first store is built');
    const names = [...this.factories.keys()].sort();
    if (!Array.isArray(snap.components) || JSON.stringify([...snap.components].sort()) !== JSON.stringify(names)) {
      throw new SnapshotStateError(`snapshot of components [${String(snap.components)}], these are [${names.join(', ')}]`);
    }
    if (snap.databaseId !== (await storage.databaseId())) throw new SnapshotStateError('snapshot of another database');
    const [events, sales, forgets] = [snap.cursors?.events, snap.cursors?.sales, snap.cursors?.forgets].map(checkCursor);
    if (!Array.isArray(snap.stores) || !Array.isArray(snap.orders)) throw new SnapshotStateError('snapshot without its stores or orders');
    // Sales and forgets are never deleted (a forget deletes events, so their latest seq can fall).
    if (sales.seq > (await storage.events.latestSaleSeq()) || forgets.seq > (await storage.events.latestForgetSeq())) {
      throw new SnapshotStateError('snapshot ahead of the database (restored from an older backup?)');
    }
    try {
      for (const [id, states] of snap.stores) {
        const store = this.of(id);
        for (const name of names) {
          if (!(name in states)) throw new SnapshotStateError(`snapshot without the ${name} model of store ${id}`);
          store.get(name).restore(states[name]);
        }
      }
    } catch (err) {
      this.stores.clear(); // a half-restored model must not serve: the caller rebuilds
      // Any failure here is the snapshot's (a state that slipped past the shape checks), not the database's.
      throw err instanceof SnapshotStateError ? err : new SnapshotStateError(`snapshot state not restorable: ${(err as Error).message}`);
    }
    this.eventLog.load(events);
    this.saleLog.load(sales);
    this.forgetLog.load(forgets);
    for (const [id, keys] of snap.orders) this.catalogOrders.set(id, new Set(keys));
    return this.catchUp(storage);
  }

  /** Commit listener: applies a committed batch. */
  readonly onCommit = (batch: CommittedBatch): void => {
    const tailing = this.tail?.started ?? false;
    for (const e of batch.events) {
      this.applyEvent(e);
      if (tailing) this.eventLog.markOwn(e.seq);
    }
    batch.sales.forEach((s, i) => {
      this.applySale(s);
      if (tailing) this.saleLog.markOwn(batch.saleSeqs[i]);
    });
    for (const i of batch.impressions) this.of(i.storeId).each((c) => c.applyImpression?.(i.requestId, i.visitor, i.results, i.time));
  };

  /**
   * Follows the event log and the sale log for what other instances committed (SPEC §6: a click
   * shows in the visitor's next answer in every instance within a second; a sale in popular,
   * most_sold_with …). Both adapters commit seqs in order, so `seq > cursor` misses nothing. This
   * instance's own events and sales arrive through onCommit first; the tail skips those.
   * `currentCommit` resolves once a commit in flight has been published, so an own entry the
   * tail read early is known as own before the tail decides. Not followed: impressions (catalog
   * orders are followed through the catalog tail).
   */
  startTail(storage: Storage, intervalMs: number, currentCommit: () => Promise<void>): void {
    this.tail ??= new Poller(() => this.tailOnce(storage, currentCommit), (err) => this.log.error({ err }, 'following the event log failed'));
    this.tail.start(intervalMs);
  }

  /** Follows the logs now (another instance committed: a database notification). */
  wakeTail(): void {
    this.tail?.wake();
  }

  async stopTail(): Promise<void> {
    await this.tail?.stop();
  }

  /** Applies other instances' events and sales committed since the last look; returns how many. */
  async tailOnce(storage: Storage, currentCommit: () => Promise<void>): Promise<number> {
    const events = await follow(this.eventLog, () => storage.events.latestEventSeq(), (after) => storage.events.eventsSince(after, TAIL_PAGE), (e) => e.seq, (e) => this.applyEvent(e), currentCommit);
    const sales = await follow(this.saleLog, () => storage.events.latestSaleSeq(), (after) => storage.events.salesSince(after, TAIL_PAGE), (s) => s.seq, (s) => this.applySale(s.sale), currentCommit);
    return events + sales + (await this.followForgets(storage, currentCommit));
  }

  /** Applies the forgets logged since the cursor (other processes'); returns how many keys were forgotten. */
  private async followForgets(storage: Storage, currentCommit: () => Promise<void>): Promise<number> {
    const forgotten = new Set<number>();
    await follow(this.forgetLog, () => storage.events.latestForgetSeq(), (after) => storage.events.forgetsSince(after, TAIL_PAGE), (f) => f.seq, (f) => forgotten.add(f.storeId), currentCommit);
    let purged = 0;
    for (const storeId of forgotten) {
      for (const listener of this.foreignForgetListeners) listener(storeId);
      purged += await this.purgeForgotten(storage, storeId);
    }
    return purged;
  }

  /**
   * Another instance ran privacy/forget in this store: the log says where, not whom. Every
   * visitor, email and customer ID the models hold is looked up, in chunks with a turn of the
   * event loop between them, and those storage no longer knows are forgotten here too. Returns
   * how many keys were forgotten.
   */
  private async purgeForgotten(storage: Storage, storeId: number): Promise<number> {
    const held = { visitors: new Set<string>(), emails: new Set<string>(), customers: new Set<string>() };
    this.of(storeId).each((c) => {
      const p = c.people?.();
      if (!p) return;
      for (const kind of PERSON_KINDS) for (const k of p[kind]) held[kind].add(k);
    });
    const gone: PersonKeys = { visitors: [], emails: [], customers: [] };
    for (const kind of PERSON_KINDS) {
      const all = [...held[kind]];
      for (let i = 0; i < all.length; i += PURGE_CHUNK) {
        const part = all.slice(i, i + PURGE_CHUNK);
        const known = new Set((await storage.events.stillKnown(storeId, { visitors: [], emails: [], customers: [], [kind]: part }))[kind]);
        for (const k of part) if (!known.has(k)) gone[kind].push(k);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const n = gone.visitors.length + gone.emails.length + gone.customers.length;
    if (n > 0) this.onForget(storeId, gone);
    return n;
  }

  /** Called with the store of every forget another instance logged (whom it forgot is not in the log). */
  onForeignForget(listener: (storeId: number) => void): void {
    this.foreignForgetListeners.push(listener);
  }

  /** Catalog write listener: orders pushed with /orders or a feed count as sales too. */
  applyCatalogOrders(storeId: number, entries: CatalogEntry[]): void {
    let counted = this.catalogOrders.get(storeId);
    if (!counted) this.catalogOrders.set(storeId, (counted = new Set()));
    for (const entry of entries) {
      counted.add(entry.key);
      const doc = entry.doc as Doc;
      if (!Array.isArray(doc.products)) continue;
      const signal: OrderSignal = {
        products: doc.products.map((l) => String((l as Doc).id)),
        time: entry.time ?? (typeof doc.time === 'number' ? doc.time : 0),
        visitor: null,
        email: entry.email ?? null,
        customer: entry.customer ?? null,
        order: entry.key,
      };
      this.of(storeId).each((c) => c.applyOrder?.(signal));
    }
  }

  /** privacy/forget listener; logSeq (this instance's own forget) is then skipped by the tail. */
  readonly onForget = (storeId: number, keys: PersonKeys, logSeq?: number): void => {
    this.of(storeId).each((c) => c.forget?.(keys));
    if (logSeq !== undefined && this.tail?.started) this.forgetLog.markOwn(logSeq);
  };

  private applyEvent(e: StoredEvent): void {
    this.of(e.storeId).each((c) => c.applyEvent?.(e));
  }

  private applySale(s: SaleRecord): void {
    const signal: OrderSignal = { products: s.lines.map((l) => l.product), time: s.time, visitor: s.visitor, email: s.email, customer: s.customer, order: s.sale };
    this.of(s.storeId).each((c) => c.applyOrder?.(signal));
  }
}

/**
 * A reader's position in a commit-ordered log (events, sales or forgets), with the seqs above it
 * that this instance's own commits already applied.
 */
class LogCursor {
  /** Every entry up to here has been applied. */
  seq = 0;
  private readonly own = new Set<number>();

  /** An own entry, applied through onCommit: the tail skips it. */
  markOwn(seq: number): void {
    if (seq > this.seq) this.own.add(seq);
  }

  /** Whether an entry read from the log is an own one (forgotten once passed). */
  isOwn(seq: number): boolean {
    return this.own.delete(seq);
  }

  state(): CursorState {
    return { seq: this.seq, own: [...this.own] };
  }

  load(s: CursorState): void {
    this.seq = s.seq;
    this.own.clear();
    for (const seq of s.own) this.own.add(seq);
  }

  advance(to: number): void {
    this.seq = Math.max(this.seq, to);
    for (const seq of this.own) if (seq <= this.seq) this.own.delete(seq);
  }

  /** Whether every seq in (seq, latest] is an own one (seqs without gaps): then nothing needs reading. */
  allOwn(latest: number): boolean {
    if (latest - this.seq > this.own.size) return false;
    for (let seq = this.seq + 1; seq <= latest; seq++) if (!this.own.has(seq)) return false;
    return true;
  }
}

/** A snapshot's cursor, checked before anything is restored from it. */
function checkCursor(s: CursorState | undefined): CursorState {
  if (typeof s?.seq !== 'number' || !Array.isArray(s.own)) throw new SnapshotStateError('snapshot with a malformed log cursor');
  return s;
}

/** Reads a log from the cursor on, applying what is not own; returns how many were applied. */
async function follow<T>(
  cursor: LogCursor,
  latestSeq: () => Promise<number>,
  since: (after: number) => Promise<T[]>,
  seqOf: (entry: T) => number,
  apply: (entry: T) => void,
  currentCommit: () => Promise<void>,
): Promise<number> {
  // Alone on the database, every new seq is this instance's own: then nothing needs reading.
  const latest = await latestSeq();
  await currentCommit();
  if (cursor.allOwn(latest)) {
    cursor.advance(latest);
    return 0;
  }
  return readLog(cursor, since, seqOf, apply, currentCommit);
}

/**
 * Reads a log from the cursor to its end, page by page, applying every entry that is not an own
 * one and advancing the cursor; returns how many were applied. `beforeApply` runs before each
 * page is applied (the tail waits there for a commit in flight).
 */
async function readLog<T>(
  cursor: LogCursor,
  since: (after: number) => Promise<T[]>,
  seqOf: (entry: T) => number,
  apply: (entry: T) => void,
  beforeApply: () => Promise<void> = async () => undefined,
): Promise<number> {
  let applied = 0;
  for (;;) {
    const page = await since(cursor.seq);
    if (page.length === 0) return applied;
    await beforeApply();
    for (const entry of page) {
      if (cursor.isOwn(seqOf(entry))) continue;
      apply(entry);
      applied++;
    }
    cursor.advance(seqOf(page[page.length - 1]));
    if (page.length < TAIL_PAGE) return applied;
  }
}
