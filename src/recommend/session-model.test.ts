import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../storage/ports.js';
import { DEFAULT_LIMITS, mergeByTime, SessionModel } from './session-model.js';
import { DEFAULT_PARAMS, blendNormalised, neighbourhoodScores, popularityDamping, positionWeights, rankNext, repeatScores, sequentialScores } from './session-scoring.js';
import { WeightGraph } from './weight-graph.js';

const view = (visitor: string, product: string, time: number, type: StoredEvent['type'] = 'product'): StoredEvent => ({ seq: time, storeId: 1, type, time, visitor, product });
const keys = (xs: Array<{ key: string }>) => xs.map((x) => x.key);

describe('session scoring (pure)', () => {
  it('weights session positions linearly, newest = 1', () => {
    expect([...positionWeights([7, 8, 9, 10])]).toEqual([[7, 0.25], [8, 0.5], [9, 0.75], [10, 1]]);
  });

  it('or decays them exponentially per event back, an item seen twice keeping its newest weight', () => {
    expect(new Map(positionWeights([7, 8, 7, 9], undefined, 0.5))).toEqual(new Map([[9, 1], [7, 0.5], [8, 0.25]]));
  });

  it('sequential rules: the newest item counts most, rows normalised by their maximum', () => {
    const rows = new Map([[1, new Map([[5, 10], [6, 5]])], [2, new Map([[6, 1]])]]);
    const s = sequentialScores([1, 2], (i) => rows.get(i), { ...DEFAULT_PARAMS, srDecay: 0.5 });
    expect(new Map(s)).toEqual(new Map([[6, 1 + 0.25], [5, 0.5]]));
  });

  it('V-SKNN: neighbours sharing the newest items score their other items', () => {
    const linear = { ...DEFAULT_PARAMS, simDecay: 0 };
    const s = neighbourhoodScores([1, 2], [{ items: [2, 3] }, { items: [1, 4] }, { items: [9] }], linear);
    expect(s.get(3)).toBe(1);
    expect(s.get(4)).toBe(0.5);
    expect(s.has(9)).toBe(false);
  });

  it('V-SKNN: damps an item neighbourhood score by its popularity when factors are given', () => {
    const p = { ...DEFAULT_PARAMS, popDamping: 0.5 };
    expect(popularityDamping(8, p)).toBeCloseTo(1 / 3);
    expect(popularityDamping(8, { ...p, popDamping: 0 })).toBe(1);
    const damping = [1, 1, 1, popularityDamping(8, p), popularityDamping(0, p)];
    const s = neighbourhoodScores([1], [{ items: [1, 3] }, { items: [1, 4] }], p, undefined, damping);
    expect(s.get(3)).toBeCloseTo(1 / 3);
    expect(s.get(4)).toBe(1);
    expect(neighbourhoodScores([1], [{ items: [1, 3] }], p).get(3)).toBe(1);
  });

  it('repeat scores decay with steps back and add up over occurrences', () => {
    expect(new Map(repeatScores([1, 2, 1], 0.5))).toEqual(new Map([[1, 1.25], [2, 0.5]]));
  });

  it('blends lists on a common scale', () => {
    expect(new Map(blendNormalised([[new Map([[1, 10]]), 1], [new Map([[1, 1], [2, 2]]), 1]]))).toEqual(new Map([[1, 1.5], [2, 1]]));
  });

  it('excludes seen items unless includeSeen', () => {
    const rows = new Map([[1, new Map([[2, 1], [1, 1]])]]);
    const graphs = { next: (i: number) => rows.get(i), prev: () => undefined };
    expect(rankNext([1], graphs, [], DEFAULT_PARAMS, { limit: 5, includeSeen: false }).map(([i]) => i)).toEqual([2]);
    expect(rankNext([1], graphs, [], DEFAULT_PARAMS, { limit: 5, includeSeen: true }).map(([i]) => i)).toContain(1);
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

  it('forgets a visitor and the transitions of their retained events', () => {
    const m = new SessionModel();
    m.add('gone', '1', 1);
    m.add('gone', '2', 2);
    m.add('stay', '1', 3);
    expect(keys(m.recommend(['stay'], { limit: 5, includeSeen: false }))).toEqual(['2']);
    m.forget({ visitors: ['gone'], emails: [], customers: [] });
    expect(m.next.edges()).toBe(0);
    expect(m.history(['gone'], 5)).toEqual([]);
    expect(m.recommend(['stay'], { limit: 5, includeSeen: false })).toEqual([]);
  });

  it('counts co-purchases and adds a visitor\'s sale to their history', () => {
    const m = new SessionModel();
    m.applyOrder({ products: ['1', '2', '2'], time: 1, visitor: 'v', email: null, customer: null, order: 's1' });
    expect(keys(m.complements(['1'], 5))).toEqual(['2']);
    expect(m.history(['v'], 5)).toEqual(['2', '1']);
  });

  it('beyond `sample` candidates, keeps the most recently active ones as neighbours', () => {
    const m = new SessionModel({ ...DEFAULT_LIMITS, sample: 3 }, { ...DEFAULT_PARAMS, srWeight: 0, bwdWeight: 0 });
    [['a', 'x'], ['a', 'A'], ['b', 'y'], ['b', 'B'], ['c', 'x'], ['c', 'C'], ['d', 'y'], ['d', 'D'], ['me', 'x'], ['me', 'y'], ['a', 'A2']]
      .forEach(([v, k], t) => m.add(v, k, t));
    // candidates d, b (via y) and c, a (via x): b is the least recently active and drops out
    expect(keys(m.recommend(['me'], { limit: 10, includeSeen: false }))).toEqual(['D', 'A', 'C', 'A2']);
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
