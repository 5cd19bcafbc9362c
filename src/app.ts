/**
 * createApp(deps): the HTTP surface. Registers the Clerk dispatcher under /v2/, CORS preflight,
 * /health, and the error envelope for everything Fastify itself rejects. Nothing here reads the
 * environment or opens storage: main.ts and tests hand in what it needs.
 */
import { createServer } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { CORS_HEADERS, endpointName, isPublicEndpoint } from './api/dispatch.js';
import { RateLimiter } from './api/rate-limit.js';
import { RequestStats } from './api/request-stats.js';
import { isV2Call, v2Handler, type RequestHandler } from './api/http.js';
import { shapeError } from './api/envelope.js';
import type { RouteDef } from './api/route.js';
import type { Config } from './config/config.js';
import { LogicalError, ParsingError } from './errors.js';
import { registerDashboard, type DashboardAnalytics } from './dashboard/routes.js';
import { registerExampleShop } from './example-shop.js';
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

/** The app: Fastify for everything but /v2/, and `handle`, the root request handler the server runs. */
export interface RelevoApp extends FastifyInstance {
  /** Every request goes through this: /v2/ calls are answered by api/http.ts, the rest by Fastify. */
  handle: RequestHandler;
}

/** The configured per-client limit of public-key calls; none when RELEVO_RATE_LIMIT is 0. The burst defaults to two seconds' worth. */
function rateLimiter(config: AppDeps['config']): RateLimiter | undefined {
  if (config.rateLimit <= 0) return undefined;
  return new RateLimiter(config.rateLimit, config.rateBurst > 0 ? config.rateBurst : Math.max(1, Math.ceil(2 * config.rateLimit)));
}

const HEALTH_PING_MS = 3000;

/** Rejects when p has not settled within ms. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Builds the app; call `.listen()` on it, or inject requests into `.handle` (light-my-request). */
export function createApp(deps: AppDeps): RelevoApp {
  const routes = new Map<string, RouteDef[]>();
  for (const r of deps.routes) routes.set(r.name, [...(routes.get(r.name) ?? []), r]);
  let closing = false;
  let handle: RequestHandler | undefined;
  const fastify = Fastify({
    bodyLimit: deps.config.bodyLimit,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 1000 },
    // The server Fastify listens with hands /v2/ calls to the lean transport first.
    serverFactory: (fastifyHandler) => {
      const v2 = v2Handler({
        routes, keys: deps.keys, log: deps.log, maxDepth: deps.config.maxDepth, stats: new RequestStats(deps.metrics, new Set(routes.keys())), limiter: rateLimiter(deps.config),
        bodyLimit: deps.config.bodyLimit, trustedProxies: new Set(deps.config.trustedProxies), closing: () => closing,
      }, fastifyHandler);
      handle = v2;
      // Node checks the request and header timeouts on a timer (30 s by default, longer than the
      // header timeout itself); a quarter of the header timeout keeps the bound close.
      const { requestTimeoutMs, headersTimeoutMs } = deps.config;
      const options = { requestTimeout: requestTimeoutMs, headersTimeout: headersTimeoutMs, connectionsCheckingInterval: Math.ceil(headersTimeoutMs / 4) };
      // With several workers, each answer names its process (tests and operators see the spread).
      const pid = String(process.pid);
      const server = deps.config.workers <= 1 ? createServer(options, v2) : createServer(options, (req, res) => {
        res.setHeader('x-relevo-pid', pid);
        v2(req, res);
      });
      server.keepAliveTimeout = deps.config.keepAliveTimeoutMs;
      return server;
    },
  });
  const app = fastify as unknown as RelevoApp;
  app.handle = handle!;
  // app.inject() enters Fastify directly, not through the server: hand /v2/ calls over here too,
  // before Fastify reads the body, so both ways in answer alike.
  app.addHook('onRequest', (req, reply, done) => {
    if (!isV2Call(req.raw)) return done();
    reply.hijack();
    app.handle(req.raw, reply.raw);
  });
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });

  // Bodies of the routes left to Fastify (dashboard login) are taken as text; routes parse them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  if (deps.analytics) registerDashboard(app, { keys: deps.keys, storage: deps.storage, analytics: deps.analytics, log: deps.log, trustedProxies: new Set(deps.config.trustedProxies) });
  if (deps.config.exampleShop) registerExampleShop(app);

  app.get('/metrics', async (_req, reply) => reply.header('content-type', 'text/plain; version=0.0.4').send(deps.metrics.render()));

  app.options('/v2/*', async (req, reply) => {
    if (!isPublicEndpoint(routes.get(endpointName((req.params as { '*': string })['*'])))) return reply.code(204).send();
    const requested = req.headers['access-control-request-headers'];
    return reply
      .code(204)
      .headers({ ...CORS_HEADERS, ...(requested ? { 'access-control-allow-headers': String(requested) } : {}) })
      .send();
  });

  // 503 "degraded" while the database does not answer, or while writes wait to retry after a
  // lost connection (PostgreSQL); a load balancer then sends traffic elsewhere.
  app.get('/health', async (_req, reply) => {
    let reason: string | null;
    try {
      await withTimeout(deps.storage.ping(), HEALTH_PING_MS);
      reason = deps.storage.health?.degraded() ?? null;
    } catch (err) {
      deps.log.error({ err }, 'health check failed');
      reason = `database unreachable: ${(err as Error).message}`;
    }
    if (reason === null) return reply.send({ status: 'ok', storage: deps.storage.dialect });
    return reply.code(503).send({ status: 'degraded', storage: deps.storage.dialect, reason });
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
    if (shaped.retryAfter !== undefined) reply.header('retry-after', String(shaped.retryAfter));
    return reply.code(shaped.httpStatus).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(shaped.body));
  });

  return app;
}
