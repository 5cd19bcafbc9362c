import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { impressionShows, IMPRESSION_WINDOW } from '../storage/shared.js';
import type { ImpressionJoin, ImpressionRecord } from '../storage/ports.js';
import { settleJoin } from './click-join.js';
import { ImpressionIndex, newerImpression } from './impression-index.js';

const T0 = 1_700_000_000;
const PRODUCTS = ['p1', 'p2', 'p3'];
const VISITORS = ['a', 'b'];
const WINDOW = 3;

/** What storage answers (EventStore.joinImpressions, as the conformance suite pins it) over `stored`. */
function storageAnswer(stored: ImpressionRecord[], q: ImpressionJoin, size = IMPRESSION_WINDOW): ImpressionRecord | null {
  if (q.requestId) {
    const exact = stored.find((i) => i.requestId === q.requestId);
    if (exact && exact.visitor === q.visitor) return exact;
  }
  const window = stored.filter((i) => i.visitor === q.visitor && i.time >= (q.since ?? -Infinity)).sort(newerImpression).slice(0, size);
  return window.find((i) => impressionShows(i, q.product, q)) ?? null;
}

/** The newest queued impression showing the product: what the group commit's settle prefers to older stored ones. */
function newestQueued(queued: ImpressionRecord[], q: ImpressionJoin): ImpressionRecord | null {
  return queued.filter((i) => i.visitor === q.visitor && impressionShows(i, q.product, q)).sort(newerImpression)[0] ?? null;
}

type Op =
  | { op: 'show'; visitor: number; products: boolean[]; label: number; commit: boolean; lag: number }
  | { op: 'commit' }
  | { op: 'click'; visitor: number; product: number; byRequest: number | null; label: number | null; backfill: number }
  | { op: 'tick'; seconds: number }
  | { op: 'forget'; visitor: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('show' as const), visitor: fc.nat(1), products: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), label: fc.nat(1), commit: fc.boolean(), lag: fc.constantFrom(0, 0, 1, 2) }),
  fc.record({ op: fc.constant('commit' as const) }),
  fc.record({ op: fc.constant('click' as const), visitor: fc.nat(1), product: fc.nat(2), byRequest: fc.option(fc.nat(30)), label: fc.option(fc.nat(1)), backfill: fc.constantFrom(0, 0, 0, 900, 5000) }),
  fc.record({ op: fc.constant('tick' as const), seconds: fc.constantFrom(0, 1, 30, 400) }),
  fc.record({ op: fc.constant('forget' as const), visitor: fc.nat(1) }),
);

