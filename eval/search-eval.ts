/**
 * `npm run eval -- --data chorus`: search relevance on the Chorus / Icecat data through the HTTP
 * API. A Relevo server in a child process on a temporary SQLite database gets the 19,406
 * products through product/add; every judged dev query goes through search/search (limit 10);
 * nDCG@10, P@10 and judged@10 are computed by the data's protocol, next to plain BM25 and
 * MiniSearch run in-process on the same products and queries in the same run.
 *
 * Then what the behavioural parts add, each switched off and on through search/settings:
 * - learning: simulated shoppers search each query and click (a position-biased click model
 *   on the judged ratings, seeded), the clicks go through log/click; nDCG@10 is measured again
 *   with learning on and off. The clicks come from the same judgments that score them, so this
 *   shows what learning does under that click model, not a held-out score.
 * - personalisation: a visitor who viewed three products of one brand searches a query whose
 *   relevant products include that brand; measured with judgments where that brand's relevant
 *   products gain one grade (what this visitor prefers), personalisation on and off.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machine, writeBenchmarkBlock } from '../bench/lib/report.js';
import { spawnRelevo } from '../bench/lib/processes.js';
import { createBenchStore } from '../bench/lib/stores.js';
import { seededRandom } from '../src/random.js';
import type { Doc } from '../src/storage/ports.js';
import { chorusPresent, loadIcecat, loadJudgments, scoreRuns, toProduct, type RelevanceSummary } from './chorus-data.js';
import { Client } from './http-client.js';
import { miniSearch, plainBm25 } from './search-baselines.js';

export interface SearchEvalOptions {
  dataDir: string;
  ifPresent: boolean;
  write: boolean;
  /** Simulated sessions per query for the learning measurement. */
  sessions: number;
}

type Judgments = Map<string, Map<string, number>>;
const CLICK_BY_RATING = [0.03, 0.12, 0.35, 0.6];

