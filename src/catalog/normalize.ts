/**
 * Raw catalog objects (API bodies, feed records) → CatalogEntry. One place decides what a valid
 * product, category, page, customer, order, parcel or accessory record is, so `product/add`, the CRUD routes and the feed
 * importer accept and reject exactly the same things and store the same shapes.
 *
 * Lenient mode (`strict: false`, Clerk's feed default) only ever turns a string into the type a
 * field wants; it never loosens anything else. So whatever strict mode accepts, lenient mode
 * accepts too, and a record with no convertible string gives the same answer in both modes
 * (the feed importer relies on that; see `mayCoerce`).
 */
import { ParsingError } from '../errors.js';
import type { CatalogEntry, CatalogKind, Doc, Id } from '../storage/ports.js';

/**
 * A record that cannot be stored: `field` is the path inside the record (`price`, `categories[2]`,
 * `products[0].quantity`; empty for the record as a whole) and `message` the bare complaint, so
 * callers prefix their own location (`products[3].price: must be a number ≥ 0`). A ParsingError,
 * so anything that escapes unwrapped still answers 400.
 */
export class RecordError extends ParsingError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'RecordError';
  }
}

/** `strict: true` takes values as they are; `false` converts strings as the module comment says. */
export interface NormalizeOptions {
  strict: boolean;
}

const MAX_ATTRIBUTES = 1000;
const MAX_DEPTH = 16;
const MAX_ID_LENGTH = 200;
const NAME = /^[A-Za-z0-9_]+$/;
// IDs and free attributes convert only from the canonical spelling: "007" and "1e3" stay strings
// because leading zeros (zip codes, SKUs, IDs) carry meaning and String(Number(s)) must give s back.
const CANONICAL_INT = /^-?(?:0|[1-9]\d*)$/;
const CANONICAL_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;
// Fields that can only hold a number take any decimal spelling ("007" → 7, "12.50" → 12.5).
const DECIMAL = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const BOOLEAN = /^(?:true|false)$/i;

type FieldType = 'id' | 'ids' | 'string' | 'strings' | 'boolean' | 'amount' | 'int' | 'count' | 'quantity' | 'email' | 'lines' | 'parcel_status';

/**
 * The shipment states a parcel can be in. Clerk's reference names the field but not its values;
 * these cover a carrier's usual milestones, and anything else is refused rather than stored.
 */
export const PARCEL_STATUSES = ['pending', 'packed', 'shipped', 'in_transit', 'out_for_delivery', 'delivered', 'failed', 'returned', 'cancelled'] as const;
const PARCEL_STATUS_SET = new Set<string>(PARCEL_STATUSES);

// Core fields per kind; anything else is a free attribute (kept, lightly checked).
const FIELDS: Record<CatalogKind, Record<string, FieldType>> = {
  products: {
    id: 'id', name: 'string', description: 'string', brand: 'string', sku: 'string', image: 'string', url: 'string',
    gender: 'string', price: 'amount', list_price: 'amount', stock: 'int', created_at: 'count', age: 'count',
    categories: 'ids', index: 'boolean', on_sale: 'boolean', keywords: 'strings', color: 'strings', colors: 'strings',
  },
  categories: { id: 'id', name: 'string', url: 'string', image: 'string', description: 'string', subcategories: 'ids', parent: 'id' },
  pages: {
    id: 'id', type: 'string', url: 'string', title: 'string', text: 'string', image: 'string', author: 'string',
    created_at: 'count', tags: 'strings',
  },
  customers: {
    id: 'id', customerid: 'id', email: 'email', name: 'string', gender: 'string', age: 'count', subscribed: 'boolean', is_b2b: 'boolean',
  },
  orders: { id: 'id', products: 'lines', time: 'count', email: 'email', customer: 'id', status: 'string' },
  parcels: { parcel_id: 'id', order_id: 'id', tracking_code: 'string', tracking_link: 'string', status: 'parcel_status', created: 'count', updated: 'count' },
  accessories: { product: 'id', accessories: 'ids', directed_accessories: 'ids' },
};
/** Kinds with a fixed shape: a field outside FIELDS is refused, not kept as a free attribute. */
const CLOSED = new Set<CatalogKind>(['parcels', 'accessories']);
/** The field holding a kind's key (customers have three candidates; see keyOf). */
const KEY_FIELD: Partial<Record<CatalogKind, string>> = { parcels: 'parcel_id', accessories: 'product' };
// Clerk marks order `time` required; pushes without it are rejected rather than stamped "now",
// so a re-sent order never moves in time.
const REQUIRED: Record<CatalogKind, string[]> = {
  products: ['id'], categories: ['id'], pages: ['id'], customers: [], orders: ['id', 'products', 'time'],
  parcels: ['parcel_id', 'order_id'], accessories: ['product'],
};
const LINE_FIELDS: Record<string, FieldType> = { id: 'id', price: 'amount', quantity: 'quantity' };
const LINE_REQUIRED = ['id', 'price', 'quantity'];

