import { defineConfig } from 'vitest/config';

// The browser suite (Chromium via playwright-core); run through scripts/test-browser.mjs, which
// skips it when Chromium is missing. It starts a server process from dist/: build first.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser.ts'],
    testTimeout: 60000,
    hookTimeout: 120000,
    pool: 'forks',
    fileParallelism: false,
  },
});
