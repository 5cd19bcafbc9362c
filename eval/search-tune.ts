/**
 * Quick in-process relevance check on the Chorus dev queries (no HTTP, no server): Relevo's
 * search core next to plain BM25 and MiniSearch. For tuning; `npm run eval -- --data chorus`
 * is the measurement that counts (through search/search over HTTP).
 *   node dist/eval/search-tune.js [dataDir] [--per-query]
 */
import { CatalogState } from '../src/catalog/catalog-state.js';
import { searchCore } from '../src/search/core.js';
import { productFields } from '../src/search/fields.js';
import { DEFAULT_WEIGHTS, type RankWeights } from '../src/search/rank.js';
import { SearchIndex } from '../src/search/search-index.js';
import { loadIcecat, loadJudgments, scoreRuns, toProduct } from './chorus-data.js';
import { miniSearch, plainBm25, type SearchMethod } from './search-baselines.js';

const dataDir = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : '../shared/data';
const perQuery = process.argv.includes('--per-query');
const products = loadIcecat(dataDir).map(toProduct);
const judgments = loadJudgments(dataDir);
const state = new CatalogState();
let t = Date.now();
// Tuning knobs: RELEVO_TUNE_FIELDS='{"other":0.6}' (field weights), RELEVO_TUNE_RANK='{"allInName":1.5}'.
const fields = productFields(state);
const fieldOverrides = JSON.parse(process.env.RELEVO_TUNE_FIELDS ?? '{}') as Record<string, number>;
for (const f of fields) if (f.name in fieldOverrides) f.weight = fieldOverrides[f.name];
const weights = { ...DEFAULT_WEIGHTS, ...(JSON.parse(process.env.RELEVO_TUNE_RANK ?? '{}') as Partial<RankWeights>) };
const index = new SearchIndex(products.map((p) => [String(p.id), p] as const), fields);
console.log(`relevo index: ${Date.now() - t} ms, ${index.vocabulary.size} terms`);
const relevo: SearchMethod = { name: 'Relevo core', search: (q, limit) => searchCore(index, q, { language: 'english', weights }).ranked.top(limit).map((r) => r.key) };
const methods = [relevo, plainBm25(products), miniSearch(products)];
const all: Array<Map<string, number>> = [];
for (const m of methods) {
  const runs = new Map<string, string[]>();
  t = Date.now();
  for (const q of judgments.keys()) runs.set(q, m.search(q, 10));
  const s = scoreRuns(judgments, runs);
  all.push(s.perQuery);
  console.log(`${m.name.padEnd(50)} nDCG@10 ${s.ndcg10.toFixed(3)}  P@10 ${s.p10.toFixed(3)}  judged@10 ${s.judged10.toFixed(3)}  (${s.queries} q, ${Date.now() - t} ms)`);
}
if (perQuery) {
  for (const q of all[0].keys()) console.log(`${q.padEnd(28)} ${all.map((m) => (m.get(q) ?? 0).toFixed(2)).join('  ')}`);
}
