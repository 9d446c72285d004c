import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real PostgreSQL for the whole run (embedded, or PG_TEST_URL); each file makes its own database.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // e2e tests spawn the CLI and PostgreSQL backends; two cores, so keep files to two at a time.
    maxWorkers: 2,
  },
});
