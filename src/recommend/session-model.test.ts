import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../storage/ports.js';
import { DEFAULT_LIMITS, mergeByTime, SessionModel } from './session-model.js';
import { DEFAULT_PARAMS, blendNormalised, itemListScores, popularityDamping, rankNext, repeatScores, sequentialScores } from './session-scoring.js';
import { toRowView, WeightGraph } from './weight-graph.js';

const view = (visitor: string, product: string, time: number, type: StoredEvent['type'] = 'product'): StoredEvent => ({ seq: time, storeId: 1, type, time, visitor, product });
const keys = (xs: Array<{ key: string }>) => xs.map((x) => x.key);
/** Row lookups over plain Maps, as the scoring functions read a graph's rows. */
const viewsOf = (rows: Map<number, Map<number, number>>) => (i: number) => {
  const row = rows.get(i);
  return row && toRowView(row);
};

describe('session scoring (pure)', () => {
  it('neighbourhood: weighs the newest coItems distinct items by recency, a repeated item by its newest', () => {
    const rows = new Map([7, 8, 9, 10].map((i) => [i, new Map([[100 + i, 1]])]));
    const p = { ...DEFAULT_PARAMS, simDecay: 0.5, coBeta: 0, coItems: 3 };
    // newest first: 9 (1), 7 (0.5), 8 (0.25); then 7 again (not counted twice) and 10 (beyond coItems)
    expect(new Map(itemListScores([10, 7, 8, 7, 9], viewsOf(rows), p))).toEqual(new Map([[109, 1], [107, 0.5], [108, 0.25]]));
    // simDecay 0: linear weights (i + 1) / n
    expect(new Map(itemListScores([7, 8], viewsOf(rows), { ...p, simDecay: 0 }))).toEqual(new Map([[108, 1], [107, 0.5]]));
  });

  it('sequential rules: the newest item counts most, rows normalised by their maximum', () => {
    const rows = new Map([[1, new Map([[5, 10], [6, 5]])], [2, new Map([[6, 1]])]]);
    const s = sequentialScores([1, 2], viewsOf(rows), { ...DEFAULT_PARAMS, srDecay: 0.5 });
    expect(new Map(s)).toEqual(new Map([[6, 1 + 0.25], [5, 0.5]]));
  });

  it('neighbourhood: merges the co-occurrence rows of the session items, the newest weighing most', () => {
    const rows = new Map([[1, new Map([[3, 4], [4, 2]])], [2, new Map([[3, 1], [5, 1]])]]);
    const p = { ...DEFAULT_PARAMS, simDecay: 0.5, coBeta: 1 };
    // item 2 (newest) weighs 1 and its row's max is 1; item 1 weighs 0.5 and its row is divided by 4
    const s = itemListScores([1, 2], viewsOf(rows), p);
    expect(new Map(s)).toEqual(new Map([[3, 1 + 0.5], [5, 1], [4, 0.25]]));
    // coBeta 0: raw counts, so item 1's strong row outweighs the newer item's
    expect(itemListScores([1, 2], viewsOf(rows), { ...p, coBeta: 0 }).get(3)).toBe(4 * 0.5 + 1);
  });

  it('neighbourhood: damps an item\'s score by its popularity when factors are given', () => {
    const p = { ...DEFAULT_PARAMS, popDamping: 0.5, coBeta: 1 };
    expect(popularityDamping(8, p)).toBeCloseTo(1 / 3);
    expect(popularityDamping(8, { ...p, popDamping: 0 })).toBe(1);
    const damping = [1, 1, 1, popularityDamping(8, p), popularityDamping(0, p)];
    const rows = new Map([[1, new Map([[3, 1], [4, 1]])]]);
    const s = itemListScores([1], viewsOf(rows), p, undefined, damping);
    expect(s.get(3)).toBeCloseTo(1 / 3);
    expect(s.get(4)).toBe(1);
    expect(itemListScores([1], viewsOf(rows), p).get(3)).toBe(1);
  });

  it('repeat scores decay with steps back and add up over occurrences', () => {
    expect(new Map(repeatScores([1, 2, 1], 0.5))).toEqual(new Map([[1, 1.25], [2, 0.5]]));
  });

  it('blends lists on a common scale', () => {
    expect(new Map(blendNormalised([[new Map([[1, 10]]), 1], [new Map([[1, 1], [2, 2]]), 1]]))).toEqual(new Map([[1, 1.5], [2, 1]]));
  });

  it('excludes seen items unless includeSeen', () => {
    const rows = new Map([[1, new Map([[2, 1], [1, 1]])]]);
    const graphs = { next: viewsOf(rows), prev: () => undefined };
    expect(rankNext([1], graphs, DEFAULT_PARAMS, { limit: 5, includeSeen: false }).map(([i]) => i)).toEqual([2]);
    expect(rankNext([1], graphs, DEFAULT_PARAMS, { limit: 5, includeSeen: true }).map(([i]) => i)).toContain(1);
  });

  it('merges tracks of several devices by time', () => {
    expect(mergeByTime([{ items: [1, 3], times: [10, 30] }, { items: [2], times: [20] }]).map((e) => e.item)).toEqual([1, 2, 3]);
  });
});

