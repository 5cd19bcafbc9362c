/**
 * The per-store session model behind visitor/* and customer/*: each visitor's recent items
 * (bounded, least-recently-active visitors evicted), directed transition weights between items
 * seen close together (sequential rules), an item → recent visitors index (V-SKNN neighbours)
 * and co-purchase counts. Updated incrementally on every committed event, so the visitor's next
 * request sees their click. State grows with catalog and active visitors, not with all events.
 */
import type { PersonKeys, StoredEvent } from '../storage/ports.js';
import type { ModelComponent, OrderSignal } from './models.js';
import { ItemSet } from './item-scores.js';
import { DEFAULT_PARAMS, popularityDamping, rankNext, topK, blendNormalised, ScoringScratch, type NeighbourTrack, type ScoreList, type ScoringParams } from './session-scoring.js';
import { expectArray, expectFloats, expectMap, expectNumber, SnapshotStateError } from './snapshot-state.js';
import { WeightGraph } from './weight-graph.js';

/** Memory bounds and windows. */
export interface SessionLimits {
  /** Events kept per visitor. */
  eventsPerVisitor: number;
  /** Visitors kept; the least recently active is dropped beyond this. */
  maxVisitors: number;
  /** Recent visitors indexed per item (neighbour candidates). */
  visitorsPerItem: number;
  /** Successors kept per item in the transition graphs. */
  edgesPerItem: number;
  /** A pair a→b counts when b follows a within this many steps (a run of one item is one step)… */
  ruleWindow: number;
  /** …and within this many seconds (a new session does not continue the old one). */
  sessionGapSeconds: number;
  /** Neighbour candidates scored per request (the most recently active first). */
  sample: number;
}

export const DEFAULT_LIMITS: SessionLimits = {
  eventsPerVisitor: 50, maxVisitors: 200_000, visitorsPerItem: 300, edgesPerItem: 60,
  ruleWindow: 3, sessionGapSeconds: 3600, sample: 250,
};

/** One visitor's recent items, oldest first (parallel arrays). */
interface Track extends NeighbourTrack {
  items: number[];
  times: number[];
  /** Arrival counter of the latest event: "most recently active" without trusting client times. */
  touched: number;
  alive: boolean;
  /** The candidates() call that last saw this track: dedup without a Set per request. */
  stamp: number;
}

interface SessionState {
  index: Map<string, number>;
  keys: string[];
  tracks: Map<string, Track>;
  byItem: Track[][];
  next: ReturnType<WeightGraph['snapshot']>;
  prev: ReturnType<WeightGraph['snapshot']>;
  bought: ReturnType<WeightGraph['snapshot']>;
  counts: Float64Array<ArrayBuffer>;
  damping: Float64Array<ArrayBuffer>;
  clock: number;
  searches: number;
}

export interface Scored {
  key: string;
  score: number;
}

export class SessionModel implements ModelComponent {
  private index = new Map<string, number>();
  private keys: string[] = [];
  private tracks = new Map<string, Track>();
  private byItem: Track[][] = [];
  /** Sequential rules a → b (weight 1/distance) and the reverse graph, for co-view neighbours. */
  readonly next: WeightGraph;
  readonly prev: WeightGraph;
  /** Products bought in the same order (symmetric). */
  readonly bought: WeightGraph;
  /** Interactions per item index (views, clicks, cart additions, purchases): its popularity… */
  private counts = new Float64Array(16);
  /** …and the factor it gives the item's neighbourhood score, kept current (one pow per event, not per request). */
  private damping = new Float64Array(16).fill(1);
  private clock = 0;
  /** Counts candidates() calls, for Track.stamp. */
  private searches = 0;
  private readonly graphs = ((model: SessionModel) => ({
    next: (i: number) => model.next.row(i),
    prev: (i: number) => model.prev.row(i),
    get damping(): Float64Array { return model.damping; }, // a getter: the array is replaced when it grows
  }))(this);
  /** Per-request buffers, reused: recommend() and history() run synchronously, one at a time. */
  private readonly scratch = new ScoringScratch();
  private readonly listed = new ItemSet();
  /** pairs()'s earlier items already counted, reused (it runs for every event, rebuilds included). */
  private readonly pairScratch: number[] = [];
  /** candidates()'s tracks found and their recency keys, reused (requests allocated ~30 KB each). */
  private readonly found: Track[] = [];
  private touched = new Float64Array(0);

