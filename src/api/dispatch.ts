/**
 * One Clerk call, end to end: find the route, merge the arguments, check the keys, validate,
 * run the handler, and shape the answer (ok envelope, JSONP, CORS). Errors of every kind come
 * out through envelope.ts.
 */
import type { Logger } from 'pino';
import { AuthenticationError, LogicalError, ParsingError, RateLimitError, invalidArgument } from '../errors.js';
import type { KeyDirectory } from '../stores/keys.js';
import { mergeArgs, type Args } from './args.js';
import { okBody, shapeError } from './envelope.js';
import type { HandlerContext, Method, RequestInfo, RouteDef } from './route.js';
import type { RateLimiter } from './rate-limit.js';
import { parseArgs } from './schemas.js';

const CALLBACK = /^[A-Za-z_$][\w$.]{0,63}$/;

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface DispatchDeps {
  /** Route definitions by endpoint name; one name may have a definition per method. */
  routes: ReadonlyMap<string, RouteDef[]>;
  keys: KeyDirectory;
  log: Logger;
  maxDepth: number;
  /** Limits public-key calls per client (RELEVO_RATE_LIMIT); absent = no limit. */
  limiter?: RateLimiter;
}

export interface Call {
  endpoint: string;
  rawQuery: string;
  rawBody: string | undefined;
  /** A body that could not be read (too large): answered as a ParsingError. */
  bodyError?: ParsingError;
  request: RequestInfo;
}

/** Normalises `recommendations/popular/`, `/x//` and `a//b` to the route name. */
export function endpointName(path: string): string {
  if (path[0] !== '/' && path[path.length - 1] !== '/' && !path.includes('//')) return path;
  return path.replace(/\/{2,}/g, '/').replace(/\/+$/, '').replace(/^\/+/, '');
}

/** CORS headers of a preflight answer. */
export const CORS_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'Content-Type, Accept, X-Requested-With',
  'access-control-max-age': '86400',
};

/**
 * Answers one call; never throws (a returned promise never rejects). Synchronous when the key is
 * cached and the handler answers at once, as most public reads do: a promise per stage cost a
 * measurable share of a small call.
 */
export function dispatch(deps: DispatchDeps, call: Call): Reply | Promise<Reply> {
  const defs = deps.routes.get(call.endpoint);
  const cors = isPublicEndpoint(defs);
  let callback: string | undefined;
  const fail = (err: unknown) => errorReply(deps, call.endpoint, err, cors, callback);
  try {
    if (call.bodyError) throw call.bodyError;
    if (!defs) throw new LogicalError(`Unknown endpoint: ${call.endpoint || '(none)'}`, 404);
    const route = defs.find((d) => d.methods.includes(call.request.method));
    if (!route) {
      const allowed = defs.flatMap((d) => d.methods);
      throw new LogicalError(`${call.endpoint} does not accept ${call.request.method}; use ${allowed.join(', ')}`);
    }
    const args = mergeArgs(call.rawQuery, call.rawBody, deps.maxDepth);
    callback = readCallback(args);
    const auth = authorize(deps, route, args, call.request);
    const out = auth instanceof Promise ? auth.then((ctx) => run(deps, route, args, ctx, cors, callback)) : run(deps, route, args, auth, cors, callback);
    return out instanceof Promise ? out.catch(fail) : out;
  } catch (err) {
    return fail(err);
  }
}

/** Rate limit, validation, the handler and the ok answer of an authorised call. */
function run(deps: DispatchDeps, route: RouteDef, args: Args, ctx: HandlerContext, cors: boolean, callback: string | undefined): Reply | Promise<Reply> {
  if (deps.limiter && !ctx.privileged) limit(deps.limiter, ctx.store.id, ctx.request.ip);
  const result = route.handler(parseArgs(route.schema, args), ctx);
  return result instanceof Promise ? result.then((r) => okReply(route, r, cors, callback)) : okReply(route, result, cors, callback);
}

function okReply(route: RouteDef, result: unknown, cors: boolean, callback: string | undefined): Reply {
  const body = route.bare ? result : okBody(result as Record<string, unknown> | undefined);
  return answer(200, JSON.stringify(body), cors, callback);
}

function errorReply(deps: DispatchDeps, endpoint: string, err: unknown, cors: boolean, callback: string | undefined): Reply {
  const shaped = shapeError(err);
  if (shaped.cause) deps.log.error({ err: shaped.cause, errorId: shaped.body.id, endpoint }, 'internal error');
  // JSONP clients load a script tag, which cannot read a 4xx body: answer 200 so the callback runs.
  const reply = answer(callback ? 200 : shaped.httpStatus, JSON.stringify(shaped.body), cors, callback);
  if (shaped.retryAfter !== undefined) reply.headers['retry-after'] = String(shaped.retryAfter);
  return reply;
}

/** Throws RateLimitError when this client of this store has no call left for now. */
function limit(limiter: RateLimiter, storeId: number, ip: string): void {
  const wait = limiter.take(storeId, ip);
  if (wait === 0) return;
  const seconds = Math.max(1, Math.ceil(wait));
  throw new RateLimitError(`Rate limit exceeded: at most ${limiter.rate} calls per second from one client (bursts of ${limiter.burst}); retry in ${seconds} s`, seconds);
}

/** Unknown endpoints and public ones answer cross-origin callers; private ones never do. */
export function isPublicEndpoint(defs: RouteDef[] | undefined): boolean {
  return !defs || defs.every((d) => d.auth === 'public');
}

function readCallback(args: Args): string | undefined {
  const cb = args.callback;
  if (cb === undefined || cb === '') return undefined;
  if (typeof cb !== 'string' || !CALLBACK.test(cb)) throw invalidArgument('callback', 'must match ^[A-Za-z_$][\\w$.]{0,63}$');
  return cb;
}

/** The caller's store and rights; synchronous for a public call whose key is in memory (nearly all). */
function authorize(deps: DispatchDeps, route: RouteDef, args: Args, request: RequestInfo): HandlerContext | Promise<HandlerContext> {
  const store = withPrivateKey(route, args) ? undefined : deps.keys.cached(args.key);
  return store ? { store, request, privileged: false } : authorizeSlowly(deps, route, args, request);
}

/** A private route, or a call that sends a private key (checked even on a public route). */
function withPrivateKey(route: RouteDef, args: Args): boolean {
  return route.auth === 'private' || (args.private_key !== undefined && args.private_key !== '');
}

async function authorizeSlowly(deps: DispatchDeps, route: RouteDef, args: Args, request: RequestInfo): Promise<HandlerContext> {
  const store = await deps.keys.resolve(args.key);
  let privileged = false;
  if (withPrivateKey(route, args)) {
    await deps.keys.verifyPrivate(store, args.private_key);
    privileged = true;
  }
  if (route.auth === 'private' && !privileged) throw new AuthenticationError('Missing Argument private_key');
  return { store, request, privileged };
}

function answer(status: number, json: string, cors: boolean, callback: string | undefined): Reply {
  // An actual (non-preflight) answer needs only Allow-Origin; the rest belong to the preflight.
  const headers: Record<string, string> = cors ? { 'access-control-allow-origin': '*' } : {};
  if (callback) {
    headers['content-type'] = 'application/javascript; charset=utf-8';
    headers['x-content-type-options'] = 'nosniff';
    return { status, headers, body: `/**/${callback}(${json});` };
  }
  headers['content-type'] = 'application/json; charset=utf-8';
  return { status, headers, body: json };
}

export function isMethod(m: string): m is Method {
  return m === 'GET' || m === 'POST' || m === 'PATCH' || m === 'DELETE';
}
