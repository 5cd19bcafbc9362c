/**
 * The catalog resources that link other records: `/accessories` (products linked to products)
 * and `/orders/parcels` (an order's shipments). Private key; handlers parse, call the service,
 * shape. GET and DELETE read the query, POST and PATCH the body; as Clerk has it, DELETE
 * /orders/parcels takes `parcel_id` in the body (any argument place works here: see args.ts).
 */
import { v } from '../validate.js';
import type { Accessories } from '../../catalog/accessories.js';
import { PARCEL_STATUSES } from '../../catalog/normalize.js';
import type { ParcelFields, Parcels } from '../../catalog/parcels.js';
import { route, type RouteDef } from '../route.js';
import { id, ids, records } from '../schemas.js';
import { accessoriesAnswer, okOnly, parcelAnswer, parcelsAnswer } from '../answers.js';

export interface CatalogLinkDeps {
  accessories: Accessories;
  parcels: Parcels;
}

const parcelFields = {
  tracking_code: v.string().min(1).max(200).optional(),
  tracking_link: v.string().max(2000).regex(/^https?:\/\/\S+$/, 'must be an http(s) URL').optional(),
  status: v.enum(PARCEL_STATUSES).optional(),
};

/** Only the fields sent: PATCH must not blank what it was not given. */
function fieldsOf(a: ParcelFields): ParcelFields {
  const out: ParcelFields = {};
  if (a.tracking_code !== undefined) out.tracking_code = a.tracking_code;
  if (a.tracking_link !== undefined) out.tracking_link = a.tracking_link;
  if (a.status !== undefined) out.status = a.status;
  return out;
}

export function catalogLinkRoutes({ accessories, parcels }: CatalogLinkDeps): RouteDef[] {
  return [
    route({
      name: 'accessories', methods: ['GET'], auth: 'private', answer: accessoriesAnswer, schema: v.object({ accessories: ids() }),
      handler: async (a, ctx) => ({ accessories: await accessories.get(ctx.store.id, a.accessories) }),
    }),
    route({
      name: 'accessories', methods: ['POST'], auth: 'private', answer: okOnly, schema: v.object({ accessories: records(10000) }),
      handler: async (a, ctx) => void (await accessories.put(ctx.store.id, a.accessories, false)),
    }),
    route({
      name: 'accessories', methods: ['PATCH'], auth: 'private', answer: okOnly, schema: v.object({ accessories: records(10000) }),
      handler: async (a, ctx) => void (await accessories.put(ctx.store.id, a.accessories, true)),
    }),
    route({
      name: 'accessories', methods: ['DELETE'], auth: 'private', answer: okOnly, schema: v.object({ accessories: ids() }),
      handler: async (a, ctx) => void (await accessories.remove(ctx.store.id, a.accessories)),
    }),
    route({
      name: 'orders/parcels', methods: ['GET'], auth: 'private', answer: parcelsAnswer, schema: v.object({ order_id: id(), parcel_id: id().optional() }),
      handler: async (a, ctx) => ({ parcels: await parcels.list(ctx.store.id, a.order_id, a.parcel_id) }),
    }),
    route({
      name: 'orders/parcels', methods: ['POST'], auth: 'private', answer: parcelAnswer, schema: v.object({ order_id: id(), parcel_id: id().optional(), ...parcelFields }),
      handler: async (a, ctx) => ({ parcel: await parcels.create(ctx.store.id, a.order_id, a.parcel_id, fieldsOf(a)) }),
    }),
    route({
      name: 'orders/parcels', methods: ['PATCH'], auth: 'private', answer: parcelAnswer, schema: v.object({ order_id: id(), parcel_id: id(), ...parcelFields }),
      handler: async (a, ctx) => ({ parcel: await parcels.update(ctx.store.id, a.order_id, a.parcel_id, fieldsOf(a)) }),
    }),
    route({
      name: 'orders/parcels', methods: ['DELETE'], auth: 'private', answer: okOnly, schema: v.object({ parcel_id: ids(1000) }),
      handler: async (a, ctx) => void (await parcels.remove(ctx.store.id, a.parcel_id)),
    }),
  ];
}
