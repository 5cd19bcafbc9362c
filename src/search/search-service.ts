/**
 * Search for every store: products (search/search, search/predictive), query completions
 * (search/suggestions), categories, pages and popular searches. Reads the store's in-memory
 * indexes (store-indexes.ts), its compiled merchandising rules (rules.ts), what was learned from
 * clicks and sales (learning.ts) and the visitor's history; shapes the answer (pins, hides,
 * filter, exclude, orderby, facets over the whole filtered set, offset/limit).
 */
import type { Logger } from 'pino';
import type { CatalogService } from '../catalog/catalog-service.js';
import type { CatalogState } from '../catalog/catalog-state.js';
import type { Facet } from '../catalog/facets.js';
import { makeFilter } from '../catalog/filter.js';
import { pickAttributes } from '../catalog/product-read.js';
import type { Models } from '../recommend/models.js';
import { SESSION_MODEL } from '../recommend/person-ranking.js';
import { sortBy } from '../recommend/results.js';
import type { SessionModel } from '../recommend/session-model.js';
import type { Doc, Id } from '../storage/ports.js';
import { fold } from './analyzer.js';
import { searchCore } from './core.js';
import { parseLanguage, type Language } from './languages.js';
import { SEARCH_LEARNING_MODEL, type SearchLearning } from './learning.js';
import { normalizeQuery } from './query-plan.js';
import type { QueryStats } from './query-stats.js';
import type { RankSignals } from './rank.js';
import { rulesOf, type AppliedRules, type CompiledRules } from './rules.js';
import { FacetColumns } from './facet-columns.js';
import type { SearchIndex } from './search-index.js';
import { StoreIndexes } from './store-indexes.js';

export interface ProductSearchRequest {
  query: string;
  limit: number;
  offset?: number;
  filter?: string;
  facets?: string[];
  orderby?: string;
  order?: 'asc' | 'desc';
  longtail?: boolean;
  exclude?: Id[];
  attributes?: string[];
  language?: string;
  /** The visitor's own ID (null: anonymous, no personal boost). */
  visitor: string | null;
  debug?: boolean;
}

export interface ProductSearchAnswer {
  keys: string[];
  result: Id[];
  count: number;
  facets: Record<string, Facet[]> | null;
  noExactMatch: boolean;
  productData?: Doc[];
  redirect: string | null;
  /** The query completed (predictive): the last word as the best match spells it. */
  completed: string;
  debug?: Doc;
}

const HISTORY_ITEMS = 20;
const SUGGESTION_DAYS = 30;
const POPULAR_DAYS = 2;

export class SearchService {
  private readonly indexes = new WeakMap<CatalogState, StoreIndexes>();
  private readonly open = new Set<StoreIndexes>();
  private readonly columns = new WeakMap<SearchIndex, FacetColumns>();

  constructor(
    private readonly catalog: CatalogService,
    private readonly models: Models,
    private readonly queryStats: QueryStats,
    private readonly log: Logger | null,
  ) {}

  /** Builds the indexes of these stores now (start-up), instead of on their first search. */
  async loadAll(storeIds: number[]): Promise<void> {
    for (const id of storeIds) this.indexesOf(await this.catalog.state(id));
  }

  private indexesOf(state: CatalogState): StoreIndexes {
    let ix = this.indexes.get(state);
    if (!ix) {
      ix = new StoreIndexes(state, this.log);
      this.indexes.set(state, ix);
      this.open.add(ix);
    }
    return ix;
  }

  /** The facet columns of the store's current product index. */
  private columnsOf(products: SearchIndex, state: CatalogState): FacetColumns {
    let columns = this.columns.get(products);
    if (!columns) this.columns.set(products, (columns = new FacetColumns(products, (key) => state.products.get(key))));
    return columns;
  }

  /** The store's search language: the request's, else the store's setting, else English. */
  private language(rules: CompiledRules, asked: string | undefined): Language {
    return parseLanguage(asked ?? rules.settings.language ?? 'english');
  }

