/** docs/compat.md and the route table agree, and every Clerk endpoint of the spec has a row. */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from './helpers/app.js';

interface Row {
  endpoint: string;
  methods: string[];
  auth: string;
  status: string;
}

const SHORT: Record<string, string> = { G: 'GET', P: 'POST', PA: 'PATCH', D: 'DELETE' };

function compatRows(): Row[] {
  const text = readFileSync(new URL('../docs/compat.md', import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((l) => /^\| `[^`]+` \|/.test(l))
    .map((l) => {
      const cells = l.split('|').map((c) => c.trim());
      return { endpoint: cells[1].replace(/`/g, ''), methods: cells[2].split(',').map((m) => m.trim()).sort(), auth: cells[3], status: cells[4] };
    });
}

/** Endpoint names in CLERK-ENDPOINTS.md (`/products` → `products`, `/v2/import` → `import`, `/redirects/` → `redirects`). */
function specEndpoints(): string[] | null {
  const file = new URL('../../shared/CLERK-ENDPOINTS.md', import.meta.url);
  if (!existsSync(file)) return null;
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => /^\| `([^`]+)` \| P[0-2] \|/.exec(l)?.[1])
    .filter((x): x is string => Boolean(x))
    .map((name) => name.replace(/^\/(v2\/)?/, '').replace(/\/$/, ''));
}

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

describe('docs/compat.md', () => {
  it('has one row per endpoint with a known status', () => {
    const rows = compatRows();
    expect(rows.length).toBeGreaterThan(50);
    expect(new Set(rows.map((r) => r.endpoint)).size).toBe(rows.length);
    for (const r of rows) expect(['supported', 'planned', 'not supported']).toContain(r.status);
  });

  it('lists every route with its methods and auth, and nothing supported that is not routed', () => {
    const routed = new Map<string, { methods: Set<string>; auth: Set<string> }>();
    for (const r of t.runtime.routes) {
      const e = routed.get(r.name) ?? { methods: new Set(), auth: new Set() };
      r.methods.forEach((m) => e.methods.add(m));
      e.auth.add(r.auth);
      routed.set(r.name, e);
    }
    const rows = new Map(compatRows().map((r) => [r.endpoint, r]));
    for (const [name, e] of routed) {
      const row = rows.get(name);
      expect(row, `route ${name} has no row in docs/compat.md`).toBeDefined();
      expect(row!.status, name).toBe('supported');
      expect(row!.methods, name).toEqual([...e.methods].sort());
      expect([...e.auth], name).toEqual([row!.auth]);
    }
    for (const row of rows.values()) {
      if (row.status === 'supported') expect(routed.has(row.endpoint), `${row.endpoint} is marked supported but not routed`).toBe(true);
    }
  });

  it('covers every endpoint of CLERK-ENDPOINTS.md with the same methods and auth', () => {
    const spec = specEndpoints();
    if (!spec) {
      console.warn('compat: ../shared/CLERK-ENDPOINTS.md not found; spec coverage not checked');
      return;
    }
    const rows = new Map(compatRows().map((r) => [r.endpoint, r]));
    const specText = readFileSync(new URL('../../shared/CLERK-ENDPOINTS.md', import.meta.url), 'utf8');
    for (const name of spec) {
      expect(rows.has(name), `${name} (CLERK-ENDPOINTS.md) is missing from docs/compat.md`).toBe(true);
      const line = specText.split('\n').find((l) => l.replace(/^\| `\/(v2\/)?/, '| `').replace(/\/` \|/, '` |').startsWith(`| \`${name}\` |`))!;
      const cells = line.split('|').map((c) => c.trim());
      const methods = cells[3].replace(/\(.*\)/, '').trim().split(/\s+/).map((m) => SHORT[m]).sort();
      const auth = cells[4] === 'pub' ? 'public' : cells[4] === 'priv' ? 'private' : 'none';
      if (rows.get(name)!.status === 'supported') {
        expect(rows.get(name)!.methods, name).toEqual(methods);
        expect(rows.get(name)!.auth, name).toBe(auth);
      }
    }
  });
});
