/** docs/openapi.json is what the route table generates (regenerate: `npm run openapi`), and says what the table enforces. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../src/api/openapi.js';
import { makeTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
let doc: any;
beforeAll(async () => {
  t = await makeTestApp();
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  doc = openApiDocument(t.runtime.routes, version);
});
afterAll(() => t.close());

const bodySchema = (name: string) => doc.paths[`/v2/${name}`].post.requestBody.content['application/json'].schema;

describe('docs/openapi.json', () => {
  it('is the document the route table generates (run `npm run openapi` after changing routes)', () => {
    const committed = JSON.parse(readFileSync(new URL('../docs/openapi.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(doc);
  });

  it('has an operation for every route and method, and nothing else', () => {
    const routed = t.runtime.routes.flatMap((r) => r.methods.map((m) => `${m.toLowerCase()} /v2/${r.name}`)).sort();
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops as object).map((m) => `${m} ${path}`)).sort();
    expect(documented).toEqual(routed);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('describes arguments with the limits the schemas enforce', async () => {
    expect(bodySchema('recommendations/popular').properties.limit).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
    expect(bodySchema('search/predictive').properties.limit).toMatchObject({ type: 'integer', minimum: 1, maximum: 10 });
    expect(bodySchema('recommendations/complementary').required).toEqual(['key', 'limit', 'products']);
    expect(bodySchema('log/returned').required).toEqual(['key', 'private_key', 'product', 'order', 'quantity']);
    expect(doc.components.schemas.Labels).toMatchObject({ type: 'array', minItems: 1, maxItems: 20, items: { type: 'string', minLength: 1, maxLength: 200 } });
    expect(bodySchema('log/click').properties.labels).toEqual({ $ref: '#/components/schemas/Labels' });
    // The documented limit is the enforced one: one past it is refused, the limit itself accepted.
    expect((await t.call('search/predictive', { query: 'x', limit: 11 })).body.type).toBe('ParsingError');
    expect((await t.call('search/predictive', { query: 'x', limit: 10 })).body.status).toBe('ok');
  });

  it('describes answers and errors', () => {
    const ok = doc.paths['/v2/recommendations/popular'].get.responses[200].content['application/json'].schema;
    expect(ok.required).toEqual(['status', 'result', 'count', 'facets', 'request_id']);
    expect(doc.paths['/v2/log/click'].post.responses[200].content['application/json'].schema).toEqual({ type: 'object', required: ['status'], properties: { status: { const: 'ok' } }, additionalProperties: false });
    expect(doc.paths['/v2/product/attributes'].post.responses[200].content['application/json'].schema.type).toBe('array');
    expect(doc.paths['/v2/analytics/labels'].get.responses[429]).toBeUndefined(); // private calls are never rate limited
    expect(doc.paths['/v2/log/click'].post.responses[403]).toEqual({ $ref: '#/components/responses/AuthenticationError' });
  });

  it('documents every argument relevo-client sends', () => {
    // What the client's tracking calls send (client/src/index.ts: ClickArgs, Order, logProduct, logCategory, logEmail).
    const sent: Record<string, string[]> = {
      'log/click': ['key', 'visitor', 'product', 'api', 'labels', 'n', 'request_id', 'external'],
      'log/product': ['key', 'visitor', 'product'],
      'log/category': ['key', 'visitor', 'category'],
      'log/email': ['key', 'visitor', 'email'],
      'log/sale': ['key', 'visitor', 'sale', 'products', 'email', 'customer'],
      'recommendations/popular': ['key', 'visitor', 'labels', 'limit', 'offset', 'filter', 'exclude', 'attributes', 'facets', 'orderby', 'order'],
      'search/search': ['key', 'visitor', 'labels', 'query', 'limit', 'offset', 'filter', 'exclude', 'attributes', 'facets', 'orderby', 'order'],
    };
    for (const [endpoint, args] of Object.entries(sent)) expect([endpoint, args.filter((a) => !(a in bodySchema(endpoint).properties))]).toEqual([endpoint, []]);
  });
});
