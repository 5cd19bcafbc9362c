/**
 * Wires the domain services and the route table over an open storage. Shared by `relevo serve`,
 * the in-process HTTP tests and the benchmarks, so all three run the same code.
 */
import type { Logger } from 'pino';
import { Poller } from './poller.js';
import { analyticsRoutes } from './api/routes/analytics.js';
import { catalogRoutes } from './api/routes/catalog.js';
import { catalogLinkRoutes } from './api/routes/catalog-links.js';
import { Accessories } from './catalog/accessories.js';
import { Parcels } from './catalog/parcels.js';
import { AnalyticsService } from './analytics/service.js';
import { RetentionJob } from './analytics/retention.js';
import { importRoutes } from './api/routes/import.js';
import { logRoutes } from './api/routes/log.js';
import { merchandisingRoutes } from './api/routes/merchandising.js';
import { searchRoutes } from './api/routes/search.js';
import { privacyRoutes } from './api/routes/privacy.js';
import { recommendationRoutes } from './api/routes/recommendations.js';
import { visitorRecommendationRoutes } from './api/routes/visitor-recommendations.js';
import { SessionModel } from './recommend/session-model.js';
import type { RouteDef } from './api/route.js';
import { createApp } from './app.js';
import { CatalogService } from './catalog/catalog-service.js';
import type { Config } from './config/config.js';
import { Metrics } from './metrics.js';
import { Models } from './recommend/models.js';
import { registerProductModels } from './recommend/register.js';
import { loadModels, saveModels } from './recommend/snapshot-file.js';
import { KeyDirectory } from './stores/keys.js';
import type { Storage } from './storage/ports.js';
import { Ingest } from './tracking/ingest.js';
import { Privacy } from './tracking/privacy.js';
import { SEARCH_LEARNING_MODEL, SearchLearning } from './search/learning.js';
import { QueryStats } from './search/query-stats.js';
import { SearchService } from './search/search-service.js';
import { Tracker } from './tracking/tracker.js';

export interface Runtime {
  config: Config;
  storage: Storage;
  log: Logger;
  metrics: Metrics;
  keys: KeyDirectory;
  catalog: CatalogService;
  ingest: Ingest;
  tracker: Tracker;
  privacy: Privacy;
  models: Models;
  analytics: AnalyticsService;
  search: SearchService;
  /** Raw-record retention (RELEVO_RETENTION_DAYS); null when it is off. */
  retention: RetentionJob | null;
  routes: RouteDef[];
  app: ReturnType<typeof createApp>;
  /** Stops accepting requests, flushes the write buffer, stops background work (the caller closes storage). */
  close(): Promise<void>;
}

/** How often `serve` drops raw records past retention. */
const RETENTION_INTERVAL_MS = 3600_000;

/** Unix seconds with millisecond precision. */
export const systemClock = () => Date.now() / 1000;

