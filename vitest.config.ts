import { defineConfig } from 'vitest/config';

// Projects mirror test/: fast unit and handler tests, infrastructure assertions on the synthesized
// app, and integration tests against the real Kafka broker and the DynamoDB server the test command starts.
export default defineConfig({
  test: {
    coverage: {
      provider: 'v8',
      include: ['lambdas/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: { lines: 90 },
    },
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/handlers/**/*.test.ts'] } },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: ['test/integration/reliability/**'],
          // Starts Kafka and the DynamoDB server once per run and exports their endpoints.
          globalSetup: ['test/integration/harness/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        // Fault injection: consumer, broker and DynamoDB kills, restarts, stalls, overload, duplicate storms.
        // Its own project so `npm run test:reliability` can run it and render RELIABILITY.md; the
        // test command runs it after the integration project.
        test: {
          name: 'reliability',
          include: ['test/integration/reliability/**/*.test.ts'],
          globalSetup: ['test/integration/harness/global-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
