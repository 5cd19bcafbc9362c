/**
 * Reference methods computed in the harness on the same split as the server: POP, Item-KNN on
 * the last item, V-SKNN, and the online adjacent co-view count of the last item padded with
 * popularity. Each ranks (at least) the top `n` items for a session prefix; the harness derives
 * the "seen excluded" variant by dropping prefix items.
 */
import type { Session } from './data.js';

export interface Method {
  name: string;
  /** An evaluation click, as it happens (only online methods learn from it). */
  observe?(session: string, item: string, time: number): void;
  /** Ranked items for the prefix (oldest first); includeSeen lets a method treat repeats its own way. */
  rank(prefix: string[], n: number, includeSeen: boolean): string[];
}

function counts(sessions: Session[]): Map<string, number> {
  const c = new Map<string, number>();
  for (const s of sessions) for (const it of s.items) c.set(it, (c.get(it) ?? 0) + 1);
  return c;
}

function byScore(m: Map<string, number>): string[] {
  return [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k);
}

/** Appends popular items not yet in the list until it has n. */
function pad(list: string[], pop: string[], n: number): string[] {
  const have = new Set(list);
  for (const p of pop) {
    if (list.length >= n) break;
    if (!have.has(p)) list.push(p);
  }
  return list;
}

/** POP: training click counts. */
export function pop(train: Session[]): Method {
  const ranking = byScore(counts(train)).slice(0, 200);
  return { name: 'POP (train clicks)', rank: (_p, n) => ranking.slice(0, n) };
}

/** Item-KNN: cosine of session co-occurrence with the last item (shrink 20), padded with POP. */
export function itemKnn(train: Session[]): Method {
  const popRank = byScore(counts(train)).slice(0, 200);
  const n = new Map<string, number>();
  const co = new Map<string, Map<string, number>>();
  for (const s of train) {
    const items = [...new Set(s.items)];
    for (const a of items) {
      n.set(a, (n.get(a) ?? 0) + 1);
      let row = co.get(a);
      if (!row) co.set(a, (row = new Map()));
      for (const b of items) if (a !== b) row.set(b, (row.get(b) ?? 0) + 1);
    }
  }
  return {
    name: 'Item-KNN (last item, cosine)',
    rank(prefix, k) {
      const last = prefix[prefix.length - 1];
      const row = co.get(last) ?? new Map<string, number>();
      const scored = new Map<string, number>();
      for (const [b, c] of row) scored.set(b, c / (Math.sqrt((n.get(last) ?? 1) * (n.get(b) ?? 1)) + 20));
      return pad(byScore(scored).slice(0, k), popRank, k);
    },
  };
}

/** V-SKNN: k=100 of the 500 most recent training sessions sharing an item; linear prefix weights. */
export function vsknn(train: Session[], k = 100, sample = 500): Method {
  const popRank = byScore(counts(train)).slice(0, 200);
  const ordered = [...train].sort((a, b) => a.times[a.times.length - 1] - b.times[b.times.length - 1]);
  const sets = ordered.map((s) => new Set(s.items));
  const byItem = new Map<string, number[]>();
  ordered.forEach((s, i) => {
    for (const it of sets[i]) {
      if (!byItem.has(it)) byItem.set(it, []);
      byItem.get(it)!.push(i);
    }
  });
  return {
    name: `V-SKNN (k=${k}, ${sample} recent sessions)`,
    rank(prefix, n) {
      const w = new Map<string, number>();
      prefix.forEach((it, i) => w.set(it, (i + 1) / prefix.length));
      const cand = new Set<number>();
      for (const it of w.keys()) for (const i of byItem.get(it) ?? []) cand.add(i);
      const recent = [...cand].sort((a, b) => b - a).slice(0, sample);
      const sims = recent.map((i) => {
        let sim = 0;
        for (const it of sets[i]) sim += w.get(it) ?? 0;
        return [i, sim] as const;
      }).sort((a, b) => b[1] - a[1]).slice(0, k);
      const scores = new Map<string, number>();
      for (const [i, sim] of sims) for (const it of sets[i]) scores.set(it, (scores.get(it) ?? 0) + sim);
      return pad(byScore(scores).slice(0, n), popRank, n);
    },
  };
}

/** Online count of adjacent co-views (a then b) of the last item, padded with online popularity. */
export function adjacentCoView(train: Session[]): Method {
  const popCount = counts(train);
  const adj = new Map<string, Map<string, number>>();
  const lastOf = new Map<string, string>();
  const addPair = (a: string, b: string) => {
    if (a === b) return;
    let row = adj.get(a);
    if (!row) adj.set(a, (row = new Map()));
    row.set(b, (row.get(b) ?? 0) + 1);
  };
  for (const s of train) for (let i = 1; i < s.items.length; i++) addPair(s.items[i - 1], s.items[i]);
  let popCache: string[] | null = null;
  return {
    name: 'Adjacent co-view of the last item + POP (online)',
    observe(session, item) {
      const prev = lastOf.get(session);
      if (prev !== undefined) addPair(prev, item);
      lastOf.set(session, item);
      popCount.set(item, (popCount.get(item) ?? 0) + 1);
      popCache = null;
    },
    rank(prefix, n) {
      popCache ??= byScore(popCount).slice(0, 200);
      const row = adj.get(prefix[prefix.length - 1]) ?? new Map<string, number>();
      return pad(byScore(row).slice(0, n), popCache, n);
    },
  };
}

/** The "quick blend": reciprocal-rank fusion of V-SKNN and the online adjacent co-view list. */
export function quickBlend(a: Method, b: Method): Method {
  return {
    name: 'Quick blend: V-SKNN + adjacent co-view (rank fusion)',
    observe: (session, item, time) => {
      a.observe?.(session, item, time);
      b.observe?.(session, item, time);
    },
    rank(prefix, n, includeSeen) {
      const scores = new Map<string, number>();
      for (const m of [a, b]) m.rank(prefix, 100, includeSeen).forEach((k, i) => scores.set(k, (scores.get(k) ?? 0) + 1 / (i + 10)));
      return byScore(scores).slice(0, n);
    },
  };
}
