#!/usr/bin/env node
// Writes docs/openapi.json from the route table of the built server (dist/: `npm run build`
// first; `npm run openapi` does both). The routes are those a runtime builds over an empty
// temporary SQLite database, so the document lists exactly what `relevo serve` serves.
// test/openapi.test.ts fails when the committed file and the table disagree.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url);
const dist = (p) => new URL(`dist/src/${p}`, root).href;
const [{ openApiDocument }, { buildRuntime }, { openStorage }, { testConfig }, { pino }] = await Promise.all([
  import(dist('api/openapi.js')), import(dist('runtime.js')), import(dist('storage/open.js')), import(dist('config/config.js')), import('pino'),
]);

const dir = mkdtempSync(join(tmpdir(), 'relevo-openapi-'));
try {
  const storage = await openStorage(`sqlite:${join(dir, 'routes.db')}`);
  const runtime = await buildRuntime(testConfig(), storage, pino({ level: 'silent' }));
  const { version } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
  const doc = openApiDocument(runtime.routes, version);
  await runtime.close();
  await storage.close();
  const out = new URL('docs/openapi.json', root);
  writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`wrote docs/openapi.json: ${Object.keys(doc.paths).length} endpoints`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
