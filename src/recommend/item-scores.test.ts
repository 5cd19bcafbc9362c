import { describe, expect, it } from 'vitest';
import { BestK } from './best-k.js';
import { ItemScores, ItemSet } from './item-scores.js';

/** A deterministic pseudo-random generator (tests must be repeatable). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe('ItemSet', () => {
  it('reports new members, grows past its capacity and empties on clear', () => {
    const s = new ItemSet();
    expect(s.add(3)).toBe(true);
    expect(s.add(3)).toBe(false);
    expect(s.add(100_000)).toBe(true);
    expect(s.has(3) && s.has(100_000)).toBe(true);
    expect(s.has(4) || s.has(1_000_000)).toBe(false);
    s.clear();
    expect(s.has(3) || s.has(100_000)).toBe(false);
    expect(s.add(3)).toBe(true);
  });
});

describe('ItemScores', () => {
  it('accumulates exactly like a Map, in first-insertion order', () => {
    const rnd = lcg(1);
    const scores = new ItemScores();
    const map = new Map<number, number>();
    for (let n = 0; n < 5000; n++) {
      const item = Math.floor(rnd() * 3000);
      const v = rnd() / 7;
      scores.add(item, v);
      map.set(item, (map.get(item) ?? 0) + v);
    }
    expect([...scores]).toEqual([...map]); // same keys, same order, bit-identical sums
    expect(scores.size).toBe(map.size);
  });

  it('sets, reads 0 for non-members and forgets everything on clear', () => {
    const scores = new ItemScores();
    scores.add(5, 1);
    scores.set(5, 0.25);
    scores.set(2, 3);
    expect([...scores]).toEqual([[5, 0.25], [2, 3]]);
    expect(scores.get(9)).toBe(0);
    scores.clear();
    expect(scores.size).toBe(0);
    expect(scores.has(5)).toBe(false);
    scores.add(5, 1); // no stale value from before the clear
    expect(scores.get(5)).toBe(1);
  });
});

describe('BestK', () => {
  const sorted = (pairs: Array<[number, number]>) => [...pairs].sort((a, b) => b[1] - a[1] || a[0] - b[0]);

  it('keeps the k best pairs, score descending, ties by lower item, as a full sort would', () => {
    const rnd = lcg(2);
    for (const [n, k] of [[0, 5], [1, 1], [50, 10], [300, 40], [300, 300], [40, 500]]) {
      // few distinct scores: ties are common, as in real rankings
      const pairs = Array.from({ length: n }, (_, i): [number, number] => [(i * 7919) % 1009, Math.floor(rnd() * 8) / 4]);
      const best = new BestK(k);
      for (const [item, score] of pairs) best.offer(item, score);
      expect(best.drain()).toEqual(sorted(pairs).slice(0, k));
    }
  });

  it('reused through reset(k) and drainInto, gives what a fresh heap and drain() give', () => {
    const rnd = lcg(3);
    const reused = new BestK(1);
    const items: number[] = [];
    const scores: number[] = [];
    for (const [n, k] of [[300, 40], [10, 100], [0, 3], [200, 200], [60, 7]]) {
      const pairs = Array.from({ length: n }, (_, i): [number, number] => [(i * 7919) % 1009, Math.floor(rnd() * 8) / 4]);
      reused.reset(k);
      for (const [item, score] of pairs) reused.offer(item, score);
      reused.drainInto(items, scores);
      expect(items.map((item, i) => [item, scores[i]])).toEqual(sorted(pairs).slice(0, k));
    }
  });

  it('keeps nothing for k = 0', () => {
    const best = new BestK(0);
    best.offer(1, 1);
    expect(best.drain()).toEqual([]);
  });
});
