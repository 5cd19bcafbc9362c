/** POST /v2/import (Relevo extension, private key): a single-file JSON feed in the body. */
import { Readable } from 'node:stream';
import { v } from '../validate.js';
import type { CatalogService } from '../../catalog/catalog-service.js';
import { FeedError, importFeed } from '../../catalog/feed-import.js';
import { invalidArgument } from '../../errors.js';
import type { Storage } from '../../storage/ports.js';
import { route, type RouteDef } from '../route.js';
import { answerOf } from '../answers.js';

const RECORD_KEYS = ['products', 'categories', 'pages', 'customers', 'orders', 'sales', 'parcels', 'accessories'] as const;
const FEED_KEYS = [...RECORD_KEYS, 'created', 'strict', 'config'] as const;

export function importRoutes({ storage, catalog }: { storage: Storage; catalog: CatalogService }): RouteDef[] {
  return [
    route({
      name: 'import', methods: ['POST'], auth: 'private',
      answer: answerOf({
        records: { type: 'integer', minimum: 0, description: 'Records read from the feed.' },
        written: { type: 'object', additionalProperties: { type: 'integer' }, description: 'Documents written per kind.' },
        removed: { type: 'object', additionalProperties: { type: 'integer' }, description: 'Documents a mirrored kind no longer listed, removed per kind.' },
      }),
      // The feed's own keys are checked record by record by the importer, which names index and field.
      schema: v.object(Object.fromEntries(FEED_KEYS.map((k) => [k, v.unknown().optional()]))),
      handler: async (a, ctx) => {
        const feed = Object.fromEntries(FEED_KEYS.filter((k) => a[k] !== undefined).map((k) => [k, a[k]]));
        if (!RECORD_KEYS.some((k) => feed[k] !== undefined)) throw invalidArgument('products', `a feed needs at least one of ${RECORD_KEYS.join(', ')}`);
        const session = await storage.catalog.beginImport(ctx.store.id);
        let stats;
        try {
          stats = await importFeed(Readable.from([JSON.stringify(feed)]), session);
        } catch (err) {
          if (err instanceof FeedError) throw invalidArgument(err.field.split(/[[.]/)[0] || 'body', err.message);
          throw err;
        }
        await catalog.tailOnce(); // the import wrote through the change log: bring memory up to date now
        return { records: stats.records, written: stats.written, removed: stats.removed };
      },
    }),
  ];
}
