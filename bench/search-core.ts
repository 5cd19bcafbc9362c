/**
 * Index build time and memory of one search engine on the Chorus catalogue, in a process of its
 * own so the heap holds nothing else: `node --expose-gc dist/bench/search-core.js relevo|minisearch
 * <dataDir> <builds>`. Memory is V8 heap plus array buffers (Relevo keeps postings in typed
 * arrays, MiniSearch in Maps), after a full GC, with the index held against without it (the
 * products themselves are loaded in both). Prints one JSON line: {builds_ms: [...], bytes}.
 */
import { CatalogState } from '../src/catalog/catalog-state.js';
import { productFields } from '../src/search/fields.js';
import { SearchIndex } from '../src/search/search-index.js';
import { loadIcecat, toProduct } from '../eval/chorus-data.js';
import { buildMiniSearch } from '../eval/search-baselines.js';

const [engine, dataDir, buildsArg] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const used = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const products = loadIcecat(dataDir).map(toProduct);
const build = engine === 'relevo'
  ? () => {
    // As the server builds it: the index and the store language's stem map.
    const index = new SearchIndex(products.map((p) => [String(p.id), p] as const), productFields(new CatalogState()));
    index.stems.forms('', 'english');
    return index;
  }
  : () => buildMiniSearch(products);
const buildsMs: number[] = [];
for (let i = 0; i < Number(buildsArg ?? 3); i++) {
  const started = process.hrtime.bigint();
  build();
  buildsMs.push(Number(process.hrtime.bigint() - started) / 1e6);
}
const before = used();
const held = build();
const bytes = used() - before;
process.stdout.write(`${JSON.stringify({ builds_ms: buildsMs, bytes, held: held !== null })}\n`);