describe('SessionModel', () => {
  it('learns transitions incrementally and recommends the next item', () => {
    const m = new SessionModel();
    m.applyEvent(view('a', '1', 1));
    m.applyEvent(view('a', '2', 2, 'click'));
    m.applyEvent(view('me', '1', 3));
    expect(keys(m.recommend(['me'], { limit: 5, includeSeen: false }))).toEqual(['2']);
  });

  it('ignores category and email events, and removals from the cart', () => {
    const m = new SessionModel();
    m.applyEvent({ ...view('a', '1', 1), type: 'category', product: null, category: '5' });
    m.applyEvent({ ...view('a', '1', 2, 'cart'), data: { op: 'remove' } });
    expect(m.size().visitors).toBe(0);
  });

  it('counts a transition once per step from the nearest earlier click, re-clicks adding nothing', () => {
    const m = new SessionModel();
    ['1', '1', '2', '2', '3', '1', '2'].forEach((p, i) => m.add('a', p, i));
    const row = (a: string) => Object.fromEntries([...(m.next.row(m['index'].get(a)!) ?? [])].map(([b, w]) => [m['keys'][b], w]));
    // the run 1,1 is one step and the run 2,2 adds no pair; 1 → 2 counts at the start and at the
    // end (+1 each), not again from the first 1 (behind the earlier 2) at the end
    expect(row('1')).toEqual({ '2': 2, '3': 0.5 });
    expect(row('2')).toEqual({ '3': 1, '1': 0.5 });
    expect(row('3')).toEqual({ '1': 1, '2': 0.5 });
  });

  it('does not link items across a session gap', () => {
    const m = new SessionModel();
    m.add('a', '1', 0);
    m.add('a', '2', DEFAULT_LIMITS.sessionGapSeconds + 10);
    expect(m.next.edges()).toBe(0);
  });

  it('bounds events per visitor and evicts the least recently active visitor', () => {
    const m = new SessionModel({ ...DEFAULT_LIMITS, eventsPerVisitor: 3, maxVisitors: 2 });
    for (let i = 0; i < 10; i++) m.add('a', String(i), i);
    expect(m.history(['a'], 10)).toEqual(['9', '8', '7']);
    m.add('b', 'x', 11);
    m.add('a', 'y', 12);
    m.add('c', 'z', 13);
    expect(m.size().visitors).toBe(2);
    expect(m.history(['b'], 10)).toEqual([]);
    expect(m.history(['a'], 1)).toEqual(['y']);
  });

  it('forgets a visitor and the transitions and co-occurrences of their retained events', () => {
    const m = new SessionModel();
    m.add('gone', '1', 1);
    m.add('gone', '2', 2);
    m.add('stay', '1', 3);
    expect(keys(m.recommend(['stay'], { limit: 5, includeSeen: false }))).toEqual(['2']);
    m.forget({ visitors: ['gone'], emails: [], customers: [] });
    expect(m.next.edges()).toBe(0);
    expect(m.co.edges()).toBe(0);
    expect(m.history(['gone'], 5)).toEqual([]);
    expect(m.recommend(['stay'], { limit: 5, includeSeen: false })).toEqual([]);
  });

  it('counts co-purchases and adds a visitor\'s sale to their history', () => {
    const m = new SessionModel();
    m.applyOrder({ products: ['1', '2', '2'], time: 1, visitor: 'v', email: null, customer: null, order: 's1' });
    expect(keys(m.complements(['1'], 5))).toEqual(['2']);
    expect(m.history(['v'], 5)).toEqual(['2', '1']);
  });

  it('keeps co-occurrence per visitor: an item new to a track pairs with their newest coWindow distinct items, once', () => {
    const m = new SessionModel({ ...DEFAULT_LIMITS, coWindow: 2 });
    ['1', '2', '1', '3', '4'].forEach((k, t) => m.add('a', k, t));
    m.add('b', '1', 10);
    m.add('b', '2', 11);
    const row = (k: string) => Object.fromEntries([...(m.co.row(m['index'].get(k)!) ?? [])].map(([o, w]) => [m['keys'][o], w]));
    // a: 2 pairs with 1; the second 1 is not new; 3 pairs with 1 and 2 (its newest two distinct); 4 with 3 and 1. b: 2 with 1 again.
    expect(row('1')).toEqual({ '2': 2, '3': 1, '4': 1 });
    expect(row('2')).toEqual({ '1': 2, '3': 1 });
    expect(row('4')).toEqual({ '3': 1, '1': 1 });
  });

  it('recommends what other visitors had with the session\'s items, never scanning them', () => {
    const m = new SessionModel(DEFAULT_LIMITS, { ...DEFAULT_PARAMS, srWeight: 0, bwdWeight: 0 });
    [['a', 'x'], ['a', 'A'], ['b', 'y'], ['b', 'B'], ['c', 'x'], ['c', 'A'], ['me', 'y'], ['me', 'x']].forEach(([v, k], t) => m.add(v, k, t));
    // x (newest, weight 1) co-occurs with A twice and y once (me itself); y (0.4) with B and x
    expect(keys(m.recommend(['me'], { limit: 10, includeSeen: false }))).toEqual(['A', 'B']);
  });

  it('honours exclude', () => {
    const m = new SessionModel();
    for (const v of ['a', 'b']) ['1', '2', '3'].forEach((k, i) => m.add(v, k, i));
    m.add('me', '1', 10);
    expect(keys(m.recommend(['me'], { limit: 5, includeSeen: false, exclude: new Set(['2']) }))).toEqual(['3']);
  });
});

describe('WeightGraph', () => {
  it('keeps rows bounded to their strongest edges', () => {
    const g = new WeightGraph(4);
    for (let b = 1; b <= 7; b++) g.add(0, b, b);
    expect([...g.row(0)!.keys()].sort()).toEqual([4, 5, 6, 7]);
  });
});
