/**
 * Merchandising rules as Clerk documents them, and what a search makes of them:
 * - `/synonyms` `{query, synonyms, directed_synonyms}`: `synonyms` are one group that expand
 *   each other both ways (query included); `directed_synonyms` only expand `query`.
 * - `/redirects/` `{url, queries, exact_match}`: a search for one of the queries answers `redirect`.
 * - `/customized_search` `{query, products|categories|pages|suggestions: {pin, hide}}`: pinned items
 *   first (in the order given, even past `filter`), hidden ones never, for that query
 *   (`exact_match` false: any query containing its words; Relevo extension, default true).
 * - `/merchandising` campaigns `{id, name, description, active, start_at, end_at, rules, triggers,
 *   triggers_match}`: rules `pin` (first, past the filter), `boost` (×2) / `promote` (×4) / `bury`
 *   (×0.25) / `custom` (× multiplier), `remove`, `filter` (keep only); each selects `products`
 *   (IDs), a `filter`, or `selection` (a list of IDs or a filter string). Triggers `searches_all`
 *   and `search` (`query` or `queries`, `exact_match` default false).
 * Queries are compared in their normalised form (folded words); rules are compiled once per
 * change of the store's rules (CatalogState.rulesVersion).
 */
import type { CatalogState } from '../catalog/catalog-state.js';
import { makeFilter, type FilterPredicate } from '../catalog/filter.js';
import { invalidArgument } from '../errors.js';
import { v, type Infer } from '../api/validate.js';
import type { CatalogEntry, Doc, Id } from '../storage/ports.js';
import { normalizeQuery } from './query-plan.js';

const phrase = () => v.string().trim().min(1).max(500);
const phrases = () => v.array(phrase()).max(1000);
const pinHide = v.object({ pin: v.array(v.id()).max(1000).optional(), hide: v.array(v.id()).max(1000).optional() });
const pinHideText = v.object({ pin: phrases().optional(), hide: phrases().optional() });

export const synonymSchema = v.object({ query: phrase(), synonyms: phrases().optional(), directed_synonyms: phrases().optional() });
export const redirectSchema = v.object({ url: v.string().trim().min(1).max(2000), queries: v.array(phrase()).min(1).max(1000), exact_match: v.boolean().optional() });
export const customizedSchema = v.object({
  query: phrase(), products: pinHide.optional(), categories: pinHide.optional(), pages: pinHide.optional(), suggestions: pinHideText.optional(), exact_match: v.boolean().optional(),
});
const ACTIONS = ['pin', 'boost', 'promote', 'bury', 'custom', 'remove', 'filter'] as const;
const campaignRule = v.object({
  action: v.enum(ACTIONS),
  products: v.array(v.id()).max(1000).optional(),
  filter: v.string().max(10000).optional(),
  selection: v.union([v.array(v.id()).max(1000), v.string().max(10000)]).optional(),
  multiplier: v.number().finite().min(0).max(1000).optional(),
});
const trigger = v.object({
  type: v.enum(['searches_all', 'search'] as const),
  query: phrase().optional(),
  queries: v.array(phrase()).max(1000).optional(),
  exact_match: v.boolean().optional(),
});
const day = () => v.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as yyyy-mm-dd');
export const campaignSchema = v.object({
  id: v.string().trim().min(1).max(200).optional(),
  name: v.string().trim().min(1).max(500),
  description: v.string().max(5000).optional(),
  active: v.boolean(),
  start_at: v.union([day(), v.null()]).optional(),
  end_at: v.union([day(), v.null()]).optional(),
  rules: v.array(campaignRule).min(1).max(100),
  triggers: v.array(trigger).min(1).max(100),
  triggers_match: v.enum(['any', 'all'] as const).optional(),
});
export const settingsSchema = v.object({
  learning: v.boolean().optional(),
  personalization: v.boolean().optional(),
  typos: v.boolean().optional(),
  language: v.string().trim().min(2).max(40).optional(),
});

export type SynonymRule = Infer<typeof synonymSchema>;
export type RedirectRule = Infer<typeof redirectSchema>;
export type CustomizedRule = Infer<typeof customizedSchema>;
export type Campaign = Infer<typeof campaignSchema>;
export type SearchSettings = Infer<typeof settingsSchema>;

/** The document key of a query-keyed rule: its normalised query. */
export function ruleKey(query: string, arg: string, index: number): string {
  const key = normalizeQuery(query);
  if (key === '') throw invalidArgument(arg, `${arg}[${index}].query: has no words`);
  return key;
}

/** Documents of a batch, rejecting two rules for the same key. */
export function ruleEntries(arg: string, rules: Doc[], keyOf: (rule: Doc, i: number) => string): CatalogEntry[] {
  const seen = new Map<string, number>();
  return rules.map((rule, i) => {
    const key = keyOf(rule, i);
    const first = seen.get(key);
    if (first !== undefined) throw invalidArgument(arg, `${arg}[${first}] and ${arg}[${i}] are the same rule (${JSON.stringify(key)})`);
    seen.set(key, i);
    return { key, doc: rule };
  });
}

