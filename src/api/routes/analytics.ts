/** GET /v2/analytics/overview|labels|products|searches|timeseries (Relevo extension, private key). */
import { v, type Infer } from '../validate.js';
import { analyticsArgs, parseQuery } from '../../analytics/query.js';
import type { AnalyticsService } from '../../analytics/service.js';
import { route, type RouteDef } from '../route.js';

const schema = v.object(analyticsArgs);

export function analyticsRoutes({ analytics, now }: { analytics: AnalyticsService; now: () => number }): RouteDef[] {
  const q = (a: Infer<typeof schema>) => parseQuery(a, now());
  return [
    route({ name: 'analytics/overview', methods: ['GET'], auth: 'private', schema, handler: async (a, ctx) => ({ ...(await analytics.overview(ctx.store.id, q(a))) }) }),
    route({ name: 'analytics/labels', methods: ['GET'], auth: 'private', schema, handler: async (a, ctx) => ({ labels: await analytics.labels(ctx.store.id, q(a)) }) }),
    route({ name: 'analytics/products', methods: ['GET'], auth: 'private', schema, handler: async (a, ctx) => ({ products: await analytics.products(ctx.store.id, q(a)) }) }),
    route({ name: 'analytics/searches', methods: ['GET'], auth: 'private', schema, handler: async (a, ctx) => ({ ...(await analytics.searches(ctx.store.id, q(a))) }) }),
    route({ name: 'analytics/timeseries', methods: ['GET'], auth: 'private', schema, handler: async (a, ctx) => ({ series: await analytics.timeseries(ctx.store.id, q(a)) }) }),
  ];
}
