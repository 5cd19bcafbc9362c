/**
 * The per-store session model behind visitor/* and customer/*: each visitor's recent items
 * (bounded, least-recently-active visitors evicted), directed transition weights between items
 * seen close together (sequential rules), per-item co-occurrence lists (the items visitors had
 * among their recent items with it: the neighbourhood) and co-purchase counts. Updated
 * incrementally on every committed event, so the visitor's next request sees their click; a
 * request merges a few bounded lists and never scans other visitors. State grows with catalog and
 * active visitors, not with all events.
 */
import type { PersonKeys, StoredEvent } from '../storage/ports.js';
import type { ModelComponent, OrderSignal } from './models.js';
import { ItemSet } from './item-scores.js';
import { DEFAULT_PARAMS, popularityDamping, rankNext, topK, blendNormalised, ScoringScratch, type ScoreList, type ScoringParams } from './session-scoring.js';
import { expectArray, expectFloats, expectMap, SnapshotStateError } from './snapshot-state.js';
import { WeightGraph } from './weight-graph.js';

/** Memory bounds and windows. */
export interface SessionLimits {
  /** Events kept per visitor. */
  eventsPerVisitor: number;
  /** Visitors kept; the least recently active is dropped beyond this. */
  maxVisitors: number;
  /** Successors kept per item in the transition graphs. */
  edgesPerItem: number;
  /** Co-occurring items kept per item (the neighbourhood's lists). */
  coEdgesPerItem: number;
  /** An item new to a visitor's track co-occurs with this many of their newest distinct items. */
  coWindow: number;
  /** A pair a→b counts when b follows a within this many steps (a run of one item is one step)… */
  ruleWindow: number;
  /** …and within this many seconds (a new session does not continue the old one). */
  sessionGapSeconds: number;
}

export const DEFAULT_LIMITS: SessionLimits = {
  eventsPerVisitor: 50, maxVisitors: 200_000, edgesPerItem: 60, coEdgesPerItem: 100, coWindow: 5,
  ruleWindow: 3, sessionGapSeconds: 3600,
};

/** One visitor's recent items, oldest first (parallel arrays). */
interface Track {
  items: number[];
  times: number[];
}

interface SessionState {
  index: Map<string, number>;
  keys: string[];
  tracks: Map<string, Track>;
  next: ReturnType<WeightGraph['snapshot']>;
  prev: ReturnType<WeightGraph['snapshot']>;
  co: ReturnType<WeightGraph['snapshot']>;
  bought: ReturnType<WeightGraph['snapshot']>;
  counts: Float64Array<ArrayBuffer>;
  damping: Float64Array<ArrayBuffer>;
}

export interface Scored {
  key: string;
  score: number;
}

export class SessionModel implements ModelComponent {
  private index = new Map<string, number>();
  private keys: string[] = [];
  private tracks = new Map<string, Track>();
  /** Sequential rules a → b (weight 1/distance) and the reverse graph, for co-view neighbours. */
  readonly next: WeightGraph;
  readonly prev: WeightGraph;
  /** Co-occurrence (symmetric): how many visitors had both items among their recent items. */
  readonly co: WeightGraph;
  /** Products bought in the same order (symmetric). */
  readonly bought: WeightGraph;
  /** Interactions per item index (views, clicks, cart additions, purchases): its popularity… */
  private counts = new Float64Array(16);
  /** …and the factor it gives the item's neighbourhood score, kept current (one pow per event, not per request). */
  private damping = new Float64Array(16).fill(1);
  private readonly graphs = ((model: SessionModel) => ({
    next: (i: number) => model.next.view(i),
    prev: (i: number) => model.prev.view(i),
    co: (i: number) => model.co.view(i),
    get damping(): Float64Array { return model.damping; }, // a getter: the array is replaced when it grows
  }))(this);
  /** Per-request buffers, reused: recommend() and history() run synchronously, one at a time. */
  private readonly scratch = new ScoringScratch();
  private readonly listed = new ItemSet();
  /** pairs()'s and coPairs()'s earlier items already counted, reused (they run for every event, rebuilds included). */
  private readonly pairScratch: number[] = [];

