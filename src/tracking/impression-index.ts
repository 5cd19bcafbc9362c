/**
 * The impressions a click joins from memory (issue 16): those queued for the group commit and the
 * most recent committed ones, indexed by request ID and by visitor, bounded by count and age and
 * loaded from storage at start-up. A click's join is settled here when memory alone gives the
 * answer storage would (`resolve`); otherwise the group commit probes storage for the batch.
 *
 * When memory is exact. Request IDs are drawn by the server (96 random bits), so an impression
 * found by request ID is the one storage holds. For a click without one (the visitor's newest
 * impression showing the product), memory must hold every impression that could be newer than the
 * one it found: that needs a single writer (SQLite, `authoritative`), as impressions other
 * instances commit are not followed. Every stored impression this index does not hold is then
 * at most `horizon` old (older than the loaded window, or evicted), so a match newer than the
 * horizon is the newest there is. A probe that found nothing is remembered (the negative cache):
 * while nothing queued after the probe began has been evicted, every impression storage could
 * have gained since is held here, so a later click with the same question needs no probe.
 */
import { impressionShows, IMPRESSION_WINDOW, newestFirst } from '../storage/shared.js';
import type { ImpressionJoin, ImpressionRecord } from '../storage/ports.js';

export const newerImpression = newestFirst<ImpressionRecord>((i) => i.time, (i) => i.requestId);

export interface ImpressionIndexOptions {
  /** Committed impressions held at most (the oldest leave first). */
  maxCommitted: number;
  /** Committed impressions older than this (seconds) leave. */
  maxAgeSeconds: number;
  /** This process is the store's only writer: memory may settle joins without a request ID. */
  authoritative: boolean;
  /** Misses remembered at most (default: maxCommitted, as many as impressions). */
  maxMisses?: number;
  /** The newest impressions per visitor a join looks at (storage's IMPRESSION_WINDOW; smaller in tests). */
  window?: number;
  /** Committed impressions held per visitor at most (twice the window): a visitor shown thousands costs no more per click. */
  maxPerVisitor?: number;
}

/** How a click's join is settled: from memory, or by the group commit's probe (`queued`: the newest queued match, see settleJoin). */
export type MemoryJoin =
  | { settled: true; impression: ImpressionRecord | null; /** Settled on the single-writer assumption (see `othersWrite`). */ singleWriter?: true }
  | { settled: false; queued: ImpressionRecord | null };

interface Entry {
  imp: ImpressionRecord;
  /** Order of arrival (queued, or loaded). */
  seq: number;
}

interface Miss {
  since: number;
  /** The lowest seq a probe could not have seen (see `probeMark`). */
  mark: number;
}

/** Visitors with bounds of their own (see `trimVisitor`) kept at most, before they are folded into the global bounds. */
const MAX_TRIMMED = 10_000;

export class ImpressionIndex {
  private readonly byRequestId = new Map<string, Entry>();
  private readonly byVisitor = new Map<string, Entry[]>();
  /** Queued, not yet committed, in seq order (a Map keeps insertion order). */
  private readonly queued = new Map<number, Entry>();
  /** Committed, oldest commit first; `head` is the next to leave. */
  private committedList: Entry[] = [];
  private head = 0;
  private seq = 0;
  /** Every committed entry that left had a seq at most this. */
  private evictedSeq = 0;
  /** Every stored impression this index does not hold has a time at most this (unix s). */
  private horizon: number;
  private readonly misses = new Map<string, Miss>();
  /** Per visitor whose oldest entries were dropped for the per-visitor bound: the horizon and evictedSeq of those. */
  private readonly trimmed = new Map<string, { horizon: number; evictedSeq: number }>();

  constructor(private readonly options: ImpressionIndexOptions, private readonly now: () => number) {
    // Before anything is loaded, nothing stored is known.
    this.horizon = Infinity;
  }

  /**
   * Start-up: the committed impressions of the last maxAgeSeconds, newest first, as storage
   * answered a query for at most `limit` of them; `since` is where that query began.
   */
  load(newestFirstList: ImpressionRecord[], since: number, limit: number): void {
    // A full answer may have left out older ones: the horizon is then the oldest loaded.
    const complete = newestFirstList.length < limit;
    const horizon = complete ? since : newestFirstList[newestFirstList.length - 1].time;
    this.horizon = this.horizon === Infinity ? horizon : Math.max(this.horizon, horizon);
    for (let i = newestFirstList.length - 1; i >= 0; i--) {
      const imp = newestFirstList[i];
      if (this.byRequestId.has(keyOf(imp.storeId, imp.requestId))) continue;
      const entry = this.insert(imp);
      this.committedList.push(entry);
      this.trimVisitor(entry);
    }
    this.evict();
  }