/** Checks that a campaign's filters parse (a bad one is a ParsingError naming the campaign rule). */
export function checkCampaign(c: Campaign, i: number, state: CatalogState): void {
  c.rules.forEach((r, j) => {
    const filter = typeof r.selection === 'string' ? r.selection : r.filter;
    try {
      makeFilter(filter, { categoryDescendants: (id) => state.categoryDescendants(id) });
    } catch (err) {
      throw invalidArgument('campaigns', `campaigns[${i}].rules[${j}]: ${(err as Error).message}`);
    }
    if (filter === undefined && !r.products && !Array.isArray(r.selection)) throw invalidArgument('campaigns', `campaigns[${i}].rules[${j}]: needs products, filter or selection`);
    if (r.action === 'custom' && r.multiplier === undefined) throw invalidArgument('campaigns', `campaigns[${i}].rules[${j}].multiplier: required with action custom`);
  });
  c.triggers.forEach((t, j) => {
    if (t.type === 'search' && !t.query && !(t.queries && t.queries.length > 0)) throw invalidArgument('campaigns', `campaigns[${i}].triggers[${j}]: a search trigger needs query or queries`);
  });
}

/* ---------------------------------------------------------------------------------------- */
/* Compiled rules                                                                              */
/* ---------------------------------------------------------------------------------------- */

interface QueryMatch {
  words: string;
  exact: boolean;
}

/** True when the normalised query is `m.words` (exact) or contains its words in order (contains). */
function queryMatches(query: string, m: QueryMatch): boolean {
  if (m.exact) return query === m.words;
  return ` ${query} `.includes(` ${m.words} `);
}

export interface CompiledCampaign {
  id: string;
  triggers: QueryMatch[] | 'all';
  triggersMatch: 'any' | 'all';
  from: number | null;
  to: number | null;
  active: boolean;
  rules: Array<{ action: (typeof ACTIONS)[number]; ids: Set<string> | null; order: string[]; filter: FilterPredicate | null; factor: number }>;
}

/** What one search gets from the rules: pins, hides, multipliers, a redirect. */
export interface AppliedRules {
  redirect: string | null;
  /** Product keys pinned first, in order (customized search, then campaign pins). */
  pins: string[];
  hidden: Set<string>;
  /** Keep only products passing every one of these (campaign `filter` rules). */
  keepOnly: FilterPredicate[];
  /** Per-product score multiplier (boost/bury), 1 when untouched. */
  factor: ((key: string, doc: Doc) => number) | null;
  /** Customized search of categories, pages and suggestions for this query. */
  categories: { pin: string[]; hide: Set<string> };
  pages: { pin: string[]; hide: Set<string> };
  suggestions: { pin: string[]; hide: Set<string> };
  /** For `debug`: which rules fired. */
  debug: Doc;
}

export class CompiledRules {
  /** Phrase (normalised words) → other phrases it expands to. */
  private readonly expansions = new Map<string, string[][]>();
  readonly maxSynonymWords: number;
  private readonly redirects: Array<{ url: string; match: QueryMatch }> = [];
  private readonly customized: Array<{ match: QueryMatch; rule: CustomizedRule }> = [];
  private readonly campaigns: CompiledCampaign[] = [];
  readonly settings: SearchSettings;

  constructor(state: CatalogState) {
    const expand = (from: string, to: string) => {
      const f = normalizeQuery(from);
      const t = normalizeQuery(to);
      if (f === '' || t === '' || f === t) return;
      const list = this.expansions.get(f) ?? [];
      if (!list.some((x) => x.join(' ') === t)) list.push(t.split(' '));
      this.expansions.set(f, list);
    };
    for (const doc of state.synonyms.values()) {
      const r = doc as SynonymRule;
      const group = [r.query, ...(r.synonyms ?? [])];
      for (const a of group) for (const b of group) expand(a, b);
      for (const d of r.directed_synonyms ?? []) expand(r.query, d);
    }
    this.maxSynonymWords = Math.max(1, ...[...this.expansions.keys()].map((k) => k.split(' ').length));
    for (const doc of state.redirects.values()) {
      const r = doc as RedirectRule;
      for (const q of r.queries) this.redirects.push({ url: r.url, match: { words: normalizeQuery(q), exact: r.exact_match ?? true } });
    }
    for (const doc of state.customized_search.values()) {
      const r = doc as CustomizedRule;
      this.customized.push({ match: { words: normalizeQuery(r.query), exact: r.exact_match ?? true }, rule: r });
    }
    for (const doc of state.campaigns.values()) this.campaigns.push(compileCampaign(doc as Campaign & { id: string }, state));
    this.settings = (state.search_settings.get('settings') ?? {}) as SearchSettings;
  }

  /** Synonym phrases of a phrase of the query (for the query planner). */
  synonymsOf = (words: string[]): string[][] => this.expansions.get(words.join(' ')) ?? [];

  get hasSynonyms(): boolean {
    return this.expansions.size > 0;
  }

