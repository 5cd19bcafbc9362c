import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../../test/helpers/app.js';
import { countReplayInput, detectFormat, replayContext, replayFile, type ReplayOptions } from './replay.js';

const OTTO_SAMPLE = fileURLToPath(new URL('../../../shared/data/otto-sample/train.jsonl', import.meta.url));
const T = 1_659_304_800_000; // OTTO timestamps are unix milliseconds

const ottoLines = [
  { session: 1, events: [
    { aid: 101, ts: T, type: 'clicks' }, { aid: 102, ts: T + 1000, type: 'clicks' }, { aid: 102, ts: T + 2000, type: 'carts' },
    // One checkout of two articles, then a second checkout later.
    { aid: 102, ts: T + 3000, type: 'orders' }, { aid: 103, ts: T + 3000, type: 'orders' },
    { aid: 104, ts: T + 4000, type: 'clicks' }, { aid: 104, ts: T + 5000, type: 'orders' },
  ] },
  { session: 2, events: [{ aid: 201, ts: T, type: 'clicks' }, { aid: 201, ts: T + 500, type: 'clicks' }] },
];

// Session 5 comes back after session 6 (an unsorted file): its events must still go in order.
const yoochoose = ['SessionId\tItemId\tTime', '5\t11\t1396437466.94', '5\t12\t1396437500.5', '5\t11\t1396437600', '6\t13\t1396437466', '5\t14\t1396437700.25', ''].join('\n');