  /** search/search and search/predictive. */
  async products(storeId: number, req: ProductSearchRequest, now: number): Promise<ProductSearchAnswer> {
    const state = await this.catalog.state(storeId);
    const ix = this.indexesOf(state);
    const rules = rulesOf(state);
    const language = this.language(rules, req.language);
    const query = normalizeQuery(req.query);
    const applied = rules.apply(query, now);
    const core = searchCore(ix.products, req.query, {
      language,
      longtail: req.longtail,
      typos: rules.settings.typos !== false,
      synonyms: rules.hasSynonyms ? rules.synonymsOf : undefined,
      maxSynonymWords: rules.maxSynonymWords,
      signals: this.signals(storeId, state, ix.products, rules, applied, query, req.visitor, now),
    });
    const predicate = makeFilter(req.filter, { categoryDescendants: (id) => state.categoryDescendants(id) });
    const excluded = new Set((req.exclude ?? []).map(String));
    // Every indexed document is searchable and current; documents are read only when a filter,
    // an exclusion, a rule or a sort needs them, and for the page.
    const needDocs = predicate !== null || excluded.size > 0 || applied.hidden.size > 0 || applied.keepOnly.length > 0;
    const passes = (key: string, doc: Doc) => !excluded.has(key) && !applied.hidden.has(key) && (!predicate || predicate(doc)) && applied.keepOnly.every((keep) => keep(doc));
    // Pins come first, in their order, past the filter (they are the shop's explicit choice).
    const pinned: Array<{ key: string; slot: number }> = [];
    const pinSet = new Set<string>();
    for (const key of applied.pins) {
      const slot = ix.products.slotOf(key);
      if (slot === -1 || pinSet.has(key) || excluded.has(key) || applied.hidden.has(key)) continue;
      pinned.push({ key, slot });
      pinSet.add(key);
    }
    // Which matches a shopper may see: all of them for the count and the facets, in rank order
    // only as far as the page reaches (the rest are never sorted unless a sort needs them all).
    const ranked = core.ranked;
    const visible = new Uint8Array(ranked.length);
    const slots = pinned.map((p) => p.slot);
    for (let i = 0; i < ranked.length; i++) {
      const key = ranked.keyAt(i);
      if (pinSet.has(key) || (needDocs && !passes(key, state.products.get(key)!))) continue;
      visible[i] = 1;
      slots.push(ranked.slotAt(i));
    }
    const offset = req.offset ?? 0;
    let matches: Array<{ key: string; slot: number }> = [];
    const wanted = req.orderby ? Infinity : offset + req.limit - pinned.length;
    if (wanted > 0) {
      for (const i of req.orderby ? ranked.allPositions() : ranked.positions()) {
        if (visible[i] === 0) continue;
        matches.push({ key: ranked.keyAt(i), slot: ranked.slotAt(i) });
        if (matches.length >= wanted) break;
      }
    }
    if (req.orderby) {
      const sorted = sortBy(matches.map((m) => [m.key, state.products.get(m.key)!] as [string, Doc]), req.orderby, req.order ?? 'asc');
      matches = sorted.map(([key]) => ({ key, slot: ix.products.slotOf(key) }));
    }
    const page = pinned.concat(matches).slice(offset, offset + req.limit).map(({ key, slot }) => ({ key, slot, doc: state.products.get(key)! }));
    const answer: ProductSearchAnswer = {
      keys: page.map((p) => p.key),
      result: page.map((p) => p.doc.id as Id),
      count: slots.length,
      facets: req.facets && req.facets.length > 0 ? this.columnsOf(ix.products, state).facets(slots, req.facets, { categoryName: (id) => state.categoryName(id) }) : null,
      noExactMatch: core.noExactMatch && pinned.length === 0,
      redirect: applied.redirect,
      completed: completeQuery(req.query, page.length > 0 ? ix.products.sequenceOf(page[0].slot) : []),
    };
    if (req.attributes && req.attributes.length > 0) answer.productData = page.map((p) => pickAttributes(p.doc, req.attributes));
    if (req.debug) answer.debug = { query, language, ...applied.debug, clauses: core.plan.clauses.map((c) => c.words.join(' ')) };
    return answer;
  }

