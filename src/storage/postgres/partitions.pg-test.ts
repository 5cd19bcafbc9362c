/**
 * Monthly event partitions (migration 12, partitions.ts): an older schema's events move into
 * their months, the months ahead are made before events reach them (taking over what the default
 * partition held for them), and retention drops whole months once every store's horizon is past.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { eventDeltas } from '../../analytics/deltas.js';
import { runRetention } from '../../analytics/retention.js';
import type { Storage, TrackedEvent } from '../ports.js';
import { openPostgres } from './index.js';
import { migratePostgres, POSTGRES_MIGRATIONS } from './migrations.js';
import { monthStart, partitionMonth, partitionName } from './partitions.js';
import { parsePostgresUrl } from './pool.js';
import { PG_URL, withPgClient as withClient } from '../../../test/helpers/db.js';

const schemas: string[] = [];
const DAY = 86400;

function freshSchema(): string {
  const schema = `relevo_p_${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  return schema;
}
const urlFor = (schema: string) => `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;


afterAll(() => withClient(async (c) => {
  for (const schema of schemas) await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}));

/** Each event's partition, by seq. */
const partitionsOfEvents = (schema: string) => withClient(async (c) => {
  const { rows } = await c.query<{ seq: string; part: string }>(`SELECT seq, tableoid::regclass::text AS part FROM ${schema}.events ORDER BY seq`);
  return rows.map((r) => [Number(r.seq), r.part.replace(`${schema}.`, '')]);
});
const partitionNames = (schema: string) => withClient(async (c) => {
  const { rows } = await c.query<{ name: string }>(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '${schema}.events'::regclass ORDER BY 1`);
  return rows.map((r) => r.name);
});
/** The partition name of a month, `plus` months from now's. */
const monthName = (time: number, plus = 0) => partitionName(monthStart(time, plus));

const event = (storeId: number, time: number, visitor = 'v'): TrackedEvent => ({ storeId, type: 'product', time, visitor, product: 'p1' });

describe('monthly event partitions (PostgreSQL)', () => {
  it('moves an older schema\'s events into their months and keeps numbering them after', async () => {
    const schema = freshSchema();
    const now = Date.now() / 1000;
    const times = [monthStart(now, -2) + 5, monthStart(now, -1) + DAY, now - 60, monthStart(now, -60)]; // the last: 5 years back
    const pool = new pg.Pool({ connectionString: parsePostgresUrl(urlFor(schema)).connectionString, max: 1 });
    try {
      await migratePostgres(pool, schema, POSTGRES_MIGRATIONS.filter((m) => m.version <= 11));
      for (const time of times) await pool.query("INSERT INTO events (store_id, type, time, visitor) VALUES (1, 'product', $1, 'v')", [time]);
    } finally {
      await pool.end();
    }
    const storage = await openPostgres(urlFor(schema));
    try {
      expect(await partitionsOfEvents(schema)).toEqual([
        [1, monthName(now, -2)], [2, monthName(now, -1)], [3, monthName(now)],
        [4, 'events_default'], // older than the 36 months made
      ]);
      const names = await partitionNames(schema);
      expect(names).toContain(monthName(now, 2));
      expect(names).not.toContain(monthName(now, 3));
      // The sequence came along: new events are numbered after the old ones.
      const { eventSeqs } = await storage.events.commitBatch({ events: [event(1, now)], impressions: [], sales: [] });
      expect(eventSeqs).toEqual([5]);
      expect((await storage.events.eventsSince(0, 10)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    } finally {
      await storage.close();
    }
  });

  it('makes the months ahead, taking over what the default partition held for them', async () => {
    const schema = freshSchema();
    const storage = await openPostgres(urlFor(schema));
    try {
      const now = Date.now() / 1000;
      const later = monthStart(now, 4) + DAY; // beyond the months made: the default partition
      await storage.events.commitBatch({ events: [event(1, later)], impressions: [], sales: [] });
      expect((await partitionsOfEvents(schema))[0][1]).toBe('events_default');
      expect(await storage.prepareEventPartitions!(now)).toEqual([]); // all there already
      // Two months on, the month of that event is made and holds it.
      expect(await storage.prepareEventPartitions!(monthStart(now, 2) + DAY)).toEqual([monthName(now, 3), monthName(now, 4)]);
      expect(await partitionsOfEvents(schema)).toEqual([[1, monthName(now, 4)]]);
      expect(partitionMonth(monthName(now, 4))).toBe(monthStart(now, 4));
      expect(partitionMonth('events_default')).toBeNull();
    } finally {
      await storage.close();
    }
  });

  it('drops whole months before every store\'s horizon, after the rollup queue, and keeps the rest', async () => {
    const schema = freshSchema();
    const storage: Storage = await openPostgres(urlFor(schema));
    try {
      const now = Date.now() / 1000;
      const [a, b] = [await storage.stores.createStore({ name: 'a', publicKey: 'apub', privateKey: { name: 'k', hash: 'x' } }), await storage.stores.createStore({ name: 'b', publicKey: 'bpub', privateKey: { name: 'k', hash: 'y' } })];
      // Months -3 and -2 need making: a partition exists from the month it was first made.
      await withClient(async (c) => {
        for (const plus of [-3, -2, -1]) await c.query(`SET search_path = ${schema}; SELECT events_month_partition(${monthStart(now, plus)})`);
      });
      const old = [event(a.id, monthStart(now, -3) + DAY), event(b.id, monthStart(now, -2) + DAY), event(a.id, monthStart(now, -2) + 2 * DAY)];
      const kept = [event(a.id, now - 30 * DAY), event(b.id, now - 60)];
      await storage.events.commitBatch({ events: [...old, ...kept], impressions: [], sales: [], rollups: [...old, ...kept].flatMap(eventDeltas) });
      // Retention of 40 days: the horizon falls in month -2 or -1; a month goes whole when it ends by it.
      const horizon = Math.floor((now - 40 * DAY) / DAY) * DAY;
      const droppable = [-3, -2].filter((plus) => monthStart(now, plus + 1) <= horizon).map((plus) => monthName(now, plus));
      expect(droppable).toContain(monthName(now, -3));
      const run = await runRetention(storage, 40, now);
      expect(run.partitions).toEqual(droppable);
      expect(run.partitionEvents).toBe(old.filter((e) => droppable.includes(monthName(e.time))).length);
      expect(await partitionNames(schema)).not.toContain(monthName(now, -3));
      // Whatever a dropped month did not take went row by row: only the kept events remain.
      expect((await storage.events.eventsSince(0, 10)).map((e) => e.time)).toEqual(kept.map((e) => e.time));
      // Both stores' horizons were raised before anything went (a rebuild keeps the rollups before them).
      expect([await storage.analytics.retentionHorizon(a.id), await storage.analytics.retentionHorizon(b.id)]).toEqual([horizon, horizon]);
      expect(await withClient(async (c) => Number((await c.query(`SELECT count(*) AS n FROM ${schema}.rollup_queue`)).rows[0].n))).toBe(0);
    } finally {
      await storage.close();
    }
  });
});
