#!/usr/bin/env node
// Runs the browser suite when Chromium is installed (/usr/bin/chromium, or CHROMIUM_PATH). Without
// it the suite skips loudly (exit 0) on a developer machine, and fails (exit 1) under CI, where a
// silent skip would hide that the dashboard was never tested. Builds nothing: `npm test` builds
// first, and the suite runs the compiled server from dist/.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

if (!existsSync(chromium)) {
  if (process.env.CI) {
    console.error(`Browser suite FAILED: no chromium at ${chromium} and CI is set (apt-get install chromium, or set CHROMIUM_PATH)`);
    process.exit(1);
  }
  console.log(`\n*** Browser suite SKIPPED: no chromium at ${chromium} (apt-get install chromium, or set CHROMIUM_PATH) ***\n`);
  process.exit(0);
}

const child = spawn('npx', ['vitest', 'run', '--config', 'vitest.browser.config.ts', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, CHROMIUM_PATH: chromium },
  shell: process.platform === 'win32',
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
