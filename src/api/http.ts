/**
 * The /v2/ transport on plain node:http. Clerk calls are the hot path, and Fastify's per-request
 * machinery (request and reply objects, hooks, content-type parsers) cost more than the whole of
 * a small call; so /v2/ requests are read and answered here, and everything else (dashboard,
 * /health, /metrics, CORS preflight) goes on to Fastify. The body is read as text up to the
 * configured limit (JSON whatever its Content-Type), then dispatch() does the rest.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ParsingError } from '../errors.js';
import type { RequestStats } from './request-stats.js';
import { dispatch, endpointName, isMethod, type DispatchDeps, type Reply } from './dispatch.js';
import { errorId, MORE_INFO, type ErrorBody } from './envelope.js';
import type { Method, RequestInfo } from './route.js';

export interface V2Deps extends DispatchDeps {
  stats: RequestStats;
  bodyLimit: number;
  trustedProxies: ReadonlySet<string>;
  /** True once the server is shutting down: calls are answered 503 and the connection closed. */
  closing(): boolean;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

const PREFIX = '/v2/';

/** Whether this request belongs to the /v2/ transport (OPTIONS preflights and other methods do not). */
export function isV2Call(req: IncomingMessage): boolean {
  return req.url !== undefined && req.url.startsWith(PREFIX) && isMethod(req.method ?? '');
}

/** A handler for /v2/ calls; `next` gets every other request. */
export function v2Handler(deps: V2Deps, next: RequestHandler): RequestHandler {
  return (req, res) => {
    if (!isV2Call(req)) return next(req, res);
    if (deps.closing()) return send(res, closingReply(), true);
    const started = performance.now();
    readBody(req, deps.bodyLimit, (bodyError, rawBody) => {
      if (bodyError && bodyError.tooLarge) req.resume(); // discard the rest; the connection is closed after the answer
      void answer(deps, req, res, started, rawBody, bodyError?.error);
    });
  };
}

function answer(deps: V2Deps, req: IncomingMessage, res: ServerResponse, started: number, rawBody: string | undefined, bodyError: ParsingError | undefined): void {
  const url = req.url!;
  const q = url.indexOf('?');
  const endpoint = endpointName(decodePath(q < 0 ? url.slice(PREFIX.length) : url.slice(PREFIX.length, q)));
  const out = dispatch(deps, {
    endpoint,
    rawQuery: q < 0 ? '' : url.slice(q + 1),
    rawBody,
    bodyError,
    request: requestInfo(req, req.method as Method, deps.trustedProxies),
  });
  const finish = (reply: Reply) => {
    deps.stats.record(endpoint, reply.status, performance.now() - started);
    send(res, reply, bodyError !== undefined);
  };
  if (out instanceof Promise) void out.then(finish);
  else finish(out);
}

function send(res: ServerResponse, reply: Reply, close: boolean): void {
  if (res.destroyed) return;
  // Headers set one by one and the whole body given to end(): Node then computes Content-Length
  // and writes head and body as one chunk (writeHead first costs a separate header pass; about
  // 5 % of a minimal call's CPU in an A/B run).
  res.statusCode = reply.status;
  for (const name in reply.headers) res.setHeader(name, reply.headers[name]);
  if (close) res.setHeader('connection', 'close');
  res.end(reply.body);
}

/** The answer to a call that arrives during shutdown: retry elsewhere (another instance, or after the restart). */
function closingReply(): Reply {
  const body: ErrorBody = { status: 'error', type: 'InternalError', message: 'Service unavailable: the server is shutting down', id: errorId(), moreInfo: MORE_INFO };
  return { status: 503, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
}

type BodyError = { error: ParsingError; tooLarge: boolean };

/**
 * Reads the body as UTF-8 text (undefined when there is none). A declared or actual size over
 * the limit is a ParsingError; a body cut off by the client is dropped with its request.
 */
function readBody(req: IncomingMessage, limit: number, done: (err: BodyError | null, body: string | undefined) => void): void {
  const declared = headerOf(req, 'content-length');
  const tooLarge = (): BodyError => ({ error: new ParsingError(`Request body larger than ${limit} bytes`), tooLarge: true });
  if (declared === undefined && headerOf(req, 'transfer-encoding') === undefined) return done(null, undefined);
  if (declared !== undefined && Number(declared) > limit) return done(tooLarge(), undefined);
  if (declared === '0') return done(null, undefined);
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (chunk: Buffer) => {
    if (over) return;
    size += chunk.length;
    if (size > limit) {
      over = true;
      chunks.length = 0;
      return done(tooLarge(), undefined);
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (over) return;
    done(null, chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8'));
  });
  req.on('error', () => undefined); // aborted by the client: nobody is left to answer
}

/** Percent-decodes the endpoint path; a malformed escape is kept as written (and is an unknown endpoint). */
function decodePath(path: string): string {
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * What handlers may ask of the HTTP request, read when first asked: most calls (every catalog
 * and recommendation read without a rate limit) never ask, and Node builds `req.headers` and
 * reads the peer address only when touched.
 */
class HttpRequestInfo implements RequestInfo {
  private resolvedIp: string | undefined;
  constructor(
    private readonly req: IncomingMessage,
    readonly method: Method,
    private readonly trusted: ReadonlySet<string>,
  ) {}
  get remoteAddress(): string {
    return this.req.socket.remoteAddress ?? '';
  }
  get userAgent(): string {
    return headerOf(this.req, 'user-agent') ?? '';
  }
  get forwardedFor(): string | undefined {
    return headerOf(this.req, 'x-forwarded-for', ',');
  }
  /** The client: the immediate peer, or the first X-Forwarded-For hop when a trusted proxy sent it. */
  get ip(): string {
    return (this.resolvedIp ??= clientIp(this.remoteAddress, this.forwardedFor, this.trusted));
  }
}

/** The request's facts for handlers (each read lazily). */
export function requestInfo(req: IncomingMessage, method: Method, trusted: ReadonlySet<string>): RequestInfo {
  return new HttpRequestInfo(req, method, trusted);
}

function clientIp(remoteAddress: string, forwardedFor: string | undefined, trusted: ReadonlySet<string>): string {
  if (!forwardedFor || !trusted.has(remoteAddress)) return remoteAddress;
  const hops = forwardedFor.split(',').map((h) => h.trim()).filter(Boolean);
  // Walk from the nearest hop back while hops are trusted proxies; the first untrusted one is the client.
  while (hops.length > 1 && trusted.has(hops[hops.length - 1])) hops.pop();
  return hops[hops.length - 1] ?? remoteAddress;
}

/**
 * A request header straight from rawHeaders (`name` in lower case), without making Node build
 * `req.headers`: the first value, or with `join`, every value joined as Node joins them.
 */
export function headerOf(req: IncomingMessage, name: string, join?: string): string | undefined {
  const raw = req.rawHeaders;
  let found: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i];
    if (key.length !== name.length || key.toLowerCase() !== name) continue;
    if (join === undefined) return raw[i + 1];
    found = found === undefined ? raw[i + 1] : `${found}${join} ${raw[i + 1]}`;
  }
  return found;
}
