/**
 * What endpoints answer, as JSON Schema for docs/openapi.json: the fields of the ok envelope
 * besides `status` (route.ts `answer`). Shared by the result endpoints, search and tracking;
 * a route without one is documented as the ok envelope with undescribed fields.
 */
import type { JsonSchema } from './validate.js';

const id: JsonSchema = { anyOf: [{ type: 'string' }, { type: 'integer' }], description: 'An ID in the type it was stored with.' };
const facet: JsonSchema = {
  type: 'object',
  required: ['type', 'name', 'count'],
  properties: { type: { enum: ['unit', 'range'] }, name: { type: 'string' }, value: {}, min: { type: 'number' }, max: { type: 'number' }, count: { type: 'integer', minimum: 0 } },
};
const facets: JsonSchema = { anyOf: [{ type: 'object', additionalProperties: { type: 'array', items: facet } }, { type: 'null' }], description: 'Counts per asked facet over the whole filtered result set.' };
const requestId: JsonSchema = { type: 'string', description: 'Names this call\'s impression; send it back with log/click (extension).' };
const productData: JsonSchema = { type: 'array', items: { type: 'object' }, description: 'The asked attributes of each result, parallel to result (only when attributes were asked for).' };

/** An ok envelope with these fields; `required` lists those always present. */
export function answerOf(properties: Record<string, JsonSchema>, required: string[] = Object.keys(properties)): JsonSchema {
  return { properties, required };
}

/** Tracking calls: nothing but the status. */
export const okOnly = answerOf({});

/** A product list (Clerk's R shape), with count and facets for the RC shape. */
export function resultsAnswer(counted: boolean): JsonSchema {
  const always = { result: { type: 'array', items: id }, request_id: requestId };
  return counted
    ? answerOf({ ...always, count: { type: 'integer', minimum: 0 }, facets, product_data: productData }, ['result', 'count', 'facets', 'request_id'])
    : answerOf({ ...always, product_data: productData }, ['result', 'request_id']);
}

const searchFields = {
  result: { type: 'array', items: id },
  hits: { type: 'integer', minimum: 0 },
  no_exact_match: { type: 'boolean', description: 'True when not every word matched exactly (typos, stems, long tail).' },
  product_data: productData,
  redirect: { type: 'string', description: 'A redirect rule matched the query (see /redirects/).' },
  debug: { type: 'object', description: 'Ranking details, when debug was asked for.' },
  request_id: requestId,
};

/** search/search. */
export const searchAnswer = answerOf({ ...searchFields, count: { type: 'integer', minimum: 0 }, facets }, ['result', 'count', 'hits', 'facets', 'no_exact_match', 'request_id']);
/** search/predictive: the completed query and the best matches. */
export const predictiveAnswer = answerOf({ ...searchFields, query: { type: 'string' }, facets }, ['query', 'result', 'hits', 'no_exact_match', 'request_id']);
/** A list of strings or objects under `result` (suggestions, popular searches, categories, pages). */
export function listAnswer(items: JsonSchema, extra: Record<string, JsonSchema> = {}): JsonSchema {
  return answerOf({ result: { type: 'array', items }, ...extra });
}

/** A list of stored records under `name` (the CRUD resources' GET). */
export function recordsAnswer(name: string, description: string): JsonSchema {
  return answerOf({ [name]: { type: 'array', items: { type: 'object' }, description } });
}

/** `/accessories` GET: each asked product with its links. */
export const accessoriesAnswer = answerOf({
  accessories: {
    type: 'array',
    items: {
      type: 'object', required: ['product', 'accessories', 'directed_accessories'],
      properties: { product: id, accessories: { type: 'array', items: id, description: 'Two-way links.' }, directed_accessories: { type: 'array', items: id, description: 'One-way links.' } },
    },
  },
});

const parcel: JsonSchema = {
  type: 'object', required: ['parcel_id', 'order_id', 'created', 'updated'],
  properties: {
    parcel_id: id, order_id: id, tracking_code: { type: 'string' }, tracking_link: { type: 'string' }, status: { type: 'string' },
    created: { type: 'integer', description: 'Unix seconds.' }, updated: { type: 'integer', description: 'Unix seconds.' },
  },
};
/** `/orders/parcels` GET. */
export const parcelsAnswer = answerOf({ parcels: { type: 'array', items: parcel } });
/** `/orders/parcels` POST and PATCH: the parcel as stored. */
export const parcelAnswer = answerOf({ parcel });
/** product/facets. */
export const facetsAnswer = answerOf({ facets });
