/**
 * The dashboard's static files, served from memory at /dashboard/assets/: uPlot from
 * node_modules and our own public/ files (plain browser JS and CSS, no build step). tsc does not
 * copy them into dist/, so public/ is looked up next to this module (running from src/, under
 * vitest) and otherwise under src/dashboard/public/ of the package root (running from dist/).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** Reads every asset once; the map's keys are the file names under /dashboard/assets/. */
export function loadAssets(): Map<string, Asset> {
  const require = createRequire(import.meta.url);
  const files: Record<string, string> = {
    'uPlot.iife.min.js': require.resolve('uplot/dist/uPlot.iife.min.js'),
    'uPlot.min.css': require.resolve('uplot/dist/uPlot.min.css'),
    'app.js': join(publicDir(), 'app.js'),
    'app.css': join(publicDir(), 'app.css'),
  };
  const out = new Map<string, Asset>();
  for (const [name, path] of Object.entries(files)) {
    const body = readFileSync(path);
    const ext = name.slice(name.lastIndexOf('.') + 1);
    out.set(name, { body, contentType: TYPES[ext], etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"` });
  }
  return out;
}

function publicDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  if (existsSync(join(here, 'public', 'app.js'))) return join(here, 'public');
  // From dist/src/dashboard/ the nearest package.json is the package root, which holds src/.
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'src', 'dashboard', 'public');
    if (dirname(dir) === dir) throw new Error(`dashboard assets not found: no package.json above ${here}`);
  }
}
