import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createModels } from '../runtime.js';
import { openStorage } from '../storage/open.js';
import type { StoredEvent } from '../storage/ports.js';
import type { ModelComponent, ModelsSnapshot } from './models.js';
import { readSnapshotFile, serializeSnapshot, SNAPSHOT_FORMAT, writeSnapshotFile } from './snapshot-file.js';
import { SessionModel } from './session-model.js';
import { SnapshotStateError } from './snapshot-state.js';

const event = (visitor: string, product: string, time: number, type: StoredEvent['type'] = 'product'): StoredEvent => ({ seq: time, storeId: 1, type, time, visitor, product });

/**
 * A component's fields that a snapshot leaves out on purpose: settings given to the constructor,
 * caches rebuilt on demand, per-request scratch buffers. Every other field must be in the
 * snapshot: a field added to a model without it would silently start empty after a restore.
 */
const TRANSIENT: Record<string, string[]> = {
  Popularity: ['normalised', 'base', 'changes', 'changeCount', 'epoch', 'columns', 'unordered', 'orderRate', 'viewRate'], // derived from the counters, rebuilt on restore
  SessionModel: ['limits', 'params', 'graphs', 'scratch', 'listed', 'pairScratch'],
  CoView: ['maxTrails'],
  CoPurchase: [],
  Trending: [],
  Recent: [],
  SearchLearning: [],
};

describe('model snapshots', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'relevo-snapfile-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('holds every field of every registered component but the declared transient ones', () => {
    const components: ModelComponent[] = [];
    createModels(pino({ level: 'silent' })).of(1).each((c) => components.push(c));
    expect(components.map((c) => c.constructor.name).sort()).toEqual(Object.keys(TRANSIENT).sort());
    for (const c of components) {
      const held = Object.keys(c.snapshot() as object);
      const fields = Object.keys(c).filter((f) => !TRANSIENT[c.constructor.name].includes(f));
      // A nested model (a graph, a counter) may be held under its own name.
      expect({ [c.constructor.name]: fields.filter((f) => !held.includes(f)) }).toEqual({ [c.constructor.name]: [] });
    }
  });

  it('keeps a session model learning as before, through a forget', () => {
    const original = new SessionModel();
    for (let i = 0; i < 200; i++) original.applyEvent(event(`v${i % 13}`, `p${(i * 7) % 23}`, 1000 + i * 10));
    const restored = new SessionModel();
    restored.restore(v8.deserialize(v8.serialize(original.snapshot())));
    for (const m of [original, restored]) {
      m.forget({ visitors: ['v3', 'v4'], emails: [], customers: [] });
      for (let i = 0; i < 40; i++) m.applyEvent(event(`w${i % 5}`, `p${(i * 5) % 23}`, 5000 + i * 10, 'click'));
    }
    expect(restored.snapshot()).toStrictEqual(original.snapshot());
    for (const v of ['v1', 'w2', 'v3']) {
      expect(restored.recommend([v], { limit: 10, includeSeen: false })).toEqual(original.recommend([v], { limit: 10, includeSeen: false }));
    }
  });

  it('refuses, as a snapshot error (start-up then rebuilds), a store whose state breaks a component', async () => {
    const storage = await openStorage(`sqlite:${join(dir, 'x.db')}`);
    try {
      const snap = await createModels(pino({ level: 'silent' })).snapshot(storage, (s) => s);
      snap.stores = [[1, Object.fromEntries(snap.components.map((name) => [name, name === 'popularity' ? null : undefined]))]];
      await expect(createModels(pino({ level: 'silent' })).restore(storage, snap)).rejects.toThrow(SnapshotStateError);
    } finally {
      await storage.close();
    }
  });

  it('refuses a state of the wrong shape', () => {
    const model = new SessionModel();
    expect(() => model.restore({ ...model.snapshot(), tracks: [] } as never)).toThrow(SnapshotStateError);
    expect(() => model.restore({ ...model.snapshot(), keys: ['x'] } as never)).toThrow(/different lengths/);
  });

  it('writes a file whole and reads back what it wrote; other files are refused with a reason', async () => {
    const path = join(dir, 'models.snap');
    expect(readSnapshotFile(path)).toBeNull();
    const snap = { components: ['x'], databaseId: 'db', cursors: { events: { seq: 3, own: [5] }, sales: { seq: 0, own: [] }, forgets: { seq: 0, own: [] } }, orders: [], stores: [[1, { x: new Map([['a', 1]]) }]] } as ModelsSnapshot;
    const bytes = writeSnapshotFile(path, serializeSnapshot(snap, 1_000));
    const read = readSnapshotFile(path)!;
    expect(read).toEqual({ models: snap, createdAt: 1_000, bytes });
    writeFileSync(path, 'garbage');
    expect(() => readSnapshotFile(path)).toThrow(SnapshotStateError);
    writeFileSync(path, v8.serialize({ magic: 'relevo-models', format: SNAPSHOT_FORMAT + 1, createdAt: 0, models: snap }));
    expect(() => readSnapshotFile(path)).toThrow(`snapshot format ${SNAPSHOT_FORMAT + 1}, this build reads ${SNAPSHOT_FORMAT}`);
  });
});