describe('ImpressionIndex', () => {
  it('settles a join from memory only with the answer storage and the queue would give', () => {
    fc.assert(fc.property(
      fc.array(opArb, { minLength: 10, maxLength: 80 }), fc.integer({ min: 1, max: 12 }), fc.nat(6), fc.boolean(), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }),
      (ops, maxCommitted, preloaded, authoritative, loadLimit, maxPerVisitor) => {
        let now = T0;
        let n = 0;
        // A window of 3 (storage's is IMPRESSION_WINDOW) so that a visitor's newer impressions push a match out of it.
        const index = new ImpressionIndex({ maxCommitted, maxAgeSeconds: 600, authoritative, maxMisses: 3, window: WINDOW, maxPerVisitor }, () => now);
        const stored: ImpressionRecord[] = [];
        let queued: ImpressionRecord[] = [];
        const shown = (visitor: string, results: string[], label: string, time: number): ImpressionRecord => ({
          storeId: 1, requestId: `r${n++}`, time, visitor, api: 'recommendations/popular', labels: [label], input: {}, results,
        });
        // What a previous process stored; the load asks for the last 600 s, at most loadLimit.
        for (let i = 0; i < preloaded; i++) stored.push(shown(VISITORS[i % 2], PRODUCTS.slice(i % 3), 'Home', T0 - 1000 + i * 150));
        const since = now - 600;
        index.load(stored.filter((i) => i.time >= since).sort(newerImpression).slice(0, loadLimit), since, loadLimit);
        const commitAll = () => {
          for (const imp of queued) {
            stored.push(imp);
            index.committed(imp);
          }
          queued = [];
        };
        for (const o of ops) {
          if (o.op === 'show') {
            // A result's time is taken when its request began, a moment before it is queued.
            const imp = shown(VISITORS[o.visitor], PRODUCTS.filter((_, i) => o.products[i]), ['Home', 'Cart'][o.label], now - o.lag);
            queued.push(imp);
            index.add(imp);
            if (o.commit) commitAll();
          } else if (o.op === 'commit') {
            commitAll();
          } else if (o.op === 'tick') {
            now += o.seconds;
          } else if (o.op === 'forget') {
            commitAll(); // privacy/forget settles the queue first
            const visitor = VISITORS[o.visitor];
            for (let i = stored.length - 1; i >= 0; i--) if (stored[i].visitor === visitor) stored.splice(i, 1);
            index.forget(1, [visitor]);
          } else {
            const time = now - o.backfill;
            const q: ImpressionJoin = {
              visitor: VISITORS[o.visitor], product: PRODUCTS[o.product], since: time - 600,
              ...(o.byRequest !== null ? { requestId: `r${o.byRequest}` } : {}), ...(o.label !== null ? { labels: [['Home', 'Cart'][o.label]] } : {}),
            };
            const queuedMatch = newestQueued(queued, q);
            // A queued impression with the click's request_id is the one storage will hold.
            const queuedExact = queued.find((i) => i.requestId === q.requestId && i.visitor === q.visitor);
            const expected = queuedExact ?? settleJoin({ query: q, given: {}, queued: queuedMatch }, storageAnswer(stored, q, WINDOW));
            const memory = index.resolve(1, q);
            if (memory.settled) {
              expect(memory.impression).toBe(expected);
            } else {
              expect(memory.queued).toBe(queuedMatch);
              const mark = index.probeMark();
              const found = storageAnswer(stored, q, WINDOW);
              if (found === null) index.missed(1, q, mark);
              expect(settleJoin({ query: q, given: {}, queued: memory.queued }, found)).toBe(expected);
            }
          }
        }
      },
    ), { numRuns: 8000 });
  });

  it('settles from memory what the exact request ID, a held match or a remembered miss answers', () => {
    let now = T0;
    const index = new ImpressionIndex({ maxCommitted: 10, maxAgeSeconds: 600, authoritative: true }, () => now);
    index.load([], now - 600, 100);
    const imp: ImpressionRecord = { storeId: 1, requestId: 'r1', time: now, visitor: 'a', api: 'search/search', labels: ['Home'], input: {}, results: ['p1'] };
    index.add(imp);
    index.committed(imp);
    expect(index.size).toBe(1);
    expect(index.resolve(1, { visitor: 'a', product: 'p1', requestId: 'r1' })).toEqual({ settled: true, impression: imp });
    expect(index.resolve(1, { visitor: 'a', product: 'p1' })).toEqual({ settled: true, impression: imp, singleWriter: true });
    // Another visitor's request ID, or a product nobody was shown: storage is asked first.
    expect(index.resolve(1, { visitor: 'b', product: 'p1', requestId: 'r1' })).toEqual({ settled: false, queued: null });
    expect(index.resolve(1, { visitor: 'a', product: 'p9' })).toEqual({ settled: false, queued: null });
    index.missed(1, { visitor: 'a', product: 'p9' }, index.probeMark());
    expect(index.resolve(1, { visitor: 'a', product: 'p9' })).toEqual({ settled: true, impression: null, singleWriter: true });
    // An hour on, the impression has left memory: its click goes to storage again, and the miss
    // (taken before it left) is no longer trusted.
    now += 3600;
    const later: ImpressionRecord = { ...imp, requestId: 'r2', time: now, visitor: 'c' };
    index.add(later);
    index.committed(later);
    expect(index.size).toBe(1);
    expect(index.resolve(1, { visitor: 'a', product: 'p1' })).toEqual({ settled: false, queued: null });
  });

  it('stops trusting a miss once an impression queued after its probe has left memory', () => {
    const index = new ImpressionIndex({ maxCommitted: 1, maxAgeSeconds: 600, authoritative: true }, () => T0);
    index.load([], T0 - 600, 100);
    const shown = (requestId: string, visitor: string, results: string[]): ImpressionRecord => ({ storeId: 1, requestId, time: T0, visitor, api: 'search/search', labels: [], input: {}, results });
    const mark = index.probeMark();
    const during = shown('r1', 'a', ['p9']); // queued while the probe ran: storage may hold it, the probe did not see it
    index.add(during);
    index.missed(1, { visitor: 'a', product: 'p9' }, mark);
    index.committed(during);
    expect(index.resolve(1, { visitor: 'a', product: 'p9' })).toEqual({ settled: true, impression: during, singleWriter: true });
    const next = shown('r2', 'b', ['p1']);
    index.add(next);
    index.committed(next); // r1 leaves (one committed impression held)
    expect(index.byRequest(1, 'r1')).toBeNull();
    expect(index.resolve(1, { visitor: 'a', product: 'p9' })).toEqual({ settled: false, queued: null });
    // A miss whose probe saw everything up to r2 is trusted again.
    index.missed(1, { visitor: 'a', product: 'p9' }, index.probeMark());
    expect(index.resolve(1, { visitor: 'a', product: 'p9' })).toEqual({ settled: true, impression: null, singleWriter: true });
    // Another writer turned up: memory no longer settles on its own.
    index.othersWrite();
    expect(index.resolve(1, { visitor: 'a', product: 'p9' })).toEqual({ settled: false, queued: null });
  });

  it('bounds what it holds per visitor, without trusting a miss or a match across what it dropped', () => {
    const index = new ImpressionIndex({ maxCommitted: 100, maxAgeSeconds: 600, authoritative: true, maxPerVisitor: 1 }, () => T0);
    index.load([], T0 - 600, 100);
    const shown = (requestId: string, visitor: string, results: string[], time = T0): ImpressionRecord => ({ storeId: 1, requestId, time, visitor, api: 'search/search', labels: [], input: {}, results });
    const mark = index.probeMark();
    const during = shown('r1', 'a', ['p9']);
    index.add(during);
    index.missed(1, { visitor: 'a', product: 'p9' }, mark);
    index.committed(during);
    const crawl = shown('r2', 'a', ['p1'], T0 - 1); // its time a moment older, as a result's can be
    index.add(crawl);
    index.committed(crawl); // r1 is dropped: one per visitor
    expect(index.byRequest(1, 'r1')).toBeNull();
    expect(index.resolve(1, { visitor: 'a', product: 'p9' })).toEqual({ settled: false, queued: null });
    expect(index.resolve(1, { visitor: 'a', product: 'p1' })).toEqual({ settled: false, queued: null });
    // Other visitors keep the global bounds.
    const other = shown('r3', 'b', ['p1']);
    index.add(other);
    index.committed(other);
    expect(index.resolve(1, { visitor: 'b', product: 'p1' })).toEqual({ settled: true, impression: other, singleWriter: true });
  });

  it('on a store with other writers, settles only exact request IDs and queued matches', () => {
    const index = new ImpressionIndex({ maxCommitted: 10, maxAgeSeconds: 600, authoritative: false }, () => T0);
    index.load([], T0 - 600, 100);
    const imp: ImpressionRecord = { storeId: 1, requestId: 'r1', time: T0, visitor: 'a', api: 'search/search', labels: [], input: {}, results: ['p1'] };
    index.add(imp);
    expect(index.resolve(1, { visitor: 'a', product: 'p1' })).toEqual({ settled: true, impression: imp });
    index.committed(imp);
    expect(index.resolve(1, { visitor: 'a', product: 'p1', requestId: 'r1' })).toEqual({ settled: true, impression: imp });
    expect(index.resolve(1, { visitor: 'a', product: 'p1' })).toEqual({ settled: false, queued: null });
    index.missed(1, { visitor: 'a', product: 'p9' }, index.probeMark());
    expect(index.resolve(1, { visitor: 'a', product: 'p9' })).toEqual({ settled: false, queued: null });
    // Another instance forgot someone in the store: nothing of it is held any more.
    index.forgetStore(1);
    expect(index.resolve(1, { visitor: 'a', product: 'p1', requestId: 'r1' })).toEqual({ settled: false, queued: null });
  });

  it('drops an impression whose commit failed', () => {
    const index = new ImpressionIndex({ maxCommitted: 10, maxAgeSeconds: 600, authoritative: true }, () => T0);
    const imp: ImpressionRecord = { storeId: 1, requestId: 'r1', time: T0, visitor: 'a', api: 'search/search', labels: [], input: {}, results: ['p1'] };
    index.add(imp);
    index.failed(imp);
    expect(index.byRequest(1, 'r1')).toBeNull();
    expect(index.size).toBe(0);
  });
});
