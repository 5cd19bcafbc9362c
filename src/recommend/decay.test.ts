import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { DecayingCounter } from './decay.js';

/** The ranking by a full sort, as the counter would compute it from scratch. */
function fresh(events: Array<[string, number, number]>, now: number, halfLife: number): readonly string[] {
  const c = new DecayingCounter(halfLife);
  for (const [k, t, w] of events) c.add(k, t, w);
  return c.ranked(now);
}

describe('DecayingCounter.ranked', () => {
  it('ranks by decayed score, ties by key', () => {
    const c = new DecayingCounter(3600);
    c.add('b', 0);
    c.add('a', 0);
    c.add('c', 3600, 1.5); // 1.5 now against 0.5 for the others after one half-life
    expect(c.ranked(3600)).toEqual(['c', 'a', 'b']);
  });

  it('keeps an incrementally updated ranking equal to a full sort through adds, deletes and time', () => {
    const random = seededRandom(7);
    const c = new DecayingCounter(600);
    let events: Array<[string, number, number]> = [];
    let t = 1_000_000;
    for (let step = 0; step < 400; step++) {
      t += random() * 120;
      const n = 1 + Math.floor(random() * 3);
      for (let i = 0; i < n; i++) {
        const key = `p${Math.floor(random() ** 2 * 300)}`;
        const w = 1 + Math.floor(random() * 3);
        events.push([key, t, w]);
        c.add(key, t, w);
      }
      if (random() < 0.05) {
        const gone = events[Math.floor(random() * events.length)][0];
        events = events.filter(([k]) => k !== gone);
        c.delete(gone);
      }
      if (step % 7 === 0) {
        const now = t + random() * 60;
        expect(c.ranked(now)).toEqual(fresh(events, now, 600));
      }
    }
  });

  it('sorts afresh when asked for a time before an event (backfill in the future of now)', () => {
    const c = new DecayingCounter(60);
    c.add('a', 100, 2);
    c.add('b', 0, 3);
    expect(c.ranked(100)).toEqual(['a', 'b']); // b decayed to 0.0 after 100 s
    c.add('b', 200, 1); // an event after `now`: b counts 1 (+ 3 decayed to nothing), undecayed
    expect(c.ranked(100)).toEqual(['a', 'b']);
    expect(c.ranked(200)).toEqual(['b', 'a']); // a: 2 decayed over 100 s ≈ 0.63, b: 1
    c.add('a', 200, 1);
    expect(c.ranked(200)).toEqual(['a', 'b']);
  });
});
