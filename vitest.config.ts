import { defineConfig } from 'vitest/config';

// Three projects: `unit` (beside the code), `integration` (real SQLite, sockets, embedded
// broker; no system service) and `system` (mosquitto, PostgreSQL, socat, zbarimg).
// `npm test` runs the first two, `npm run test:system` the third.
export default defineConfig({
  // The @lounge/* packages export their TypeScript source under the `source` condition; their
  // default export is the compiled dist/ that production runs (docs/decisions.md).
  resolve: { conditions: ['source', 'module', 'node', 'development|production'] },
  ssr: { resolve: { conditions: ['source', 'module', 'node', 'development|production'] } },
  test: {
    // Each project inherits the resolve conditions above (`extends: true`); without it a project
    // resolved the @lounge/* packages to a stale dist/, or failed where none was built.
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['*/src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['*/test/integration/**/*.test.ts', 'test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'system',
          include: ['*/test/system/**/*.test.ts', 'test/system/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