  constructor(
    readonly limits: SessionLimits = DEFAULT_LIMITS,
    readonly params: ScoringParams = DEFAULT_PARAMS,
  ) {
    this.next = new WeightGraph(limits.edgesPerItem);
    this.prev = new WeightGraph(limits.edgesPerItem);
    this.bought = new WeightGraph(limits.edgesPerItem);
  }

  /**
   * The learned state for a snapshot. Tracks are shared between `tracks` and `byItem`: one
   * v8.serialize of the whole (Models.snapshot) keeps them shared.
   */
  snapshot(): SessionState {
    return {
      index: this.index, keys: this.keys, tracks: this.tracks, byItem: this.byItem,
      next: this.next.snapshot(), prev: this.prev.snapshot(), bought: this.bought.snapshot(),
      counts: this.counts, damping: this.damping, clock: this.clock, searches: this.searches,
    };
  }

  restore(s: SessionState): void {
    this.index = expectMap(s.index, 'session item index');
    this.keys = expectArray(s.keys, 'session item keys');
    this.tracks = expectMap(s.tracks, 'session tracks');
    this.byItem = expectArray(s.byItem, 'session item visitors');
    this.counts = expectFloats(s.counts, 'session item counts');
    this.damping = expectFloats(s.damping, 'session damping');
    if (this.byItem.length !== this.keys.length || this.index.size !== this.keys.length || this.counts.length < this.keys.length || this.damping.length !== this.counts.length) {
      throw new SnapshotStateError('session model: item tables of different lengths');
    }
    this.next.restore(s.next);
    this.prev.restore(s.prev);
    this.bought.restore(s.bought);
    this.clock = expectNumber(s.clock, 'session clock');
    // Track.stamp values come from this counter: restarting it would skip tracks as seen.
    this.searches = expectNumber(s.searches, 'session searches');
  }

  /** Views, clicks and cart additions are interactions; other events are ignored. */
  applyEvent(e: StoredEvent): void {
    if (!e.visitor || !e.product) return;
    if (e.type === 'product' || e.type === 'click') this.add(e.visitor, e.product, e.time);
    else if (e.type === 'cart' && e.data?.op !== 'remove') this.add(e.visitor, e.product, e.time);
  }

  /** A sale: its products join the buyer's history and the co-purchase counts. */
  applyOrder(o: OrderSignal): void {
    const items = [...new Set(o.products)].map((k) => this.intern(k));
    for (const a of items) for (const b of items) if (a !== b) this.bought.add(a, b, 1);
    if (o.visitor) for (const k of new Set(o.products)) this.add(o.visitor, k, o.time);
  }

  /**
   * privacy/forget: drops the visitors' tracks and subtracts what their retained events added to
   * the transition graphs and the neighbour index. "Feasible": contributions of events already
   * rotated out of a track (older than its last 50), or pruned from a graph row, are anonymous
   * aggregates that can no longer be told apart and stay; so do co-purchase counts, whose
   * orders are anonymised (not deleted) by privacy/forget.
   */
  forget(keys: PersonKeys): void {
    for (const v of keys.visitors) {
      const t = this.tracks.get(v);
      if (!t) continue;
      for (let j = 0; j < t.items.length; j++) this.pairs(t, j, (a, b, w) => { this.next.add(a, b, -w); this.prev.add(b, a, -w); });
      for (const it of t.items) this.count(it, -1);
      for (const it of new Set(t.items)) this.byItem[it] = this.byItem[it].filter((x) => x !== t);
      this.drop(v, t);
    }
  }

  people(): PersonKeys {
    return { visitors: [...this.tracks.keys()], emails: [], customers: [] };
  }

