/**
 * The example headless shop (examples/shop/) at /shop/, served when `relevo serve --example-shop`
 * (or RELEVO_EXAMPLE_SHOP=1) runs: plain HTML and JS on the demo store, talking to this same
 * server through relevo-client, whose built ESM file is served as /shop/relevo-client.js. The
 * files are read once at start-up from the package root (found from this module, under src/ or
 * dist/src/), so a missing client build stops the server at boot, not on the first page view.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

interface ShopFile {
  body: Buffer;
  type: string;
}

/** The package root: the nearest directory above this module holding package.json. */
function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error('example shop: no package.json above the server module');
  }
}

/** Every file the shop serves, by name under /shop/. */
export function loadShopFiles(root = packageRoot()): Map<string, ShopFile> {
  const shopDir = join(root, 'examples', 'shop');
  const client = join(root, 'client', 'dist', 'index.js');
  if (!existsSync(client)) throw new Error(`example shop: ${client} is missing; run \`npm run build\` first`);
  const files = new Map<string, ShopFile>();
  for (const name of readdirSync(shopDir)) {
    const type = TYPES[extname(name)];
    if (type) files.set(name, { body: readFileSync(join(shopDir, name)), type });
  }
  files.set('relevo-client.js', { body: readFileSync(client), type: TYPES['.js'] });
  return files;
}

/** Registers GET /shop/ and /shop/<file>. */
export function registerExampleShop(app: FastifyInstance): void {
  const files = loadShopFiles();
  const send = (name: string) => files.get(name);
  app.get('/shop/', async (_req, reply) => reply.header('content-type', TYPES['.html']).header('cache-control', 'no-cache').send(send('index.html')!.body));
  app.get<{ Params: { file: string } }>('/shop/:file', async (req, reply) => {
    const file = send(req.params.file);
    if (!file) return reply.callNotFound();
    return reply.header('content-type', file.type).header('cache-control', 'no-cache').send(file.body);
  });
}