  /** An impression queued for the group commit. */
  add(imp: ImpressionRecord): void {
    this.queued.set(this.seq + 1, this.insert(imp));
  }

  /** Its commit succeeded: it stays, as a committed impression, until it is evicted. */
  committed(imp: ImpressionRecord): void {
    const entry = this.byRequestId.get(keyOf(imp.storeId, imp.requestId));
    if (!entry || entry.imp !== imp) return;
    this.queued.delete(entry.seq);
    this.committedList.push(entry);
    this.trimVisitor(entry);
    this.evict();
  }

  /** Its commit failed: it was never stored. */
  failed(imp: ImpressionRecord): void {
    const entry = this.byRequestId.get(keyOf(imp.storeId, imp.requestId));
    if (!entry || entry.imp !== imp) return;
    this.queued.delete(entry.seq);
    this.unlink(entry);
  }

  /** privacy/forget in this instance: the visitors' impressions leave storage and memory. */
  forget(storeId: number, visitors: string[]): void {
    for (const visitor of visitors) {
      for (const entry of [...(this.byVisitor.get(keyOf(storeId, visitor)) ?? [])]) {
        this.queued.delete(entry.seq);
        this.unlink(entry);
      }
    }
  }

  /** Another instance forgot someone in this store (whom is not known): the store's memory goes. */
  forgetStore(storeId: number): void {
    for (const entry of [...this.byRequestId.values()]) {
      if (entry.imp.storeId !== storeId) continue;
      this.queued.delete(entry.seq);
      this.unlink(entry);
    }
    // What was dropped is no longer held: nothing stored up to now is known any more.
    this.horizon = Math.max(this.horizon, this.now());
    this.evictedSeq = this.seq;
  }

  /** Memory settles joins without a request ID (a single writer, not yet contradicted). */
  get authoritative(): boolean {
    return this.options.authoritative;
  }

  /** Another writer turned up: from now on only request IDs and queued matches settle from memory. */
  othersWrite(): void {
    this.options.authoritative = false;
    this.misses.clear();
  }

  /** A queued or recently committed impression by request ID. */
  byRequest(storeId: number, requestId: string): ImpressionRecord | null {
    return this.byRequestId.get(keyOf(storeId, requestId))?.imp ?? null;
  }

  /**
   * Settles a click's join from memory when storage could not answer otherwise (see the module
   * comment); the answer is then exactly the one `EventStore.joinImpressions` plus the queued
   * impressions would give.
   */
  resolve(storeId: number, query: ImpressionJoin): MemoryJoin {
    if (query.requestId) {
      const exact = this.byRequestId.get(keyOf(storeId, query.requestId))?.imp;
      if (exact && exact.visitor === query.visitor) return { settled: true, impression: exact };
    }
    const { queued, committed } = this.latest(storeId, query.visitor, query.product, query);
    // A queued match beats stored ones (settleJoin), and is newer than anything stored.
    if (queued && !query.requestId) return { settled: true, impression: queued.imp };
    if (!query.requestId && this.options.authoritative) {
      const own = this.trimmed.get(keyOf(storeId, query.visitor));
      const horizon = Math.max(this.horizon, own?.horizon ?? -Infinity);
      const evictedSeq = Math.max(this.evictedSeq, own?.evictedSeq ?? 0);
      if (committed && committed.imp.time > horizon && this.newerOfVisitor(storeId, query.visitor, committed, query.since) < (this.options.window ?? IMPRESSION_WINDOW)) return { settled: true, impression: committed.imp, singleWriter: true };
      const miss = this.misses.get(missKey(storeId, query));
      if (!committed && miss && miss.mark > evictedSeq && (query.since ?? -Infinity) >= miss.since) return { settled: true, impression: null, singleWriter: true };
    }
    return { settled: false, queued: queued?.imp ?? null };
  }

  /** Taken before a storage probe: every impression queued from here on may be missing from its answer. */
  probeMark(): number {
    const first = this.queued.keys().next();
    return first.done ? this.seq + 1 : first.value;
  }

  /** A probe (taken after `mark`) found no stored impression for this join: remembered, on a single writer. */
  missed(storeId: number, query: ImpressionJoin, mark: number): void {
    if (!this.options.authoritative || query.requestId) return;
    const key = missKey(storeId, query);
    this.misses.delete(key); // re-inserted as the newest
    this.misses.set(key, { since: query.since ?? -Infinity, mark });
    if (this.misses.size > (this.options.maxMisses ?? this.options.maxCommitted)) this.misses.delete(this.misses.keys().next().value!);
  }

  /** Committed impressions held (read by the tests). */
  get size(): number {
    return this.committedList.length - this.head;
  }

