/** Quick in-process parameter sweep of the session model on train_tr → train_valid (dev tool). */
import { DEFAULT_LIMITS } from '../src/recommend/session-model.js';
import { DEFAULT_PARAMS, type ScoringParams } from '../src/recommend/session-scoring.js';
import { adjacentCoView, itemKnn, pop, quickBlend, vsknn } from './baselines.js';
import { loadSplit } from './data.js';
import { catalogueSize, evaluateMethod, sessionModelMethod } from './offline.js';

const split = loadSplit(process.argv[2] ?? '../shared/data', (process.argv[3] as 'yoochoose') ?? 'yoochoose');
const items = catalogueSize(split);
const show = (name: string, r: ReturnType<typeof evaluateMethod>) =>
  console.log(`${name.padEnd(60)} excl ${r.excluded.hr20.toFixed(4)}/${r.excluded.mrr20.toFixed(4)}  seen ${r.allowed.hr20.toFixed(4)}/${r.allowed.mrr20.toFixed(4)}`);
const t0 = Date.now();
if (process.argv.includes('--baselines')) {
  for (const m of [pop(split.train), itemKnn(split.train), vsknn(split.train), adjacentCoView(split.train), quickBlend(vsknn(split.train), adjacentCoView(split.train))]) show(m.name, evaluateMethod(split, m, items));
}
const grid: Array<Partial<ScoringParams>> = JSON.parse(process.argv.find((a) => a.startsWith('['))! ?? '[{}]');
for (const g of grid) {
  const p = { ...DEFAULT_PARAMS, ...g };
  const limits = { ...DEFAULT_LIMITS, ...(g as object) };
  show(JSON.stringify(g), evaluateMethod(split, sessionModelMethod(split, p, limits), items));
  console.error(`  ${Date.now() - t0} ms`);
}
