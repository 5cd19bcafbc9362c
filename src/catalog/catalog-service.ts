/**
 * Catalog operations for every store: validate, write through the storage port, then update the
 * in-memory state so the next request sees the change. Other instances' writes (and CLI imports)
 * arrive through the change log, tailed on a timer and woken at once by database notifications.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { invalidArgument, LogicalError } from '../errors.js';
import type { CatalogEntry, CatalogKind, Doc, DocKind, RuleKind, Storage } from '../storage/ports.js';
import type { MaybePromise } from '../maybe-async.js';
import { Poller } from '../poller.js';
import { CatalogState, isMemoryKind, MEMORY_KINDS, type MemoryKind } from './catalog-state.js';
import { mergeEntry, normalizeEntry, RecordError } from './normalize.js';
import { unlinkPlan } from './accessory-links.js';

/** Normalises a batch of raw records; errors name the argument, the index and the field. */
export function normalizeBatch(kind: CatalogKind, raws: unknown[], argName: string, strict = true): CatalogEntry[] {
  const seen = new Map<string, number>();
  return raws.map((raw, i) => {
    let entry: CatalogEntry;
    try {
      entry = normalizeEntry(kind, raw, { strict });
    } catch (err) {
      if (err instanceof RecordError) throw recordArgumentError(argName, i, err);
      throw err;
    }
    const first = seen.get(entry.key);
    if (first !== undefined) throw invalidArgument(argName, `duplicate id ${JSON.stringify(entry.key)} at ${argName}[${first}] and ${argName}[${i}]`);
    seen.set(entry.key, i);
    return entry;
  });
}

/** `Invalid Syntax In Argument: products (products[3].price: must be …)`. */
function recordArgumentError(argName: string, index: number, err: RecordError) {
  return invalidArgument(argName, `${argName}[${index}]${err.field ? `.${err.field}` : ''}: ${err.message}`);
}

/** Keys of a list of IDs, rejecting duplicates would be pointless here: they collapse. */
export function keysOf(ids: ReadonlyArray<string | number>): string[] {
  if (ids.length === 1) return [String(ids[0])];
  return [...new Set(ids.map(String))];
}

export class CatalogService {
  private readonly states = new Map<number, CatalogState>();
  private readonly loading = new Map<number, Promise<CatalogState>>();
  private lastSeq = 0;
  private readonly tail = new Poller(() => this.tailOnce(), (err) => this.log.error({ err }, 'catalog tail failed'));
  private readonly orderListeners: Array<(storeId: number, entries: CatalogEntry[]) => void> = [];

  constructor(
    private readonly storage: Storage,
    private readonly log: Logger,
  ) {}

  /** Loads every store's catalog (at start-up), remembering where the change log stood. */
  async loadAll(): Promise<void> {
    this.lastSeq = await this.storage.catalog.latestChangeSeq();
    for (const store of await this.storage.stores.listStores()) await this.state(store.id);
  }

  /**
   * The store's in-memory catalog, loaded from storage on first use. Synchronous once loaded (the
   * request path checks with `instanceof Promise` instead of paying a promise per call).
   */
  state(storeId: number): MaybePromise<CatalogState> {
    const ready = this.states.get(storeId);
    if (ready) return ready;
    let pending = this.loading.get(storeId);
    if (!pending) {
      pending = this.load(storeId).finally(() => this.loading.delete(storeId));
      this.loading.set(storeId, pending);
    }
    return pending;
  }

  private async load(storeId: number): Promise<CatalogState> {
    const started = Date.now();
    const state = new CatalogState();
    for (const kind of MEMORY_KINDS) {
      for await (const page of this.storage.catalog.scanDocs(storeId, kind)) {
        for (const entry of page) state.apply(kind, entry.key, entry.doc);
      }
    }
    this.states.set(storeId, state);
    this.log.info({ storeId, products: state.products.size, categories: state.categories.size, pages: state.pages.size, ms: Date.now() - started }, 'catalog loaded');
    return state;
  }

