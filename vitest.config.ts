import { defineConfig } from 'vitest/config';

// One config for the whole monorepo, two projects:
// - unit: pure tests, no network, run in parallel threads.
// - integration: tests that talk to the local AWS stand-ins. The stand-ins are started once per run
//   by the global setup (ephemeral ports, temp folders) and stopped after; endpoints reach the tests
//   through environment variables, so the functions' real SDK clients find them the way they would
//   on a developer's laptop (AWS_ENDPOINT_URL_*).
const shared = {
  // Tests import workspace packages by name; those resolve to `src/` through package.json exports.
  environment: 'node' as const,
  restoreMocks: true,
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['packages/*/tests/unit/**/*.test.ts', 'services/*/tests/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          ...shared,
          name: 'integration',
          include: [
            'packages/*/tests/integration/**/*.test.ts',
            'services/*/tests/integration/**/*.test.ts',
            'tests/**/*.test.ts',
          ],
          // The packaging checks need packaged templates; `pnpm run package:check` runs them.
          exclude: ['tests/packaging/**', '**/node_modules/**'],
          globalSetup: ['./tests/setup/integration-global.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // The stand-ins are shared; each test file names its own streams/tables/buckets uniquely,
          // so files may run in parallel.
        },
      },
      {
        test: {
          ...shared,
          name: 'packaging',
          // Run by scripts/package-check.mjs after it packages every service: the template scanner's
          // own tests, then the scan of every packaged CloudFormation template.
          include: ['tests/packaging/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
    ],
  },
});
