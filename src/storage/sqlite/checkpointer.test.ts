import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKSTOP_PAGES, START_BYTES } from './checkpointer.js';
import { SqliteDb } from './db.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(): { db: SqliteDb; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'relevo-ckpt-'));
  dirs.push(dir);
  const path = join(dir, 'x.db');
  const raw = new Database(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
  return { db: new SqliteDb(raw), path };
}

/** Writes `n` rows of 2 KB, one transaction per 50 rows. */
function fill(db: SqliteDb, n: number, from = 0): void {
  for (let i = from; i < from + n; i += 50) {
    db.write(() => {
      for (let j = i; j < Math.min(i + 50, from + n); j++) db.stmt('INSERT INTO t (id, body) VALUES (?, ?)').run(j, 'x'.repeat(2048));
    });
  }
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('background WAL checkpoints', () => {
  it('leaves a database with few writes alone (no thread, SQLite checkpoints as usual)', () => {
    const { db } = open();
    fill(db, 100); // ~200 KB of WAL
    expect(db.checkpointer!.running).toBe(false);
    expect(db.raw.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    db.raw.close();
  });

  it('starts a worker once the WAL passes 1 MiB; it checkpoints while the main connection keeps writing', async () => {
    const { db, path } = open();
    fill(db, 1000); // ~2 MB
    expect(statSync(`${path}-wal`).size).toBeGreaterThanOrEqual(START_BYTES);
    expect(db.checkpointer!.running).toBe(true);
    expect(db.raw.pragma('wal_autocheckpoint', { simple: true })).toBe(BACKSTOP_PAGES); // only a backstop now
    await until(() => db.checkpointer!.stats.runs > 0);
    fill(db, 500, 1000);
    await until(() => db.checkpointer!.stats.pages >= 1000);
    expect(db.checkpointer!.stats.lastError).toBeNull();
    await db.checkpointer!.stop();
    expect(db.checkpointer!.running).toBe(false);
    db.raw.close();
    const again = new Database(path, { readonly: true });
    expect(again.prepare('SELECT count(*) AS n, sum(length(body)) AS bytes FROM t').get()).toEqual({ n: 1500, bytes: 1500 * 2048 });
    expect(again.pragma('integrity_check', { simple: true })).toBe('ok');
    again.close();
  });

  it('hands checkpoints back to SQLite when the worker dies', async () => {
    const { db } = open();
    db.checkpointer!.start();
    expect(db.raw.pragma('wal_autocheckpoint', { simple: true })).toBe(BACKSTOP_PAGES);
    const worker = (db.checkpointer as unknown as { worker: Worker }).worker;
    await worker.terminate();
    await until(() => !db.checkpointer!.running);
    expect(db.raw.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    fill(db, 1000); // past START_BYTES again: no second worker, SQLite checkpoints by itself
    expect(db.checkpointer!.running).toBe(false);
    db.raw.close();
  });
});
