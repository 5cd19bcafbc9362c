/**
 * Builds one argument object from the three places Clerk clients put arguments: the query
 * string, a `payload` query parameter holding JSON, and the request body (JSON whatever its
 * Content-Type, since several shop plugins post JSON as form data or with no type). When one
 * argument arrives twice, body wins over payload, which wins over the query string.
 */
import { ParsingError, invalidArgument } from '../errors.js';

export type Args = Record<string, unknown>;

/** Merges query, payload and body into one argument object; throws ParsingError on malformed input. */
export function mergeArgs(rawQuery: string, rawBody: string | undefined, maxDepth: number): Args {
  const query = parseQueryString(rawQuery);
  let payload: Args | null = null;
  if (typeof query.payload === 'string' || isPlainObject(query.payload)) {
    payload = typeof query.payload === 'string' ? parseJsonObject(query.payload, 'payload') : (query.payload as Args);
    delete query.payload;
  }
  const body = rawBody !== undefined && rawBody.trim() !== '' ? parseBody(rawBody) : null;
  let args = query;
  if (payload !== null) args = mergeInto(args, payload);
  if (body !== null) args = mergeInto(args, body);
  assertDepth(args, maxDepth);
  return args;
}

/**
 * Copies source's own arguments over target's (the source itself when target is empty).
 * A `__proto__` key is not an argument: copied with a plain assignment it would set target's
 * prototype, so it is left out.
 */
function mergeInto(target: Args, source: Args): Args {
  let empty = true;
  for (const _ in target) {
    empty = false;
    break;
  }
  if (empty && !Object.hasOwn(source, '__proto__')) return source;
  for (const key of Object.keys(source)) if (key !== '__proto__') target[key] = source[key];
  return target;
}

/** Query-string pairs; `x[]=` and repeated keys make lists; JSON arrays/objects are decoded. */
export function parseQueryString(raw: string): Args {
  // A plain object, not Object.create(null): V8 keeps a null-prototype object in dictionary mode,
  // and every later read of an argument was a hash lookup (in a loaded server, mergeArgs and
  // validation of a minimal GET took ~7 µs; a fast-mode object is read by inline caches).
  // Inherited names are handled in addPair.
  const out: Args = {};
  if (!raw) return out;
  // A hand split rather than URLSearchParams: this runs for every call, and most pairs need no
  // decoding at all. Same rules: "+" is a space, malformed escapes are kept as written.
  let start = 0;
  while (start <= raw.length) {
    let end = raw.indexOf('&', start);
    if (end < 0) end = raw.length;
    if (end > start) {
      const eq = raw.indexOf('=', start);
      const hasValue = eq >= 0 && eq < end;
      addPair(out, formDecode(raw.slice(start, hasValue ? eq : end)), hasValue ? formDecode(raw.slice(eq + 1, end)) : '');
    }
    start = end + 1;
  }
  return out;
}

function addPair(out: Args, rawKey: string, value: string): void {
  const isList = rawKey.endsWith('[]');
  const key = isList ? rawKey.slice(0, -2) : rawKey;
  if (key === '__proto__') return; // not an argument; assigned, it would set the object's prototype
  const prev = Object.hasOwn(out, key) ? out[key] : undefined;
  if (isList) {
    out[key] = Array.isArray(prev) ? [...prev, value] : prev === undefined ? [value] : [prev, value];
  } else if (prev !== undefined) {
    out[key] = Array.isArray(prev) ? [...prev, decodeValue(value)] : [prev, decodeValue(value)];
  } else {
    out[key] = decodeValue(value);
  }
}

/** application/x-www-form-urlencoded decoding of one key or value, as URLSearchParams does it. */
export function formDecode(text: string): string {
  const plus = text.includes('+');
  if (!plus && !text.includes('%')) return text;
  const spaced = plus ? text.replace(/\+/g, ' ') : text;
  try {
    return decodeURIComponent(spaced);
  } catch {
    // A malformed escape somewhere: decode the well-formed UTF-8 sequences one by one, keep the rest.
    return spaced.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => decodeRun(run));
  }
}

/** Decodes a run of %XX escapes, keeping bytes that are not valid UTF-8 as U+FFFD like URLSearchParams. */
function decodeRun(run: string): string {
  const bytes = Buffer.from(run.replace(/%/g, ''), 'hex');
  return bytes.toString('utf8');
}

function decodeValue(value: string): unknown {
  const c = firstNonSpace(value);
  if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
    try {
      return JSON.parse(value);
    } catch {
      return value; // left as a string: the endpoint's schema names the argument
    }
  }
  return value;
}

/** The code of the first character that String.prototype.trim would keep (NaN when none). */
function firstNonSpace(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x20 && c < 0x7f) return c; // the common case: printable ASCII
    if (text[i].trim() !== '') return c;
  }
  return NaN;
}

function parseBody(raw: string): Args {
  const c = raw.trimStart()[0];
  if (c === '{') return parseJsonObject(raw, 'body');
  if (c === '[' || c === '"') throw new ParsingError('Invalid request body: expected a JSON object');
  // Not JSON: a form-encoded body (key=value&...), decoded with the query-string rules.
  if (/^[\w.%[\]-]+=/.test(raw.trimStart())) return parseQueryString(raw.trim());
  throw new ParsingError('Invalid request body: malformed JSON');
}

function parseJsonObject(text: string, where: 'payload' | 'body'): Args {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : 'malformed JSON';
    if (where === 'payload') throw invalidArgument('payload', detail);
    throw new ParsingError(`Invalid request body: malformed JSON (${detail})`);
  }
  if (!isPlainObject(value)) {
    if (where === 'payload') throw invalidArgument('payload', 'expected a JSON object');
    throw new ParsingError('Invalid request body: expected a JSON object');
  }
  return value as Args;
}

// NUL and unpaired UTF-16 surrogates: valid in a JS string, refused by PostgreSQL text, so they
// are refused here for every store alike.
const BAD_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// Cheap first look: text with no NUL and no surrogate at all (nearly all of it) needs no more.
const MAYBE_BAD = /[\u0000\ud800-\udfff]/;
const isBadText = (text: string) => MAYBE_BAD.test(text) && BAD_TEXT.test(text);

/**
 * Rejects argument objects nested deeper than maxDepth, and strings (values or keys) holding a NUL
 * or an unpaired surrogate, naming the top-level argument. The recursion stops at maxDepth
 * (at most 512, see config), so it cannot overflow the stack whatever the input.
 */
export function assertDepth(root: unknown, maxDepth: number): void {
  checkValue(root, 0, '', maxDepth);
}

function checkValue(value: unknown, depth: number, arg: string, maxDepth: number): void {
  if (typeof value === 'string') {
    if (isBadText(value)) throw invalidArgument(arg || 'arguments', 'text holds a NUL character or an unpaired surrogate');
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (depth >= maxDepth) throw new ParsingError(`Invalid request: arguments nested deeper than ${maxDepth} levels`);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkValue(value[i], depth + 1, arg, maxDepth);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const name = depth === 0 ? key : arg;
    if (isBadText(key)) throw invalidArgument(name, 'a key holds a NUL character or an unpaired surrogate');
    checkValue(record[key], depth + 1, name, maxDepth);
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