  /** Records one interaction of a visitor. */
  add(visitor: string, key: string, time: number): void {
    const item = this.intern(key);
    let t = this.tracks.get(visitor);
    if (t) this.tracks.delete(visitor); // re-insert: Map order is least-recently-active first
    else t = { items: [], times: [], touched: 0, alive: true, stamp: 0 };
    this.tracks.set(visitor, t);
    t.touched = ++this.clock;
    this.count(item, 1);
    t.items.push(item);
    t.times.push(time);
    this.pairs(t, t.items.length - 1, (a, b, w) => { this.next.add(a, b, w); this.prev.add(b, a, w); });
    if (t.items.length > this.limits.eventsPerVisitor) {
      t.items.shift();
      t.times.shift();
    }
    const list = this.byItem[item];
    if (list[list.length - 1] !== t) list.push(t);
    if (list.length > this.limits.visitorsPerItem * 1.5) this.byItem[item] = list.filter((x) => x.alive).slice(-this.limits.visitorsPerItem);
    while (this.tracks.size > this.limits.maxVisitors) {
      const [oldest, ot] = this.tracks.entries().next().value as [string, Track];
      this.drop(oldest, ot);
    }
  }

  /** Ranked next items for a person (the union of these visitors' recent events). */
  recommend(visitors: string[], opts: { limit: number; includeSeen: boolean; exclude?: Set<string> }): Scored[] {
    const own = this.ownTracks(visitors);
    const session = sessionOf(own);
    if (session.length === 0) return [];
    const excluded = opts.exclude ? new Set([...opts.exclude].map((k) => this.index.get(k)).filter((i) => i !== undefined)) : null;
    const ranked = rankNext(session, this.graphs, this.candidates(session, own), this.params, {
      limit: opts.limit, includeSeen: opts.includeSeen, skip: excluded ? (i) => excluded.has(i) : undefined,
    }, this.scratch);
    this.found.length = 0;
    return ranked.map(([i, score]) => ({ key: this.keys[i], score }));
  }

  /** The person's items, newest first, each once. */
  history(visitors: string[], limit: number): string[] {
    const out: string[] = [];
    const session = sessionOf(this.ownTracks(visitors));
    this.listed.clear();
    for (let i = session.length - 1; i >= 0 && out.length < limit; i--) {
      if (this.listed.add(session[i])) out.push(this.keys[session[i]]);
    }
    return out;
  }

  /** Items viewed close to these (both directions), newest input weighing most: "substitutes". */
  coViewed(keys: string[], limit: number): Scored[] {
    return this.fromGraphs(keys, limit, [[this.next, 1], [this.prev, 1]]);
  }

  /** Items bought with these, then items viewed right after them: "complements" of purchases. */
  complements(keys: string[], limit: number): Scored[] {
    return this.fromGraphs(keys, limit, [[this.bought, 1], [this.next, 0.5]]);
  }

  /** How many visitors and items the model holds (for tests and logs). */
  size(): { visitors: number; items: number } {
    return { visitors: this.tracks.size, items: this.keys.length };
  }

  private fromGraphs(keys: string[], limit: number, graphs: Array<[WeightGraph, number]>): Scored[] {
    const inputs = keys.map((k) => this.index.get(k)).filter((i): i is number => i !== undefined);
    const lists: Array<[ScoreList, number]> = [];
    inputs.forEach((item, n) => {
      for (const [g, w] of graphs) lists.push([g.row(item) ?? new Map(), w / (n + 1)]);
    });
    return topK(blendNormalised(lists), limit, (i) => inputs.includes(i)).map(([i, score]) => ({ key: this.keys[i], score }));
  }

  /** Other visitors who recently had one of the newest session items, most recently active first. */
  private candidates(session: readonly number[], own: Track[]): Track[] {
    const stamp = ++this.searches;
    for (const t of own) t.stamp = stamp; // the person's own tracks are no neighbours
    const found = this.found;
    found.length = 0;
    const done: number[] = [];
    for (let i = session.length - 1; i >= 0 && done.length < 10; i--) {
      if (done.includes(session[i])) continue;
      done.push(session[i]);
      const list = this.byItem[session[i]];
      for (let j = list.length - 1, n = 0; j >= 0 && n < this.limits.sample; j--, n++) {
        const t = list[j];
        if (t.alive && t.stamp !== stamp) {
          t.stamp = stamp;
          found.push(t);
        }
      }
    }
    if (found.length <= this.limits.sample) return found;
    if (this.touched.length < found.length) this.touched = new Float64Array(found.length * 2);
    return mostRecent(found, this.limits.sample, this.touched);
  }

