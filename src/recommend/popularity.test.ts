import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { Popularity, VIEWS_HALF_LIFE_SECONDS, type SlotKeys } from './popularity.js';

/** A popularity model fed random orders and views, some backfilled, over `days`. */
function fed(seed: number, days: number): { p: Popularity; last: number } {
  const random = seededRandom(seed);
  const p = new Popularity();
  let t = 1_700_000_000;
  for (let i = 0; i < 3000; i++) {
    t += random() * ((days * 86400) / 3000);
    const at = random() < 0.1 ? t - random() * 86400 * 3 : t; // a tenth backfilled, up to 3 days
    const key = `p${Math.floor(random() ** 2 * 200)}`;
    if (random() < 0.2) p.addOrder([key, `p${Math.floor(random() * 200)}`], at);
    else p.addView(key, at);
  }
  return { p, last: t };
}

describe('Popularity', () => {
  it('weighs each product as its two counters do (orders + a tenth of views), across a rebase of its normalised form', () => {
    // About 10,000 days of events: e^(rate·t) at the views' 7-day half-life (e^990) overflows a double unless rebased
    for (const days of [30, 20_000]) {
      const { p, last } = fed(days, days);
      for (const now of [last, last + 3600, last + 86400 * 40]) {
        const weight = p.weigher(now);
        for (let i = 0; i < 200; i++) {
          const key = `p${i}`;
          const expected = p.orders.score(key, now) + 0.1 * p.views.score(key, now);
          expect(weight(key)).toBeCloseTo(expected, 9);
          if (expected > 0) expect(Math.abs(weight(key) / expected - 1)).toBeLessThan(1e-9);
        }
      }
      if (days > 30) expect(Math.exp((Math.LN2 / VIEWS_HALF_LIFE_SECONDS) * (last - 1_700_000_000))).toBe(Infinity);
    }
  });

  it('weighs the same after a snapshot and restore', () => {
    const { p, last } = fed(5, 60);
    const copy = new Popularity();
    copy.restore(structuredClone(p.snapshot()));
    const a = p.weigher(last + 10);
    const b = copy.weigher(last + 10);
    for (let i = 0; i < 200; i++) expect(b(`p${i}`)).toBeCloseTo(a(`p${i}`), 9);
    expect(new Popularity().weigher(last)('p1')).toBe(0);
  });

  it('ranks ordered products by orders, then the never-ordered by views, each product once', () => {
    const { p, last: fedUntil } = fed(9, 20);
    let last = fedUntil;
    const ranking = [...p.ranking(last)];
    const ordered = [...p.orders.ranked(last)];
    const viewedOnly = [...p.views.ranked(last)].filter((k) => !p.orders.has(k));
    expect(ranking).toEqual([...ordered, ...viewedOnly]);
    expect(new Set(ranking).size).toBe(ranking.length);
    // kept right as products are viewed and first ordered after it was built
    const random = seededRandom(4);
    for (let i = 0; i < 300; i++) {
      const key = `p${Math.floor(random() * 260)}`;
      if (random() < 0.3) p.addOrder([key], last + i);
      else p.addView(key, last + i);
      if (i % 10 === 0) {
        const now = last + i;
        expect([...p.ranking(now)]).toEqual([...p.orders.ranked(now), ...[...p.views.ranked(now)].filter((k) => !p.orders.has(k))]);
      }
    }
    last += 300;
    // the ranking is re-iterable, and a product newly ordered moves in
    const r = p.ranking(last + 1);
    expect([...r]).toEqual([...r]);
    p.addOrder(['fresh'], last + 1);
    p.addOrder(['fresh'], last + 1);
    p.addOrder(['fresh'], last + 1);
    expect([...p.ranking(last + 1)].indexOf('fresh')).toBeLessThan(ordered.length);
  });

  it('weighs by slot exactly as by key, through changes, new and replaced slots, a long gap, a restore and a rebase', () => {
    const random = seededRandom(11);
    // A search index's slots: a replaced document gets a new slot, its old one stays dead.
    const slotKey: string[] = [];
    const live = new Map<string, number>();
    const index: SlotKeys = { get slotCount() { return slotKey.length; }, keyOf: (slot) => slotKey[slot], slotOf: (key) => live.get(key) ?? -1 };
    const upsert = (key: string) => {
      live.set(key, slotKey.length);
      slotKey.push(key);
    };
    for (let i = 0; i < 100; i++) upsert(`p${i}`);
    let p = new Popularity();
    expect(p.slotWeigher(index, 0)(3)).toBe(0);
    let t = 1_700_000_000;
    const check = (now: number) => {
      const bySlot = p.slotWeigher(index, now);
      const byKey = p.weigher(now);
      for (const [key, slot] of live) expect(bySlot(slot)).toBeCloseTo(byKey(key), 9);
    };
    const add = (key: string) => {
      if (random() < 0.2) p.addOrder([key], t);
      else p.addView(key, t);
    };
    for (let round = 0; round < 60; round++) {
      if (round % 20 === 19) {
        // a long gap: more changes than the log holds between two calls, the keys changed
        // early not changed again
        for (let i = 0; i < 140; i++) add(`p${i}`);
        for (let i = 0; i < 20_000; i++) add('p7');
      }
      if (round === 40) t += 30 * 365 * 86400; // 30 years on: a rebase
      for (let i = Math.floor(random() * 30); i > 0; i--) {
        t += random() * 60;
        add(`p${Math.floor(random() * 140)}`); // some not in the index yet
      }
      if (random() < 0.3) upsert(`p${Math.floor(random() * 140)}`);
      if (round === 30) {
        // this very model restored from another's snapshot
        const other = new Popularity();
        for (let i = 0; i < 140; i += 3) other.addView(`p${i}`, t - i);
        p.restore(structuredClone(other.snapshot()));
      }
      check(t + random() * 100);
    }
  });
});
