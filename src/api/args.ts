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
  let payload: Args = {};
  if (typeof query.payload === 'string' || isPlainObject(query.payload)) {
    payload = typeof query.payload === 'string' ? parseJsonObject(query.payload, 'payload') : (query.payload as Args);
    delete query.payload;
  }
  const body = rawBody !== undefined && rawBody.trim() !== '' ? parseBody(rawBody) : {};
  const args = Object.assign(Object.create(null) as Args, query, payload, body);
  assertDepth(args, maxDepth);
  return args;
}

/** Query-string pairs; `x[]=` and repeated keys make lists; JSON arrays/objects are decoded. */
export function parseQueryString(raw: string): Args {
  const out: Args = Object.create(null);
  if (!raw) return out;
  for (const [rawKey, value] of new URLSearchParams(raw)) {
    const isList = rawKey.endsWith('[]');
    const key = isList ? rawKey.slice(0, -2) : rawKey;
    const prev = out[key];
    if (isList) {
      out[key] = Array.isArray(prev) ? [...prev, value] : prev === undefined ? [value] : [prev, value];
    } else if (prev !== undefined) {
      out[key] = Array.isArray(prev) ? [...prev, decodeValue(value)] : [prev, decodeValue(value)];
    } else {
      out[key] = decodeValue(value);
    }
  }
  return out;
}

function decodeValue(value: string): unknown {
  const c = value.trimStart()[0];
  if (c === '[' || c === '{') {
    try {
      return JSON.parse(value);
    } catch {
      return value; // left as a string: the endpoint's schema names the argument
    }
  }
  return value;
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

/**
 * Rejects argument objects nested deeper than maxDepth, and strings (values or keys) holding a NUL
 * or an unpaired surrogate, naming the top-level argument. Iterative, so it cannot overflow the stack.
 */
export function assertDepth(root: unknown, maxDepth: number): void {
  const stack: Array<[unknown, number, string]> = [[root, 0, '']];
  while (stack.length > 0) {
    const [value, depth, arg] = stack.pop()!;
    if (typeof value === 'string') {
      if (BAD_TEXT.test(value)) throw invalidArgument(arg || 'arguments', 'text holds a NUL character or an unpaired surrogate');
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= maxDepth) throw new ParsingError(`Invalid request: arguments nested deeper than ${maxDepth} levels`);
    for (const [key, child] of Object.entries(value)) {
      const name = depth === 0 ? key : arg;
      if (BAD_TEXT.test(key)) throw invalidArgument(name, 'a key holds a NUL character or an unpaired surrogate');
      if (child !== null && (typeof child === 'object' || typeof child === 'string')) stack.push([child, depth + 1, name]);
    }
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