  /** Subscribes to orders pushed through the API that were not stored before (models count them as sales). */
  onNewOrders(listener: (storeId: number, entries: CatalogEntry[]) => void): void {
    this.orderListeners.push(listener);
  }

  /** Upserts whole records (POST /products, product/add). */
  async upsert(storeId: number, kind: CatalogKind, raws: unknown[], argName: string): Promise<number> {
    const entries = normalizeBatch(kind, raws, argName);
    const known = kind === 'orders' ? new Set((await this.storage.catalog.getDocs(storeId, kind, entries.map((e) => e.key))).map((e) => e.key)) : null;
    await this.storage.catalog.upsertDocs(storeId, kind, entries);
    await this.applyEntries(storeId, kind, entries);
    if (known) {
      const fresh = entries.filter((e) => !known.has(e.key));
      if (fresh.length > 0) for (const listener of this.orderListeners) listener(storeId, fresh);
    }
    return entries.length;
  }

  /** Merges partial records into existing ones (PATCH); every ID must exist. */
  async patch(storeId: number, kind: CatalogKind, raws: unknown[], argName: string): Promise<number> {
    const keys = raws.map((raw, i) => {
      const idValue = raw && typeof raw === 'object' ? (raw as Doc).id ?? (kind === 'customers' ? (raw as Doc).customerid : undefined) : undefined;
      if (typeof idValue !== 'string' && typeof idValue !== 'number') throw invalidArgument(argName, `${argName}[${i}].id: required`);
      return String(idValue);
    });
    const existing = new Map((await this.storage.catalog.getDocs(storeId, kind, keys)).map((e) => [e.key, e.doc]));
    const entries = raws.map((raw, i) => {
      const doc = existing.get(keys[i]);
      if (!doc) throw new LogicalError(`${argName}[${i}]: no ${kind.replace(/s$/, '')} with id ${JSON.stringify(keys[i])}`, 404);
      try {
        return mergeEntry(kind, doc, raw, { strict: true });
      } catch (err) {
        if (err instanceof RecordError) throw recordArgumentError(argName, i, err);
        throw err;
      }
    });
    if (new Set(keys).size !== keys.length) throw invalidArgument(argName, 'the same id appears twice');
    await this.storage.catalog.upsertDocs(storeId, kind, entries);
    await this.applyEntries(storeId, kind, entries);
    return entries.length;
  }

  /** Removes records by ID; returns how many existed. A removed product's accessory links go with it. */
  async remove(storeId: number, kind: CatalogKind, ids: ReadonlyArray<string | number>): Promise<number> {
    const keys = keysOf(ids);
    const removed = await this.storage.catalog.removeDocs(storeId, kind, keys);
    if (isMemoryKind(kind)) {
      const state = await this.state(storeId);
      for (const key of keys) state.apply(kind, key, null);
      if (kind === 'products') await this.unlinkAccessories(storeId, keys);
    }
    return removed;
  }

  /** Removes every accessory link in which these products take part (their own and others' naming them). */
  async unlinkAccessories(storeId: number, keys: readonly string[]): Promise<void> {
    const state = await this.state(storeId);
    const plan = unlinkPlan(state.accessories, state.accessoryIndex(), keys);
    await this.putDocs(storeId, 'accessories', plan.upserts, plan.removals);
  }

  /** Stored records by ID, in the order asked (missing ones skipped); synchronous for a loaded store's products, categories and pages. */
  get(storeId: number, kind: CatalogKind, ids: ReadonlyArray<string | number>): MaybePromise<Doc[]> {
    const keys = keysOf(ids);
    if (isMemoryKind(kind)) {
      const state = this.state(storeId);
      return state instanceof Promise ? state.then((s) => pick(s[kind], keys)) : pick(state[kind], keys);
    }
    return this.storage.catalog.getDocs(storeId, kind, keys).then((entries) => entries.map((e) => e.doc));
  }

