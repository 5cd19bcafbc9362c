/**
 * Request timeouts from config (RELEVO_REQUEST_TIMEOUT_MS, RELEVO_HEADERS_TIMEOUT_MS,
 * RELEVO_KEEP_ALIVE_TIMEOUT_MS) reach the node:http server, and a client that never finishes its
 * headers, or idles on a keep-alive connection, loses its socket.
 */
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { makeTestApp, type TestApp } from './helpers/app.js';

describe('server timeouts', () => {
  it('are read from the environment with defaults of 60 s, 10 s and 5 s, the header timeout at most the request timeout', () => {
    expect(loadConfig({})).toMatchObject({ requestTimeoutMs: 60_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000 });
    const c = loadConfig({ RELEVO_REQUEST_TIMEOUT_MS: '30000', RELEVO_HEADERS_TIMEOUT_MS: '2000', RELEVO_KEEP_ALIVE_TIMEOUT_MS: '1000' });
    expect(c).toMatchObject({ requestTimeoutMs: 30_000, headersTimeoutMs: 2_000, keepAliveTimeoutMs: 1_000 });
    expect(() => loadConfig({ RELEVO_REQUEST_TIMEOUT_MS: '5000', RELEVO_HEADERS_TIMEOUT_MS: '6000' })).toThrow(ConfigError);
    expect(() => loadConfig({ RELEVO_REQUEST_TIMEOUT_MS: 'soon' })).toThrow(/RELEVO_REQUEST_TIMEOUT_MS/);
  });

  describe('on a listening server', () => {
    let t: TestApp;
    let port: number;
    beforeAll(async () => {
      t = await makeTestApp({ config: { requestTimeoutMs: 3000, headersTimeoutMs: 1000, keepAliveTimeoutMs: 300 } });
      await t.runtime.app.listen({ port: 0, host: '127.0.0.1' });
      port = (t.runtime.app.server.address() as AddressInfo).port;
    });
    afterAll(() => t?.close());

    it('sets them on the node:http server', () => {
      const server = t.runtime.app.server;
      expect([server.requestTimeout, server.headersTimeout, server.keepAliveTimeout]).toEqual([3000, 1000, 300]);
    });

    /** Opens a socket, writes `text`, and resolves with what came back once the server closed it. */
    const until = (text: string) =>
      new Promise<{ data: string; ms: number }>((resolve, reject) => {
        const started = Date.now();
        const socket: Socket = connect(port, '127.0.0.1', () => socket.write(text));
        let data = '';
        socket.setEncoding('utf8');
        socket.on('data', (d: string) => (data += d));
        socket.on('close', () => resolve({ data, ms: Date.now() - started }));
        socket.on('error', reject);
        setTimeout(() => reject(new Error('socket still open after 15 s')), 15_000).unref();
      });

    it('closes a connection whose headers never end (408)', async () => {
      const { data } = await until('GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      expect(data === '' || data.startsWith('HTTP/1.1 408')).toBe(true);
    });

    it('closes an idle keep-alive connection', async () => {
      const { data } = await until('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(data).toMatch(/^HTTP\/1\.1 200/);
    });
  });
});
