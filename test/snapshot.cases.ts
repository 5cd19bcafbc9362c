/**
 * Model snapshots (RELEVO_SNAPSHOT, `relevo snapshot`): a server started from a snapshot and the
 * log tail after it answers exactly as one that rebuilt its models from every event, and holds
 * exactly the same model state; through views, search clicks, sales, catalog orders and a
 * privacy/forget, before and after the snapshot. A snapshot that does not fit (garbage, another
 * format, another database) is not used: start-up rebuilds. Run on SQLite and PostgreSQL.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../src/random.js';
import { testConfig } from '../src/config/config.js';
import type { ModelsSnapshot } from '../src/recommend/models.js';
import { readSnapshotFile } from '../src/recommend/snapshot-file.js';
import { buildRuntime, type Runtime } from '../src/runtime.js';
import { openStorage } from '../src/storage/open.js';
import { createStore } from '../src/stores/keys.js';
import { callerFor, makeProduct, PRIVATE_KEY, PUBLIC_KEY, type TestApp } from './helpers/app.js';

const T0 = 1_750_000_000;
const PRODUCTS = 30;

interface Instance {
  runtime: Runtime;
  call: TestApp['call'];
  /** How the models started: from the snapshot or by a rebuild. */
  started: 'snapshot' | 'rebuild';
  close(): Promise<void>;
}


