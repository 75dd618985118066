import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Unit tests run once. Integration tests run on the embedded database (PGlite) always, and again on
 * PostgreSQL when TEST_DATABASE_URL is set; each test file gets its own database.
 * Playwright specs (test/e2e) are not vitest's.
 */
const integration = (db: 'pglite' | 'postgres') => ({
  extends: true as const,
  test: {
    name: `integration:${db}`,
    include: ['test/integration/**/*.test.ts'],
    env: { TP_TEST_DB: db },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

export default defineConfig({
  test: {
    // Tests that spawn bin/tenantpilot.js run dist/server: rebuilt first when the sources changed.
    globalSetup: ['test/global-setup.ts'],
    // vitest's default is one worker per CPU less one: a single worker on a 2-core machine. The
    // integration files wait on child processes and PostgreSQL as much as they compute, so two
    // workers there roughly halve `npm test`.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/unit/**/*.test.tsx'], testTimeout: 30_000 } },
      integration('pglite'),
      ...(process.env.TEST_DATABASE_URL ? [integration('postgres')] : []),
    ],
  },
});
