/**
 * The ingest pipeline. Every tracked call passes named gate steps that either let it through or
 * drop it with a typed reason (answered ok, counted in /metrics, never stored); then the event is
 * queued in the write buffer and the caller waits for the group commit that holds it. After each
 * commit, listeners (models, rollups) see the committed batch, so the next request reflects it.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { pooledRandomBytes } from '../random.js';
import type { RequestInfo } from '../api/route.js';
import { eventDeltas, impressionDeltas, saleDeltas } from '../analytics/deltas.js';
import type { Metrics } from '../metrics.js';
import type { EventBatch, ImpressionJoin, ImpressionRecord, SaleRecord, Storage, StoredEvent, StoreRecord, TrackedEvent } from '../storage/ports.js';
import { isBotUserAgent } from './bots.js';
import { autoVisitorId, visitorSpec } from './visitor.js';
import { joinedClick, settleJoin, type PendingJoin } from './click-join.js';
import { ImpressionIndex, type MemoryJoin } from './impression-index.js';
import { RollupApplier } from './rollup-applier.js';
import { compactDeltas } from '../storage/rollups-shared.js';
import { overloaded, WriteBuffer } from './write-buffer.js';

/**
 * Committed impressions the click join keeps in memory for at most an hour (their count is
 * RELEVO_RECENT_IMPRESSIONS): a click usually follows its impression within minutes; older ones
 * are probed in storage.
 */
const RECENT_IMPRESSION_SECONDS = 3600;

export type DropReason = 'bot' | 'tracking_disabled' | 'no_visitor' | 'overloaded';

/** Who is calling: the store, the HTTP request and whether a private key came with it. */
export interface TrackContext {
  store: StoreRecord;
  request: RequestInfo;
  privileged: boolean;
}

type Item = { kind: 'event'; event: TrackedEvent; join?: PendingJoin } | { kind: 'sale'; sale: SaleRecord } | { kind: 'impression'; impression: ImpressionRecord };
type ItemResult = { seq?: number; newSale?: boolean };

/** What one commit added, handed to every listener after the transaction succeeded. */
export interface CommittedBatch {
  events: StoredEvent[];
  /** Sales that were new (repeats of a stored sale are left out). */
  sales: SaleRecord[];
  /** Parallel to sales: each one's seq in the sale log (EventStore.salesSince). */
  saleSeqs: number[];
  impressions: ImpressionRecord[];
}

export type CommitListener = (batch: CommittedBatch) => void;

interface Gate {
  reason: DropReason;
  /** True when the call must be dropped. */
  drops(ctx: TrackContext, visitor: string | null, needsVisitor: boolean): Promise<boolean> | boolean;
}

export class Ingest {
  private readonly buffer: WriteBuffer<Item, ItemResult>;
  private readonly listeners: CommitListener[] = [];
  private readonly settings = new Map<string, { value: unknown; until: number }>();
  /** Impressions queued and recently committed, for click joins from memory. */
  private readonly impressions: ImpressionIndex;
  private readonly impressionLimit: number;
  /** Applies the rollup increments each commit queues. */
  private readonly rollups: RollupApplier;
  /** The gate steps, in order. */
  readonly gates: Gate[] = [
    { reason: 'bot', drops: (ctx) => isBotUserAgent(ctx.request.userAgent) },
    { reason: 'tracking_disabled', drops: async (ctx) => (await this.setting(ctx.store.id, 'tracking_disabled')) === true },
    { reason: 'no_visitor', drops: (_ctx, visitor, needsVisitor) => needsVisitor && visitor === null },
  ];

  constructor(
    private readonly storage: Storage,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly now: () => number,
    options: { maxItems: number; maxWaitMs: number; rollupFlushMs?: number; maxPending?: number; recentImpressions: number },
  ) {
    // SQLite has one writer (this process), so memory may settle joins storage alone could answer.
    this.impressionLimit = options.recentImpressions;
    this.impressions = new ImpressionIndex({
      maxCommitted: this.impressionLimit, maxAgeSeconds: RECENT_IMPRESSION_SECONDS, authoritative: storage.dialect === 'sqlite',
    }, now);
    this.rollups = new RollupApplier(storage.analytics, log, options.rollupFlushMs ?? 1000);
    this.buffer = new WriteBuffer<Item, ItemResult>({
      maxItems: options.maxItems,
      maxWaitMs: options.maxWaitMs,
      maxPending: options.maxPending,
      write: (items) => this.write(items),
      afterCommit: (items, results) => this.publish(items, results),
    });
    this.buffer.onBatch = (size, ms) => {
      this.metrics.batchSize.observe(size);
      this.metrics.commitSeconds.observe(ms / 1000);
    };
  }

