/**
 * /dashboard: login and logout, the page shells, static assets and (via api.ts) the JSON and CSV
 * endpoints. Keys travel only in the login POST body; the session cookie carries a signed store
 * ID (auth.ts), so no key ever reaches a URL, a cookie, a log line or an answer.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { shapeError } from '../api/envelope.js';
import { AuthenticationError, RateLimitError } from '../errors.js';
import { clientIpOf, isHttps, LoginThrottle, sameOriginWrite } from './guard.js';
import type { KeyDirectory } from '../stores/keys.js';
import type { Storage, StoreRecord } from '../storage/ports.js';
import { registerDashboardApi, type DashboardAnalytics, type SessionGuard } from './api.js';
import { loadAssets } from './assets.js';
import { Parcels } from '../catalog/parcels.js';
import { COOKIE_NAME, parseCookies, parseLoginBody, SESSION_SECONDS, SessionSigner, sessionCookie } from './auth.js';
import { loginPage, notFoundPage, PAGES, shellPage } from './pages.js';

export type { DashboardAnalytics } from './api.js';

export interface DashboardDeps {
  keys: KeyDirectory;
  storage: Storage;
  analytics: DashboardAnalytics;
  log: Logger;
  /** Always mark the cookie Secure (it is anyway on a request that came over HTTPS). */
  secure?: boolean;
  /** Proxies whose X-Forwarded-For/-Host/-Proto are believed (RELEVO_TRUSTED_PROXIES). */
  trustedProxies?: ReadonlySet<string>;
  /** Failed logins allowed per client IP per minute (5). */
  loginLimit?: number;
  /** Unix seconds; tests move it to expire sessions. */
  now?: () => number;
}

// 'self' only: the pages load nothing from elsewhere (no CDN, no fonts) and run no inline code.
const CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const HTML = 'text/html; charset=utf-8';
const LOGIN_REFUSED = 'Wrong public key or private key.';
const JSON_TYPE = 'application/json; charset=utf-8';

