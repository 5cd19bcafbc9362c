/**
 * Search benchmark (issue 15) on the Chorus catalogue (19,406 Icecat products, ../shared/data):
 * - the core in-process against MiniSearch, on the same queries, in alternating rounds in one
 *   process: the 87 judged dev queries as typed, and each with one typo in every word of five
 *   letters or more (seeded), with prefix and typo tolerance on in both;
 * - index build time and memory of both, each measured in a process of its own (search-core.ts);
 * - over HTTP: `search/search` (limit 20, facets brand and price, a visitor, so each records its
 *   impression) at 4 connections for latency and at 50 against bare node:http for throughput,
 *   and `search/predictive` (limit 10) on prefixes of the queries; the server starts on a
 *   database that already holds the catalogue, as after a restart (start-up time reported).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CatalogState } from '../src/catalog/catalog-state.js';
import { searchCore } from '../src/search/core.js';
import { productFields } from '../src/search/fields.js';
import { SearchIndex } from '../src/search/search-index.js';
import { createStore } from '../src/stores/keys.js';
import { openStorage } from '../src/storage/open.js';
import { seededRandom } from '../src/random.js';
import { chorusPresent, loadIcecat, loadJudgments, toProduct } from '../eval/chorus-data.js';
import { buildMiniSearch } from '../eval/search-baselines.js';
import type { Section } from './foundation.js';
import { fmt, median, runLoad, type LoadResult } from './lib/load.js';
import { ROOT, spawnBare, spawnRelevo, type Child } from './lib/processes.js';
import type { Doc } from '../src/storage/ports.js';

export interface SearchBenchOptions {
  dataDir: string;
  rounds: number;
  seconds: number;
}

/** One typo (swap, drop, double or change a letter) in every word of five letters or more. */
export function withTypos(query: string, random: () => number): string {
  return query.split(' ').map((w) => {
    if (w.length < 5 || /\d/.test(w)) return w;
    const i = 1 + Math.floor(random() * (w.length - 2));
    switch (Math.floor(random() * 4)) {
      case 0: return w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2);
      case 1: return w.slice(0, i) + w.slice(i + 1);
      case 2: return w.slice(0, i) + w[i] + w.slice(i);
      default: return w.slice(0, i) + (w[i] === 'e' ? 'a' : 'e') + w.slice(i + 1);
    }
  }).join(' ');
}

/** Runs the whole suite (nothing when the Chorus data is absent). */
export async function benchSearch(o: SearchBenchOptions): Promise<Section[]> {
  if (!chorusPresent(o.dataDir)) return [{ title: 'Search', markdown: `Not measured: no chorus-icecat data under ${o.dataDir}.` }];
  const products = loadIcecat(o.dataDir).map(toProduct);
  const queries = [...loadJudgments(o.dataDir).keys()];
  const random = seededRandom(1515);
  const typos = queries.map((q) => withTypos(q, random));
  return [core(products, queries, typos, o.rounds), buildAndMemory(o.dataDir), await http(products, queries, typos, o)];
}