  /** Subscribes to committed batches (called synchronously after each commit, in order). */
  onCommit(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  /** The recorded visitor ID of a call: its own, the derived `auto` one, or null. */
  async visitorOf(ctx: TrackContext, value: string | null | undefined): Promise<string | null> {
    const spec = visitorSpec(value);
    if (spec.kind === 'none') return null;
    if (spec.kind === 'id') return spec.id;
    return autoVisitorId(await this.visitorSecret(ctx.store.id), ctx.request.ip, ctx.request.userAgent, this.now());
  }

  /** Runs the gate steps; returns the reason to drop, counted, or null to record. */
  async gate(ctx: TrackContext, visitor: string | null, needsVisitor = true): Promise<DropReason | null> {
    for (const gate of this.gates) {
      if (await gate.drops(ctx, visitor, needsVisitor)) {
        this.metrics.eventsDropped.inc({ reason: gate.reason });
        return gate.reason;
      }
    }
    return null;
  }

  /**
   * Throws OverloadedError (counted) when the write buffer holds RELEVO_MAX_PENDING_EVENTS
   * uncommitted items: every log/* call asks first, so a refused call writes nothing at all.
   */
  admit(n = 1): void {
    if (this.buffer.hasRoom(n)) return;
    this.metrics.writesRefused.inc();
    throw overloaded();
  }

  /** Items in the write buffer not yet committed (queued or being written). */
  get uncommitted(): number {
    return this.buffer.uncommitted;
  }

  /** Commits events (and waits for it); returns their seqs. */
  async commitEvents(events: TrackedEvent[]): Promise<number[]> {
    this.admit(events.length);
    const results = await Promise.all(events.map((event) => this.buffer.add({ kind: 'event', event })));
    return results.map((r) => r.seq!);
  }

  /** Commits a click whose impression join the group commit resolves (see click-join.ts); returns its seq. */
  async commitClick(event: TrackedEvent, join: PendingJoin): Promise<number> {
    return (await this.buffer.add({ kind: 'event', event, join })).seq!;
  }

  /** Commits a sale; resolves true when it was new, false for a repeat of a stored sale. */
  async commitSale(sale: SaleRecord): Promise<boolean> {
    return (await this.buffer.add({ kind: 'sale', sale })).newSale === true;
  }

  /**
   * Queues an impression for the next group commit without waiting for it: a result answer does
   * not hold for an fsync. Until its commit, the impression is found through `pendingImpression`
   * and `latestPendingShowing`, so a click that follows at once still joins it; readers of stored
   * impressions (analytics, privacy) call `settle()` first. A failed commit is logged and counted.
   * The price: a crash loses the impressions of that last moment (never an acknowledged event).
   */
  queueImpression(impression: ImpressionRecord): void {
    // A full buffer: the result is answered, its impression dropped (a click on it joins nothing).
    if (!this.buffer.hasRoom(1)) return this.metrics.eventsDropped.inc({ reason: 'overloaded' });
    this.impressions.add(impression);
    this.buffer.add({ kind: 'impression', impression }).then(
      () => this.impressions.committed(impression),
      (err: unknown) => {
        this.impressions.failed(impression);
        this.metrics.eventsDropped.inc({ reason: 'commit_failed' });
        this.log.error({ err, requestId: impression.requestId }, 'impression commit failed');
      },
    );
  }

  /** A queued or recently committed impression by request ID. */
  recentImpression(storeId: number, requestId: string): ImpressionRecord | null {
    return this.impressions.byRequest(storeId, requestId);
  }

  /** A click's join, settled from memory where memory alone gives storage's answer (impression-index.ts). */
  joinFromMemory(storeId: number, query: ImpressionJoin): MemoryJoin {
    return this.impressions.resolve(storeId, query);
  }

  /**
   * Start-up: the last hour's stored impressions of these stores go into the join index (before
   * any request), so clicks right after a restart still join from memory.
   */
  async loadRecentImpressions(storeIds: number[]): Promise<void> {
    const since = this.now() - RECENT_IMPRESSION_SECONDS;
    const limit = this.impressionLimit;
    for (const storeId of storeIds) this.impressions.load(await this.storage.events.impressionsSince(storeId, since, limit), since, limit);
  }

  /** privacy/forget listeners: this instance's own (the visitors are known), or another's (the store's memory goes). */
  forgetImpressions(storeId: number, visitors: string[] | null): void {
    if (visitors) this.impressions.forget(storeId, visitors);
    else this.impressions.forgetStore(storeId);
  }

  /** Resolves when the commit running now (if any) has been published to the commit listeners. */
  currentCommit(): Promise<void> {
    return this.buffer.currentWrite();
  }

  /** Resolves once everything queued so far is committed and counted (read-your-writes for readers of storage). */
  async settle(): Promise<void> {
    await this.buffer.drain();
    await this.rollups.flush(true);
  }

  /** Applies rollup increments a crash left queued (start-up). */
  recover(): Promise<void> {
    return this.rollups.flush();
  }

  /** Writes what is queued and stops accepting (graceful shutdown). */
  async close(): Promise<void> {
    await this.buffer.close();
    await this.rollups.flush();
    this.rollups.stop();
  }

  /** A fresh request ID for a result response. */
  static requestId(): string {
    return pooledRandomBytes(12).toString('base64url').replace(/[-_]/g, 'x');
  }

  /**
   * Once per group commit, before its joins: has another process committed impressions (SQLite)?
   * Then memory stops settling joins on its own, including those of this batch.
   */
  private checkSingleWriter(): void {
    if (!this.impressions.authoritative || !this.storage.events.othersWroteImpressions?.()) return;
    this.impressions.othersWrite();
    this.log.warn('another process writes impressions to this SQLite database: click joins without a request_id now read storage (SQLite is meant for one process)');
  }

  /** Resolves the batch's pending click joins, one storage call per store, and writes them into the events. */
  private async resolveJoins(items: Item[]): Promise<void> {
    const byStore = new Map<number, Array<Item & { kind: 'event' }>>();
    for (const item of items) {
      if (item.kind !== 'event' || !item.join) continue;
      const list = byStore.get(item.event.storeId);
      if (list) list.push(item);
      else byStore.set(item.event.storeId, [item]);
    }
    if (byStore.size === 0) return;
    this.checkSingleWriter();
    for (const [storeId, all] of byStore) {
      // Joins memory settled stay settled while this process is still the only writer.
      const list: typeof all = [];
      for (const item of all) {
        if (item.join!.memory !== undefined && this.impressions.authoritative) {
          item.event = joinedClick(item.event, item.join!.given, item.join!.memory);
          item.join = undefined;
        } else {
          list.push(item);
        }
      }
      if (list.length === 0) continue;
      const mark = this.impressions.probeMark();
      const found = await this.storage.events.joinImpressions(storeId, list.map((item) => item.join!.query));
      list.forEach((item, i) => {
        if (found[i] === null) this.impressions.missed(storeId, item.join!.query, mark);
        item.event = joinedClick(item.event, item.join!.given, settleJoin(item.join!, found[i]));
        item.join = undefined; // a retried batch must not join again
      });
    }
  }

  private async write(items: Item[]): Promise<ItemResult[]> {
    await this.resolveJoins(items);
    const batch: EventBatch = { events: [], impressions: [], sales: [], rollups: [] };
    // Copies of one sale in a batch (a shop retrying at once) share the sale's `onlyIfNewSale`:
    // only the first copy may bring deltas, or a new sale would be counted once per copy.
    const salesCounted = new Set<string>();
    for (const item of items) {
      if (item.kind === 'event') {
        batch.events.push(item.event);
        batch.rollups!.push(...eventDeltas(item.event));
      } else if (item.kind === 'sale') {
        batch.sales.push(item.sale);
        const key = `${item.sale.storeId}/${item.sale.sale}`;
        if (!salesCounted.has(key)) batch.rollups!.push(...saleDeltas(item.sale));
        salesCounted.add(key);
      } else {
        batch.impressions.push(item.impression);
        batch.rollups!.push(...impressionDeltas(item.impression));
      }
    }
    // Summed per row before they are queued: one delta per label, store total… per batch.
    batch.rollups = compactDeltas(batch.rollups!);
    const result = await this.storage.events.commitBatch(batch);
    if (batch.rollups!.length > 0) this.rollups.queued();
    let e = 0;
    let s = 0;
    return items.map((item) => {
      if (item.kind === 'event') return { seq: result.eventSeqs[e++] };
      if (item.kind === 'sale') {
        const seq = result.saleSeqs[s];
        return { newSale: result.newSales[s++], seq: seq ?? undefined };
      }
      return {};
    });
  }

  private publish(items: Item[], results: ItemResult[]): void {
    const committed: CommittedBatch = { events: [], sales: [], saleSeqs: [], impressions: [] };
    items.forEach((item, i) => {
      if (item.kind === 'event') {
        committed.events.push({ ...item.event, seq: results[i].seq! });
        this.metrics.eventsAccepted.inc({ type: item.event.type });
      } else if (item.kind === 'sale') {
        if (results[i].newSale) {
          committed.sales.push(item.sale);
          committed.saleSeqs.push(results[i].seq!);
        }
        this.metrics.eventsAccepted.inc({ type: results[i].newSale ? 'sale' : 'sale_repeat' });
      } else {
        committed.impressions.push(item.impression);
        this.metrics.eventsAccepted.inc({ type: 'impression' });
      }
    });
    for (const listener of this.listeners) {
      try {
        listener(committed);
      } catch (err) {
        this.log.error({ err }, 'commit listener failed');
      }
    }
  }

  private async setting(storeId: number, name: string): Promise<unknown> {
    const k = `${storeId}/${name}`;
    const hit = this.settings.get(k);
    if (hit && hit.until > Date.now()) return hit.value;
    const value = await this.storage.stores.getSetting(storeId, name);
    this.settings.set(k, { value, until: Date.now() + 5000 });
    return value;
  }

  /** The store's secret for cookieless visitor IDs, created on first use. */
  private async visitorSecret(storeId: number): Promise<string> {
    const existing = await this.setting(storeId, 'visitor_secret');
    if (typeof existing === 'string') return existing;
    await this.storage.stores.setSetting(storeId, 'visitor_secret', randomBytes(32).toString('hex'));
    this.settings.delete(`${storeId}/visitor_secret`);
    // Read back: if another instance wrote one at the same moment, everybody uses the stored one.
    return String(await this.setting(storeId, 'visitor_secret'));
  }
}
