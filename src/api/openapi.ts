/**
 * docs/openapi.json, generated from the route table: one operation per route and method, its
 * arguments from the route's schema (validate.ts `describe()`: types, limits, patterns), its
 * answer from the route's `answer` (api/answers.ts) inside the ok envelope, and the error
 * envelope for every error status. `npm run openapi` writes it; test/openapi.test.ts fails when
 * the committed file and the table disagree. Nothing here is maintained by hand per endpoint.
 */
import { isDeepStrictEqual } from 'node:util';
import { labelsArg } from '../tracking/labels.js';
import { visitorArg } from '../tracking/visitor.js';
import type { RouteDef } from './route.js';
import { v, type JsonSchema } from './validate.js';

/** Pieces most arguments share, named once under components.schemas and referenced (the same schema, described once). */
const SHARED: Record<string, JsonSchema> = { Id: v.id().describe(), Visitor: visitorArg().describe(), Labels: labelsArg().describe() };

const ERROR_TYPES = ['ParsingError', 'LogicalError', 'AuthenticationError', 'RateLimitError', 'OverloadedError', 'UnavailableError', 'InternalError'];

const TRANSPORT = [
  'Relevo serves the Clerk.io v2 HTTP API. Every endpoint is /v2/<name>. Arguments are merged from the query string',
  '(a value that parses as a JSON array or object is decoded; `x[]=a&x[]=b` and comma-separated lists work for list',
  'arguments), a `payload` query parameter holding the whole argument object as JSON, and the request body parsed as',
  'JSON whatever its Content-Type; the body wins over `payload`, which wins over the query string. So a GET may carry',
  'its arguments in a body and a POST in its query string; this document shows the query for GET and DELETE and a JSON',
  'body for POST and PATCH. `callback=<name>` wraps the answer in JSONP. Endpoints that take the public key alone answer',
  'CORS requests. Generated from the route table by `npm run openapi`.',
].join(' ');

/** The OpenAPI 3.1 document of these routes. */
export function openApiDocument(routes: readonly RouteDef[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const r of [...routes].sort((a, b) => a.name.localeCompare(b.name))) {
    const path = (paths[`/v2/${r.name}`] ??= {});
    for (const method of r.methods) path[method.toLowerCase()] = withSharedRefs(operation(r, method));
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Relevo (Clerk.io v2 API)', version, description: TRANSPORT, license: { name: 'MIT', identifier: 'MIT' } },
    servers: [{ url: 'http://localhost:8080' }],
    paths,
    components: {
      schemas: {
        ...SHARED,
        Error: {
          type: 'object',
          required: ['status', 'type', 'message', 'id', 'moreInfo'],
          properties: {
            status: { const: 'error' },
            type: { enum: ERROR_TYPES },
            message: { type: 'string', description: 'Names the argument for a ParsingError, e.g. "Missing Argument query".' },
            id: { type: 'string', description: 'The error\'s ID in the server log.' },
            moreInfo: { type: 'string' },
          },
        },
      },
      responses: {
        ParsingError: errorResponse('Malformed JSON, or a missing or mistyped argument (ParsingError); or a well-formed but impossible request (LogicalError).'),
        AuthenticationError: errorResponse('Unknown or disabled public key, or a private key missing or wrong.'),
        NotFound: errorResponse('Something the request names does not exist (LogicalError).'),
        RateLimitError: errorResponse('Over RELEVO_RATE_LIMIT for this client and store (extension); see Retry-After.'),
        InternalError: errorResponse('A fault on the server; details are in its log under the error\'s ID.'),
        Unavailable: errorResponse('Nothing was done; retry after Retry-After: the server is shutting down (InternalError), holds as many '
          + 'unstored events as it may (OverloadedError, log/* only) or cannot reach its database through every retry (UnavailableError).'),
      },
    },
  };
}

/** Replaces every copy of a shared piece by a $ref to it. */
function withSharedRefs<T>(node: T): T {
  if (Array.isArray(node)) return node.map(withSharedRefs) as T;
  if (node === null || typeof node !== 'object') return node;
  for (const [name, schema] of Object.entries(SHARED)) if (isDeepStrictEqual(node, schema)) return { $ref: `#/components/schemas/${name}` } as T;
  return Object.fromEntries(Object.entries(node).map(([k, val]) => [k, withSharedRefs(val)])) as T;
}

function errorResponse(description: string): JsonSchema {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
}

function operation(r: RouteDef, method: string): JsonSchema {
  const args = argumentsOf(r);
  const inQuery = method === 'GET' || method === 'DELETE';
  return {
    operationId: `${method.toLowerCase()}_${r.name.replace(/[^A-Za-z0-9]+/g, '_')}`,
    tags: [r.name.split('/')[0]],
    summary: `${r.name} (${r.auth === 'private' ? 'public and private key' : 'public key'})`,
    'x-relevo-auth': r.auth,
    ...(inQuery
      ? { parameters: queryParameters(args) }
      : { requestBody: { required: true, content: { 'application/json': { schema: args } } } }),
    responses: {
      200: { description: r.bare ? 'The answer, without the ok envelope.' : 'The ok envelope with the endpoint\'s fields.', content: { 'application/json': { schema: answerSchema(r) } } },
      400: { $ref: '#/components/responses/ParsingError' },
      403: { $ref: '#/components/responses/AuthenticationError' },
      404: { $ref: '#/components/responses/NotFound' },
      ...(r.auth === 'public' ? { 429: { $ref: '#/components/responses/RateLimitError' } } : {}),
      500: { $ref: '#/components/responses/InternalError' },
      503: { $ref: '#/components/responses/Unavailable' },
    },
  };
}

/** The route's argument object with the keys it needs (`key`, and `private_key` when private). */
function argumentsOf(r: RouteDef): JsonSchema {
  const described = r.schema.describe();
  const keys: Record<string, JsonSchema> = { key: { type: 'string', description: 'The store\'s public key.' } };
  if (r.auth === 'private') keys.private_key = { type: 'string', description: 'One of the store\'s private keys.' };
  return {
    type: 'object',
    properties: { ...keys, ...(described.properties as Record<string, JsonSchema>) },
    required: [...Object.keys(keys), ...((described.required as string[] | undefined) ?? [])],
  };
}

/** Query parameters: scalars as they are; lists and objects JSON-encoded (also accepted as comma-separated lists). */
function queryParameters(args: JsonSchema): JsonSchema[] {
  const required = new Set(args.required as string[]);
  return Object.entries(args.properties as Record<string, JsonSchema>).map(([name, schema]) => {
    const scalar = schema.type === 'string' || schema.type === 'integer' || schema.type === 'number' || schema.type === 'boolean';
    return { name, in: 'query', required: required.has(name), ...(scalar ? { schema } : { content: { 'application/json': { schema } } }) };
  });
}

function answerSchema(r: RouteDef): JsonSchema {
  if (r.bare) return r.answer ?? { type: 'array', items: { type: 'object' } };
  if (!r.answer) {
    return { type: 'object', required: ['status'], properties: { status: { const: 'ok' } }, description: 'Other fields of this answer are not described in the route table yet.' };
  }
  const properties = r.answer.properties as Record<string, JsonSchema>;
  const required = (r.answer.required as string[] | undefined) ?? [];
  return { type: 'object', required: ['status', ...required], properties: { status: { const: 'ok' }, ...properties }, ...(Object.keys(properties).length === 0 ? { additionalProperties: false } : {}) };
}
