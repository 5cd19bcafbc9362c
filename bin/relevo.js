#!/usr/bin/env -S node --max-semi-space-size=32
// The `relevo` command. The TypeScript is compiled to dist/ by `npm ci` (the prepare script).
// The V8 flags above are the server's (SERVER_NODE_FLAGS in bench/lib/processes.ts); `npm start`
// passes the same ones.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('relevo: dist/ is missing; run `npm ci` (or `npm run build`) first');
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv);
