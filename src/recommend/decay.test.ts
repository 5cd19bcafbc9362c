import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { DecayingCounter } from './decay.js';

/** The ranking by a full sort, as the counter would compute it from scratch. */
function fresh(events: Array<[string, number, number]>, now: number, halfLife: number): string[] {
  const c = new DecayingCounter(halfLife);
  for (const [k, t, w] of events) c.add(k, t, w);
  return [...c.ranked(now)];
}

describe('DecayingCounter.ranked', () => {
  it('ranks by decayed score, ties by key', () => {
    const c = new DecayingCounter(3600);
    c.add('b', 0);
    c.add('a', 0);
    c.add('c', 3600, 1.5); // 1.5 now against 0.5 for the others after one half-life
    expect([...c.ranked(3600)]).toEqual(['c', 'a', 'b']);
  });

  // Few changed keys between calls (merged lazily), many (written back: at least 64 keys, below
  // an eighth of all), and most (sorted afresh); with time standing still, scores tie often.
  for (const [keys, every, pace] of [[300, 7, 120], [3000, 40, 120], [100, 30, 120], [300, 5, 0], [3000, 40, 0]] as const) {
    it(`keeps its ranking equal to a full sort through adds, deletes and time (${keys} keys, a call every ${every} steps, ${pace} s apart)`, () => {
      const random = seededRandom(7 + keys);
      const c = new DecayingCounter(600);
      let events: Array<[string, number, number]> = [];
      let t = 1_000_000;
      for (let step = 0; step < 1200; step++) {
        t += random() * pace;
        const n = 1 + Math.floor(random() * 3);
        for (let i = 0; i < n; i++) {
          const key = `p${Math.floor(random() ** 2 * keys)}`;
          const w = 1 + Math.floor(random() * 3);
          events.push([key, t, w]);
          c.add(key, t, w);
        }
        if (random() < 0.05) {
          const gone = events[Math.floor(random() * events.length)][0];
          events = events.filter(([k]) => k !== gone);
          c.delete(gone);
        }
        if (step % every === 0) {
          const now = t + (pace > 0 ? random() * 60 : 0);
          expect([...c.ranked(now)]).toEqual(fresh(events, now, 600));
        }
      }
    });
  }

  it('walks the keys ranked when asked, once each, whatever is added or deleted during the walk', () => {
    const c = new DecayingCounter(600);
    for (let i = 0; i < 200; i++) c.add(`p${i}`, 1000 + i, 1 + (i % 7));
    expect([...c.ranked(2000)]).toHaveLength(200); // a full ranking to merge into
    for (let i = 0; i < 10; i++) c.add(`p${i * 3}`, 1500, 5);
    const expected = [...c.ranked(2000)];
    const walk = c.ranked(2000)[Symbol.iterator]();
    const seen = [walk.next().value];
    c.add('p199', 1600, 50); // moves to the top after the walk began
    c.delete('p150');
    c.add('new', 1600, 1);
    for (let r = walk.next(); !r.done; r = walk.next()) seen.push(r.value);
    expect(seen).toEqual(expected.filter((k) => k !== 'p150'));
    expect([...c.ranked(2000)][0]).toBe('p199');
  });

  it('sorts afresh when asked for a time before an event (backfill in the future of now)', () => {
    const c = new DecayingCounter(60);
    c.add('a', 100, 2);
    c.add('b', 0, 3);
    expect([...c.ranked(100)]).toEqual(['a', 'b']); // b decayed to 0.0 after 100 s
    c.add('b', 200, 1); // an event after `now`: b counts 1 (+ 3 decayed to nothing), undecayed
    expect([...c.ranked(100)]).toEqual(['a', 'b']);
    expect([...c.ranked(200)]).toEqual(['b', 'a']); // a: 2 decayed over 100 s ≈ 0.63, b: 1
    c.add('a', 200, 1);
    expect([...c.ranked(200)]).toEqual(['a', 'b']);
  });
});