  private insert(imp: ImpressionRecord): Entry {
    const entry: Entry = { imp, seq: ++this.seq };
    this.byRequestId.set(keyOf(imp.storeId, imp.requestId), entry);
    const k = keyOf(imp.storeId, imp.visitor);
    const list = this.byVisitor.get(k);
    if (list) list.push(entry);
    else this.byVisitor.set(k, [entry]);
    return entry;
  }

  private unlink(entry: Entry): void {
    const { imp } = entry;
    const rk = keyOf(imp.storeId, imp.requestId);
    if (this.byRequestId.get(rk) === entry) this.byRequestId.delete(rk);
    const k = keyOf(imp.storeId, imp.visitor);
    const list = this.byVisitor.get(k);
    if (!list) return;
    const i = list.indexOf(entry);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byVisitor.delete(k);
  }

  /**
   * A visitor past maxPerVisitor committed entries loses their oldest committed one, recorded in
   * bounds of their own (as `evict` records in the global ones): a visitor shown thousands of
   * results (a crawler) neither slows every click of theirs nor moves everyone's horizon.
   */
  private trimVisitor(entry: Entry): void {
    const k = keyOf(entry.imp.storeId, entry.imp.visitor);
    const list = this.byVisitor.get(k);
    if (!list || list.length <= (this.options.maxPerVisitor ?? 2 * (this.options.window ?? IMPRESSION_WINDOW))) return;
    const oldest = list.find((e) => !this.queued.has(e.seq));
    if (!oldest) return;
    this.unlink(oldest);
    const bounds = this.trimmed.get(k) ?? { horizon: -Infinity, evictedSeq: 0 };
    this.trimmed.delete(k); // re-inserted as the newest
    this.trimmed.set(k, { horizon: Math.max(bounds.horizon, oldest.imp.time), evictedSeq: Math.max(bounds.evictedSeq, oldest.seq) });
    if (this.trimmed.size > MAX_TRIMMED) {
      // Folded into the global bounds: stricter for everyone, still true.
      for (const b of this.trimmed.values()) {
        this.horizon = Math.max(this.horizon, b.horizon);
        this.evictedSeq = Math.max(this.evictedSeq, b.evictedSeq);
      }
      this.trimmed.clear();
    }
  }

  /** The oldest committed entries leave past the count or the age; the horizon and evictedSeq follow. */
  private evict(): void {
    const oldest = this.now() - this.options.maxAgeSeconds;
    while (this.head < this.committedList.length) {
      const entry = this.committedList[this.head];
      if (this.committedList.length - this.head <= this.options.maxCommitted && entry.imp.time >= oldest) break;
      this.head++;
      // Forgotten entries are already unlinked; leaving still moves the bounds (harmlessly).
      if (this.byRequestId.get(keyOf(entry.imp.storeId, entry.imp.requestId)) === entry) this.unlink(entry);
      this.horizon = Math.max(this.horizon, entry.imp.time);
      this.evictedSeq = Math.max(this.evictedSeq, entry.seq);
    }
    if (this.head > 1024 && this.head * 2 > this.committedList.length) {
      this.committedList = this.committedList.slice(this.head);
      this.head = 0;
    }
  }

  /** The visitor's newest queued and newest committed held entries showing the product. */
  private latest(storeId: number, visitor: string, product: string, opts: { api?: string; labels?: string[]; since?: number }): { queued: Entry | null; committed: Entry | null } {
    let queued: Entry | null = null;
    let committed: Entry | null = null;
    for (const entry of this.byVisitor.get(keyOf(storeId, visitor)) ?? []) {
      if (!impressionShows(entry.imp, product, opts)) continue;
      if (this.queued.has(entry.seq)) {
        if (!queued || newerImpression(entry.imp, queued.imp) < 0) queued = entry;
      } else if (!committed || newerImpression(entry.imp, committed.imp) < 0) {
        committed = entry;
      }
    }
    return { queued, committed };
  }

  /** Held impressions of the visitor newer than `than` and not older than `since` (the join's window counts them). */
  private newerOfVisitor(storeId: number, visitor: string, than: Entry, since: number | undefined): number {
    let n = 0;
    for (const entry of this.byVisitor.get(keyOf(storeId, visitor)) ?? []) {
      if (entry.imp.time >= (since ?? -Infinity) && newerImpression(entry.imp, than.imp) < 0) n++;
    }
    return n;
  }
}

const keyOf = (storeId: number, id: string) => `${storeId}/${id}`;
const missKey = (storeId: number, q: ImpressionJoin) => JSON.stringify([storeId, q.visitor, q.product, q.api ?? null, q.labels ?? null]);
