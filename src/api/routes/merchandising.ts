/**
 * Merchandising (private key): /synonyms, /redirects/, /customized_search, /merchandising, and
 * search/settings (Relevo extension). GET and DELETE take the list of keys (queries, URLs or
 * campaign IDs); GET without it lists every rule. POST creates or replaces whole rules, PATCH
 * changes the given fields of existing ones. Rules are stored with the catalog (catalog_docs and
 * its change log), so every instance applies a change within one tail interval; the instance
 * that answered applies it before answering.
 */
import { v, type Schema } from '../validate.js';
import type { CatalogService } from '../../catalog/catalog-service.js';
import type { CatalogState } from '../../catalog/catalog-state.js';
import { invalidArgument, LogicalError } from '../../errors.js';
import { randomHex } from '../../random.js';
import { parseLanguage } from '../../search/languages.js';
import { normalizeQuery } from '../../search/query-plan.js';
import {
  campaignSchema, checkCampaign, customizedSchema, redirectSchema, ruleEntries, ruleKey, settingsSchema, synonymSchema, type Campaign,
} from '../../search/rules.js';
import type { Doc, RuleKind } from '../../storage/ports.js';
import { route, type RouteDef } from '../route.js';
import { answerOf, okOnly, recordsAnswer } from '../answers.js';
import { list } from '../schemas.js';

export interface MerchandisingDeps {
  catalog: CatalogService;
}

/** One rule resource: its endpoint, argument name, stored kind, object schema and key. */
interface Resource {
  name: string;
  arg: string;
  kind: RuleKind;
  schema: Schema<Doc>;
  /** The key of a rule object (its normalised query, URL or ID). */
  keyOf(rule: Doc, i: number): string;
  /** The key a GET/DELETE argument names. */
  lookup(value: string): string;
  /** The GET answer: `{arg: rules}`, or the bare array (customized_search, as Clerk shows it). */
  bare?: boolean;
  /** Extra checks of a whole rule (campaign filters). */
  check?(rule: Doc, i: number, state: CatalogState): void;
}

const keys = () => list(v.string().trim().min(1).max(2000), 10000);
const rules = (schema: Schema<Doc>) => v.array(schema).min(1).max(10000);

const RESOURCES: Resource[] = [
  { name: 'synonyms', arg: 'synonyms', kind: 'synonyms', schema: synonymSchema as Schema<Doc>, keyOf: (r, i) => ruleKey(r.query as string, 'synonyms', i), lookup: normalizeQuery },
  { name: 'redirects', arg: 'redirects', kind: 'redirects', schema: redirectSchema as Schema<Doc>, keyOf: (r) => r.url as string, lookup: (u) => u },
  { name: 'customized_search', arg: 'rules', kind: 'customized_search', schema: customizedSchema as Schema<Doc>, keyOf: (r, i) => ruleKey(r.query as string, 'rules', i), lookup: normalizeQuery, bare: true },
  {
    name: 'merchandising', arg: 'campaigns', kind: 'campaigns', schema: campaignSchema as Schema<Doc>, keyOf: (r) => r.id as string, lookup: (id) => id,
    check: (r, i, state) => checkCampaign(r as Campaign, i, state),
  },
];

/** The merchandising part of the route table. */
export function merchandisingRoutes(deps: MerchandisingDeps): RouteDef[] {
  return [...RESOURCES.flatMap((r) => resourceRoutes(deps.catalog, r)), ...settingsRoutes(deps.catalog)];
}

