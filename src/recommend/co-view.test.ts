import { describe, expect, it } from 'vitest';
import { CO_VIEW_BACKWARD, CO_VIEW_DECAY, CoView, coViewEdges, SESSION_GAP_SECONDS } from './co-view.js';

describe('coViewEdges', () => {
  it('links a view to the previous ones, both ways, weaker with distance and backwards', () => {
    expect(coViewEdges(['a', 'b'], 'c')).toEqual([
      ['b', 'c', 1], ['c', 'b', CO_VIEW_BACKWARD],
      ['a', 'c', CO_VIEW_DECAY], ['c', 'a', CO_VIEW_DECAY * CO_VIEW_BACKWARD],
    ]);
  });

  it('ignores a re-view of the same product', () => {
    expect(coViewEdges(['a'], 'a')).toEqual([]);
  });
});

describe('CoView', () => {
  it('ranks the next view of other sessions first', () => {
    const m = new CoView();
    m.addView('v1', 'a', 0);
    m.addView('v1', 'b', 1);
    m.addView('v2', 'a', 0);
    m.addView('v2', 'b', 1);
    m.addView('v3', 'c', 0);
    m.addView('v3', 'a', 1);
    const n = m.neighbours(['a']);
    expect(n.get('b')).toBeGreaterThan(n.get('c')!);
  });

  it('does not link views across a session gap', () => {
    const m = new CoView();
    m.addView('v', 'a', 0);
    m.addView('v', 'b', SESSION_GAP_SECONDS + 1);
    expect(m.neighbours(['a']).size).toBe(0);
  });

  it('bounds the visitor trails, dropping the least recently active', () => {
    const m = new CoView(2);
    m.addView('v1', 'a', 0);
    m.addView('v2', 'a', 1);
    m.addView('v1', 'b', 2); // v1 is active again
    m.addView('v3', 'a', 3); // v2 goes
    expect(m.trailCount).toBe(2);
    m.addView('v2', 'c', 4); // a fresh trail: no link to a
    expect(m.neighbours(['c']).has('a')).toBe(false);
  });

  it('second hop reaches neighbours of neighbours', () => {
    const m = new CoView();
    m.addView('v1', 'a', 0);
    m.addView('v1', 'b', 1);
    m.addView('v2', 'b', 0);
    m.addView('v2', 'c', 1);
    const direct = m.neighbours(['a']);
    expect([...direct.keys()]).toEqual(['b']);
    expect([...m.secondHop(direct).keys()].sort()).toEqual(['a', 'c']); // callers drop the query items
  });

  it('forget drops the trail of a visitor', () => {
    const m = new CoView();
    m.addView('v', 'a', 0);
    m.forget({ visitors: ['v'], emails: [], customers: [] });
    m.addView('v', 'b', 1);
    expect(m.neighbours(['a']).size).toBe(0);
  });
});
