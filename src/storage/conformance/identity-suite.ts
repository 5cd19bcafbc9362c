/**
 * Conformance for IdentityStore: persons created, joined and merged (union) through shared
 * emails and customer IDs, per store, and exactly one person under concurrent links from
 * separate handles.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { PersonKeys, Storage } from '../ports.js';
import type { ConformanceContext } from './suite.js';

/** Registers the IdentityStore tests inside the main conformance suite. */
export function runIdentityConformance(ctx: ConformanceContext): void {
  const { newStore, unique } = ctx;
  const identity = () => ctx.storage().identity;
  const visitor = () => `${unique('iv').replace(/-/g, '')}x`;
  const email = () => `${unique('im')}@x.io`;
  const sorted = (keys: PersonKeys): PersonKeys => ({ visitors: [...keys.visitors].sort(), emails: [...keys.emails].sort(), customers: [...keys.customers].sort() });
  let handles: Storage[] = [];

  beforeAll(async () => {
    handles = [];
    for (let i = 0; i < 4; i++) handles.push(await ctx.openHandle());
  });

  describe('identity', () => {
    it('creates a person, finds it by every key and keeps it on a re-link', async () => {
      const { id } = await newStore();
      const [v, v2, e] = [visitor(), visitor(), email()];
      const person = await identity().link(id, v, { email: e, customer: 'c1' });
      expect(person).toMatch(/^[0-9a-f]{16}$/);
      for (const by of [{ visitor: v }, { email: e }, { customer: 'c1' }]) expect(await identity().personOf(id, by)).toBe(person);
      expect(await identity().keysOf(id, person)).toEqual({ visitors: [v], emails: [e], customers: ['c1'] });
      expect(await identity().link(id, v, { email: e })).toBe(person);
      expect(await identity().link(id, v2, { email: e })).toBe(person);
      expect(await identity().keysOf(id, person)).toEqual(sorted({ visitors: [v, v2], emails: [e], customers: ['c1'] }));
      expect(await identity().personOf(id, { visitor: visitor() })).toBeNull();
      expect(await identity().personOf(id, {})).toBeNull();
      expect(await identity().keysOf(id, 'nobody')).toEqual({ visitors: [], emails: [], customers: [] });
    });

    it('links without a visitor, and refuses a link that names nothing', async () => {
      const { id } = await newStore();
      const e = email();
      const person = await identity().link(id, null, { email: e });
      expect(await identity().link(id, null, { email: e, customer: 'c2' })).toBe(person);
      expect(await identity().keysOf(id, person)).toEqual({ visitors: [], emails: [e], customers: ['c2'] });
      await expect(identity().link(id, null, {})).rejects.toThrow(Error);
      await expect(identity().link(id, null, { email: null, customer: null })).rejects.toThrow(Error);
    });

    it('merges two persons through a shared email into the smaller person ID', async () => {
      const { id } = await newStore();
      const [a, b, e] = [visitor(), visitor(), email()];
      const pa = await identity().link(id, a, { email: e });
      const pb = await identity().link(id, b, { customer: 'cb' });
      expect(pb).not.toBe(pa);
      const merged = await identity().link(id, b, { email: e });
      expect(merged).toBe([pa, pb].sort()[0]);
      expect(await identity().keysOf(id, merged)).toEqual(sorted({ visitors: [a, b], emails: [e], customers: ['cb'] }));
      for (const by of [{ visitor: a }, { visitor: b }, { customer: 'cb' }]) expect(await identity().personOf(id, by)).toBe(merged);
      const gone = merged === pa ? pb : pa;
      expect(await identity().keysOf(id, gone)).toEqual({ visitors: [], emails: [], customers: [] });
    });

    it('merges two persons through a shared customer ID', async () => {
      const { id } = await newStore();
      const [a, b, ea, eb] = [visitor(), visitor(), email(), email()];
      const pa = await identity().link(id, a, { email: ea });
      const pb = await identity().link(id, b, { email: eb });
      expect(await identity().link(id, a, { customer: 'shared' })).toBe(pa);
      const merged = await identity().link(id, b, { customer: 'shared' });
      expect(merged).toBe([pa, pb].sort()[0]);
      expect(await identity().keysOf(id, merged)).toEqual(sorted({ visitors: [a, b], emails: [ea, eb], customers: ['shared'] }));
    });

    it('merges three persons in one link, and keeps merging along a chain', async () => {
      const { id } = await newStore();
      const [v1, v2, v3, v4, e1, e2, e4] = [visitor(), visitor(), visitor(), visitor(), email(), email(), email()];
      const persons = [await identity().link(id, v1, { email: e1 }), await identity().link(id, v2, { email: e2 }), await identity().link(id, v3, { customer: 'c3' })];
      expect(new Set(persons).size).toBe(3);
      const merged = await identity().link(id, v1, { email: e2, customer: 'c3' });
      expect(merged).toBe([...persons].sort()[0]);
      expect(await identity().keysOf(id, merged)).toEqual(sorted({ visitors: [v1, v2, v3], emails: [e1, e2], customers: ['c3'] }));
      const fourth = await identity().link(id, v4, { email: e4 });
      const chained = await identity().link(id, null, { email: e4, customer: 'c3' });
      expect(chained).toBe([merged, fourth].sort()[0]);
      expect(await identity().keysOf(id, chained)).toEqual(sorted({ visitors: [v1, v2, v3, v4], emails: [e1, e2, e4], customers: ['c3'] }));
    });

    it('keeps stores apart', async () => {
      const [a, b] = [await newStore(), await newStore()];
      const [v, e] = [visitor(), email()];
      const pa = await identity().link(a.id, v, { email: e });
      const pb = await identity().link(b.id, visitor(), { email: e });
      expect(await identity().personOf(b.id, { visitor: v })).toBeNull();
      expect(await identity().personOf(b.id, { email: e })).toBe(pb);
      expect(await identity().keysOf(b.id, pa)).toEqual({ visitors: [], emails: [], customers: [] });
      expect((await identity().keysOf(a.id, pa)).visitors).toEqual([v]);
    });

    it('makes one person when five handles link the same email at once', async () => {
      const { id } = await newStore();
      const linkers = [ctx.storage(), ...handles];
      for (let round = 0; round < 3; round++) {
        const e = email();
        const visitors = linkers.map(() => visitor());
        // Round 2 also brings a distinct email each and a shared customer, so merges race too.
        const persons = await Promise.all(
          linkers.map((h, i) => (round < 2 ? h.identity.link(id, visitors[i], { email: e }) : h.identity.link(id, visitors[i], { email: `${i}${e}`, customer: e }))),
        );
        const person = (await identity().personOf(id, { visitor: visitors[0] })) as string;
        expect(new Set(persons)).toEqual(new Set([person]));
        for (const v of visitors) expect(await identity().personOf(id, { visitor: v })).toBe(person);
        expect((await identity().keysOf(id, person)).visitors).toEqual([...visitors].sort());
      }
    });
  });
}