/** Queries per second of Relevo's core and MiniSearch, alternating rounds of ~1 s each. */
function core(products: Doc[], queries: string[], typos: string[], rounds: number): Section {
  const relevo = new SearchIndex(products.map((p) => [String(p.id), p] as const), productFields(new CatalogState()));
  const mini = buildMiniSearch(products);
  const engines = {
    relevo: (q: string) => searchCore(relevo, q, { language: 'english' }).ranked.all().length,
    mini: (q: string) => mini.search(q).length,
  };
  const qps = (run: (q: string) => number, qs: string[]) => {
    let n = 0;
    const started = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < 1e9) {
      for (const q of qs) run(q);
      n += qs.length;
      elapsed = Number(process.hrtime.bigint() - started);
    }
    return n / (elapsed / 1e9);
  };
  const sets = [['dev queries as typed', queries], ['the same with typos', typos]] as const;
  const rows = sets.map(([name, qs]) => {
    for (const run of Object.values(engines)) qps(run, qs); // warm-up (JIT)
    const r: number[] = [];
    const m: number[] = [];
    for (let i = 0; i < rounds; i++) {
      r.push(qps(engines.relevo, qs));
      m.push(qps(engines.mini, qs));
    }
    const ratios = r.map((x, i) => x / m[i]);
    return `| ${name} | ${fmt(median(r))} | ${fmt(median(m))} | **${median(ratios).toFixed(2)}** ${median(ratios) >= 2 ? '✓' : '✗'} (${ratios.map((x) => x.toFixed(2)).join(', ')}) |`;
  });
  return {
    title: 'Search core in-process against MiniSearch',
    markdown: [
      `${fmt(products.length)} products; the ${queries.length} Chorus dev queries, as typed and with one typo in every word of five letters or more (seeded: "${typos[1]}" for "${queries[1]}"). Relevo: plan, match and rank every match (\`searchCore\`: prefix on the last word, typos by word length, stems); MiniSearch 7: \`search(query)\` with prefix and fuzzy 0.2 on, field boosts. Both return every match ranked. ${rounds} alternating rounds of about a second each, in one process, after a warm-up; queries per second, medians, per-round ratios in brackets.`,
      '',
      '| queries | Relevo q/s | MiniSearch q/s | ratio (target ≥ 2) |',
      '| --- | ---: | ---: | --- |',
      ...rows,
    ].join('\n'),
  };
}

/** Build time and memory, each engine in a fresh process. */
function buildAndMemory(dataDir: string): Section {
  const measure = (engine: string) => JSON.parse(execFileSync(process.execPath, ['--expose-gc', join(ROOT, 'dist/bench/search-core.js'), engine, dataDir, '3'], { encoding: 'utf8' })) as { builds_ms: number[]; bytes: number };
  const r = measure('relevo');
  const m = measure('minisearch');
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const ms = (xs: number[]) => `${fmt(median(xs))} ms (${xs.map((x) => fmt(x)).join(', ')})`;
  return {
    title: 'Index build time and memory',
    markdown: [
      'Each engine in a process of its own (`bench/search-core.ts`), three builds of the whole catalogue; memory is V8 heap plus array buffers held by one index after a full GC (the products themselves excluded).',
      '',
      '| engine | build (median; runs) | memory |',
      '| --- | --- | ---: |',
      `| Relevo (index and English stem map) | ${ms(r.builds_ms)} ${median(r.builds_ms) <= 3000 ? '✓ (target ≤ 3 s)' : '✗ (target ≤ 3 s)'} | **${mb(r.bytes)}** ${r.bytes <= m.bytes ? '✓' : '✗'} |`,
      `| MiniSearch 7 | ${ms(m.builds_ms)} | ${mb(m.bytes)} |`,
    ].join('\n'),
  };
}

/** Writes the store and the catalogue straight into a database, as after a sync and a restart. */
async function seed(url: string, products: Doc[]): Promise<string> {
  const storage = await openStorage(url);
  try {
    const { store, publicKey } = await createStore(storage, { name: 'bench' });
    for (let i = 0; i < products.length; i += 1000) await storage.catalog.upsertDocs(store.id, 'products', products.slice(i, i + 1000).map((d) => ({ key: String(d.id), doc: d })));
    return publicKey;
  } finally {
    await storage.close();
  }
}

