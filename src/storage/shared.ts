/**
 * Driver-free helpers shared by the SQLite and PostgreSQL event and identity modules: row
 * shaping, batch de-duplication, privacy scrubbing and identity key lists. Nothing here touches a
 * database, so both adapters agree on these rules by construction.
 */
import { randomBytes } from 'node:crypto';
import type { Doc, EventType, ImpressionRecord, PersonKeys, SaleRecord, StoredEvent, TrackedEvent } from './ports.js';

/** Default row limit of eventsOfVisitors / impressionsOfVisitors. */
export const DEFAULT_HISTORY_LIMIT = 1000;
/** A click join (EventStore.joinImpressions) looks at most this many newest impressions per visitor: bounded work per click. */
export const IMPRESSION_WINDOW = 200;
export const DEFAULT_SALES_PAGE = 1000;

export const EVENT_COLUMNS = 'store_id, type, time, visitor, product, category, labels, api, request_id, position, external, data';
export const IMPRESSION_COLUMNS = 'store_id, request_id, time, visitor, api, labels, input, results';
export const SALE_COLUMNS = 'store_id, sale, sale_id, time, visitor, email, customer, lines, attribution';

/** Decodes a JSON column: SQLite hands back text, pg hands back the parsed jsonb value. */
export type JsonDecode = (value: unknown) => unknown;

