/**
 * A store's catalog → Clerk's single-file JSON feed, streamed page by page from storage so
 * memory stays flat however large the catalog. Importing the output reproduces the catalog:
 * documents are written as stored (already normalised) under `strict: true`.
 */
import { once } from 'node:events';
import { CATALOG_KINDS, type CatalogKind, type CatalogStore } from '../storage/ports.js';

/**
 * Writes `{"created":…,"strict":true,"products":[…],"categories":[…],"pages":[…],"customers":[…],"orders":[…],"parcels":[…],"accessories":[…]}`
 * to `out` and returns the documents written per kind. Does not end `out` (it may be stdout).
 */
export async function exportFeed(catalog: CatalogStore, storeId: number, out: NodeJS.WritableStream): Promise<Record<CatalogKind, number>> {
  const counts = {} as Record<CatalogKind, number>;
  // `created`/`strict` go first so an importer knows the mode before the first record and
  // never has to hold records back (see feed-import.ts); key order means nothing to JSON.
  await write(out, `{"created":${Math.floor(Date.now() / 1000)},"strict":true`);
  for (const kind of CATALOG_KINDS) {
    await write(out, `,\n${JSON.stringify(kind)}:[`);
    let n = 0;
    for await (const page of catalog.scanDocs(storeId, kind)) {
      if (page.length === 0) continue;
      // One write per page, not per document: fewer syscalls, same bounded memory.
      await write(out, (n > 0 ? ',\n' : '\n') + page.map((entry) => JSON.stringify(entry.doc)).join(',\n'));
      n += page.length;
    }
    counts[kind] = n;
    await write(out, n > 0 ? '\n]' : ']');
  }
  await write(out, '}\n');
  return counts;
}

// Waits for 'drain' when the stream's buffer is full, so a slow reader slows the export down.
async function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out as NodeJS.EventEmitter, 'drain');
}