/** Runs the evaluation; returns the exit code. */
export async function runSearchEval(o: SearchEvalOptions): Promise<number> {
  if (!chorusPresent(o.dataDir)) {
    process.stderr.write(`eval: no chorus-icecat data under ${o.dataDir}${o.ifPresent ? '; skipped (--if-present)' : ''}\n`);
    return o.ifPresent ? 0 : 1;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const products = loadIcecat(o.dataDir).map(toProduct);
  const judgments = loadJudgments(o.dataDir);
  const queries = [...judgments.keys()];
  const dir = mkdtempSync(join(tmpdir(), 'relevo-search-eval-'));
  const url = `sqlite:${join(dir, 'eval.db')}`;
  const store = await createBenchStore(url);
  const server = await spawnRelevo(url, { RELEVO_DEMO: '0' });
  try {
    const client = new Client(`http://127.0.0.1:${server.port}`, store);
    const started = Date.now();
    for (let i = 0; i < products.length; i += 500) await client.must('product/add', { products: products.slice(i, i + 500) }, true);
    const indexSeconds = (Date.now() - started) / 1000;
    // The first search folds the bulk-loaded delta into the index's base segment (a rebuild on
    // the main thread): timed and reported on its own, not mixed into the query latencies.
    const first = await client.call('search/search', { query: 'warm up', limit: 1 });
    if (first.status !== 200) throw new Error(`search/search answered ${first.status}`);
    const firstMs = first.ms;
    log(`eval: ${products.length} products added in ${indexSeconds.toFixed(1)} s, first search ${firstMs.toFixed(0)} ms; running ${queries.length} queries…`);
    const base = await runQueries(client, queries, judgments);
    const bm25 = plainBm25(products);
    const mini = miniSearch(products);
    const refs = [bm25, mini].map((m) => ({ name: m.name, ...scoreRuns(judgments, new Map(queries.map((q) => [q, m.search(q, 10)]))) }));
    log('eval: personalisation…');
    const personal = await personalisation(client, products, judgments);
    log(`eval: learning (${o.sessions} simulated sessions per query)…`);
    const learning = await learningGain(client, queries, judgments, o.sessions);
    const block = report(o, products.length, indexSeconds, firstMs, base, refs, personal, learning);
    process.stdout.write(`\n${block}\n`);
    if (o.write) writeBenchmarkBlock('eval:chorus', block);
    return 0;
  } finally {
    await server.stop();
    await store.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface HttpRun extends RelevanceSummary {
  runs: Map<string, string[]>;
  requestIds: Map<string, string>;
  p50: number;
  p99: number;
}

/** Every query through search/search (one at a time, so latencies are the server's own). */
async function runQueries(client: Client, queries: string[], judgments: Judgments, visitor = (q: string) => `eval${hash(q)}`, limit = 10): Promise<HttpRun> {
  const runs = new Map<string, string[]>();
  const requestIds = new Map<string, string>();
  const ms: number[] = [];
  for (const q of queries) {
    const r = await client.call('search/search', { query: q, limit, visitor: visitor(q), labels: ['Eval'] });
    if (r.status !== 200) throw new Error(`search/search answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
    runs.set(q, (r.body.result as Array<string | number>).map(String));
    requestIds.set(q, r.body.request_id as string);
    ms.push(r.ms);
  }
  ms.sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))];
  return { ...scoreRuns(judgments, runs), runs, requestIds, p50: q(0.5), p99: q(0.99) };
}

/** nDCG@10 after simulated clicks, learning on and off. */
async function learningGain(client: Client, queries: string[], judgments: Judgments, sessions: number): Promise<{ on: RelevanceSummary; off: RelevanceSummary; clicks: number }> {
  const random = seededRandom(15);
  let clicks = 0;
  for (let s = 0; s < sessions; s++) {
    for (const q of queries) {
      const visitor = `sim${s}x${hash(q)}`;
      const r = await client.must('search/search', { query: q, limit: 10, visitor, labels: ['Eval'] });
      const ids = (r.result as Array<string | number>).map(String);
      const ratings = judgments.get(q)!;
      for (const [pos, id] of ids.entries()) {
        // Examination falls with rank; a shopper clicks what looks relevant and often stops there.
        const examined = 1 / Math.sqrt(pos + 1);
        if (random() >= examined * CLICK_BY_RATING[ratings.get(id) ?? 0]) continue;
        await client.must('log/click', { product: r.result[pos], visitor, request_id: r.request_id });
        clicks++;
        if (random() < 0.5) break;
      }
    }
  }
  const on = await runQueries(client, queries, judgments);
  await client.must('search/settings', { learning: false }, true);
  const off = await runQueries(client, queries, judgments);
  await client.must('search/settings', { learning: true }, true);
  return { on, off, clicks };
}

/** A visitor's brand preference, from three viewed products of the brand. */
async function personalisation(client: Client, products: Doc[], judgments: Judgments): Promise<{ on: RelevanceSummary; off: RelevanceSummary; cases: number; condensedOn: RelevanceSummary; condensedOff: RelevanceSummary; plainOn: RelevanceSummary; plainOff: RelevanceSummary }> {
  const brandOf = new Map(products.map((p) => [String(p.id), String(p.brand ?? '')]));
  const byBrand = new Map<string, string[]>();
  for (const p of products) byBrand.set(String(p.brand), [...(byBrand.get(String(p.brand)) ?? []), String(p.id)]);
  const preferred = new Map<string, string>();
  const personalJudgments: Judgments = new Map();
  const plain: Judgments = new Map();
  for (const [q, ratings] of judgments) {
    const relevant = [...ratings].filter(([, r]) => r >= 2).map(([id]) => brandOf.get(id) ?? '');
    const counts = new Map<string, number>();
    for (const b of relevant) if (b !== '') counts.set(b, (counts.get(b) ?? 0) + 1);
    // The second most common relevant brand: a preference the plain ranking does not already serve.
    const brands = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const brand = brands[1]?.[0];
    if (!brand || (byBrand.get(brand)?.length ?? 0) < 4) continue;
    preferred.set(q, brand);
    personalJudgments.set(q, new Map([...ratings].map(([id, r]) => [id, r >= 2 && brandOf.get(id) === brand ? Math.min(3, r + 1) : r])));
    plain.set(q, ratings);
  }
  const visitor = (q: string) => `pv${hash(q)}`;
  for (const [q, brand] of preferred) {
    const viewed = byBrand.get(brand)!.filter((id) => !judgments.get(q)!.has(id)).slice(0, 3);
    for (const id of viewed) await client.must('log/product', { product: id, visitor: visitor(q) });
  }
  const qs = [...preferred.keys()];
  // 50 results, so the judged-only ("condensed") lists still have ten entries.
  const on = await runQueries(client, qs, personalJudgments, visitor, 50);
  await client.must('search/settings', { personalization: false }, true);
  const off = await runQueries(client, qs, personalJudgments, visitor, 50);
  await client.must('search/settings', { personalization: true }, true);
  const condensed = (runs: Map<string, string[]>) => new Map([...runs].map(([q, ids]) => [q, ids.filter((id) => judgments.get(q)!.has(id))]));
  const top10 = (runs: Map<string, string[]>) => new Map([...runs].map(([q, ids]) => [q, ids.slice(0, 10)]));
  return {
    on: scoreRuns(personalJudgments, top10(on.runs)), off: scoreRuns(personalJudgments, top10(off.runs)), cases: qs.length,
    condensedOn: scoreRuns(personalJudgments, condensed(on.runs)), condensedOff: scoreRuns(personalJudgments, condensed(off.runs)),
    plainOn: scoreRuns(plain, top10(on.runs)), plainOff: scoreRuns(plain, top10(off.runs)),
  };
}

function hash(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}

const f = (x: number) => x.toFixed(3);

function report(o: SearchEvalOptions, n: number, indexSeconds: number, firstMs: number, base: HttpRun, refs: Array<{ name: string } & RelevanceSummary>, personal: Awaited<ReturnType<typeof personalisation>>, learning: Awaited<ReturnType<typeof learningGain>>): string {
  const row = (name: string, s: RelevanceSummary, extra = '') => `| ${name} | ${f(s.ndcg10)} | ${f(s.p10)} | ${f(s.judged10)} | ${extra} |`;
  const mini = refs.find((r) => r.name.startsWith('MiniSearch'))!;
  return [
    `_Measured ${new Date().toISOString().slice(0, 10)} with \`npm run eval -- --data chorus\` on ${machine()}._`,
    '',
    `${n} Icecat products through \`product/add\` (batches of 500, ${indexSeconds.toFixed(1)} s over HTTP; the first search after them took ${firstMs.toFixed(0)} ms and is left out of the latencies: after a bulk load it may fold the new products into the index's base segment, a rebuild on the event loop); the ${base.queries} dev queries with a positive judgment through \`search/search\` (limit 10). References in-process on the same products and queries, same run.`,
    '',
    '| method | nDCG@10 | P@10 | judged@10 | latency |',
    '| --- | ---: | ---: | ---: | --- |',
    row('**Relevo `search/search`** (HTTP)', base, `p50 ${base.p50.toFixed(1)} ms, p99 ${base.p99.toFixed(1)} ms (client-measured, 1 connection)`),
    ...refs.map((r) => row(r.name, r)),
    '',
    `Relevo − MiniSearch: **${(base.ndcg10 - mini.ndcg10 >= 0 ? '+' : '') + f(base.ndcg10 - mini.ndcg10)}** nDCG@10 (target ≥ +0.06).`,
    '',
    '**What learning adds** (clicks on results of the same query raise those products for that query):',
    '',
    '| ranking | nDCG@10 | P@10 | judged@10 |',
    '| --- | ---: | ---: | ---: |',
    row('before any click', base).replace(/ \|$/, ''),
    row(`learning on, after ${o.sessions} simulated sessions per query (${learning.clicks} clicks)`, learning.on).replace(/ \|$/, ''),
    row('learning off (search/settings), same clicks', learning.off).replace(/ \|$/, ''),
    '',
    `Clicks from a position-biased click model on the judged ratings (click chance ${CLICK_BY_RATING.join(' / ')} for ratings 0–3, times 1/√rank; stop after a click half the time; seeded): they come from the judgments that score them, so this shows the mechanism working, not a held-out number.`,
    '',
    `**What personalisation adds**: ${personal.cases} queries where a visitor first viewed three products of one brand (the second most common brand among the query's relevant products); scored with judgments where that brand's relevant products gain one grade, and with the plain judgments:`,
    '',
    '| ranking | nDCG@10 (brand +1) | judged@10 | nDCG@10 (brand +1), judged only | nDCG@10 (plain judgments) |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| personalisation on | ${f(personal.on.ndcg10)} | ${f(personal.on.judged10)} | ${f(personal.condensedOn.ndcg10)} | ${f(personal.plainOn.ndcg10)} |`,
    `| personalisation off (search/settings) | ${f(personal.off.ndcg10)} | ${f(personal.off.judged10)} | ${f(personal.condensedOff.ndcg10)} | ${f(personal.plainOff.ndcg10)} |`,
    '',
    'The judgments were pooled from another engine: a personal boost brings up products of the visitor\'s brand nobody judged, which count as irrelevant in the first column (see judged@10). "Judged only" ranks the same results with unjudged products left out (condensed lists), which measures the reordering itself.',
  ].join('\n');
}
