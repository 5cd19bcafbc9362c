/**
 * Batch shaping for the PostgreSQL adapter: entries become column arrays expanded server-side
 * by unnest, so a batch of 1,000 documents is one statement and one round trip.
 */
import type { CatalogEntry, Doc } from '../ports.js';

export interface DocRow {
  key: string;
  doc: Doc;
  email: string | null;
  customer: string | null;
  time: number | null;
  ref: string | null;
}

export const DOC_COLUMNS = 'key, doc, email, customer, time, ref';

/** `unnest(...)` over six array parameters starting at $first, yielding u(key, doc, email, customer, time, ref). */
export function unnestEntries(first: number): string {
  const [k, d, e, c, t, r] = [0, 1, 2, 3, 4, 5].map((i) => `$${first + i}`);
  return `unnest(${k}::text[], ${d}::text[], ${e}::text[], ${c}::text[], ${t}::float8[], ${r}::text[]) AS u(key, doc, email, customer, time, ref)`;
}

/** The six column arrays for unnestEntries; docs go as JSON text and are cast to jsonb in SQL. */
export function entryArrays(entries: CatalogEntry[]): unknown[] {
  return [
    entries.map((entry) => entry.key),
    entries.map((entry) => JSON.stringify(entry.doc)),
    entries.map((entry) => entry.email ?? null),
    entries.map((entry) => entry.customer ?? null),
    entries.map((entry) => entry.time ?? null),
    entries.map((entry) => entry.ref ?? null),
  ];
}

/** Maps a row to the port's entry (pg already parsed jsonb and float8). */
export function toEntry(row: DocRow): CatalogEntry {
  return { key: row.key, doc: row.doc, email: row.email, customer: row.customer, time: row.time, ref: row.ref };
}


/** One entry per key, the first kept: a repeated key is absent only the first time. */
export function firstPerKey(entries: CatalogEntry[]): CatalogEntry[] {
  const byKey = new Map<string, CatalogEntry>();
  for (const entry of entries) if (!byKey.has(entry.key)) byKey.set(entry.key, entry);
  return [...byKey.values()];
}