/** Validates one raw record of `kind` and returns it as a storable entry; throws RecordError. */
export function normalizeEntry(kind: CatalogKind, raw: unknown, opts: NormalizeOptions): CatalogEntry {
  if (!isPlainObject(raw)) throw new RecordError('', 'must be an object');
  const names = Object.keys(raw);
  if (names.length > MAX_ATTRIBUTES) throw new RecordError('', `has more than ${MAX_ATTRIBUTES} attributes`);
  const fields = FIELDS[kind];
  const doc: Doc = {};
  for (const name of names) {
    checkName(name, name);
    const value = raw[name];
    if (value === null || value === undefined) continue; // missing values are omitted, never null
    const type = fields[name];
    if (!type && CLOSED.has(kind)) throw new RecordError(name, `is not a field of ${kind} (${Object.keys(fields).join(', ')})`);
    // A blank email is no email: it would only ever match other blank emails.
    if (type === 'email' && typeof value === 'string' && !value.trim()) continue;
    doc[name] = type ? readField(type, value, name, opts) : readExtra(value, name, opts);
  }
  for (const name of REQUIRED[kind]) if (!(name in doc)) throw new RecordError(name, 'is required');
  if (kind === 'categories' && !('subcategories' in doc)) doc.subcategories = [];
  return toEntry(kind, doc);
}

/** PATCH semantics: the patch's fields replace the stored ones (null removes), then the result is normalised; the key cannot change. */
export function mergeEntry(kind: CatalogKind, existing: Doc, patch: unknown, opts: NormalizeOptions): CatalogEntry {
  if (!isPlainObject(patch)) throw new RecordError('', 'must be an object');
  const merged: Doc = { ...existing };
  for (const name of Object.keys(patch)) {
    checkName(name, name); // before assigning: `__proto__` would otherwise reach the prototype
    const value = patch[name];
    // An ID sent back in the other type ("12" for 12) is the same ID: keep the stored type.
    if (isKeyField(kind, name) && value !== null && String(value) === String(existing[name])) continue;
    if (value === null || value === undefined) delete merged[name];
    else merged[name] = value;
  }
  const entry = normalizeEntry(kind, merged, opts);
  const before = keyOf(kind, existing);
  if (entry.key !== before.key) throw new RecordError(before.field, 'cannot be changed');
  return entry;
}

/**
 * True when lenient normalisation of `raw` might differ from strict normalisation (some string
 * could be converted). Conservative: false guarantees both modes give the same answer.
 */
export function mayCoerce(raw: unknown): boolean {
  if (!isPlainObject(raw)) return false;
  for (const name of Object.keys(raw)) {
    const value = raw[name];
    if (typeof value === 'string') {
      if (convertible(value)) return true;
    } else if (Array.isArray(value)) {
      for (const item of value) {
        if (typeof item === 'string' ? convertible(item) : isPlainObject(item) && Object.values(item).some((v) => typeof v === 'string' && convertible(v))) return true;
      }
    }
  }
  return false;
}

function convertible(s: string): boolean {
  return DECIMAL.test(s) || BOOLEAN.test(s);
}

function toEntry(kind: CatalogKind, doc: Doc): CatalogEntry {
  const entry: CatalogEntry = { key: keyOf(kind, doc).key, doc };
  if (typeof doc.email === 'string') {
    const email = normalizeEmail(doc.email);
    if (email) entry.email = email;
  }
  if (kind === 'orders') {
    if (doc.customer !== undefined) entry.customer = String(doc.customer);
    entry.time = doc.time as number;
  }
  if (kind === 'parcels') entry.ref = String(doc.order_id);
  return entry;
}

function keyOf(kind: CatalogKind, doc: Doc): { key: string; field: string } {
  if (kind !== 'customers') {
    const field = KEY_FIELD[kind] ?? 'id';
    return { key: String(doc[field]), field };
  }
  // Clerk's customer key has had three names; a customer known only by email is keyed by it.
  for (const field of ['id', 'customerid'] as const) {
    if (doc[field] !== undefined && doc[field] !== null) return { key: String(doc[field]), field };
  }
  const email = typeof doc.email === 'string' ? normalizeEmail(doc.email) : '';
  if (!email) throw new RecordError('id', 'is required (customers need id, customerid or email)');
  return { key: email, field: 'email' };
}

function isKeyField(kind: CatalogKind, name: string): boolean {
  const field = KEY_FIELD[kind];
  if (field) return name === field;
  return name === 'id' || (kind === 'customers' && name === 'customerid');
}

