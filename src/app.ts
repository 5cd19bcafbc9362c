/**
 * createApp(deps): the HTTP surface. Registers the Clerk dispatcher under /v2/, CORS preflight,
 * /health, and the error envelope for everything Fastify itself rejects. Nothing here reads the
 * environment or opens storage: main.ts and tests hand in what it needs.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { CORS_HEADERS, dispatch, endpointName, isMethod, isPublicEndpoint, type DispatchDeps } from './api/dispatch.js';
import { shapeError } from './api/envelope.js';
import type { RequestInfo, RouteDef } from './api/route.js';
import type { Config } from './config/config.js';
import { LogicalError, ParsingError } from './errors.js';
import { registerDashboard, type DashboardAnalytics } from './dashboard/routes.js';
import type { Metrics } from './metrics.js';
import type { KeyDirectory } from './stores/keys.js';
import type { Storage } from './storage/ports.js';

export interface AppDeps {
  config: Config;
  storage: Storage;
  log: Logger;
  keys: KeyDirectory;
  routes: RouteDef[];
  metrics: Metrics;
  /** Serves /dashboard when given. */
  analytics?: DashboardAnalytics;
}

/** Builds the Fastify app; call `.listen()` or `.inject()` on it. */
export function createApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    bodyLimit: deps.config.bodyLimit,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 1000 },
  });
  const routes = new Map<string, RouteDef[]>();
  for (const r of deps.routes) routes.set(r.name, [...(routes.get(r.name) ?? []), r]);
  const dispatchDeps: DispatchDeps = { routes, keys: deps.keys, log: deps.log, maxDepth: deps.config.maxDepth };
  const trusted = new Set(deps.config.trustedProxies);

  // Clerk clients post JSON under any Content-Type (or none): take every body as text.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.route({
    method: ['GET', 'POST', 'PATCH', 'DELETE'],
    url: '/v2/*',
    handler: async (req, reply) => {
      const method = req.method;
      const started = performance.now();
      const endpoint = endpointName((req.params as { '*': string })['*']);
      const out = await dispatch(dispatchDeps, {
        endpoint,
        rawQuery: rawQueryOf(req.url),
        rawBody: typeof req.body === 'string' ? req.body : undefined,
        request: requestInfo(req, isMethod(method) ? method : 'GET', trusted),
      });
      // Unknown endpoints share one label so a scanner cannot blow up the metric's cardinality.
      const label = routes.has(endpoint) ? endpoint : 'unknown';
      deps.metrics.requests.inc({ endpoint: label, status: String(out.status) });
      deps.metrics.latency.observe((performance.now() - started) / 1000, { endpoint: label });
      return reply.code(out.status).headers(out.headers).send(out.body);
    },
  });

  if (deps.analytics) registerDashboard(app, { keys: deps.keys, storage: deps.storage, analytics: deps.analytics, log: deps.log });

  app.get('/metrics', async (_req, reply) => reply.header('content-type', 'text/plain; version=0.0.4').send(deps.metrics.render()));

  app.options('/v2/*', async (req, reply) => {
    if (!isPublicEndpoint(routes.get(endpointName((req.params as { '*': string })['*'])))) return reply.code(204).send();
    const requested = req.headers['access-control-request-headers'];
    return reply
      .code(204)
      .headers({ ...CORS_HEADERS, ...(requested ? { 'access-control-allow-headers': String(requested) } : {}) })
      .send();
  });

  app.get('/health', async (_req, reply) => {
    try {
      await deps.storage.ping();
      return reply.send({ status: 'ok', storage: deps.storage.dialect });
    } catch (err) {
      deps.log.error({ err }, 'health check failed');
      return reply.code(503).send({ status: 'error', storage: deps.storage.dialect });
    }
  });

  app.setNotFoundHandler(async (req, reply) => {
    const shaped = shapeError(new LogicalError(`Not found: ${req.method} ${req.url.split('?')[0]}`, 404));
    return reply.code(shaped.httpStatus).send(shaped.body);
  });

  // Errors Fastify raises before our handler runs: oversized or unreadable bodies, and so on.
  app.setErrorHandler(async (err: { code?: string; statusCode?: number; message: string }, req, reply) => {
    let error: unknown = err;
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') error = new ParsingError(`Request body larger than ${deps.config.bodyLimit} bytes`);
    else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) error = new ParsingError(`Invalid request: ${err.message}`);
    const shaped = shapeError(error);
    if (shaped.cause) deps.log.error({ err, errorId: shaped.body.id, url: req.url.split('?')[0] }, 'internal error');
    return reply.code(shaped.httpStatus).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(shaped.body));
  });

  return app;
}

function rawQueryOf(url: string): string {
  const i = url.indexOf('?');
  return i < 0 ? '' : url.slice(i + 1);
}

/** Client address: the immediate peer, or the first X-Forwarded-For hop when a trusted proxy sent it. */
function requestInfo(req: FastifyRequest, method: RequestInfo['method'], trusted: Set<string>): RequestInfo {
  const remoteAddress = req.socket.remoteAddress ?? '';
  const xff = req.headers['x-forwarded-for'];
  const forwardedFor = Array.isArray(xff) ? xff.join(',') : xff;
  let ip = remoteAddress;
  if (forwardedFor && trusted.has(remoteAddress)) {
    const hops = forwardedFor.split(',').map((h) => h.trim()).filter(Boolean);
    // Walk from the nearest hop back while hops are trusted proxies; the first untrusted one is the client.
    while (hops.length > 1 && trusted.has(hops[hops.length - 1])) hops.pop();
    ip = hops[hops.length - 1] ?? remoteAddress;
  }
  return { ip, userAgent: String(req.headers['user-agent'] ?? ''), remoteAddress, forwardedFor, method };
}
