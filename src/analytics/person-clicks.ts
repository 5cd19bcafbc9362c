/** The clicks attribution looks at: those of every device linked to a visitor, email or customer. */
import type { Storage } from '../storage/ports.js';
import type { ClickRef } from './attribution.js';

/** Clicks (newest 5,000) of everyone linked to this visitor, email or customer ID. */
export async function personClicks(storage: Storage, storeId: number, who: { visitor: string | null; email: string | null; customer: string | null }): Promise<ClickRef[]> {
  const visitors = new Set<string>(who.visitor ? [who.visitor] : []);
  for (const by of [{ visitor: who.visitor ?? undefined }, { email: who.email ?? undefined }, { customer: who.customer ?? undefined }]) {
    if (Object.values(by)[0] === undefined) continue;
    const person = await storage.identity.personOf(storeId, by);
    if (person) for (const v of (await storage.identity.keysOf(storeId, person)).visitors) visitors.add(v);
  }
  if (visitors.size === 0) return [];
  const events = await storage.events.eventsOfVisitors(storeId, [...visitors], { types: ['click'], limit: 5000 });
  return events.map((e) => ({
    time: e.time, product: e.product ?? '', labels: e.labels ?? null, api: e.api ?? null,
    external: e.external ?? false, requestId: e.requestId ?? null, position: e.position ?? null,
    query: typeof e.data?.query === 'string' ? e.data.query : null,
  }));
}
