/** @type {import('jest').Config} */
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
};

module.exports = {
  testTimeout: 180000,
  maxWorkers: 2,
  projects: [
    {
      // Pure functions: no server, no database.
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/unit'],
      testMatch: ['**/*.test.ts'],
      transform,
    },
    {
      // Real Temporal dev server (started once for the run) and real SQLite databases.
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/integration'],
      testMatch: ['**/*.test.ts'],
      transform,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      // Real durations (time scale 1) on Temporal's time-skipping test server, one per test file.
      displayName: 'time-skipping',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/time-skipping'],
      testMatch: ['**/*.test.ts'],
      transform,
      globalSetup: '<rootDir>/test/support/time-skipping-setup.ts',
      globalTeardown: '<rootDir>/test/support/time-skipping-teardown.ts',
    },
    {
      // The production layout on the real Temporal server on PostgreSQL (scripts/cluster.ts), the web
      // app and workers as processes: `npm run test:cluster` only (npm test selects the projects above).
      displayName: 'cluster',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/cluster'],
      testMatch: ['**/*.test.ts'],
      transform,
    },
  ],
};
