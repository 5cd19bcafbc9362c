import { defineConfig } from 'vitest/config';

// The PostgreSQL suites; run through scripts/test-pg.mjs, which skips them when no server answers.
export default defineConfig({
  test: {
    include: ['src/**/*.pg-test.ts', 'test/**/*.pg-test.ts'],
    testTimeout: 30000,
    hookTimeout: 30000,
    pool: 'forks',
  },
});