async function http(products: Doc[], queries: string[], typos: string[], o: SearchBenchOptions): Promise<Section> {
  const dir = mkdtempSync(join(tmpdir(), 'relevo-bench-'));
  const url = `sqlite:${join(dir, 'bench.db')}`;
  const key = await seed(url, products);
  const started = Date.now();
  const relevo: Child = await spawnRelevo(url, { RELEVO_DEMO: '0' }, 600_000);
  const startSeconds = (Date.now() - started) / 1000;
  const bare: Child = await spawnBare('json');
  try {
    const random = seededRandom(99);
    const all = [...queries, ...typos];
    const visitor = () => `v${Math.floor(random() * 10_000)}`;
    const searchBodies = all.map((q) => JSON.stringify({ key, query: q, limit: 20, facets: ['brand', 'price'], visitor: visitor() }));
    const predictiveBodies = queries.flatMap((q) => [3, 5, q.length].map((n) => JSON.stringify({ key, query: q.slice(0, n), limit: 10, visitor: visitor() })));
    const base = `http://127.0.0.1:${relevo.port}/v2/`;
    const probe = await fetch(`${base}search/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: searchBodies[0] });
    if (probe.status !== 200) throw new Error(`search/search answered ${probe.status}: ${(await probe.text()).slice(0, 300)}`);
    const load = (u: string, bodies: string[], c: number, s: number) => runLoad({ url: u, method: 'POST', bodies, connections: c, seconds: s });
    const checked = async (u: string, bodies: string[], c: number, s: number) => {
      const r = await load(u, bodies, c, s);
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${u} answered ${r.non2xx} non-2xx, ${r.errors} errors`);
      return r;
    };
    await load(`${base}search/search`, searchBodies, 4, 3); // warm-up (JIT)
    await load(`${base}search/predictive`, predictiveBodies, 4, 2);
    await load(`http://127.0.0.1:${bare.port}/v2/search/search`, searchBodies, 50, 2);
    const lat: LoadResult[] = [];
    const pred: LoadResult[] = [];
    const ours: LoadResult[] = [];
    const bareRps: number[] = [];
    for (let r = 0; r < o.rounds; r++) {
      lat.push(await checked(`${base}search/search`, searchBodies, 4, o.seconds));
      pred.push(await checked(`${base}search/predictive`, predictiveBodies, 4, o.seconds));
      bareRps.push((await checked(`http://127.0.0.1:${bare.port}/v2/search/search`, searchBodies, 50, o.seconds)).rps);
      ours.push(await checked(`${base}search/search`, searchBodies, 50, o.seconds));
    }
    const p99 = (ls: LoadResult[]) => median(ls.map((l) => l.p99));
    const per = (ls: LoadResult[], f: (l: LoadResult) => number, d = 0) => ls.map((l) => fmt(f(l), d)).join(', ');
    const ratios = ours.map((l, i) => l.rps / bareRps[i]);
    return {
      title: 'search/search and search/predictive over HTTP',
      markdown: [
        `The server started on a database holding the ${fmt(products.length)} products and listened after ${startSeconds.toFixed(1)} s (catalogue load and index build included). \`search/search\`: \`{query, limit: 20, facets: ["brand", "price"], visitor}\` cycling through the ${queries.length} dev queries and their typo variants; each call records its impression. \`search/predictive\`: \`{query: first 3 letters | first 5 | whole, limit: 10, visitor}\`. ${o.rounds} rounds of ${o.seconds} s per measure, alternating, after a warm-up; autocannon in the bench process (whole-millisecond latencies), each server in its own process. Medians, per-round values in brackets.`,
        '',
        '| measure | target | result |',
        '| --- | --- | --- |',
        `| \`search/search\` p50, 4 connections | | ${fmt(median(lat.map((l) => l.p50)), 1)} ms (${per(lat, (l) => l.p50)}) |`,
        `| \`search/search\` p99, 4 connections | ≤ 10 ms | **${fmt(p99(lat), 1)} ms** ${p99(lat) <= 10 ? '✓' : '✗'} (${per(lat, (l) => l.p99)}) |`,
        `| \`search/search\` req/s, 4 connections | | ${fmt(median(lat.map((l) => l.rps)))} (${per(lat, (l) => l.rps)}) |`,
        `| \`search/predictive\` p99, 4 connections | ≤ 5 ms | **${fmt(p99(pred), 1)} ms** ${p99(pred) <= 5 ? '✓' : '✗'} (${per(pred, (l) => l.p99)}) |`,
        `| \`search/predictive\` req/s, 4 connections | | ${fmt(median(pred.map((l) => l.rps)))} (${per(pred, (l) => l.rps)}) |`,
        `| bare node:http req/s, 50 connections | | ${fmt(median(bareRps))} (${bareRps.map((x) => fmt(x)).join(', ')}) |`,
        `| \`search/search\` req/s, 50 connections | | ${fmt(median(ours.map((l) => l.rps)))} (${per(ours, (l) => l.rps)}); p99 ${fmt(p99(ours), 1)} ms |`,
        `| Relevo / bare, 50 connections | | ${median(ratios).toFixed(2)} (${ratios.map((x) => x.toFixed(2)).join(', ')}) |`,
      ].join('\n'),
    };
  } finally {
    await relevo.stop();
    await bare.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