describe('replayFile', () => {
  let t: TestApp;
  let dir: string;
  let opts: Omit<ReplayOptions, 'format'>;
  beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'relevo-replay-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    t = await makeTestApp();
    const store = (await t.runtime.storage.stores.findStoreByName('test'))!;
    opts = { tracker: t.runtime.tracker, ctx: replayContext(store), concurrency: 8 };
  });
  afterEach(() => t.close());

  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const info = async (visitor: string) => (await t.call('privacy/info', { visitor }, { priv: true })).body as { status: string; orders: unknown[]; activity: Array<{ type: string; product?: unknown; time: number }> };
  const countTypes = (activity: Array<{ type: string }>) => activity.reduce<Record<string, number>>((acc, a) => ({ ...acc, [a.type]: (acc[a.type] ?? 0) + 1 }), {});

  it('replays OTTO sessions: clicks, cart adds, and the orders of one ts as one sale', async () => {
    const path = write('otto.jsonl', ottoLines.map((l) => JSON.stringify(l)).join('\n'));
    const progress: number[] = [];
    const result = await replayFile(path, { ...opts, onProgress: (p) => progress.push(p.events) });
    expect(result).toEqual({ sessions: 2, events: { product: 0, click: 5, cart: 1, sale: 3 } });
    expect(await countReplayInput(path)).toEqual({ sessions: 2, byType: { product: 0, click: 5, cart: 1, sale: 3 } });
    expect(progress.at(-1)).toBe(9);

    const one = await info('o1');
    expect(one.status).toBe('ok');
    expect(countTypes(one.activity)).toEqual({ click: 3, cart: 1, sale: 3 });
    expect([...one.orders].sort()).toEqual([`o1-${T + 3000}`, `o1-${T + 5000}`]);
    const sold = one.activity.filter((a) => a.type === 'sale').map((a) => [a.product, a.time]);
    expect(sold).toEqual(expect.arrayContaining([[102, (T + 3000) / 1000], [103, (T + 3000) / 1000], [104, (T + 5000) / 1000]]));
    expect(countTypes((await info('o2')).activity)).toEqual({ click: 2 });
  });

  it('is idempotent on sales when the same file is replayed again', async () => {
    const path = write('otto-twice.jsonl', JSON.stringify(ottoLines[0]));
    await replayFile(path, opts);
    await replayFile(path, opts);
    const one = await info('o1');
    // Clicks and carts are events (recorded twice); a sale is counted once per sale ID.
    expect(countTypes(one.activity)).toEqual({ click: 6, cart: 2, sale: 3 });
    expect(one.orders).toHaveLength(2);
  });

  it('replays yoochoose rows as product views, in order per visitor, with their float times', async () => {
    const path = write('yoo.tsv', yoochoose);
    const result = await replayFile(path, { ...opts, format: 'yoochoose' });
    expect(result).toEqual({ sessions: 3, events: { product: 5, click: 0, cart: 0, sale: 0 } });
    expect(countTypes((await info('y5')).activity)).toEqual({ product: 4 });
    expect((await info('y6')).activity).toEqual([expect.objectContaining({ visitor: 'y6', type: 'product', product: '13', time: 1396437466 })]);
    const store = (await t.runtime.storage.stores.findStoreByName('test'))!;
    const stored = await t.runtime.storage.events.eventsOfVisitors(store.id, ['y5']);
    const bySeq = [...stored].sort((a, b) => a.seq - b.seq);
    expect(bySeq.map((e) => [e.product, e.time])).toEqual([['11', 1396437466.94], ['12', 1396437500.5], ['11', 1396437600], ['14', 1396437700.25]]);
  });

  it('detects the format from the first line', async () => {
    expect(detectFormat('SessionId\tItemId\tTime')).toBe('yoochoose');
    expect(detectFormat('{"session":1,"events":[]}')).toBe('otto');
    expect(detectFormat('a,b,c')).toBeNull();
    const result = await replayFile(write('auto.tsv', yoochoose), opts);
    expect(result.events.product).toBe(5);
  });

  it('names the line of a malformed row and keeps what came before it', async () => {
    const bad = ['SessionId\tItemId\tTime', '7\t1\t1396437466', '7\t2\tyesterday'].join('\n');
    await expect(replayFile(write('bad.tsv', bad), opts)).rejects.toThrow(/^line 3: Time "yesterday" must be unix seconds/);
    const otto = `${JSON.stringify(ottoLines[1])}\n{"session":3,"events":[{"aid":1,"ts":5,"type":"views"}]}\n`;
    await expect(replayFile(write('bad.jsonl', otto), opts)).rejects.toThrow(/^line 2: events\[0\]\.type must be clicks, carts or orders/);
    await expect(replayFile(write('unknown.csv', 'a,b,c\n'), opts)).rejects.toThrow(/^line 1: unknown format/);
    expect(countTypes((await info('o2')).activity)).toEqual({ click: 2 });
  });

  it('refuses a context without the private key (replayed events carry their own time)', async () => {
    await expect(replayFile(write('x.jsonl', JSON.stringify(ottoLines[1])), { ...opts, ctx: { ...opts.ctx, privileged: false } })).rejects.toThrow(/privileged/);
  });

  const hasSample = existsSync(OTTO_SAMPLE);
  if (!hasSample) console.warn(`\n*** SKIPPED the OTTO sample replay: ${OTTO_SAMPLE} is missing ***\n`);

  it.skipIf(!hasSample)('replays the whole OTTO sample: every session has its own counts back through privacy/info', async () => {
    const sessions = readFileSync(OTTO_SAMPLE, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { session: number; events: Array<{ type: string; ts: number }> });
    const result = await replayFile(OTTO_SAMPLE, { ...opts, concurrency: 64 });
    expect(result).toEqual({ sessions: 20, events: { product: 0, click: 800, cart: 52, sale: 10 } });
    expect(await countReplayInput(OTTO_SAMPLE)).toEqual({ sessions: 20, byType: { product: 0, click: 800, cart: 52, sale: 10 } });
    const totals = { click: 0, cart: 0, sale: 0 };
    for (const s of sessions) {
      const want = { click: 0, cart: 0, sale: 0 };
      for (const e of s.events) want[({ clicks: 'click', carts: 'cart', orders: 'sale' } as const)[e.type as 'clicks']]++;
      const body = await info(`o${s.session}`);
      const got = countTypes(body.activity);
      expect({ session: s.session, click: got.click ?? 0, cart: got.cart ?? 0, sale: got.sale ?? 0 }).toEqual({ session: s.session, ...want });
      expect(body.orders).toHaveLength(new Set(s.events.filter((e) => e.type === 'orders').map((e) => e.ts)).size);
      for (const k of ['click', 'cart', 'sale'] as const) totals[k] += got[k] ?? 0;
    }
    expect(totals).toEqual({ click: 800, cart: 52, sale: 10 });
  });
});
