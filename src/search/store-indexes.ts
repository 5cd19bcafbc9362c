/**
 * The search indexes of each store (products, categories, pages), built from the in-memory
 * catalog and kept current by its change listener: an add, update or remove is in the index
 * before the write is answered (and, from another instance, when the catalog tail applies it).
 * Changes go to the index's delta; the base is rebuilt from the catalog once the delta passes a
 * quarter of the base (at least 1,000 documents) or, after a quiet spell, whenever it is not
 * empty, so the delta stays small.
 */
import type { Logger } from 'pino';
import type { CatalogState, MemoryKind } from '../catalog/catalog-state.js';
import type { Doc } from '../storage/ports.js';
import { CATEGORY_FIELDS, PAGE_FIELDS, productFields } from './fields.js';
import { parseLanguage } from './languages.js';
import { rulesOf } from './rules.js';
import { SearchIndex } from './search-index.js';

const REBUILD_MIN_DELTA = 1000;
const REBUILD_SHARE = 0.25;
/** A delta left alone this long is folded into the base. */
const QUIET_REBUILD_MS = 30_000;

const searchable = (doc: Doc) => doc.index !== false;

export class StoreIndexes {
  products: SearchIndex;
  categories: SearchIndex;
  pages: SearchIndex;
  private rebuildScheduled = false;
  private quietTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly state: CatalogState,
    private readonly log: Logger | null,
  ) {
    this.products = this.buildProducts();
    this.categories = new SearchIndex(state.categories, CATEGORY_FIELDS);
    this.pages = new SearchIndex(state.pages, PAGE_FIELDS);
    state.onChange((kind, key, doc) => this.apply(kind, key, doc));
  }

  private buildProducts(): SearchIndex {
    const started = Date.now();
    const docs = [...this.state.products].filter(([, d]) => searchable(d));
    const index = new SearchIndex(docs, productFields(this.state));
    // The store language's stem map now, not on the first search.
    index.stems.forms('', parseLanguage(rulesOf(this.state).settings.language ?? 'english'));
    if (docs.length >= 1000) this.log?.info({ products: docs.length, terms: index.vocabulary.size, ms: Date.now() - started }, 'search index built');
    return index;
  }

  private apply(kind: MemoryKind, key: string, doc: Doc | null): void {
    if (kind === 'products') {
      if (doc && searchable(doc)) this.products.upsert(key, doc);
      else this.products.remove(key);
      this.maintain();
    } else if (kind === 'categories') {
      if (doc) this.categories.upsert(key, doc);
      else this.categories.remove(key);
      // Products carry their categories' names: re-index the products of this category.
      for (const [pk, pd] of this.state.products) {
        if (searchable(pd) && Array.isArray(pd.categories) && pd.categories.some((c) => String(c) === key)) this.products.upsert(pk, pd);
      }
      this.maintain();
    } else if (kind === 'pages') {
      if (doc) this.pages.upsert(key, doc);
      else this.pages.remove(key);
      if (this.pages.deltaSize > Math.max(200, this.pages.size * REBUILD_SHARE)) this.pages = new SearchIndex(this.state.pages, PAGE_FIELDS);
    }
  }

  /** Schedules a rebuild when the delta is large; else folds a small delta in after a quiet spell. */
  private maintain(): void {
    const delta = this.products.deltaSize + this.categories.deltaSize;
    if (delta >= REBUILD_MIN_DELTA && delta >= this.products.size * REBUILD_SHARE) {
      if (this.rebuildScheduled) return;
      this.rebuildScheduled = true;
      setImmediate(() => this.rebuild());
      return;
    }
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.rebuild(), QUIET_REBUILD_MS);
    this.quietTimer.unref();
  }

  /** Rebuilds the product and category bases from the catalog (the deltas are dropped). */
  rebuild(): void {
    this.rebuildScheduled = false;
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = null;
    if (this.products.deltaSize > 0) this.products = this.buildProducts();
    if (this.categories.deltaSize > 0) this.categories = new SearchIndex(this.state.categories, CATEGORY_FIELDS);
  }

  /** Stops the quiet-spell timer (shutdown). */
  close(): void {
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = null;
  }
}