export function describeSnapshots(backend: string, freshUrl: () => string, dropUrl: (url: string) => Promise<void>): void {
  describe(`model snapshots (${backend})`, () => {
    let dir: string;
    const urls: string[] = [];
    let clock = T0;
    const rnd = seededRandom(7);

    /** A server runtime on `url`; with `snapshot`, it starts from that file and writes it when closed. */
    const start = async (url: string, snapshot = ''): Promise<Instance> => {
      const storage = await openStorage(url);
      const lines: Array<{ msg?: string }> = [];
      const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
      const runtime = await buildRuntime(testConfig({ snapshot }), storage, log, () => clock);
      await runtime.app.ready();
      const started = lines.some((l) => l.msg === 'models restored from the snapshot and the log tail') ? 'snapshot' : 'rebuild';
      return { runtime, call: callerFor(runtime), started, close: async () => { await runtime.close(); await storage.close(); } };
    };
    const newDatabase = async (): Promise<string> => {
      const url = freshUrl();
      urls.push(url);
      const storage = await openStorage(url);
      await createStore(storage, { name: 'test', publicKey: PUBLIC_KEY, privateKey: PRIVATE_KEY });
      await storage.close();
      const s = await start(url);
      const products = Array.from({ length: PRODUCTS }, (_, i) => makeProduct({ id: i + 1, name: `${['Red', 'Blue', 'Oak'][i % 3]} lamp ${i + 1}`, price: 5 + i, categories: [1 + (i % 3)] }));
      expect((await s.call('product/add', { products }, { priv: true })).body.status).toBe('ok');
      await s.close();
      return url;
    };
    const ok = (res: { status: number; body: any }) => expect(res.status, JSON.stringify(res.body)).toBe(200);
    const product = () => 1 + Math.floor(rnd() * PRODUCTS);

    /** Views and clicks of a few visitors, searches clicked through (search learning). */
    const browse = async (s: Instance, visitors: string[], n: number) => {
      for (let i = 0; i < n; i++) {
        clock += 30;
        const visitor = visitors[Math.floor(rnd() * visitors.length)];
        if (i % 5 === 4) {
          const found = await s.call('search/search', { query: ['lamp', 'oak', 'red lamp'][i % 3], visitor, limit: 5 });
          ok(found);
          if (found.body.result.length > 0) ok(await s.call('log/click', { product: found.body.result[0], visitor, request_id: found.body.request_id }));
        } else {
          ok(await s.call(i % 2 ? 'log/product' : 'log/click', { product: product(), visitor }));
        }
      }
    };
    const sell = async (s: Instance, visitors: string[], n: number, tag: string) => {
      for (let i = 0; i < n; i++) {
        clock += 60;
        ok(await s.call('log/sale', { sale: `${tag}-${i}`, visitor: visitors[i % visitors.length], products: [{ id: product(), price: 10, quantity: 1 }, { id: product(), price: 7, quantity: 2 }] }));
      }
    };
    const order = async (s: Instance, id: string) => {
      clock += 60;
      ok(await s.call('orders', { orders: [{ id, products: [{ id: product(), price: 9, quantity: 1 }, { id: product(), price: 3, quantity: 1 }], time: Math.floor(clock), email: `${id}@example.com` }] }, { priv: true }));
    };

    /** What the models answer: every model-backed endpoint for a few visitors and products. */
    const answers = async (s: Instance, visitors: string[]) => {
      const out: Record<string, unknown> = {};
      const ask = async (endpoint: string, args: Record<string, unknown>) => {
        const res = await s.call(endpoint, { limit: 8, ...args });
        ok(res);
        out[`${endpoint} ${JSON.stringify(args)}`] = res.body.result;
      };
      for (const endpoint of ['popular', 'trending', 'currently_watched', 'recently_bought']) await ask(`recommendations/${endpoint}`, {});
      for (const endpoint of ['complementary', 'substituting', 'most_sold_with']) await ask(`recommendations/${endpoint}`, { products: [1, 2] });
      for (const visitor of visitors) {
        for (const endpoint of ['history', 'complementary', 'substituting']) await ask(`recommendations/visitor/${endpoint}`, { visitor });
      }
      await ask('search/search', { query: 'lamp' });
      return out;
    };
    /** The models' whole learned state, as a snapshot holds it. */
    const state = async (s: Instance): Promise<ModelsSnapshot> => {
      // The tail's next look first: it moves the cursors past this instance's own events.
      await s.runtime.models.tailOnce(s.runtime.storage, () => s.runtime.ingest.currentCommit());
      return s.runtime.models.snapshot(s.runtime.storage, (snap) => structuredClone(snap));
    };

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'relevo-snapshot-'));
    });
    afterAll(async () => {
      for (const url of urls) await dropUrl(url);
      rmSync(dir, { recursive: true, force: true });
    });

    it('starts from a snapshot with the very state a graceful stop left, events, sales and catalog orders in it', async () => {
      const url = await newDatabase();
      const file = join(dir, 'stop.snap');
      const people = ['a1', 'a2', 'a3', 'a4', 'a5'];
      const first = await start(url, file);
      expect(first.started).toBe('rebuild'); // no file yet
      await browse(first, people, 80);
      await sell(first, people, 6, 's');
      await order(first, 'o1');
      const before = await answers(first, people);
      const held = await state(first);
      await first.close(); // writes the snapshot
      expect(readSnapshotFile(file)).not.toBeNull();

      // One at a time: two instances on one database would follow each other's events.
      const restored = await start(url, file);
      expect(restored.started).toBe('snapshot');
      expect(await state(restored)).toStrictEqual(held);
      expect(await answers(restored, people)).toEqual(before);
      await restored.close();
      const rebuilt = await start(url);
      expect(rebuilt.started).toBe('rebuild');
      expect(await answers(rebuilt, people)).toEqual(before);
      await rebuilt.close();
    });

    it('catches up on the events, sales and catalog orders the logs gained after the snapshot', async () => {
      const url = await newDatabase();
      const file = join(dir, 'tail.snap');
      const people = ['b1', 'b2', 'b3', 'b4'];
      const first = await start(url, file);
      await browse(first, people, 60);
      await first.close();

      // Another instance (no snapshot of its own) keeps writing: the snapshot falls behind.
      const other = await start(url);
      await browse(other, [...people, 'b5', 'b6'], 60);
      await sell(other, ['b2', 'b5'], 3, 't');
      await order(other, 'o2');
      await other.close();

      const everyone = [...people, 'b5', 'b6'];
      const restored = await start(url, file);
      expect(restored.started).toBe('snapshot');
      const fromSnapshot = { answers: await answers(restored, everyone), state: await state(restored) };
      await restored.close();
      const rebuilt = await start(url);
      expect(fromSnapshot.answers).toEqual(await answers(rebuilt, everyone));
      expect(fromSnapshot.state).toStrictEqual(await state(rebuilt));
      await rebuilt.close();
    });

    it('forgets, on start-up from a snapshot, a person another instance forgot after it was taken', async () => {
      const url = await newDatabase();
      const file = join(dir, 'forget.snap');
      const first = await start(url, file);
      await browse(first, ['f1', 'f2', 'f3'], 40);
      ok(await first.call('log/product', { product: 5, visitor: 'f2' }));
      await first.close();
      const held = readSnapshotFile(file)!.models;
      const holds = (snap: ModelsSnapshot) => JSON.stringify(snap, (_k, v) => (v instanceof Map ? [...v.keys()] : ArrayBuffer.isView(v) ? null : v)).includes('"f2"');
      expect(holds(held)).toBe(true);

      const other = await start(url);
      ok(await other.call('privacy/forget', { visitor: 'f2' }, { priv: true }));
      await other.close();

      const restored = await start(url, file);
      try {
        expect(restored.started).toBe('snapshot');
        const history = await restored.call('recommendations/visitor/history', { visitor: 'f2', limit: 5 });
        // A person without history is shown the best sellers (SPEC §6).
        const popular = await restored.call('recommendations/popular', { limit: 5 });
        expect(history.body.result).toEqual(popular.body.result);
        const people = new Set<string>();
        restored.runtime.models.of(1).each((c) => c.people?.().visitors.forEach((v) => people.add(v)));
        expect(people.has('f2')).toBe(false);
        expect(people.has('f1')).toBe(true);
      } finally {
        await restored.close();
      }
    });

    it('rebuilds instead when the snapshot is garbage or of another database', async () => {
      const url = await newDatabase();
      const otherUrl = await newDatabase();
      const file = join(dir, 'other.snap');
      const a = await start(url, file);
      await browse(a, ['c1', 'c2'], 20);
      await a.close();
      const b = await start(otherUrl);
      await browse(b, ['d1'], 25);
      const expected = await answers(b, ['c1', 'd1']);
      await b.close();

      const onOther = await start(otherUrl, file); // a's snapshot against b's database
      expect(onOther.started).toBe('rebuild');
      expect(await answers(onOther, ['c1', 'd1'])).toEqual(expected);
      await onOther.close(); // writes b's own snapshot over a's: the next start uses it
      const again = await start(otherUrl, file);
      expect(again.started).toBe('snapshot');
      expect(await answers(again, ['c1', 'd1'])).toEqual(expected);
      await again.close();

      const garbage = join(dir, 'garbage.snap');
      writeFileSync(garbage, 'not a snapshot');
      const fromGarbage = await start(otherUrl, garbage);
      expect(fromGarbage.started).toBe('rebuild');
      expect(await answers(fromGarbage, ['c1', 'd1'])).toEqual(expected);
      await fromGarbage.close();
    });
  });
}
