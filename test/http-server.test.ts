/**
 * The /v2/ transport over a real socket (api/http.ts behind the listening server): chunked
 * bodies, the size limit without a Content-Length, percent-encoded and doubled slashes, other
 * methods left to Fastify, and 503 during shutdown.
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProduct, makeTestApp, PRIVATE_KEY, PUBLIC_KEY, type TestApp } from './helpers/app.js';

let t: TestApp;
let port: number;

beforeAll(async () => {
  t = await makeTestApp({ config: { bodyLimit: 4096 } });
  await t.runtime.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.runtime.app.server.address() as AddressInfo).port;
  await t.call('product/add', { products: [makeProduct({ id: 1, name: 'One' })] }, { priv: true });
});
afterAll(() => t.close());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request; `chunks` are written one by one (chunked transfer encoding, no Content-Length). */
function send(method: string, path: string, chunks: string[] = [], headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('the /v2/ transport on a socket', () => {
  it('reads a chunked JSON body', async () => {
    const body = JSON.stringify({ key: PUBLIC_KEY, products: [1], attributes: ['name'] });
    const res = await send('POST', '/v2/product/attributes', [body.slice(0, 10), body.slice(10)]);
    expect(res.status).toBe(200);
    expect(res.headers['transfer-encoding']).toBeUndefined();
    expect(JSON.parse(res.body)).toEqual([{ id: 1, name: 'One' }]);
  });

  it('refuses a chunked body over the limit and closes the connection', async () => {
    const big = JSON.stringify({ key: PUBLIC_KEY, private_key: PRIVATE_KEY, products: [makeProduct({ id: 'big', description: 'x'.repeat(5000) })] });
    const res = await send('POST', '/v2/product/add', [big.slice(0, 3000), big.slice(3000)]);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ status: 'error', type: 'ParsingError', message: 'Request body larger than 4096 bytes' });
    expect(res.headers.connection).toBe('close');
    expect((await t.call('products', { products: ['big'] }, { method: 'GET', priv: true })).body.products).toEqual([]);
  });

  it('refuses a declared Content-Length over the limit without reading the body', async () => {
    const res = await send('POST', '/v2/product/add', ['{}'], { 'content-length': '999999', 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).message).toBe('Request body larger than 4096 bytes');
  });

  it('reads percent-encoded and doubled slashes in the endpoint name', async () => {
    const res = await send('GET', `/v2//product%2Fattributes/?key=${PUBLIC_KEY}&products=[1]`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual([expect.objectContaining({ id: 1 })]);
  });

  it('leaves other methods to Fastify: a preflight is answered, PUT is not found', async () => {
    const preflight = await send('OPTIONS', '/v2/product/attributes', [], { origin: 'https://shop.example', 'access-control-request-method': 'GET' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    const put = await send('PUT', '/v2/product/attributes');
    expect(put.status).toBe(404);
    expect(JSON.parse(put.body)).toMatchObject({ status: 'error', type: 'LogicalError' });
  });

  it('counts each call in /metrics by endpoint and status', async () => {
    await send('GET', `/v2/product/attributes?key=${PUBLIC_KEY}&products=[1]`);
    await send('GET', '/v2/no/such/endpoint');
    const metrics = (await send('GET', '/metrics')).body;
    expect(metrics).toMatch(/relevo_requests_total\{endpoint="product\/attributes",status="200"\} \d+/);
    expect(metrics).toContain('relevo_requests_total{endpoint="unknown",status="404"} 1');
  });
});

describe('shutdown', () => {
  it('answers 503 with the error envelope once the server is closing', async () => {
    const app = await makeTestApp();
    try {
      await app.runtime.app.listen({ port: 0, host: '127.0.0.1' });
      const closing = app.runtime.app.close();
      // Fastify enters its close sequence within a few turns of the event loop; from then on, calls get 503.
      const ask = () => app.inject({ method: 'GET', url: `/v2/product/attributes?key=${PUBLIC_KEY}&products=[1]` });
      let res = await ask();
      for (let i = 0; i < 100 && res.statusCode !== 503; i++) {
        await new Promise((r) => setImmediate(r));
        res = await ask();
      }
      expect(res.statusCode).toBe(503);
      expect(JSON.parse(res.body)).toMatchObject({ status: 'error', type: 'InternalError', message: 'Service unavailable: the server is shutting down' });
      await closing;
    } finally {
      await app.close();
    }
  });
});
