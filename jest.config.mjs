// One Jest config for the whole monorepo, three projects (`--selectProjects NAME`):
// - unit: pure tests, no network, in parallel workers.
// - integration: tests that talk to the local AWS stand-ins. The global setup starts them once per
//   run (ephemeral ports, temp folders) and exports their endpoints through process.env, which the
//   workers inherit, so the functions' real SDK clients find them as on a developer's laptop
//   (AWS_ENDPOINT_URL_*). Each test file names its own streams/tables/buckets, so files run in
//   parallel.
// - packaging: the template scanner's own tests and the scan of every packaged CloudFormation
//   template; scripts/package-check.mjs runs it after packaging every service.
//
// Tests run against the TypeScript sources (workspace packages resolve to src/ through their
// package.json exports), as native ES modules: the sources use import.meta, so Jest runs with
// --experimental-vm-modules (set by the root scripts) and swc strips the types without bundling.

/** swc: TypeScript in, ES2022 ESM out, source maps for stack traces. */
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

/** @type {import('jest').Config} */
const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  // Sources import siblings as `./x.js` (TypeScript's ESM spelling); resolve those to `./x.ts`.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  restoreMocks: true,
  testPathIgnorePatterns: ['/node_modules/'],
};

/** @type {import('jest').Config} */
export default {
  // One worker per core (Jest's default leaves one core free, which halves a 2-core machine).
  maxWorkers: '100%',
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/packages/*/tests/unit/**/*.test.ts',
        '<rootDir>/services/*/tests/unit/**/*.test.ts',
      ],
      setupFilesAfterEnv: ['<rootDir>/tests/setup/unit-timeout.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: [
        '<rootDir>/packages/*/tests/integration/**/*.test.ts',
        '<rootDir>/services/*/tests/integration/**/*.test.ts',
        '<rootDir>/tests/**/*.test.ts',
      ],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/tests/packaging/'],
      globalSetup: '<rootDir>/tests/setup/integration-global.mjs',
      globalTeardown: '<rootDir>/tests/setup/integration-teardown.mjs',
      setupFilesAfterEnv: ['<rootDir>/tests/setup/integration-timeout.ts'],
    },
    {
      ...shared,
      displayName: 'packaging',
      testMatch: ['<rootDir>/tests/packaging/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/tests/setup/unit-timeout.ts'],
    },
  ],
};