  /** Learned, personal, popularity and merchandising signals for one search. */
  private signals(storeId: number, state: CatalogState, index: SearchIndex, rules: CompiledRules, applied: AppliedRules, query: string, visitor: string | null, now: number): RankSignals {
    const models = this.models.of(storeId);
    const signals: RankSignals = {};
    const learning = models.get<SearchLearning>(SEARCH_LEARNING_MODEL);
    if (rules.settings.learning !== false && learning.knows(query)) signals.learned = (key) => learning.boost(query, key, now);
    if (rules.settings.personalization !== false && visitor) {
      const history = models.get<SessionModel>(SESSION_MODEL).history([visitor], HISTORY_ITEMS);
      if (history.length > 0) signals.personal = affinity(state, history, this.columnsOf(index, state));
    }
    const weight = models.popularity.slotWeigher(index, now);
    signals.popular = (_key, slot) => {
      const s = weight(slot);
      return s / (s + 5);
    };
    if (applied.factor) {
      const factor = applied.factor;
      signals.merchandising = (key) => {
        const doc = state.products.get(key);
        return doc ? factor(key, doc) : 1;
      };
    }
    return signals;
  }

  /** search/suggestions: the shop's own searches completing the text, then the catalog's words. */
  async suggestions(storeId: number, text: string, limit: number, now: number): Promise<string[]> {
    const state = await this.catalog.state(storeId);
    const ix = this.indexesOf(state);
    const applied = rulesOf(state).apply(normalizeQuery(text), now);
    const typed = fold(text).replace(/\s+/g, ' ').trimStart();
    const out: string[] = [];
    const add = (s: string) => {
      if (s !== '' && !out.includes(s) && !applied.suggestions.hide.has(s)) out.push(s);
    };
    for (const s of applied.suggestions.pin) add(s);
    if (typed.trim() !== '') {
      for (const q of await this.queryStats.top(storeId, SUGGESTION_DAYS, now)) {
        if (out.length >= limit) break;
        if (fold(q.query).startsWith(typed) || ` ${fold(q.query)}`.includes(` ${typed.trim()}`)) add(q.query);
      }
      // Completions of the last word from the catalog's vocabulary, most used first.
      const words = typed.trim().split(' ');
      const last = words.pop() ?? '';
      const head = words.length > 0 ? `${words.join(' ')} ` : '';
      if (last.length >= 1) for (const term of ix.products.prefixTerms(last, limit * 2)) if (term !== last) add(`${head}${term}`);
    }
    return out.slice(0, limit);
  }

  /** search/categories: categories matching the text (all when empty), relevant then popular first. */
  async categories(storeId: number, text: string, limit: number, language: string | undefined, now: number): Promise<string[]> {
    const state = await this.catalog.state(storeId);
    const ix = this.indexesOf(state);
    const rules = rulesOf(state);
    const applied = rules.apply(normalizeQuery(text), now);
    const popularity = this.categoryPopularity(storeId, state, now);
    let keys: string[];
    if (text.trim() === '') {
      keys = [...state.categories.keys()].sort((a, b) => popularity(b) - popularity(a) || (a < b ? -1 : 1));
    } else {
      const ranked = searchCore(ix.categories, text, { language: this.language(rules, language), signals: { popular: popularity } }).ranked;
      keys = ranked.all().map((r) => r.key);
    }
    return pinAndHide(keys, applied.categories, (k) => state.categories.has(k)).slice(0, limit);
  }