function resourceRoutes(catalog: CatalogService, res: Resource): RouteDef[] {
  const { arg } = res;
  const stored = async (storeId: number) => (await catalog.state(storeId))[res.kind];
  return [
    route({
      name: res.name, methods: ['GET'], auth: 'private', schema: v.object({ [arg]: keys().optional() }), bare: res.bare,
      answer: res.bare ? { type: 'array', items: { type: 'object' }, description: 'The stored rules (all, or those asked).' } : recordsAnswer(arg, 'The stored rules (all, or those asked).'),
      handler: async (a, ctx) => {
        const map = await stored(ctx.store.id);
        const asked = a[arg] as string[] | undefined;
        const found = asked ? asked.map((k) => map.get(res.lookup(k))).filter((d): d is Doc => d !== undefined) : [...map.values()];
        return res.bare ? found : { [arg]: found };
      },
    }),
    route({
      name: res.name, methods: ['POST'], auth: 'private', schema: v.object({ [arg]: rules(res.schema) }),
      answer: res.kind === 'campaigns' ? answerOf({ campaign_ids: { type: 'array', items: { type: 'string' }, description: 'The IDs of the campaigns written, assigned where none was given.' } }) : okOnly,
      handler: async (a, ctx) => {
        const state = await catalog.state(ctx.store.id);
        const given = a[arg] as Doc[];
        // Campaigns are created: IDs are assigned unless given (Clerk answers the new IDs).
        const withIds = res.kind === 'campaigns' ? given.map((c) => ({ ...c, id: c.id ?? randomHex(8) })) : given;
        withIds.forEach((r, i) => res.check?.(r, i, state));
        const entries = ruleEntries(arg, withIds, res.keyOf);
        await catalog.putDocs(ctx.store.id, res.kind, entries, []);
        return res.kind === 'campaigns' ? { campaign_ids: entries.map((e) => e.key) } : undefined;
      },
    }),
    route({
      name: res.name, methods: ['PATCH'], auth: 'private', schema: v.object({ [arg]: rules(v.record()) }), answer: okOnly,
      handler: async (a, ctx) => {
        const state = await catalog.state(ctx.store.id);
        const merged = (a[arg] as Doc[]).map((patch, i) => {
          const key = patchKey(res, patch, i);
          const existing = state[res.kind].get(key);
          if (!existing) throw new LogicalError(`${arg}[${i}]: no rule ${JSON.stringify(key)}`, 404);
          return parseRule(res, { ...existing, ...patch }, i);
        });
        merged.forEach((r, i) => res.check?.(r, i, state));
        await catalog.putDocs(ctx.store.id, res.kind, ruleEntries(arg, merged, res.keyOf), []);
      },
    }),
    route({
      name: res.name, methods: ['DELETE'], auth: 'private', schema: v.object({ [arg]: keys() }), answer: okOnly,
      handler: async (a, ctx) => {
        const map = await stored(ctx.store.id);
        const gone = (a[arg] as string[]).map(res.lookup).filter((k) => map.has(k));
        await catalog.putDocs(ctx.store.id, res.kind, [], [...new Set(gone)]);
      },
    }),
  ];
}

/** The key a PATCH object names: its query, URL or ID (the field is required). */
function patchKey(res: Resource, patch: Doc, i: number): string {
  const field = res.kind === 'campaigns' ? 'id' : res.kind === 'redirects' ? 'url' : 'query';
  const value = patch[field];
  if (typeof value !== 'string' || value.trim() === '') throw invalidArgument(res.arg, `${res.arg}[${i}].${field}: required`);
  return res.kind === 'campaigns' || res.kind === 'redirects' ? value.trim() : res.lookup(value);
}

/** Validates a merged rule with the resource's schema; errors name the argument and index. */
function parseRule(res: Resource, rule: Doc, i: number): Doc {
  const wrapped = v.object({ [res.arg]: v.array(res.schema) });
  try {
    return (wrapped.parse({ [res.arg]: [rule] }) as Record<string, Doc[]>)[res.arg][0];
  } catch (err) {
    const issue = err as { message?: string; path?: Array<string | number> };
    const where = (issue.path ?? []).slice(2).join('.');
    throw invalidArgument(res.arg, `${res.arg}[${i}]${where ? `.${where}` : ''}: ${issue.message ?? 'invalid'}`);
  }
}

const settingsAnswer = answerOf({ settings: { type: 'object', description: 'Every search setting of the store, defaults filled in.' } });

/** search/settings (extension): per-store search switches, shared by every instance. */
function settingsRoutes(catalog: CatalogService): RouteDef[] {
  const current = async (storeId: number) => (await catalog.state(storeId)).search_settings.get('settings') ?? {};
  return [
    route({
      name: 'search/settings', methods: ['GET'], auth: 'private', schema: v.object({}), answer: settingsAnswer,
      handler: async (_a, ctx) => ({ settings: withDefaults(await current(ctx.store.id)) }),
    }),
    route({
      name: 'search/settings', methods: ['POST'], auth: 'private', schema: settingsSchema, answer: settingsAnswer,
      handler: async (a, ctx) => {
        if (a.language !== undefined) parseLanguage(a.language);
        const doc = { ...(await current(ctx.store.id)), ...a };
        await catalog.putDocs(ctx.store.id, 'search_settings', [{ key: 'settings', doc }], []);
        return { settings: withDefaults(doc) };
      },
    }),
  ];
}

function withDefaults(doc: Doc): Doc {
  return { learning: true, personalization: true, typos: true, language: 'english', ...doc };
}
