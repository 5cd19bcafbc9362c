/**
 * `relevo serve --workers 2` on PostgreSQL: one port, two worker processes (each answer names
 * its pid), and a click through one worker shows in the other worker's visitor/complementary
 * within a second. A killed worker is replaced; SIGTERM drains both and the primary exits 0.
 */
import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnWithPort, SERVER_NODE_FLAGS, type Child } from '../bench/lib/processes.js';
import { dropPgSchema, pgSchemaUrl } from './helpers/db.js';
import { BROWSER_UA, makeProduct, PUBLIC_KEY } from './helpers/app.js';
import { call as keptAliveCall, createTestStore, isOk, within, type Answer } from './helpers/servers.js';

/**
 * A call on a connection of its own: the cluster balances connections, not requests, and fetch
 * would keep one alive. Private calls go through the shared helper (the worker does not matter).
 */
function call(port: number, endpoint: string, args: Record<string, unknown>, opts?: { priv?: boolean }): Promise<Answer> {
  if (opts?.priv) return keptAliveCall(port, endpoint, args, opts);
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ key: PUBLIC_KEY, ...args });
    const req = request({ host: '127.0.0.1', port, path: `/v2/${endpoint}`, method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), headers: new Headers(res.headers as Record<string, string>) }));
    });
    req.on('error', reject);
    // A connection the primary handed to a worker as it was killed is never answered: give up
    // on it (the replacement loop below retries) instead of waiting out the test's timeout.
    req.setTimeout(5000, () => req.destroy(new Error(`no answer to ${endpoint} within 5 s`)));
    req.end(body);
  });
}

describe('relevo serve --workers 2 (PostgreSQL)', () => {
  const url = pgSchemaUrl('workers');
  let server: Child | null = null;
  afterAll(async () => {
    await server?.stop();
    await dropPgSchema(url);
  });

  it('spreads requests over both workers, which share what each learns within a second', async () => {
    await createTestStore(url);
    server = await spawnWithPort('bin/relevo.js', ['serve', '--workers', '2', '--port', '0', '--db', url], { HOST: '127.0.0.1', RELEVO_DEMO: '0', RELEVO_TAIL_INTERVAL_MS: '30000' }, 60_000, SERVER_NODE_FLAGS);
    const port = server.port;
    const pidOf = (a: Answer) => a.headers.get('x-relevo-pid')!;
    const pids = new Set<string>();
    await within(20_000, async () => {
      pids.add(pidOf(await call(port, 'recommendations/popular', { limit: 1 })));
      return pids.size === 2;
    });
    expect([...pids].every((p) => /^\d+$/.test(p) && p !== String(server!.proc.pid))).toBe(true);

    const products = Array.from({ length: 10 }, (_, i) => makeProduct({ id: i + 1, price: (i + 1) * 10, created_at: 1_700_000_000 + i }));
    expect(isOk(await call(port, 'product/add', { products }, { priv: true }))).toBe(true);
    // Co-views, through whichever worker; then wait until both workers know them.
    for (const v of ['x1', 'x2', 'x3']) for (const product of [1, 3]) await call(port, 'log/product', { product, visitor: v });
    const byPid = new Map<string, number[]>();
    const ask = async (visitor: string) => {
      const a = await call(port, 'recommendations/visitor/complementary', { visitor, limit: 5 });
      byPid.set(pidOf(a), a.body.result);
      return a;
    };
    // The click goes to one worker; the answers of the other are watched.
    const click = await call(port, 'log/click', { product: 1, visitor: 'roamer' });
    expect(isOk(click)).toBe(true);
    const clicked = pidOf(click);
    const other = [...pids].find((p) => p !== clicked)!;
    const ms = await within(1000, async () => {
      const a = await ask('roamer');
      return pidOf(a) === other && a.body.result[0] === 3 && !a.body.result.includes(1);
    });
    console.log(`workers ${[...pids].join(', ')}: click through ${clicked} seen in visitor/complementary from ${other} after ${ms.toFixed(0)} ms`);

    // A worker killed outright is replaced by a new one on the same port.
    process.kill(Number(other), 'SIGKILL');
    await within(20_000, async () => {
      const p = pidOf(await call(port, 'recommendations/popular', { limit: 1 }).catch(() => ({ headers: new Headers() }) as Answer));
      if (p && !pids.has(p)) pids.add(p);
      return pids.size === 3;
    });
    const exited = new Promise<number | null>((resolve) => server!.proc.once('exit', (code) => resolve(code)));
    server.proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    server = null;
  }, 90_000);
});
