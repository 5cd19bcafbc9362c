/**
 * Catalog endpoints: product/add|remove|attributes|facets and the CRUD resources /products,
 * /categories, /pages, /customers, /orders. Handlers parse, call the catalog service, shape.
 */
import { v } from '../validate.js';
import { whenReady } from '../../maybe-async.js';
import { computeFacets } from '../../catalog/facets.js';
import type { CatalogService } from '../../catalog/catalog-service.js';
import { facetableAttributes, pickAttributes } from '../../catalog/product-read.js';
import type { Parcels } from '../../catalog/parcels.js';
import type { CatalogKind, Doc } from '../../storage/ports.js';
import { route, type RouteDef } from '../route.js';
import { attributes, ids, list, records } from '../schemas.js';
import { facetsAnswer, okOnly, recordsAnswer } from '../answers.js';

export interface CatalogRouteDeps {
  catalog: CatalogService;
  parcels: Parcels;
}

/** The catalog part of the route table. */
export function catalogRoutes({ catalog, parcels }: CatalogRouteDeps): RouteDef[] {
  return [
    route({
      name: 'product/add', methods: ['GET', 'POST'], auth: 'private',
      schema: v.object({ products: records() }), answer: okOnly,
      handler: async (a, ctx) => void (await catalog.upsert(ctx.store.id, 'products', a.products, 'products')),
    }),
    route({
      name: 'product/remove', methods: ['GET', 'POST'], auth: 'private',
      schema: v.object({ products: ids() }), answer: okOnly,
      handler: async (a, ctx) => void (await catalog.remove(ctx.store.id, 'products', a.products)),
    }),
    route({
      name: 'product/attributes', methods: ['GET', 'POST'], auth: 'public', bare: true,
      schema: v.object({ products: ids(), attributes: attributes().optional() }),
      handler: (a, ctx) => whenReady(catalog.get(ctx.store.id, 'products', a.products), (docs) => docs.map((p) => pickAttributes(p, a.attributes))),
    }),
    route({
      name: 'product/facets', methods: ['GET', 'POST'], auth: 'public',
      schema: v.object({ products: ids().optional(), attributes: attributes().optional() }), answer: facetsAnswer,
      handler: async (a, ctx) => {
        const state = await catalog.state(ctx.store.id);
        const docs = a.products ? await catalog.get(ctx.store.id, 'products', a.products) : [...state.products.values()];
        const names = a.attributes ?? facetableAttributes(docs);
        return { facets: computeFacets(docs, names, { categoryName: (id) => state.categoryName(id) }) };
      },
    }),
    ...crudRoutes(catalog, 'products'),
    ...crudRoutes(catalog, 'categories'),
    ...crudRoutes(catalog, 'pages'),
    ...crudRoutes(catalog, 'customers'),
    ...crudRoutes(catalog, 'orders', (storeId, docs) => withParcels(parcels, storeId, docs)),
  ];
}

/** GET/DELETE by IDs, POST upsert, PATCH merge, for one resource; the argument is named like it. */
function crudRoutes(catalog: CatalogService, kind: CatalogKind, decorate?: (storeId: number, docs: Doc[]) => Promise<Doc[]>): RouteDef[] {
  const idArg = v.object({ [kind]: ids() });
  const recordArg = v.object({ [kind]: records() });
  const read = (a: Record<string, unknown>) => a[kind] as Array<string | number>;
  return [
    route({
      name: kind, methods: ['GET'], auth: 'private', answer: recordsAnswer(kind, kind === 'orders' ? 'The stored orders, each with its parcels.' : `The stored ${kind}, in the order asked (unknown IDs left out).`),
      // Clerk keys GET /customers by email; IDs are accepted too (anything without an @).
      schema: kind === 'customers' ? v.object({ customers: list(v.union([v.string().trim().min(1).max(320), v.number().int()])).pipe(v.array(v.union([v.string(), v.number()])).min(1).max(10000)) }) : idArg,
      handler: async (a, ctx) => {
        const docs = kind === 'customers' ? await getCustomers(catalog, ctx.store.id, read(a)) : await catalog.get(ctx.store.id, kind, read(a));
        return { [kind]: decorate ? await decorate(ctx.store.id, docs) : docs };
      },
    }),
    route({
      name: kind, methods: ['POST'], auth: 'private', answer: okOnly, schema: recordArg,
      handler: async (a, ctx) => void (await catalog.upsert(ctx.store.id, kind, a[kind] as unknown[], kind)),
    }),
    route({
      name: kind, methods: ['PATCH'], auth: 'private', answer: okOnly, schema: recordArg,
      handler: async (a, ctx) => void (await catalog.patch(ctx.store.id, kind, a[kind] as unknown[], kind)),
    }),
    route({
      name: kind, methods: ['DELETE'], auth: 'private', answer: okOnly, schema: idArg,
      handler: async (a, ctx) => void (await catalog.remove(ctx.store.id, kind, read(a))),
    }),
  ];
}

/** Orders as GET /orders answers them: each with its `parcels` (oldest first; empty when none). */
async function withParcels(parcels: Parcels, storeId: number, orders: Doc[]): Promise<Doc[]> {
  const byOrder = await parcels.ofOrders(storeId, orders.map((o) => String(o.id)));
  return orders.map((o) => ({ ...o, parcels: byOrder.get(String(o.id)) ?? [] }));
}

async function getCustomers(catalog: CatalogService, storeId: number, keys: Array<string | number>): Promise<Doc[]> {
  const emails = keys.filter((k): k is string => typeof k === 'string' && k.includes('@')).map((e) => e.trim().toLowerCase());
  const idKeys = keys.filter((k) => typeof k !== 'string' || !k.includes('@'));
  const byId = idKeys.length > 0 ? await catalog.get(storeId, 'customers', idKeys) : [];
  const byEmail = emails.length > 0 ? await catalog.findByEmail(storeId, 'customers', emails) : [];
  return [...byId, ...byEmail];
}