  constructor(
    readonly limits: SessionLimits = DEFAULT_LIMITS,
    readonly params: ScoringParams = DEFAULT_PARAMS,
  ) {
    this.next = new WeightGraph(limits.edgesPerItem);
    this.prev = new WeightGraph(limits.edgesPerItem);
    this.co = new WeightGraph(limits.coEdgesPerItem);
    this.bought = new WeightGraph(limits.edgesPerItem);
  }

  /** The learned state for a snapshot (not copied: Models.snapshot serializes it at once). */
  snapshot(): SessionState {
    return {
      index: this.index, keys: this.keys, tracks: this.tracks,
      next: this.next.snapshot(), prev: this.prev.snapshot(), co: this.co.snapshot(), bought: this.bought.snapshot(),
      counts: this.counts, damping: this.damping,
    };
  }

  restore(s: SessionState): void {
    this.index = expectMap(s.index, 'session item index');
    this.keys = expectArray(s.keys, 'session item keys');
    this.tracks = expectMap(s.tracks, 'session tracks');
    this.counts = expectFloats(s.counts, 'session item counts');
    this.damping = expectFloats(s.damping, 'session damping');
    if (this.index.size !== this.keys.length || this.counts.length < this.keys.length || this.damping.length !== this.counts.length) {
      throw new SnapshotStateError('session model: item tables of different lengths');
    }
    this.next.restore(s.next);
    this.prev.restore(s.prev);
    this.co.restore(s.co);
    this.bought.restore(s.bought);
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
   * the transition and co-occurrence graphs. "Feasible": contributions of events already rotated
   * out of a track (older than its last 50), or pruned from a graph row, are anonymous aggregates
   * that can no longer be told apart and stay; so do co-purchase counts, whose orders are
   * anonymised (not deleted) by privacy/forget.
   */
  forget(keys: PersonKeys): void {
    for (const v of keys.visitors) {
      const t = this.tracks.get(v);
      if (!t) continue;
      for (let j = 0; j < t.items.length; j++) {
        this.pairs(t, j, (a, b, w) => { this.next.add(a, b, -w); this.prev.add(b, a, -w); });
        this.coPairs(t.items, j, (a, b) => { this.co.add(a, b, -1); this.co.add(b, a, -1); });
      }
      for (const it of t.items) this.count(it, -1);
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
    else t = { items: [], times: [] };
    this.tracks.set(visitor, t);
    this.count(item, 1);
    t.items.push(item);
    t.times.push(time);
    const j = t.items.length - 1;
    this.pairs(t, j, (a, b, w) => { this.next.add(a, b, w); this.prev.add(b, a, w); });
    this.coPairs(t.items, j, (a, b) => { this.co.add(a, b, 1); this.co.add(b, a, 1); });
    if (t.items.length > this.limits.eventsPerVisitor) {
      t.items.shift();
      t.times.shift();
    }
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
    const ranked = rankNext(session, this.graphs, this.params, {
      limit: opts.limit, includeSeen: opts.includeSeen, skip: excluded ? (i) => excluded.has(i) : undefined,
    }, this.scratch);
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

  /**
   * Calls fn(a, b) for the newest coWindow distinct items a before position j when b = items[j]
   * is new to the track (not among items[0..j-1]): b then co-occurs with them, once per visitor.
   */
  private coPairs(items: readonly number[], j: number, fn: (a: number, b: number) => void): void {
    const b = items[j];
    for (let i = 0; i < j; i++) if (items[i] === b) return;
    const counted = this.pairScratch;
    counted.length = 0;
    for (let i = j - 1; i >= 0 && counted.length < this.limits.coWindow; i--) {
      const a = items[i];
      if (counted.includes(a)) continue;
      counted.push(a);
      fn(a, b);
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

/** The events of several tracks in time order (stable: a track's own order is kept on ties). */
export function mergeByTime(tracks: Array<{ items: number[]; times: number[] }>): Array<{ item: number; time: number }> {
  const all = tracks.flatMap((t) => t.items.map((item, i) => ({ item, time: t.times[i] })));
  return all.sort((a, b) => a.time - b.time);
}
