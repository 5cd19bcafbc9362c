#!/usr/bin/env node
// Runs the PostgreSQL test suites when a server answers at RELEVO_TEST_PG_URL. Without one it
// skips loudly (exit 0) on a developer machine, and fails (exit 1) under CI, where a silent skip
// would hide that the PostgreSQL adapter was never tested.
import { spawn } from 'node:child_process';
// The probe and the masking are the adapter's own (built by `prepare`/`npm run build`, which run first).
import { postgresAnswers, redactPassword } from '../dist/src/storage/postgres/pool.js';

const url = process.env.RELEVO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// Printed in messages, so a password in the URL never reaches CI logs.
const shownUrl = redactPassword(url);

if (!(await postgresAnswers(url))) {
  if (process.env.CI) {
    console.error(`PostgreSQL suite FAILED: no server at ${shownUrl} and CI is set (set RELEVO_TEST_PG_URL)`);
    process.exit(1);
  }
  console.log(`\n*** PostgreSQL suite SKIPPED: no server at ${shownUrl} (set RELEVO_TEST_PG_URL) ***\n`);
  process.exit(0);
}

const child = spawn('npx', ['vitest', 'run', '--config', 'vitest.pg.config.ts', ...process.argv.slice(2)], {
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