/** Builds services, loads every store's catalog and creates the app. */
export async function buildRuntime(config: Config, storage: Storage, log: Logger, now: () => number = systemClock): Promise<Runtime> {
  const metrics = new Metrics();
  const keys = new KeyDirectory(storage);
  const catalog = new CatalogService(storage, log);
  await catalog.loadAll();
  catalog.startTail(config.tailIntervalMs);
  const ingest = new Ingest(storage, metrics, log, now, { maxItems: config.flushMaxRows, maxWaitMs: config.flushIntervalMs, rollupFlushMs: config.rollupFlushMs, maxPending: config.maxPendingEvents, recentImpressions: config.recentImpressions });
  await ingest.recover(); // rollup increments a crash left queued
  const partitions = await startPartitionKeeper(storage, now, log);
  await ingest.loadRecentImpressions((await storage.stores.listStores()).map((s) => s.id));
  // After that first apply; in the background, since a first run on a large database takes a while.
  const retention = config.retentionDays > 0 ? new RetentionJob(storage, config.retentionDays, now, log, metrics) : null;
  retention?.start(RETENTION_INTERVAL_MS);
  const tracker = new Tracker(storage, catalog, ingest, now, config.attributionWindowHours * 3600);
  const privacy = new Privacy(storage, catalog, () => ingest.settle());
  const models = createModels(log);
  await loadModels(models, storage, log, config.snapshot || undefined);
  ingest.onCommit(models.onCommit);
  models.startTail(storage, config.tailIntervalMs, () => ingest.currentCommit());
  privacy.onForget(models.onForget);
  privacy.onForget((storeId, keys) => ingest.forgetImpressions(storeId, keys.visitors));
  models.onForeignForget((storeId) => ingest.forgetImpressions(storeId, null));
  followLogChanges(storage, { catalog, models, keys });
  watchDbFaults(storage, metrics);
  catalog.onNewOrders((storeId, entries) => models.applyCatalogOrders(storeId, entries));
  const analytics = new AnalyticsService(storage, catalog, () => ingest.settle());
  const parcels = new Parcels(storage, now);
  const search = new SearchService(catalog, models, new QueryStats(storage, () => ingest.settle()), log);
  await search.loadAll((await storage.stores.listStores()).map((s) => s.id));
  const routes = [
    ...catalogRoutes({ catalog, parcels }),
    ...catalogLinkRoutes({ accessories: new Accessories(catalog), parcels }),
    ...importRoutes({ storage, catalog }),
    ...logRoutes({ tracker, log }),
    ...privacyRoutes({ privacy }),
    ...analyticsRoutes({ analytics, now }),
    ...recommendationRoutes({ catalog, models, ingest, now }),
    ...visitorRecommendationRoutes({ catalog, models, ingest, storage, now }),
    ...searchRoutes({ search, catalog, ingest, now }),
    ...merchandisingRoutes({ catalog }),
  ];
  const app = createApp({ config, storage, log, keys, routes, metrics, analytics });
  return {
    config, storage, log, metrics, keys, catalog, ingest, tracker, privacy, models, analytics, search, retention, routes, app,
    async close() {
      await app.close();
      await retention?.stop();
      await partitions?.stop();
      await ingest.close();
      await catalog.stopTail();
      await models.stopTail();
      search.close();
      // Nothing commits any more: the models and their log cursors agree, as a snapshot needs.
      // A snapshot that cannot be written costs the next start-up a rebuild, not this stop.
      if (config.snapshot) await saveModels(models, storage, log, config.snapshot).catch((err) => log.error({ err, path: config.snapshot }, 'model snapshot not written'));
    },
  };
}

/** Every model component of a store, registered (serve, `relevo snapshot`, tests). */
export function createModels(log: Logger): Models {
  const models = new Models(log);
  models.register('session', () => new SessionModel());
  models.register(SEARCH_LEARNING_MODEL, () => new SearchLearning());
  registerProductModels(models);
  return models;
}

/** How often `serve` makes the monthly event partitions ahead (PostgreSQL): they are made months ahead, so rarely. */
const PARTITION_INTERVAL_MS = 6 * 3600_000;

/**
 * Makes this month's and the next months' event partitions now (awaited: a failure is logged,
 * and events then land in the default partition, nothing is lost) and every few hours.
 */
async function startPartitionKeeper(storage: Storage, now: () => number, log: Logger): Promise<Poller | null> {
  if (!storage.prepareEventPartitions) return null;
  const prepare = async () => {
    const made = await storage.prepareEventPartitions!(now());
    if (made.length > 0) log.info({ partitions: made }, 'monthly event partitions made');
  };
  const failed = (err: unknown) => log.error({ err }, 'making monthly event partitions failed; new events go to the default partition until the next try');
  const poller = new Poller(prepare, failed);
  await prepare().catch(failed);
  poller.start(PARTITION_INTERVAL_MS);
  return poller;
}

/** Database notifications wake the tails at once (PostgreSQL); their timers stay the fallback. */
function followLogChanges(storage: Storage, tails: { catalog: CatalogService; models: Models; keys: KeyDirectory }): void {
  storage.onLogChange?.((topic) => {
    if (topic === 'catalog') tails.catalog.wakeTail();
    else if (topic === 'events') tails.models.wakeTail();
    else tails.keys.invalidate();
  });
}

/** Counts the adapter's connection errors and retries in /metrics (the series exist from the start). */
function watchDbFaults(storage: Storage, metrics: Metrics): void {
  if (!storage.health) return;
  metrics.dbErrors.cell({ op: 'commit' });
  metrics.dbRetries.cell({ op: 'commit' });
  storage.health.onFault((fault) => (fault.kind === 'error' ? metrics.dbErrors : metrics.dbRetries).inc({ op: fault.op }));
}
