/**
 * Recommendations benchmark (issue 4): `visitor/complementary` at limit=20 on a 20,000-product
 * catalog with 100,000 visitors of history. The catalog and the click history are written with
 * the storage ports before the server starts, so the server rebuilds its models at start-up as it
 * would after a restart; then autocannon measures latency (few connections) and throughput (many,
 * alternating rounds against a bare node:http JSON endpoint in the same run). The floor server
 * (floor-server.ts `recommend`: a fixed answer of 20 IDs and the impression queued for Relevo's
 * group commit, no model) runs in the same rounds: no endpoint that records its impression can
 * pass it.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '../src/stores/keys.js';
import { openStorage } from '../src/storage/open.js';
import type { TrackedEvent } from '../src/storage/ports.js';
import { makeBenchProduct, type Section } from './foundation.js';
import { fmt, median, runLoad, type LoadResult } from './lib/load.js';
import { cpuMicros, spawnBare, spawnFloor, spawnRelevo, type Child } from './lib/processes.js';

export interface RecommendationBenchSize {
  products: number;
  visitors: number;
  eventsPerVisitor: number;
}

/** A deterministic pseudo-random generator (benchmarks must be repeatable). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/**
 * Synthetic browsing: each visitor starts at a popular-ish product (skewed) and walks to nearby
 * products (same generated category neighbourhood) or jumps to another popular one, one minute
 * apart, so transitions and neighbourhoods look like a shop's, not like uniform noise.
 */
export function* syntheticHistory(storeId: number, size: RecommendationBenchSize, start: number): Generator<TrackedEvent> {
  const rnd = lcg(42);
  const popular = () => Math.floor(size.products * rnd() ** 3);
  for (let v = 0; v < size.visitors; v++) {
    let item = popular();
    const t0 = start + v * 5;
    for (let e = 0; e < size.eventsPerVisitor; e++) {
      yield { storeId, type: e % 4 === 3 ? 'click' : 'product', time: t0 + e * 60, visitor: `v${v}`, product: String(item) };
      item = rnd() < 0.7 ? Math.abs(item + Math.floor((rnd() - 0.5) * 20)) % size.products : popular();
    }
  }
}

/** Writes the store, the catalog and the history straight into the database at url. */
export async function seedRecommendationStore(url: string, size: RecommendationBenchSize): Promise<{ publicKey: string }> {
  const storage = await openStorage(url);
  try {
    const { store, publicKey } = await createStore(storage, { name: 'bench' });
    for (let i = 0; i < size.products; i += 1000) {
      const docs = Array.from({ length: Math.min(1000, size.products - i) }, (_, j) => makeBenchProduct(i + j));
      await storage.catalog.upsertDocs(store.id, 'products', docs.map((d) => ({ key: String(d.id), doc: d })));
    }
    let batch: TrackedEvent[] = [];
    for (const e of syntheticHistory(store.id, size, 1_750_000_000)) {
      batch.push(e);
      if (batch.length === 20_000) {
        await storage.events.commitBatch({ events: batch, impressions: [], sales: [] });
        batch = [];
      }
    }
    if (batch.length) await storage.events.commitBatch({ events: batch, impressions: [], sales: [] });
    return { publicKey };
  } finally {
    await storage.close();
  }
}

interface Measured {
  seedSeconds: number;
  startSeconds: number;
  /** Start-up from the snapshot the first server's stop wrote, and its size. */
  snapshotStartSeconds: number;
  snapshotBytes: number;
  lat1: LoadResult[];
  lat4: LoadResult[];
  ours: number[];
  base: number[];
  floor: number[];
  /** Server CPU (user + system) per answered call in each throughput round, µs: Relevo, floor. */
  oursCpu: Array<number | null>;
  floorCpu: Array<number | null>;
}

/** Latency at 1 and 4 connections, then throughput against bare node:http in alternating rounds. */
export async function benchVisitorComplementary(size: RecommendationBenchSize, rounds: number, seconds: number, connections: number): Promise<Section> {
  return section(size, await measure(size, rounds, seconds, connections), rounds, seconds, connections);
}

