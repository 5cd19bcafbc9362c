/**
 * Mixed-load benchmark (issue 17): 70 % `log/*` (clicks, product views, sales of 3 lines), 20 %
 * `recommendations/visitor/complementary`, 10 % `search/search`, at 100 keep-alive connections,
 * against one Relevo on SQLite and one and two workers (`--workers`) on PostgreSQL. Each
 * configuration gets a fresh database seeded with the same catalog and history before start-up.
 * Every `log/*` answered 2xx is counted by type; after a graceful stop the database is counted
 * again, and any acknowledged event missing from it is reported as lost (the run fails on one).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { Section } from './foundation.js';
import { fmt } from './lib/load.js';
import { spawnFloor, spawnRelevo, type Child } from './lib/processes.js';
import { countStoredRecords, dropPostgresSchema } from './lib/stores.js';
import { seedRecommendationStore, type RecommendationBenchSize } from './recommendations.js';

const SIZE: RecommendationBenchSize = { products: 5_000, visitors: 20_000, eventsPerVisitor: 5 };
const QUERIES = ['laptop', 'red speaker', 'printer brand7', 'camra', 'monitor', 'product 42', 'brand12 laptop', 'blue'];

type Kind = 'click' | 'product' | 'sale' | 'recommend' | 'search';
/** The mix, in tenths: 4 clicks, 2 product views, 1 sale (70 % log/*), 2 recommendations, 1 search. */
const MIX: readonly Kind[] = ['click', 'recommend', 'product', 'click', 'search', 'sale', 'click', 'recommend', 'product', 'click'];
const LOGGED: Record<string, 'click' | 'product' | 'sale'> = { click: 'click', product: 'product', sale: 'sale' };

export interface LoadConfig {
  label: string;
  backend: 'sqlite' | 'postgres';
  workers: number;
}

interface LoadRun {
  config: LoadConfig;
  startSeconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** 2xx answers per kind (autocannon's latency figures are over the whole mix). */
  answered: Record<Kind, number>;
  non2xx: number;
  errors: number;
  /** Acknowledged log/* records by type, and what the database gained over the run. */
  acknowledged: Record<'click' | 'product' | 'sale', number>;
  stored: Record<'click' | 'product' | 'sale', number>;
  pids: number;
  /** The floor server's run: nothing to count afterwards (it stores sale lines as events). */
  floor?: boolean;
}

/** The mixed load against each configuration in turn (PostgreSQL ones only when pgUrl is given). */
export async function benchMixedLoad(pgUrl: string | null, seconds: number, connections: number): Promise<Section> {
  const notes = [`1-minute load average at the start: ${loadavg()[0].toFixed(1)}; ${availableParallelism()} CPU cores (the load generator, every server process and PostgreSQL share them).`];
  const configs: LoadConfig[] = [{ label: 'SQLite, 1 process', backend: 'sqlite', workers: 1 }];
  if (pgUrl) configs.push({ label: 'PostgreSQL, 1 worker', backend: 'postgres', workers: 1 }, { label: 'PostgreSQL, 2 workers', backend: 'postgres', workers: 2 });
  else notes.push('PostgreSQL not measured: no server answered.');
  const runs: LoadRun[] = [await measureFloor(seconds, connections)];
  for (const config of configs) runs.push(await measure(config, pgUrl, seconds, connections));
  return { title: `mixed load: 70 % log/*, 20 % recommendations, 10 % search, ${connections} connections, ${seconds} s`, markdown: render(runs, notes, seconds, connections) };
}

async function measure(config: LoadConfig, pgUrl: string | null, seconds: number, connections: number): Promise<LoadRun> {
  const dir = mkdtempSync(join(tmpdir(), 'relevo-load-'));
  const url = config.backend === 'sqlite' ? `sqlite:${join(dir, 'load.db')}` : `${pgUrl}${pgUrl!.includes('?') ? '&' : '?'}schema=bench_load_${process.pid}_${config.workers}`;
  let server: Child | null = null;
  try {
    if (config.backend === 'postgres') await dropPostgresSchema(url);
    const { publicKey } = await seedRecommendationStore(url, SIZE);
    const before = await countStoredRecords(url);
    const started = Date.now();
    server = await spawnRelevo(url, { RELEVO_DEMO: '0', RELEVO_WORKERS: String(config.workers) }, 600_000);
    const startSeconds = (Date.now() - started) / 1000;
    const base = `http://127.0.0.1:${server.port}`;
    await waitForWorkers(base, config.workers);
    const warm = await mixedLoad(base, publicKey, connections, 5, 'w');
    const run = await mixedLoad(base, publicKey, connections, seconds, 'r');
    await server.stop(); // graceful: every worker drains its write buffer
    server = null;
    const after = await countStoredRecords(url);
    const gained = (t: string) => (after.events.get(t) ?? 0) - (before.events.get(t) ?? 0);
    const stored = { click: gained('click'), product: gained('product'), sale: after.sales - before.sales };
    const acknowledged = { click: warm.acknowledged.click + run.acknowledged.click, product: warm.acknowledged.product + run.acknowledged.product, sale: warm.acknowledged.sale + run.acknowledged.sale };
    for (const t of ['click', 'product', 'sale'] as const) {
      if (stored[t] < acknowledged[t]) throw new Error(`${config.label}: ${acknowledged[t]} ${t} events acknowledged but only ${stored[t]} stored`);
    }
    return { config, startSeconds, rps: run.rps, p50: run.p50, p99: run.p99, answered: run.answered, non2xx: run.non2xx, errors: run.errors, acknowledged, stored, pids: run.pids.size };
  } finally {
    if (server) await server.stop();
    if (config.backend === 'postgres') await dropPostgresSchema(url);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same load against the mixed floor server (floor-server.ts): JSON parsed, log/* committed
 * durably to SQLite (the same group commit and fsync) and answered after it, recommendations and
 * searches answered a fixed list with their impression queued. What a closed loop at this many
 * connections reaches on this machine when a server does no more than that.
 */
async function measureFloor(seconds: number, connections: number): Promise<LoadRun> {
  const dir = mkdtempSync(join(tmpdir(), 'relevo-load-floor-'));
  const server = await spawnFloor('mixed', `sqlite:${join(dir, 'floor.db')}`);
  try {
    const base = `http://127.0.0.1:${server.port}`;
    await mixedLoad(base, 'floor', connections, 5, 'fw');
    const run = await mixedLoad(base, 'floor', connections, seconds, 'fr');
    const config: LoadConfig = { label: 'floor: parse, durable SQLite commit, fixed answers', backend: 'sqlite', workers: 1 };
    return { config, startSeconds: 0, rps: run.rps, p50: run.p50, p99: run.p99, answered: run.answered, non2xx: run.non2xx, errors: run.errors, acknowledged: run.acknowledged, stored: run.acknowledged, pids: 1, floor: true };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Until every worker answers (x-relevo-pid tells them apart; a new connection each time, or the primary would hand all to one), at most 30 s. */
async function waitForWorkers(base: string, workers: number): Promise<void> {
  const seen = new Set<string>();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { status, pid } = await new Promise<{ status: number; pid: string | null }>((resolve, reject) => {
      get(`${base}/health`, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, pid: (res.headers['x-relevo-pid'] as string | undefined) ?? null }));
      }).on('error', reject);
    });
    if (status === 200 && (workers === 1 || (pid && seen.add(pid).size >= workers))) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`only ${seen.size} of ${workers} workers answered /health within 30 s`);
}

