/**
 * The demo store: on an empty database `relevo serve` creates a store with public key `demo`
 * and a small real catalog (Icecat products, see src/demo/README.md), so every endpoint answers
 * something useful at once. RELEVO_DEMO=0 turns it off.
 */
import type { Logger } from 'pino';
import { normalizeBatch } from '../catalog/catalog-service.js';
import { RelevoError } from '../errors.js';
import { createStore } from '../stores/keys.js';
import type { Storage } from '../storage/ports.js';
import { loadDemoFeed } from './load.js';

export const DEMO_PUBLIC_KEY = 'demo';

export interface SeededDemo {
  name: string;
  publicKey: string;
  privateKey: string;
}

/** Creates the demo store when the database has no store yet; returns its keys, or null. */
export async function seedDemoStore(storage: Storage, log: Logger): Promise<SeededDemo | null> {
  if ((await storage.stores.listStores()).length > 0) return null;
  const feed = loadDemoFeed();
  let created;
  try {
    created = await createStore(storage, { name: feed.name, publicKey: DEMO_PUBLIC_KEY });
  } catch (err) {
    // Another instance sharing this database created it first.
    if (err instanceof RelevoError && err.status === 409) return null;
    throw err;
  }
  const session = await storage.catalog.beginImport(created.store.id);
  await session.stage('categories', normalizeBatch('categories', feed.categories, 'categories', feed.strict));
  await session.stage('products', normalizeBatch('products', feed.products, 'products', feed.strict));
  await session.commit(['products', 'categories']);
  log.info({ store: feed.name, products: feed.products.length, categories: feed.categories.length }, 'demo store created');
  return { name: feed.name, publicKey: created.publicKey, privateKey: created.privateKey };
}
