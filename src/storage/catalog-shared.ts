/**
 * Driver-free catalog helpers both adapters use, so they agree on these rules by construction:
 * batch de-duplication, import statistics, which kinds a mirror prunes, page-size checks.
 */
import { CATALOG_KINDS, type CatalogEntry, type CatalogKind, type ImportStats } from './ports.js';

/**
 * One entry per key, the later replacing the earlier (a batch reads as a sequence of writes).
 * Required on PostgreSQL, not cosmetic: ON CONFLICT DO UPDATE fails when one statement proposes
 * the same key twice.
 */
export function lastPerKey(entries: CatalogEntry[]): CatalogEntry[] {
  const byKey = new Map<string, CatalogEntry>();
  for (const entry of entries) {
    byKey.delete(entry.key);
    byKey.set(entry.key, entry);
  }
  return [...byKey.values()];
}

/** Zero counts for every kind. */
export function emptyImportStats(): ImportStats {
  const zeros = () => Object.fromEntries(CATALOG_KINDS.map((kind) => [kind, 0])) as Record<CatalogKind, number>;
  return { written: zeros(), removed: zeros() };
}

/** The kinds a mirror may prune: orders and their parcels are history, never removed by a feed. */
export function mirroredKinds(mirror: CatalogKind[]): CatalogKind[] {
  return [...new Set(mirror)].filter((kind) => kind !== 'orders' && kind !== 'parcels');
}

/** A page size is a positive whole number; anything else is a programming error. */
export function checkPageSize(pageSize: number): number {
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`scanDocs page size must be a positive integer, got ${pageSize}`);
  return pageSize;
}