async function measure(size: RecommendationBenchSize, rounds: number, seconds: number, connections: number): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'relevo-bench-'));
  const url = `sqlite:${join(dir, 'bench.db')}`;
  const seeded = Date.now();
  const { publicKey } = await seedRecommendationStore(url, size);
  const seedSeconds = (Date.now() - seeded) / 1000;
  // The first start rebuilds (no snapshot yet); its graceful stop writes the snapshot the
  // second start is measured from.
  const snapshot = join(dir, 'models.snap');
  const env = { RELEVO_DEMO: '0', RELEVO_SNAPSHOT: snapshot };
  const started = Date.now();
  let relevo: Child = await spawnRelevo(url, env, 600_000);
  const startSeconds = (Date.now() - started) / 1000;
  const bare: Child = await spawnBare('json');
  let floor: Child | null = null;
  try {
    floor = await spawnFloor('recommend', `sqlite:${join(dir, 'floor.db')}`);
    const rnd = lcg(7);
    const bodies = Array.from({ length: 5000 }, () => JSON.stringify({ key: publicKey, visitor: `v${Math.floor(rnd() * size.visitors)}`, limit: 20 }));
    const relevoUrl = `http://127.0.0.1:${relevo.port}/v2/recommendations/visitor/complementary`;
    const bareUrl = `http://127.0.0.1:${bare.port}/v2/recommendations/visitor/complementary`;
    const floorUrl = `http://127.0.0.1:${floor.port}/v2/recommendations/visitor/complementary`;
    const probe = await fetch(relevoUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[0] });
    const answer = (await probe.json()) as { result?: unknown[] };
    if (probe.status !== 200 || answer.result?.length !== 20) throw new Error(`visitor/complementary answered ${probe.status}: ${JSON.stringify(answer).slice(0, 300)}`);
    const load = (u: string, c: number, s: number) => runLoad({ url: u, method: 'POST', bodies, connections: c, seconds: s });
    await load(relevoUrl, connections, 3); // warm-up (JIT)
    await load(bareUrl, connections, 2);
    await load(floorUrl, connections, 2);
    const m: Measured = { seedSeconds, startSeconds, snapshotStartSeconds: 0, snapshotBytes: 0, lat1: [], lat4: [], ours: [], base: [], floor: [], oursCpu: [], floorCpu: [] };
    /** A throughput round with the server's CPU time per 2xx answer. */
    const timed = async (server: Child, u: string) => {
      const before = cpuMicros(server);
      const result = await load(u, connections, seconds);
      const after = cpuMicros(server);
      return { result, cpu: before === null || after === null || result.ok === 0 ? null : (after - before) / result.ok };
    };
    for (let r = 0; r < rounds; r++) m.lat1.push(await load(relevoUrl, 1, seconds));
    for (let r = 0; r < rounds; r++) m.lat4.push(await load(relevoUrl, 4, seconds));
    for (let r = 0; r < rounds; r++) {
      const b = await load(bareUrl, connections, seconds);
      if (b.non2xx > 0 || b.errors > 0 || b.rps === 0) throw new Error(`bare server failed: ${b.errors} errors; ${bare.stderr().slice(-500)}`);
      m.base.push(b.rps);
      const { result: f, cpu: fCpu } = await timed(floor, floorUrl);
      if (f.non2xx > 0 || f.errors > 0) throw new Error(`floor server failed: ${f.non2xx} non-2xx, ${f.errors} errors; ${floor.stderr().slice(-500)}`);
      m.floor.push(f.rps);
      m.floorCpu.push(fCpu);
      const { result: o, cpu: oCpu } = await timed(relevo, relevoUrl);
      if (o.non2xx > 0 || o.errors > 0) throw new Error(`relevo answered ${o.non2xx} non-2xx, ${o.errors} errors`);
      m.ours.push(o.rps);
      m.oursCpu.push(oCpu);
    }
    await relevo.stop();
    m.snapshotBytes = statSync(snapshot).size;
    const restarted = Date.now();
    relevo = await spawnRelevo(url, env, 600_000);
    m.snapshotStartSeconds = (Date.now() - restarted) / 1000;
    if (!relevo.startup.includes('models restored from the snapshot')) throw new Error('the second start did not restore the snapshot');
    return m;
  } finally {
    await relevo.stop();
    await bare.stop();
    await floor?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function section(size: RecommendationBenchSize, run: Measured, rounds: number, seconds: number, connections: number): Section {
  const p99 = (ls: LoadResult[]) => median(ls.map((l) => l.p99));
  const ratio = (m: Measured) => median(m.ours.map((o, i) => o / m.base[i]));
  const show = (kind: 'ms' | 'rps' | 'ratio', v: number) => (kind === 'ms' ? `${v.toFixed(1)} ms` : kind === 'rps' ? fmt(v) : v.toFixed(2));
  const cell = (kind: 'ms' | 'rps' | 'ratio', v: number, ok: boolean | null, per: number[]) =>
    `${ok === null ? show(kind, v) : `**${show(kind, v)}** ${ok ? '✓' : '✗'}`} (${per.map((x) => (kind === 'ratio' ? x.toFixed(2) : fmt(x))).join(', ')})`;
  const row = (name: string, target: string, f: (m: Measured) => string) => `| ${name} | ${target} | ${f(run)} |`;
  const cpuCell = (per: Array<number | null>, target: number | null) => {
    if (per.some((x) => x === null)) return 'n/a (no /proc)';
    const v = median(per as number[]);
    return `${target === null ? fmt(v) : `**${fmt(v)}** ${v <= target ? '✓' : '✗'}`} (${(per as number[]).map((x) => fmt(x)).join(', ')})`;
  };
  return {
    title: 'visitor/complementary: latency and throughput',
    markdown: [
      `${fmt(size.products)} generated products, ${fmt(size.visitors)} visitors × ${size.eventsPerVisitor} views/clicks (${fmt(size.visitors * size.eventsPerVisitor)} events) written to SQLite before start-up (${run.seedSeconds.toFixed(1)} s); the server rebuilt its models and listened after ${run.startSeconds.toFixed(1)} s. Requests: \`POST /v2/recommendations/visitor/complementary\` \`{visitor: <random of the ${fmt(size.visitors)}>, limit: 20}\`, each recording an impression. Latency: 1 and 4 keep-alive connections, ${rounds} rounds of ${seconds} s. Throughput: ${connections} connections, ${rounds} alternating rounds against a bare \`node:http\` JSON endpoint after a warm-up. Autocannon runs in the bench process, each server in its own process. The floor, in the same rounds, is the bare server plus what recording the impression needs and nothing else: it answers 20 product IDs from a fixed table (no model, no catalog lookup, no key check, no rollups) with a \`request_id\` and queues the impression row for Relevo's group commit (\`bench/floor-server.ts recommend\`, on a database of its own); its ratio to bare is the ceiling of Relevo's. Medians, per-round values in brackets.`,
      '',
      '| measure | target | result, SQLite (WAL, synchronous=FULL) |',
      '| --- | --- | --- |',
      row('p50 latency, 1 connection', '', (m) => cell('ms', median(m.lat1.map((l) => l.p50)), null, m.lat1.map((l) => l.p50))),
      row('p99 latency, 1 connection', '≤ 5 ms', (m) => cell('ms', p99(m.lat1), p99(m.lat1) <= 5, m.lat1.map((l) => l.p99))),
      row('p99 latency, 4 connections', '≤ 5 ms', (m) => cell('ms', p99(m.lat4), p99(m.lat4) <= 5, m.lat4.map((l) => l.p99))),
      row(`bare node:http req/s, ${connections} conn.`, '', (m) => cell('rps', median(m.base), null, m.base)),
      row(`Relevo req/s, ${connections} conn.`, '', (m) => cell('rps', median(m.ours), null, m.ours)),
      row('ratio', '', (m) => cell('ratio', ratio(m), null, m.ours.map((o, i) => o / m.base[i]))),
      row(`floor req/s, ${connections} conn.`, '', (m) => cell('rps', median(m.floor), null, m.floor)),
      row('floor / bare (the ceiling of the ratio)', '', (m) => cell('ratio', median(m.floor.map((f, i) => f / m.base[i])), null, m.floor.map((f, i) => f / m.base[i]))),
      row('Relevo / floor', '≥ 0.4', (m) => cell('ratio', median(m.ours.map((o, i) => o / m.floor[i])), median(m.ours.map((o, i) => o / m.floor[i])) >= 0.4, m.ours.map((o, i) => o / m.floor[i]))),
      row(`server CPU µs per call, Relevo (${connections} conn.)`, '≤ 150', (m) => cpuCell(m.oursCpu, 150)),
      row(`server CPU µs per call, floor (${connections} conn.)`, '', (m) => cpuCell(m.floorCpu, null)),
      row('start-up with the history, models rebuilt from the events (listening)', '', (m) => `${m.startSeconds.toFixed(1)} s`),
      row(`start-up with the history from a model snapshot (RELEVO_SNAPSHOT, ${(run.snapshotBytes / 1e6).toFixed(0)} MB) + log tail`, '≤ 5 s', (m) => `**${m.snapshotStartSeconds.toFixed(1)} s** ${m.snapshotStartSeconds <= 5 ? '✓' : '✗'}`),
    ].join('\n'),
  };
}
