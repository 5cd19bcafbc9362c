import { describe, expect, it } from 'vitest';
import { combineRows, NeighbourGraph, rankScores, topEntries } from './neighbour-graph.js';

describe('NeighbourGraph', () => {
  it('accumulates weights per edge', () => {
    const g = new NeighbourGraph(10);
    g.add('a', 'b', 1);
    g.add('a', 'b', 0.5);
    g.add('a', 'c', 1);
    expect([...g.row('a')]).toEqual([['b', 1.5], ['c', 1]]);
    expect(g.rowTotal('a')).toBe(2.5);
    expect(g.row('zzz').size).toBe(0);
  });

  it('keeps at most 2×cap neighbours, pruning to the strongest cap', () => {
    const g = new NeighbourGraph(3);
    for (let i = 0; i < 7; i++) g.add('a', `n${i}`, i + 1);
    expect([...g.row('a').keys()].sort()).toEqual(['n4', 'n5', 'n6']);
  });

  it('combineRows normalises each row so one busy item does not drown the others', () => {
    const g = new NeighbourGraph(10);
    g.add('busy', 'x', 100);
    g.add('busy', 'y', 100);
    g.add('quiet', 'z', 1);
    const scores = combineRows(g, ['busy', 'quiet']);
    expect(scores.get('z')).toBe(1);
    expect(scores.get('x')).toBe(0.5);
    expect(rankScores(scores)).toEqual(['z', 'x', 'y']);
  });

  it('topEntries and rankScores break ties by key', () => {
    expect([...topEntries(new Map([['b', 1], ['a', 1], ['c', 2]]), 2).keys()]).toEqual(['c', 'a']);
  });
});
