/**
 * Test tiers with honest names (see README "Tests"):
 * - unit:        *.spec.ts beside the code; pure, no I/O.
 * - integration: test/integration/*.int-spec.ts, test/e2e/*.e2e-spec.ts and
 *                test/security/*.security-spec.ts; real PostgreSQL
 *                (a fresh database per file, cloned from a migrated template) and a real SQS endpoint.
 * - browser:     test/browser/*.browser-spec.ts; the dashboard in real Chromium, same services as
 *                integration.
 * - chaos:       test/chaos/*.chaos-spec.ts; each file starts a PostgreSQL server and an SQS
 *                emulator of its own (never the shared server), the api and workers as processes,
 *                injects faults into them and checks the invariants of test/chaos/support/invariants.ts.
 */
const aliases = {
  '^@app/(config|database|handlers|jobs|lambda-orchestrator|logging|metrics|queue|processor|recovery|schedules|tracing)(|/.*)$':
    '<rootDir>/libs/$1/src$2',
};

const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] };

const base = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: aliases,
  transform,
};

/** @type {import('jest').Config} */
module.exports = {
  // Integration files mostly wait on PostgreSQL, SQS and child processes: two at a time overlap
  // those waits on this 2-core machine (jest's default would run one).
  maxWorkers: 2,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    {
      ...base,
      displayName: 'integration',
      // test/security: one file per refusal of the security model, same real services
      testMatch: [
        '<rootDir>/test/**/*.int-spec.ts',
        '<rootDir>/test/**/*.e2e-spec.ts',
        '<rootDir>/test/security/**/*.security-spec.ts',
      ],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/jest-setup.ts'],
    },
    {
      ...base,
      // the dashboard in Debian's chromium (playwright-core) against the api and a worker in
      // process, on the integration tier's PostgreSQL and emulator (the same global set-up)
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/jest-setup.ts'],
    },
    {
      ...base,
      displayName: 'chaos',
      testMatch: ['<rootDir>/test/chaos/**/*.chaos-spec.ts'],
      globalSetup: '<rootDir>/test/chaos/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/chaos/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/chaos/support/jest-setup.ts'],
    },
  ],
  collectCoverageFrom: [
    '<rootDir>/{apps,libs}/*/src/**/*.ts',
    '!**/main.ts',
    '!**/index.ts',
    '!**/*.spec.ts',
  ],
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: { global: { lines: 90, statements: 90, branches: 75, functions: 90 } },
};
