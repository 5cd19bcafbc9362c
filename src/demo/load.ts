/**
 * The demo catalog (src/demo/catalog.json, built by scripts/make-demo-fixture.mjs). tsc does not
 * copy JSON into dist/, so the file is looked up next to this module first (running from src/,
 * e.g. under vitest) and otherwise under src/demo/ of the package root (running from dist/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Doc } from '../storage/ports.js';

/** A Clerk feed plus the shop's name; `strict` is true: the IDs are Icecat's strings and must stay strings. */
export interface DemoFeed {
  name: string;
  currency: string;
  /** Required by the Icecat Open Content License wherever the data is shown. */
  attribution: string;
  created: number;
  strict: boolean;
  categories: Doc[];
  products: Doc[];
}

const FILE = 'catalog.json';

/** Reads and parses the demo feed; throws when the file is missing or not a feed. */
export function loadDemoFeed(): DemoFeed {
  const path = demoFeedPath();
  const feed = JSON.parse(readFileSync(path, 'utf8')) as Partial<DemoFeed>;
  if (typeof feed.name !== 'string' || !Array.isArray(feed.products) || !Array.isArray(feed.categories)) {
    throw new Error(`${path} is not a demo feed (name, products and categories expected)`);
  }
  return feed as DemoFeed;
}

function demoFeedPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  if (existsSync(join(here, FILE))) return join(here, FILE);
  // From dist/src/demo/ the nearest package.json is the package root, which holds src/.
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'src', 'demo', FILE);
    if (dirname(dir) === dir) throw new Error(`demo catalog not found: no package.json above ${here}`);
  }
}
