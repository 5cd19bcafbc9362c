/**
 * Opens a storage backend from a URL. Adapters are imported on demand so a SQLite deployment
 * never loads the PostgreSQL driver and vice versa.
 */
import type { Storage } from './ports.js';

/**
 * `sqlite:./data/relevo.db`, `sqlite:/abs/path.db`, `sqlite::memory:`, `postgres://…` or
 * `postgresql://…`; any other scheme throws.
 */
export async function openStorage(url: string): Promise<Storage> {
  if (url.startsWith('sqlite:')) {
    // Tolerate the URL-ish `sqlite:///abs/path.db` spelling as well.
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new Error('Storage URL "sqlite:" names no database file');
    const { openSqlite } = await import('./sqlite/index.js');
    return openSqlite(path);
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { openPostgres } = await import('./postgres/index.js');
    return openPostgres(url);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  throw new Error(
    scheme
      ? `Unsupported storage URL scheme "${scheme}:" (use sqlite: or postgres://)`
      : `Storage URL "${url}" has no scheme (use sqlite: or postgres://)`,
  );
}