/** Registers every /dashboard route on the app (as an encapsulated plugin: its hooks touch nothing else). */
export function registerDashboard(app: FastifyInstance, deps: DashboardDeps): void {
  void app.register(async (scope) => {
    const signer = new SessionSigner(deps.storage, deps.now);
    const assets = loadAssets();
    const trusted = deps.trustedProxies ?? new Set<string>();
    const secure = (req: FastifyRequest) => deps.secure === true || isHttps(req, trusted);
    const throttle = new LoginThrottle(deps.loginLimit ?? 5, 60, deps.now ?? (() => Date.now() / 1000));

    // Every write (login, logout) must come from our own pages: a third-party page cannot post
    // a login form (login CSRF) or log the user out.
    scope.addHook('onRequest', async (req, reply) => {
      if (sameOriginWrite(req, trusted)) return;
      deps.log.info({ ip: clientIpOf(req, trusted), url: req.url.split('?')[0] }, 'dashboard cross-site write refused');
      const shaped = shapeError(new AuthenticationError('Cross-site request refused: dashboard writes must come from the dashboard itself'));
      return reply.code(shaped.httpStatus).header('content-type', JSON_TYPE).send(JSON.stringify(shaped.body));
    });

    scope.addHook('onSend', async (req, reply, payload) => {
      reply.header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'same-origin').header('x-frame-options', 'DENY');
      if (!req.url.startsWith('/dashboard/assets/')) reply.header('cache-control', 'no-store');
      return payload;
    });

    const guard: SessionGuard = async (req, reply, kind) => {
      const storeId = await signer.verify(parseCookies(req.headers.cookie).get(COOKIE_NAME));
      if (storeId !== null) return storeId;
      if (kind === 'page') await reply.code(303).header('location', '/dashboard/login').send();
      else await reply.code(401).header('content-type', JSON_TYPE).send(JSON.stringify(shapeError(new AuthenticationError('Not logged in')).body));
      return null;
    };

    scope.get('/dashboard/login', async (req, reply) => {
      if ((await signer.verify(parseCookies(req.headers.cookie).get(COOKIE_NAME))) !== null) return reply.code(303).header('location', '/dashboard').send();
      return reply.header('content-type', HTML).send(loginPage());
    });

    scope.post('/dashboard/login', async (req, reply) => {
      const wantsJson = /json/i.test(String(req.headers['content-type'] ?? ''));
      const ip = clientIpOf(req, trusted);
      const wait = throttle.wait(ip);
      if (wait > 0) {
        deps.log.info({ ip }, 'dashboard login throttled');
        const err = new RateLimitError(`Too many failed logins from this address; retry in ${wait} s`, wait);
        reply.code(429).header('retry-after', String(wait));
        if (wantsJson) return reply.header('content-type', JSON_TYPE).send(JSON.stringify(shapeError(err).body));
        return reply.header('content-type', HTML).send(loginPage(err.message));
      }
      const store = await authenticate(deps, req);
      if (!store) {
        throttle.fail(ip);
        deps.log.info({ ip }, 'dashboard login refused');
        if (wantsJson) return reply.code(403).header('content-type', JSON_TYPE).send(JSON.stringify(shapeError(new AuthenticationError(LOGIN_REFUSED)).body));
        return reply.code(403).header('content-type', HTML).send(loginPage(LOGIN_REFUSED));
      }
      deps.log.info({ store: store.id }, 'dashboard login');
      return reply.code(303).header('set-cookie', sessionCookie(await signer.issue(store.id), SESSION_SECONDS, secure(req))).header('location', '/dashboard').send();
    });

    scope.post('/dashboard/logout', async (req, reply) =>
      reply.code(303).header('set-cookie', sessionCookie('', 0, secure(req))).header('location', '/dashboard/login').send(),
    );

    for (const page of PAGES) {
      scope.get(page.path, async (req, reply) => {
        const storeId = await guard(req, reply, 'page');
        if (storeId === null) return reply;
        return reply.header('content-type', HTML).send(shellPage(page, await storeName(deps.storage, storeId)));
      });
    }

    scope.get('/dashboard/assets/:name', async (req, reply) => {
      const asset = assets.get((req.params as { name: string }).name);
      if (!asset) return reply.code(404).header('content-type', 'text/plain; charset=utf-8').send('Not found');
      reply.header('etag', asset.etag).header('cache-control', 'public, max-age=300');
      if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      return reply.header('content-type', asset.contentType).send(asset.body);
    });

    const now = deps.now ?? (() => Date.now() / 1000);
    registerDashboardApi(scope, { analytics: deps.analytics, orders: new Parcels(deps.storage, now), log: deps.log, guard, now });

    // Anything else under /dashboard: nothing is revealed before login, not even whether it exists.
    scope.get('/dashboard/*', async (req, reply) => {
      const storeId = await guard(req, reply, req.url.startsWith('/dashboard/api/') ? 'api' : 'page');
      if (storeId === null) return reply;
      return reply.code(404).header('content-type', HTML).send(notFoundPage());
    });
  });
}

/** The store whose public and private keys the login body carries, or null. */
async function authenticate(deps: DashboardDeps, req: FastifyRequest): Promise<StoreRecord | null> {
  const { publicKey, privateKey } = parseLoginBody(req.body, req.headers['content-type']);
  try {
    const store = await deps.keys.resolve(publicKey);
    await deps.keys.verifyPrivate(store, privateKey);
    return store;
  } catch (err) {
    if (err instanceof AuthenticationError) return null;
    throw err;
  }
}

const names = new WeakMap<Storage, Map<number, string>>();

/** The store's display name (cached: names do not change while serving). */
async function storeName(storage: Storage, storeId: number): Promise<string> {
  let cache = names.get(storage);
  if (!cache) names.set(storage, (cache = new Map()));
  const hit = cache.get(storeId);
  if (hit !== undefined) return hit;
  const store = (await storage.stores.listStores()).find((s) => s.id === storeId);
  const name = store?.name ?? `Store ${storeId}`;
  cache.set(storeId, name);
  return name;
}