  /** The rules that apply to one (normalised) query at time `now` (unix s). */
  apply(query: string, now: number): AppliedRules {
    const out: AppliedRules = {
      redirect: null, pins: [], hidden: new Set(), keepOnly: [], factor: null,
      categories: { pin: [], hide: new Set() }, pages: { pin: [], hide: new Set() }, suggestions: { pin: [], hide: new Set() }, debug: {},
    };
    const redirect = this.redirects.find((r) => queryMatches(query, r.match));
    if (redirect) {
      out.redirect = redirect.url;
      out.debug.redirect = redirect.url;
    }
    const fired: string[] = [];
    for (const { match, rule } of this.customized) {
      if (!queryMatches(query, match)) continue;
      fired.push(rule.query);
      const add = (into: { pin: string[]; hide: Set<string> }, from?: { pin?: Array<Id>; hide?: Array<Id> }) => {
        for (const p of from?.pin ?? []) if (!into.pin.includes(String(p))) into.pin.push(String(p));
        for (const h of from?.hide ?? []) into.hide.add(String(h));
      };
      add({ pin: out.pins, hide: out.hidden }, rule.products);
      add(out.categories, rule.categories);
      add(out.pages, rule.pages);
      add(out.suggestions, rule.suggestions);
    }
    if (fired.length > 0) out.debug.customized_search = fired;
    const factors: Array<{ ids: Set<string> | null; filter: FilterPredicate | null; factor: number }> = [];
    const campaigns: string[] = [];
    for (const c of this.campaigns) {
      if (!campaignLive(c, query, now)) continue;
      campaigns.push(c.id);
      for (const r of c.rules) {
        switch (r.action) {
          case 'pin':
            // Listed products go first; a filter pin lifts every match above the rest instead.
            if (r.ids) for (const id of r.order) if (!out.pins.includes(id)) out.pins.push(id);
            if (r.filter) factors.push({ ids: null, filter: r.filter, factor: PIN_FACTOR });
            break;
          case 'remove':
            if (r.ids) for (const id of r.ids) out.hidden.add(id);
            if (r.filter) out.keepOnly.push(negate(r.filter));
            break;
          case 'filter':
            out.keepOnly.push(r.filter ?? ((d: Doc) => r.ids!.has(String(d.id))));
            break;
          default:
            if (r.factor !== 1) factors.push(r);
        }
      }
    }
    if (campaigns.length > 0) out.debug.merchandising = campaigns;
    if (factors.length > 0) {
      out.factor = (key, doc) => {
        let f = 1;
        for (const r of factors) if (r.ids ? r.ids.has(key) : r.filter!(doc)) f *= r.factor;
        return f;
      };
    }
    return out;
  }
}

const negate = (p: FilterPredicate): FilterPredicate => (d) => !p(d);

const FACTORS: Record<string, number> = { boost: 2, promote: 4, bury: 0.25 };
/** A `pin` by filter: far above anything text relevance and boosts can reach. */
const PIN_FACTOR = 1e6;

function compileCampaign(c: Campaign & { id: string }, state: CatalogState): CompiledCampaign {
  const all = c.triggers.some((t) => t.type === 'searches_all');
  const triggers = all ? 'all' : c.triggers.flatMap((t) => [...(t.query ? [t.query] : []), ...(t.queries ?? [])].map((q) => ({ words: normalizeQuery(q), exact: t.exact_match ?? false })));
  const dayStart = (d: string | null | undefined) => (d ? Date.parse(`${d}T00:00:00Z`) / 1000 : null);
  return {
    id: c.id, triggers, triggersMatch: c.triggers_match ?? 'any', active: c.active,
    from: dayStart(c.start_at), to: c.end_at ? dayStart(c.end_at)! + 86400 : null,
    rules: c.rules.map((r) => {
      const list = r.products ?? (Array.isArray(r.selection) ? r.selection : null);
      const filterText = typeof r.selection === 'string' ? r.selection : r.filter;
      return {
        action: r.action,
        ids: list ? new Set(list.map(String)) : null,
        order: (list ?? []).map(String),
        filter: filterText !== undefined ? makeFilter(filterText, { categoryDescendants: (id) => state.categoryDescendants(id) }) : null,
        factor: r.action === 'custom' ? r.multiplier ?? 1 : FACTORS[r.action] ?? 1,
      };
    }),
  };
}

function campaignLive(c: CompiledCampaign, query: string, now: number): boolean {
  if (!c.active || (c.from !== null && now < c.from) || (c.to !== null && now >= c.to)) return false;
  if (c.triggers === 'all') return true;
  return c.triggersMatch === 'all' ? c.triggers.every((t) => queryMatches(query, t)) : c.triggers.some((t) => queryMatches(query, t));
}

const compiled = new WeakMap<CatalogState, { version: number; rules: CompiledRules }>();

/** The store's rules, compiled once per change. */
export function rulesOf(state: CatalogState): CompiledRules {
  const hit = compiled.get(state);
  if (hit && hit.version === state.rulesVersion) return hit.rules;
  const rules = new CompiledRules(state);
  compiled.set(state, { version: state.rulesVersion, rules });
  return rules;
}