  /** search/pages: content pages matching the text, of one `type` when given. */
  async pages(storeId: number, text: string, limit: number, type: string | undefined, language: string | undefined, now: number): Promise<string[]> {
    const state = await this.catalog.state(storeId);
    const ix = this.indexesOf(state);
    const rules = rulesOf(state);
    const applied = rules.apply(normalizeQuery(text), now);
    const ranked = searchCore(ix.pages, text, { language: this.language(rules, language) }).ranked.all().map((r) => r.key);
    const ofType = (k: string) => state.pages.has(k) && (type === undefined || state.pages.get(k)!.type === type);
    return pinAndHide(ranked, applied.pages, ofType).slice(0, limit);
  }

  /** search/popular: the most searched queries of the last two days that found something. */
  async popular(storeId: number, limit: number, now: number): Promise<string[]> {
    return (await this.queryStats.top(storeId, POPULAR_DAYS, now)).slice(0, limit).map((q) => q.query);
  }

  /** Summed product popularity of each category, normalised to 0..1 (cached per call). */
  private categoryPopularity(storeId: number, state: CatalogState, now: number): (key: string) => number {
    const weight = this.models.of(storeId).popularity.weigher(now);
    const totals = new Map<string, number>();
    for (const [key, doc] of state.products) {
      if (!Array.isArray(doc.categories) || doc.categories.length === 0) continue;
      const s = weight(key) + 0.01;
      for (const c of doc.categories) totals.set(String(c), (totals.get(String(c)) ?? 0) + s);
    }
    const max = Math.max(1e-9, ...totals.values());
    return (key) => (totals.get(key) ?? 0) / max;
  }

  /** Stops background work (shutdown). */
  close(): void {
    for (const ix of this.open) ix.close();
    this.open.clear();
  }
}

/** Pinned keys first (those that exist and pass `keep`), then the ranked ones, hidden ones never. */
function pinAndHide(ranked: string[], rule: { pin: string[]; hide: Set<string> }, keep: (k: string) => boolean): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const k of [...rule.pin, ...ranked]) {
    if (seen.has(k) || rule.hide.has(k) || !keep(k)) continue;
    seen.add(k);
    out.push(k);
  }
  return out;
}

/** The query with its last word completed as the best result's name spells it ("lapt" → "laptop"). */
export function completeQuery(query: string, sequence: string[]): string {
  const words = fold(query).trim().split(/\s+/);
  const last = words[words.length - 1] ?? '';
  if (last === '') return query.trim();
  const completion = sequence.find((t) => t.startsWith(last) && t !== last);
  if (!completion || sequence.includes(last)) return words.join(' ');
  return [...words.slice(0, -1), completion].join(' ');
}

/**
 * A visitor's affinity to products from their recent items: shared brand, shared categories.
 * Read per match from the index's brand and category columns, not from each document.
 */
function affinity(state: CatalogState, history: string[], columns: FacetColumns): (key: string, slot: number) => number {
  const brands = new Map<string, number>();
  const categories = new Map<string, number>();
  history.forEach((key, i) => {
    const doc = state.products.get(key);
    if (!doc) return;
    const w = 1 / (1 + 0.2 * i);
    if (typeof doc.brand === 'string') brands.set(doc.brand, (brands.get(doc.brand) ?? 0) + w);
    if (Array.isArray(doc.categories)) for (const c of doc.categories) categories.set(String(c), (categories.get(String(c)) ?? 0) + w);
  });
  const topBrand = Math.max(1e-9, ...brands.values());
  const topCategory = Math.max(1e-9, ...categories.values());
  // A brand says more about a shopper's taste than a category they browsed.
  const brandShare = categories.size === 0 ? 1 : brands.size === 0 ? 0 : 0.6;
  const brandOf = columns.weigher('brand', brands, 'scalar');
  const categoryOf = columns.weigher('categories', categories, 'list');
  return (_key, slot) => Math.min(1, (brandShare * brandOf(slot)) / topBrand + ((1 - brandShare) * categoryOf(slot)) / topCategory);
}
