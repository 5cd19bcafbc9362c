/**
 * Opens a storage backend from a URL. Adapters are imported on demand so a SQLite deployment
 * never loads the PostgreSQL driver and vice versa.
 */
import type { Storage } from './ports.js';

/**
 * `sqlite:./data/relevo.db`, `sqlite:/abs/path.db`, `sqlite::memory:`, `postgres://…` or
 * `postgresql://…`; any other scheme throws. SQLite takes one option, `?synchronous=normal`
 * (default `full`: see openSqlite).
 */
export async function openStorage(url: string): Promise<Storage> {
  if (url.startsWith('sqlite:')) {
    const [rest, query = ''] = url.slice('sqlite:'.length).split('?', 2);
    // Tolerate the URL-ish `sqlite:///abs/path.db` spelling as well.
    const path = rest.replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new Error('Storage URL "sqlite:" names no database file');
    const options = new URLSearchParams(query);
    const synchronous = (options.get('synchronous') ?? 'full').toLowerCase();
    if (synchronous !== 'full' && synchronous !== 'normal') throw new Error(`Storage URL option synchronous must be full or normal, not "${synchronous}"`);
    for (const key of options.keys()) if (key !== 'synchronous') throw new Error(`Unknown SQLite storage URL option "${key}"`);
    const { openSqlite } = await import('./sqlite/index.js');
    return openSqlite(path, { synchronous });
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
