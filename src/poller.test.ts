import { describe, expect, it } from 'vitest';
import { Poller } from './poller.js';

describe('Poller', () => {
  it('runs at once on wake, queues one more run for a wake during a run, and ignores wakes when stopped', async () => {
    let runs = 0;
    let release: () => void = () => undefined;
    const poller = new Poller(() => new Promise<void>((resolve) => {
      runs++;
      release = resolve;
    }), () => undefined);
    poller.wake();
    expect(runs).toBe(0); // not started
    poller.start(60_000);
    poller.wake();
    expect(runs).toBe(1);
    poller.wake();
    poller.wake();
    expect(runs).toBe(1); // one at a time
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(runs).toBe(2); // the wakes during the run folded into one more
    release();
    await poller.stop();
    poller.wake();
    expect(runs).toBe(2);
  });

  it('tells whether a run is in progress and resolves settled() when it ends', async () => {
    let release: () => void = () => undefined;
    const poller = new Poller(() => new Promise<void>((resolve) => (release = resolve)), () => undefined);
    expect(poller.busy).toBe(false);
    await poller.settled(); // nothing running: at once
    poller.start(60_000);
    poller.wake();
    expect(poller.busy).toBe(true);
    let ended = false;
    const settled = poller.settled().then(() => (ended = true));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(ended).toBe(false);
    release();
    await settled;
    expect(poller.busy).toBe(false);
    await poller.stop();
  });
});