  /**
   * Calls fn(a, b, 1/d) for each earlier item a within the rule window and session gap of event j
   * (item b), d counted in steps: a run of clicks on one item is one step. Each a counts once,
   * from its latest occurrence, and only after b's previous occurrence; a click repeating the
   * item just before adds no pair. Re-clicks (frequent in click logs) so no longer inflate a
   * transition several times over within one visit.
   */
  private pairs(t: Track, j: number, fn: (a: number, b: number, w: number) => void): void {
    const items = t.items;
    const b = items[j];
    if (j > 0 && items[j - 1] === b) return;
    const counted = this.pairScratch; // at most ruleWindow items: a linear scan beats a Set
    counted.length = 0;
    let steps = 0;
    for (let i = j - 1; i >= 0; i--) {
      if (t.times[j] - t.times[i] > this.limits.sessionGapSeconds) break;
      const a = items[i];
      if (i + 1 < j && items[i + 1] === a) continue; // the same step as the click after it
      if (++steps > this.limits.ruleWindow || a === b) break;
      if (counted.includes(a)) continue;
      counted.push(a);
      fn(a, b, 1 / steps);
    }
  }

  private count(item: number, delta: number): void {
    this.counts[item] = Math.max(0, this.counts[item] + delta);
    this.damping[item] = popularityDamping(this.counts[item], this.params);
  }

  private ownTracks(visitors: string[]): Track[] {
    const out: Track[] = [];
    for (const v of new Set(visitors)) {
      const t = this.tracks.get(v);
      if (t) out.push(t);
    }
    return out;
  }

  private drop(visitor: string, t: Track): void {
    t.alive = false;
    t.items = [];
    t.times = [];
    this.tracks.delete(visitor);
  }

  private intern(key: string): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.keys.length;
      this.index.set(key, i);
      this.keys.push(key);
      this.byItem.push([]);
      if (i >= this.counts.length) {
        const counts = new Float64Array(this.counts.length * 2);
        counts.set(this.counts);
        this.counts = counts;
        const damping = new Float64Array(counts.length).fill(1);
        damping.set(this.damping);
        this.damping = damping;
      }
    }
    return i;
  }
}

/** The person's items in time order (one device's track as is, without copying). */
function sessionOf(own: Track[]): readonly number[] {
  return own.length === 1 ? own[0].items : mergeByTime(own).map((e) => e.item);
}

/**
 * The `k` most recently touched tracks, most recent first: the same as sorting all by `touched`
 * and cutting (`touched` values are unique), but sorts only the k kept, after a quickselect
 * finds the k-th largest `touched`. The tracks arrive in near-recency runs, which the final sort
 * exploits; that is why this is not a BestK heap.
 */
function mostRecent(tracks: Track[], k: number, scratch: Float64Array): Track[] {
  const touched = scratch.subarray(0, tracks.length);
  for (let i = 0; i < tracks.length; i++) touched[i] = tracks[i].touched;
  const cut = kthLargest(touched, k);
  return tracks.filter((t) => t.touched >= cut).sort((a, b) => b.touched - a.touched);
}

/** The k-th largest value (1-based) of `a`, by quickselect (reorders `a`). */
function kthLargest(a: Float64Array, k: number): number {
  const target = k - 1; // its index once `a` is in descending order
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const x = a[i];
        a[i++] = a[j];
        a[j--] = x;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break; // between the two parts, which hold only values equal to the pivot
  }
  return a[target];
}

/** The events of several tracks in time order (stable: a track's own order is kept on ties). */
export function mergeByTime(tracks: Array<{ items: number[]; times: number[] }>): Array<{ item: number; time: number }> {
  const all = tracks.flatMap((t) => t.items.map((item, i) => ({ item, time: t.times[i] })));
  return all.sort((a, b) => a.time - b.time);
}