/** JSON text for a nullable JSON column; null and undefined become SQL NULL. */
export function encodeJson(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/** Insert values of an event in EVENT_COLUMNS order; `flag` adapts the boolean to the driver. */
export function eventValues(e: TrackedEvent, flag: (b: boolean) => unknown): unknown[] {
  const labels = e.labels ? JSON.stringify(e.labels) : null;
  return [e.storeId, e.type, e.time, e.visitor ?? null, e.product ?? null, e.category ?? null, labels, e.api ?? null, e.requestId ?? null, e.position ?? null, flag(e.external === true), encodeJson(e.data)];
}

/** Insert values of an impression in IMPRESSION_COLUMNS order. */
export function impressionValues(i: ImpressionRecord): unknown[] {
  return [i.storeId, i.requestId, i.time, i.visitor, i.api, JSON.stringify(i.labels), JSON.stringify(i.input), JSON.stringify(i.results)];
}

/** Insert values of a sale in SALE_COLUMNS order; sale_id is JSON so 123 and "123" stay apart. */
export function saleValues(s: SaleRecord): unknown[] {
  return [s.storeId, s.sale, JSON.stringify(s.saleId), s.time, s.visitor ?? null, s.email ?? null, s.customer ?? null, JSON.stringify(s.lines), encodeJson(s.attribution)];
}

/** Rows as column arrays (for unnest): columns(rows)[c][r] = rows[r][c]. */
export function toColumns(rows: unknown[][], width: number): unknown[][] {
  return Array.from({ length: width }, (_, c) => rows.map((row) => row[c]));
}

type Num = number | string;
export interface EventRow {
  seq: Num;
  store_id: Num;
  type: EventType;
  time: number;
  visitor: string | null;
  product: string | null;
  category: string | null;
  labels: unknown;
  api: string | null;
  request_id: string | null;
  position: number | null;
  external: number | boolean;
  data: unknown;
}
export interface ImpressionRow {
  store_id: Num;
  request_id: string;
  time: number;
  visitor: string;
  api: string;
  labels: unknown;
  input: unknown;
  results: unknown;
}
export interface SaleRow {
  store_id: Num;
  sale: string;
  sale_id: unknown;
  time: number;
  visitor: string | null;
  email: string | null;
  customer: string | null;
  lines: unknown;
  attribution: unknown;
}

/** A stored event with every optional field present (null / false when it was not given). */
export function toStoredEvent(row: EventRow, json: JsonDecode): StoredEvent {
  return {
    seq: Number(row.seq),
    storeId: Number(row.store_id),
    type: row.type,
    time: row.time,
    visitor: row.visitor,
    product: row.product,
    category: row.category,
    labels: json(row.labels) as string[] | null,
    api: row.api,
    requestId: row.request_id,
    position: row.position,
    external: Boolean(row.external),
    data: json(row.data) as Doc | null,
  };
}

export function toImpression(row: ImpressionRow, json: JsonDecode): ImpressionRecord {
  return {
    storeId: Number(row.store_id),
    requestId: row.request_id,
    time: row.time,
    visitor: row.visitor,
    api: row.api,
    labels: json(row.labels) as string[],
    input: json(row.input) as Doc,
    results: json(row.results) as string[],
  };
}

/** A stored sale; attribution is null when none was stored. */
export function toSale(row: SaleRow, json: JsonDecode): SaleRecord {
  return {
    storeId: Number(row.store_id),
    sale: row.sale,
    saleId: json(row.sale_id) as SaleRecord['saleId'],
    time: row.time,
    visitor: row.visitor,
    email: row.email,
    customer: row.customer,
    lines: json(row.lines) as SaleRecord['lines'],
    attribution: (json(row.attribution) as Doc | null) ?? null,
  };
}

/** For each item, whether it is the first with its key (later duplicates are false). */
export function firstOccurrences<T>(items: T[], keyOf: (item: T) => string): boolean[] {
  const seen = new Set<string>();
  return items.map((item) => {
    const key = keyOf(item);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Identity of a sale or impression across stores within one batch. */
export const storeKey = (storeId: number, key: string): string => `${storeId}\u0000${key}`;

/** Whether an impression showed `product` and matches the optional api / labels / since filters. */
export function impressionShows(imp: ImpressionRecord, product: string, opts: { api?: string; labels?: string[]; since?: number }): boolean {
  if (opts.since !== undefined && imp.time < opts.since) return false;
  if (opts.api !== undefined && imp.api !== opts.api) return false;
  if (opts.labels && !opts.labels.every((label) => imp.labels.includes(label))) return false;
  return imp.results.includes(product);
}

/** Newest first: time descending, then the tie-breaking key descending (byte order for ASCII keys). */
export function newestFirst<T>(time: (x: T) => number, key: (x: T) => string | number) {
  return (a: T, b: T): number => time(b) - time(a) || (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0);
}

// The fields that tie an attribution back to a person: clicks carry visitors and request IDs.
const PERSONAL_FIELDS = new Set(['visitor', 'email', 'customer', 'clicks']);

/** A copy of an attribution JSON with every visitor/email/customer/clicks field removed, at any depth. */
export function scrubAttribution(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrubAttribution);
  if (value === null || typeof value !== 'object') return value;
  const out: Doc = {};
  for (const [key, inner] of Object.entries(value)) if (!PERSONAL_FIELDS.has(key)) out[key] = scrubAttribution(inner);
  return out;
}

/** A copy of an order document without its top-level email and customer fields. */
export function scrubOrderDoc(doc: Doc): Doc {
  const { email: _email, customer: _customer, ...rest } = doc;
  return rest;
}

/** A page size is a positive whole number; anything else is a programming error. */
export function checkSalesPageSize(pageSize: number): number {
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`scanSales page size must be a positive integer, got ${pageSize}`);
  return pageSize;
}

export type IdentityKind = 'visitor' | 'email' | 'customer';
export type IdentityKey = [kind: IdentityKind, value: string];

function namedKeys(visitor?: string | null, email?: string | null, customer?: string | null): IdentityKey[] {
  const named: IdentityKey[] = [];
  if (visitor) named.push(['visitor', visitor]);
  if (email) named.push(['email', email]);
  if (customer) named.push(['customer', customer]);
  return named;
}

/** The keys a link call names; throws when it names none (a person needs at least one key). */
export function linkKeys(visitor: string | null, keys: { email?: string | null; customer?: string | null }): IdentityKey[] {
  const named = namedKeys(visitor, keys.email, keys.customer);
  if (named.length === 0) throw new Error('identity.link needs a visitor, an email or a customer');
  return named;
}

/** The keys a personOf call names, in lookup order: visitor, email, customer (empty strings skipped). */
export function lookupKeys(by: { visitor?: string; email?: string; customer?: string }): IdentityKey[] {
  return namedKeys(by.visitor, by.email, by.customer);
}

/** Every key of a PersonKeys as (kind, value) pairs. */
export function personKeyList(keys: PersonKeys): IdentityKey[] {
  return [
    ...keys.visitors.map((v): IdentityKey => ['visitor', v]),
    ...keys.emails.map((v): IdentityKey => ['email', v]),
    ...keys.customers.map((v): IdentityKey => ['customer', v]),
  ];
}

/** Groups identity_links rows into PersonKeys, each list sorted. */
export function toPersonKeys(rows: { kind: IdentityKind; value: string }[]): PersonKeys {
  const keys: PersonKeys = { visitors: [], emails: [], customers: [] };
  const lists = { visitor: keys.visitors, email: keys.emails, customer: keys.customers };
  for (const row of rows) lists[row.kind].push(row.value);
  for (const list of Object.values(lists)) list.sort();
  return keys;
}

/** A new random person ID (16 hex characters). */
export function newPersonId(): string {
  return randomBytes(8).toString('hex');
}

/** The person kept by a merge: the lexicographically smallest, so every instance picks the same one. */
export function mergeTarget(persons: string[]): string {
  return [...persons].sort()[0];
}
