import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.js';

describe('RateLimiter', () => {
  it('allows a burst, then one call per 1/rate seconds, per store and client', () => {
    let now = 100;
    const limiter = new RateLimiter(2, 3, () => now);
    expect([1, 2, 3, 4].map(() => limiter.take(1, 'a'))).toEqual([0, 0, 0, 0.5]);
    expect(limiter.take(1, 'b')).toBe(0); // another client
    expect(limiter.take(2, 'a')).toBe(0); // the same client in another store
    now += 0.25;
    expect(limiter.take(1, 'a')).toBeCloseTo(0.25, 9); // half a token refilled
    now += 0.25;
    expect(limiter.take(1, 'a')).toBe(0);
    now += 60;
    expect([1, 2, 3, 4].map(() => limiter.take(1, 'a'))).toEqual([0, 0, 0, 0.5]); // refills up to the burst only
  });

  it('forgets the least recently seen clients past its bound', () => {
    const limiter = new RateLimiter(1, 1, () => 0, 3);
    for (const ip of ['a', 'b', 'c', 'd']) limiter.take(1, ip);
    expect(limiter.clients).toBe(3);
    expect(limiter.take(1, 'a')).toBe(0); // dropped, so a fresh bucket
    expect(limiter.take(1, 'd')).toBe(1); // kept: its one token is spent
  });
});