function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function readField(type: FieldType, value: unknown, path: string, opts: NormalizeOptions): unknown {
  switch (type) {
    case 'id':
      return readId(value, path, opts);
    case 'ids': // a lone ID is a list of one: feeds often send `"categories": 12`
      return (Array.isArray(value) ? value : [value]).map((item, i) => readId(item, `${path}[${i}]`, opts));
    case 'string':
      if (typeof value !== 'string') throw new RecordError(path, 'must be a string');
      return value;
    case 'strings':
      if (typeof value === 'string') return value;
      if (!Array.isArray(value)) throw new RecordError(path, 'must be a string or a list of strings');
      value.forEach((item, i) => {
        if (typeof item !== 'string') throw new RecordError(`${path}[${i}]`, 'must be a string');
      });
      return value;
    case 'email':
      if (typeof value !== 'string') throw new RecordError(path, 'must be a string');
      return value;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (!opts.strict && typeof value === 'string' && BOOLEAN.test(value)) return value.toLowerCase() === 'true';
      throw new RecordError(path, 'must be true or false');
    case 'amount':
      return readNumber(value, path, opts, (n) => n >= 0, 'must be a number ≥ 0');
    case 'int':
      return readNumber(value, path, opts, Number.isSafeInteger, 'must be an integer');
    case 'count':
      return readNumber(value, path, opts, (n) => Number.isSafeInteger(n) && n >= 0, 'must be an integer ≥ 0');
    case 'quantity':
      return readNumber(value, path, opts, (n) => Number.isSafeInteger(n) && n >= 1, 'must be an integer ≥ 1');
    case 'lines':
      return readLines(value, path, opts);
    case 'parcel_status':
      if (typeof value !== 'string' || !PARCEL_STATUS_SET.has(value)) throw new RecordError(path, `must be one of ${PARCEL_STATUSES.join(', ')}`);
      return value;
  }
}

function readId(value: unknown, path: string, opts: NormalizeOptions): Id {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value !== 'string' || value === '') throw new RecordError(path, 'must be an integer or a non-empty string');
  if (value.length > MAX_ID_LENGTH) throw new RecordError(path, `must be at most ${MAX_ID_LENGTH} characters`);
  if (!opts.strict && CANONICAL_INT.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  return value;
}

function readNumber(value: unknown, path: string, opts: NormalizeOptions, ok: (n: number) => boolean, complaint: string): number {
  let n = value;
  if (!opts.strict && typeof value === 'string' && DECIMAL.test(value)) n = Number(value);
  if (typeof n !== 'number' || !Number.isFinite(n) || !ok(n)) throw new RecordError(path, complaint);
  return n;
}

function readLines(value: unknown, path: string, opts: NormalizeOptions): Doc[] {
  if (!Array.isArray(value) || value.length === 0) throw new RecordError(path, 'must be a non-empty list');
  return value.map((line, i) => {
    const at = `${path}[${i}]`;
    if (!isPlainObject(line)) throw new RecordError(at, 'must be an object');
    const out: Doc = {};
    for (const name of Object.keys(line)) {
      checkName(name, `${at}.${name}`);
      const v = line[name];
      if (v === null || v === undefined) continue;
      const type = LINE_FIELDS[name];
      out[name] = type ? readField(type, v, `${at}.${name}`, opts) : readExtra(v, `${at}.${name}`, { strict: true });
    }
    for (const name of LINE_REQUIRED) {
      if (!(name in out)) throw new RecordError(`${at}.${name}`, 'is required');
    }
    return out;
  });
}

// Free attributes: any JSON value; lenient mode converts canonical numeric strings at the top
// level and inside lists (Clerk filters and facets them as numbers). Nested objects are kept as is.
function readExtra(value: unknown, path: string, opts: NormalizeOptions): unknown {
  if (typeof value === 'string') return opts.strict ? value : numberOr(value);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (depthOf(value, 0) > MAX_DEPTH) throw new RecordError(path, `must not nest deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(value) && !opts.strict) return value.map((item) => (typeof item === 'string' ? numberOr(item) : item));
  return value;
}

function numberOr(s: string): string | number {
  if (!CANONICAL_NUMBER.test(s)) return s;
  const n = Number(s);
  // Beyond 2^53 the number would not spell the same digits; keep the string.
  return Number.isFinite(n) && (s.includes('.') || Number.isSafeInteger(n)) ? n : s;
}

// Depth of nested lists/objects, stopping as soon as the limit is passed so a hostile record
// cannot overflow the stack.
function depthOf(value: unknown, depth: number): number {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return depth;
  let max = depth + 1;
  for (const child of Object.values(value)) {
    max = Math.max(max, depthOf(child, depth + 1));
    if (max > MAX_DEPTH) break;
  }
  return max;
}

function checkName(name: string, path: string): void {
  if (!NAME.test(name)) throw new RecordError(path || '""', 'attribute names may contain only letters, digits and underscore');
  if (name === '__proto__') throw new RecordError(path, 'is a reserved name');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