interface MixedResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  answered: Record<Kind, number>;
  acknowledged: Record<'click' | 'product' | 'sale', number>;
  pids: Set<string>;
}

/** One autocannon load cycling through MIX; each connection has one request in flight, so the context says what was asked. */
async function mixedLoad(base: string, key: string, connections: number, seconds: number, tag: string): Promise<MixedResult> {
  let i = 0;
  const answered: Record<Kind, number> = { click: 0, product: 0, sale: 0, recommend: 0, search: 0 };
  const acknowledged = { click: 0, product: 0, sale: 0 };
  const pids = new Set<string>();
  const run = `${process.pid}-${tag}-${Date.now().toString(36)}`;
  const rnd = (n: number) => (Math.imul(i, 2654435761) >>> 0) % n;
  const requestOf = (kind: Kind): { path: string; body: string } => {
    const visitor = `lv${rnd(50_000)}`;
    switch (kind) {
      case 'click':
        return { path: '/v2/log/click', body: JSON.stringify({ key, visitor, product: String(rnd(SIZE.products)), api: 'recommendations/visitor/complementary' }) };
      case 'product':
        return { path: '/v2/log/product', body: JSON.stringify({ key, visitor, product: String(rnd(SIZE.products)) }) };
      case 'sale':
        return {
          path: '/v2/log/sale',
          body: JSON.stringify({ key, visitor, sale: `ls${run}-${i}`, products: [0, 1, 2].map((j) => ({ id: String((rnd(SIZE.products) + j * 101) % SIZE.products), price: 10 + j, quantity: 1 })) }),
        };
      case 'recommend':
        return { path: '/v2/recommendations/visitor/complementary', body: JSON.stringify({ key, visitor: `v${rnd(SIZE.visitors)}`, limit: 10 }) };
      case 'search':
        return { path: '/v2/search/search', body: JSON.stringify({ key, visitor, query: QUERIES[rnd(QUERIES.length)], limit: 20 }) };
    }
  };
  const result = await autocannon({
    url: base, method: 'POST', connections, duration: seconds,
    headers: { 'content-type': 'application/json' },
    requests: [{
      setupRequest: (req: autocannon.Request, context: object) => {
        const kind = MIX[i % MIX.length];
        i++;
        (context as { kind?: Kind }).kind = kind;
        return { ...req, method: 'POST', ...requestOf(kind) };
      },
      onResponse: (status: number, _body: string, context: object, headers: autocannon.Request['headers']) => {
        if (status < 200 || status >= 300) return;
        const kind = (context as { kind: Kind }).kind;
        answered[kind]++;
        const logged = LOGGED[kind];
        if (logged) acknowledged[logged]++;
        const pid = headerValue(headers, 'x-relevo-pid');
        if (pid) pids.add(pid);
      },
    }],
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors + result.timeouts, answered, acknowledged, pids };
}

/** autocannon hands response headers over as a flat [name, value, …] array or as an object. */
function headerValue(headers: unknown, name: string): string | null {
  if (Array.isArray(headers)) {
    for (let k = 0; k + 1 < headers.length; k += 2) if (String(headers[k]).toLowerCase() === name) return String(headers[k + 1]);
    return null;
  }
  const v = (headers as Record<string, unknown> | undefined)?.[name];
  return v === undefined ? null : String(v);
}

function render(runs: LoadRun[], notes: string[], seconds: number, connections: number): string {
  const rows = runs.map((r) => {
    const lost = (['click', 'product', 'sale'] as const).reduce((n, t) => n + Math.max(0, r.acknowledged[t] - r.stored[t]), 0);
    const ack = r.acknowledged.click + r.acknowledged.product + r.acknowledged.sale;
    const stored = r.stored.click + r.stored.product + r.stored.sale;
    if (r.floor) return `| ${r.config.label} | — | 1 | ${fmt(r.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${r.non2xx} | ${r.errors} | ${fmt(r.answered.recommend)} / ${fmt(r.answered.search)} | ${fmt(ack)} / — | — |`;
    return `| ${r.config.label} | ${r.startSeconds.toFixed(1)} | ${r.pids || 1} | ${fmt(r.rps)} | ${fmt(r.p50, 1)} | **${fmt(r.p99, 1)}** ${r.p99 <= 25 ? '✓' : '✗'} | ${r.non2xx} | ${r.errors} | ${fmt(r.answered.recommend)} / ${fmt(r.answered.search)} | ${fmt(ack)} / ${fmt(stored)} | **${lost}** ${lost === 0 ? '✓' : '✗'} |`;
  });
  const pg1 = runs.find((r) => r.config.backend === 'postgres' && r.config.workers === 1);
  const pg2 = runs.find((r) => r.config.backend === 'postgres' && r.config.workers === 2);
  const floor = runs.find((r) => r.floor);
  const sqlite = runs.find((r) => !r.floor && r.config.backend === 'sqlite');
  const againstFloor = floor && sqlite ? [`SQLite against the floor in the same run: **${(sqlite.rps / floor.rps).toFixed(2)}** of its throughput; the floor's own p99 ${fmt(floor.p99, 1)} ms. In a closed loop the mean latency is connections / throughput (${connections} / ${fmt(floor.rps)} req/s = ${fmt((1000 * connections) / floor.rps, 1)} ms at the floor), so p99 ≤ 25 ms at ${connections} connections needs well over ${fmt((1000 * connections) / 25)} req/s.`] : [];
  const scaling = pg1 && pg2 ? [`PostgreSQL, 2 workers / 1 worker: **${(pg2.rps / pg1.rps).toFixed(2)}×** (target ≥ 1.6 where the cores allow; this run had ${availableParallelism()} cores for the load generator, the workers and PostgreSQL together).`] : [];
  return [
    `Each request is the next of a fixed cycle: 4 \`log/click\`, 2 \`log/product\`, 1 \`log/sale\` of 3 lines (70 % \`log/*\`), 2 \`recommendations/visitor/complementary\` (limit 10), 1 \`search/search\` (limit 20, queries with a typo and a brand among them). ${fmt(SIZE.products)} products and ${fmt(SIZE.visitors * SIZE.eventsPerVisitor)} events of history seeded before start-up; ${connections} keep-alive connections for ${seconds} s after a 5 s warm-up; autocannon in the bench process. "Lost" is acknowledged \`log/*\` records (warm-up included) minus what the database gained, counted after a graceful stop.`,
    '',
    '| configuration | start-up s | processes answering | req/s | p50 ms | p99 ms (target ≤ 25) | non-2xx | errors | recommendations / searches answered | log/* acknowledged / stored | lost |',
    '| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |',
    ...rows,
    '',
    ...againstFloor,
    ...scaling,
    ...notes,
  ].join('\n');
}
