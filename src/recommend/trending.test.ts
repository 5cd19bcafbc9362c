import { describe, expect, it } from 'vitest';
import { growthScore, Trending, TRENDING_WINDOW_SECONDS } from './trending.js';

const DAY = TRENDING_WINDOW_SECONDS;
const NOW = 1_750_000_000;

describe('growthScore', () => {
  it('rewards growth, more with volume', () => {
    expect(growthScore(6, 3)).toBeGreaterThan(0);
    expect(growthScore(60, 30)).toBeGreaterThan(growthScore(6, 3));
    expect(growthScore(3, 6)).toBeLessThan(0);
    expect(growthScore(0, 0)).toBe(0);
  });
});

describe('Trending', () => {
  it('ranks the growing product above the big but shrinking one', () => {
    const m = new Trending();
    for (let i = 0; i < 20; i++) m.add('big', NOW - DAY - 3600, 1);
    for (let i = 0; i < 10; i++) m.add('big', NOW - 3600, 1);
    for (let i = 0; i < 5; i++) m.add('rising', NOW - 3600, 1);
    expect(m.ranking(NOW)).toEqual(['rising']);
  });

  it('weighs orders above views', () => {
    const m = new Trending();
    m.add('sold', NOW - 60, 0);
    m.add('viewed', NOW - 60, 1);
    m.add('viewed', NOW - 60, 1);
    expect(m.ranking(NOW)).toEqual(['sold', 'viewed']);
  });

  it('ignores activity older than two windows', () => {
    const m = new Trending();
    m.add('a', NOW, 1);
    m.add('old', NOW - 3 * DAY, 1);
    expect(m.ranking(NOW)).toEqual(['a']);
  });
});
