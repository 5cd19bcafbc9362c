/**
 * The evaluation through the HTTP API: a Relevo server in a child process on a temporary SQLite
 * database; products created with product/add; training clicks sent with log/product (private
 * key, backfilled time; visitors in parallel, each visitor's clicks in order); then, for every
 * prefix of every test session, the click is sent and recommendations are asked for.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnRelevo } from '../bench/lib/processes.js';
import { createBenchStore } from '../bench/lib/stores.js';
import { Client } from './http-client.js';
import { byStart, eventsInTimeOrder, type Split } from './data.js';
import { Metrics, withoutSeen } from './metrics.js';
import type { MethodResult } from './offline.js';

export interface HttpReplay {
  results: MethodResult[];
  /** Endpoints that did not exist on the server (reported as n/a). */
  missing: string[];
  trainSeconds: number;
}

/** Product IDs as the data spells them: numbers when numeric, so Clerk clients see numbers. */
const asId = (item: string): string | number => (/^\d{1,15}$/.test(item) ? Number(item) : item);

/** Runs the whole HTTP protocol on a fresh server; progress goes to stderr. */
export async function replayOverHttp(split: Split, log: (line: string) => void): Promise<HttpReplay> {
  const dir = mkdtempSync(join(tmpdir(), 'relevo-eval-'));
  const url = `sqlite:${join(dir, 'eval.db')}`;
  const store = await createBenchStore(url);
  const server = await spawnRelevo(url, { RELEVO_DEMO: '0' });
  try {
    const client = new Client(`http://127.0.0.1:${server.port}`, store);
    const items = [...new Set([...split.train, ...split.test].flatMap((s) => s.items))];
    for (let i = 0; i < items.length; i += 500) {
      const products = items.slice(i, i + 500).map((it) => ({ id: asId(it), name: `Item ${it}`, url: `https://eval.example/p/${it}` }));
      await client.must('product/add', { products }, true);
    }
    log(`eval: ${items.length} products added; sending ${split.train.reduce((n, s) => n + s.items.length, 0)} training clicks…`);
    const started = Date.now();
    await sendTraining(client, split);
    const trainSeconds = (Date.now() - started) / 1000;
    log(`eval: training clicks sent in ${trainSeconds.toFixed(1)} s; replaying ${split.test.length} test sessions…`);
    return { ...(await replayTest(client, split, items.length, log)), trainSeconds };
  } finally {
    await server.stop();
    await store.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Training clicks in global time order, 256 in flight, each visitor's next click after its previous one. */
async function sendTraining(client: Client, split: Split): Promise<void> {
  const chains = new Map<string, Promise<void>>();
  const inFlight = new Set<Promise<void>>();
  for (const e of eventsInTimeOrder(split.train)) {
    const visitor = `t${e.session}`;
    const p: Promise<void> = (chains.get(visitor) ?? Promise.resolve()).then(async () => {
      await client.must('log/product', { product: asId(e.item), visitor, time: e.time }, true);
    });
    chains.set(visitor, p);
    const tracked = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= 256) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

/** Each test session in start order; per prefix: the click, then each recommendation call. */
async function replayTest(client: Client, split: Split, catalog: number, log: (line: string) => void): Promise<{ results: MethodResult[]; missing: string[] }> {
  const calls = [
    { name: 'visitor/complementary (excl. seen)', endpoint: 'recommendations/visitor/complementary', args: {} as Record<string, unknown>, variant: 'excluded' as const },
    { name: 'visitor/complementary (include_seen)', endpoint: 'recommendations/visitor/complementary', args: { include_seen: true }, variant: 'allowed' as const },
    // substituting never returns the given product unless include_seen (a Relevo extension) asks
    // for it, so "repeats allowed" is measured with include_seen, as for visitor/complementary.
    { name: 'substituting (products=[last])', endpoint: 'recommendations/substituting', args: {}, variant: 'excluded' as const },
    { name: 'substituting (products=[last], include_seen)', endpoint: 'recommendations/substituting', args: { include_seen: true }, variant: 'allowed' as const },
  ];
  const metrics = calls.map(() => ({ excluded: new Metrics(), allowed: new Metrics() }));
  const missing = new Set<string>();
  let done = 0;
  for (const s of byStart(split.test)) {
    const visitor = `e${s.id}`;
    for (let p = 0; p < s.items.length - 1; p++) {
      await client.must('log/product', { product: asId(s.items[p]), visitor, time: s.times[p] }, true);
      const seen = new Set(s.items.slice(0, p + 1));
      const target = s.items[p + 1];
      for (const [i, c] of calls.entries()) {
        if (missing.has(c.endpoint)) continue;
        const args = c.endpoint === 'recommendations/substituting' ? { products: [asId(s.items[p])] } : { visitor };
        const r = await client.call(c.endpoint, { limit: 20, ...args, ...c.args });
        if (r.status === 404) {
          missing.add(c.endpoint);
          continue;
        }
        if (r.status !== 200) throw new Error(`${c.endpoint} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
        const ranked = (r.body.result as Array<string | number>).map(String);
        if (c.variant !== 'allowed') metrics[i].excluded.add(withoutSeen(ranked, seen), target, r.ms);
        if (c.variant !== 'excluded') metrics[i].allowed.add(ranked, target, r.ms);
      }
    }
    if (++done % 500 === 0) log(`eval: ${done}/${split.test.length} test sessions`);
  }
  const results = calls.filter((c) => !missing.has(c.endpoint)).map((c) => {
    const i = calls.indexOf(c);
    return { name: c.name, excluded: metrics[i].excluded.summary(catalog), allowed: metrics[i].allowed.summary(catalog) };
  });
  return { results, missing: [...missing] };
}
