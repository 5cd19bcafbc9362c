/**
 * Model snapshots on disk (`relevo snapshot`, RELEVO_SNAPSHOT): Models.snapshot() in one
 * v8.serialize (Maps, typed arrays and shared objects as they are, no JSON), behind a header
 * that says what wrote it. Written to a temporary file, fsynced and renamed over the old one, so
 * a crash leaves either snapshot whole. A snapshot is an accelerator, never the truth: start-up
 * from it reads the log tail after it, and any doubt about it (missing, another format, another
 * database, a state of the wrong shape) means a rebuild from the events.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import v8 from 'node:v8';
import type { Logger } from 'pino';
import type { Storage } from '../storage/ports.js';
import type { Models, ModelsSnapshot } from './models.js';
import { SnapshotStateError } from './snapshot-state.js';

/**
 * The layout of the component states. Bump it with any change to what a component's
 * snapshot() returns: an older file is then rebuilt over, not misread.
 */
export const SNAPSHOT_FORMAT = 2; // 2: the session model keeps co-occurrence lists instead of per-item visitor lists
const MAGIC = 'relevo-models';

interface SnapshotFile {
  magic: string;
  format: number;
  /** Unix ms. */
  createdAt: number;
  models: ModelsSnapshot;
}

/** A snapshot file's bytes. */
export function serializeSnapshot(models: ModelsSnapshot, now = Date.now()): Buffer {
  const file: SnapshotFile = { magic: MAGIC, format: SNAPSHOT_FORMAT, createdAt: now, models };
  return v8.serialize(file);
}

/** Writes snapshot bytes atomically (fsynced, then renamed over the old file); returns their size. */
export function writeSnapshotFile(path: string, bytes: Buffer): number {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, bytes, { flush: true });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDirectory(dirname(path));
  return bytes.length;
}

/** Reads a snapshot: null when there is none; a SnapshotStateError when it is not one this build reads. */
export function readSnapshotFile(path: string): { models: ModelsSnapshot; createdAt: number; bytes: number } | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let file: SnapshotFile;
  try {
    file = v8.deserialize(bytes) as SnapshotFile;
  } catch (err) {
    throw new SnapshotStateError(`not a readable snapshot (${(err as Error).message})`);
  }
  if (file?.magic !== MAGIC) throw new SnapshotStateError('not a Relevo model snapshot');
  if (file.format !== SNAPSHOT_FORMAT) throw new SnapshotStateError(`snapshot format ${file.format}, this build reads ${SNAPSHOT_FORMAT}`);
  return { models: file.models, createdAt: file.createdAt, bytes: bytes.length };
}

/** Makes a rename durable (a no-op where directories cannot be opened for it). */
function fsyncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows and some file systems refuse: the rename still happened.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * Start-up: the models from the snapshot at `path` and the log tail after it when there is a
 * usable one, else (no path, no file, or any doubt about it) rebuilt from the events.
 */
export async function loadModels(models: Models, storage: Storage, log: Logger, path: string | undefined): Promise<'snapshot' | 'rebuild'> {
  if (path) {
    const started = Date.now();
    try {
      const file = readSnapshotFile(path);
      if (file) {
        const caught = await models.restore(storage, file.models);
        log.info({ path, bytes: file.bytes, takenAt: new Date(file.createdAt).toISOString(), ...caught, ms: Date.now() - started }, 'models restored from the snapshot and the log tail');
        return 'snapshot';
      }
      log.info({ path }, 'no model snapshot yet: rebuilding from the events');
    } catch (err) {
      if (!(err instanceof SnapshotStateError)) throw err;
      log.warn({ path, reason: err.message }, 'model snapshot not used: rebuilding from the events');
    }
  }
  await models.rebuild(storage);
  return 'rebuild';
}

/** Writes the models' snapshot to `path`; returns its size in bytes. */
export async function saveModels(models: Models, storage: Storage, log: Logger, path: string): Promise<number> {
  const started = Date.now();
  const bytes = writeSnapshotFile(path, await models.snapshot(storage, (snap) => serializeSnapshot(snap)));
  log.info({ path, bytes, ms: Date.now() - started }, 'model snapshot written');
  return bytes;
}