  /**
   * Writes already-validated documents of a kind kept in memory beside the catalog (search rules
   * and settings, accessory links), removes `removals`, and applies both in memory.
   */
  async putDocs(storeId: number, kind: RuleKind | 'accessories', upserts: CatalogEntry[], removals: string[]): Promise<void> {
    if (upserts.length > 0) await this.storage.catalog.upsertDocs(storeId, kind, upserts);
    if (removals.length > 0) await this.storage.catalog.removeDocs(storeId, kind, removals);
    const state = await this.state(storeId);
    for (const e of upserts) state.apply(kind, e.key, e.doc);
    for (const key of removals) state.apply(kind, key, null);
  }

  /** Records whose email is one of these (customers, orders). */
  async findByEmail(storeId: number, kind: CatalogKind, emails: string[]): Promise<Doc[]> {
    return (await this.storage.catalog.findDocsByEmail(storeId, kind, emails)).map((e) => e.doc);
  }

  /** Records whose customer ID is one of these (orders). */
  async findByCustomer(storeId: number, kind: CatalogKind, customers: string[]): Promise<Doc[]> {
    return (await this.storage.catalog.findDocsByCustomer(storeId, kind, customers)).map((e) => e.doc);
  }

  private async applyEntries(storeId: number, kind: CatalogKind, entries: CatalogEntry[]): Promise<void> {
    if (!isMemoryKind(kind)) return;
    const state = await this.state(storeId);
    for (const entry of entries) state.apply(kind, entry.key, entry.doc);
  }

  /** Starts applying other writers' changes every intervalMs. */
  startTail(intervalMs: number): void {
    this.tail.start(intervalMs);
  }

  /** Reads the change log now (another instance committed: a database notification). */
  wakeTail(): void {
    this.tail.wake();
  }

  async stopTail(): Promise<void> {
    await this.tail.stop();
  }

  /**
   * Re-reads keys from storage into memory. A local write that lands while the read is in flight
   * may be newer than what was read, so the read is retried (a few times) when the state moved.
   */
  private async refresh(storeId: number, kind: MemoryKind, keys: string[]): Promise<void> {
    const state = await this.state(storeId);
    for (let attempt = 0; ; attempt++) {
      const version = state.version;
      const found = new Map((await this.storage.catalog.getDocs(storeId, kind, keys)).map((e) => [e.key, e.doc]));
      if (state.version !== version && attempt < 3) continue;
      // This instance's own writes come back through the log too (at once, with notifications):
      // a document memory already holds is not applied again, so the search index is not churned
      // (deep equality ignores key order: jsonb does not keep the order written).
      for (const key of keys) {
        const doc = found.get(key) ?? null;
        const held = state[kind].get(key) ?? null;
        if (!isDeepStrictEqual(held, doc)) state.apply(kind, key, doc);
      }
      return;
    }
  }

  /** Applies change-log rows written since the last call; returns how many it applied. */
  async tailOnce(): Promise<number> {
    let applied = 0;
    for (;;) {
      const changes = await this.storage.catalog.changesSince(this.lastSeq, 1000);
      if (changes.length === 0) return applied;
      const groups = new Map<string, { storeId: number; kind: DocKind; keys: Set<string> }>();
      for (const c of changes) {
        if (!isMemoryKind(c.kind) || (!this.states.has(c.storeId) && !this.loading.has(c.storeId))) continue;
        const id = `${c.storeId}/${c.kind}`;
        let g = groups.get(id);
        if (!g) groups.set(id, (g = { storeId: c.storeId, kind: c.kind, keys: new Set() }));
        g.keys.add(c.key);
      }
      for (const g of groups.values()) await this.refresh(g.storeId, g.kind as MemoryKind, [...g.keys]);
      applied += changes.length;
      this.lastSeq = changes[changes.length - 1].seq;
    }
  }
}

/** The docs of these keys that the map holds, in the order asked. */
function pick(map: ReadonlyMap<string, Doc>, keys: string[]): Doc[] {
  const docs: Doc[] = [];
  for (const k of keys) {
    const doc = map.get(k);
    if (doc !== undefined) docs.push(doc);
  }
  return docs;
}
