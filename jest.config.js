process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // Node 22 notice of the AWS SDK: noise in test output

/** What both projects share. */
const common = {
  // Transpile-only TypeScript through SWC: type checking runs once in `npm test` (tsc --noEmit),
  // so each test file costs only its own work, not a full type check.
  transform: {
    '^.+\\.tsx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  roots: ['<rootDir>/test'],
};

/**
 * Two projects, both run by `jest` (so by `npm test` and CI):
 * - unit: everything read from synthesized templates, config, tools against mocked SDK clients,
 *   edge functions in two engines. `npx jest --selectProjects unit` for a quick inner loop.
 * - integration: `*.integration.test.ts`, real processes against real servers on loopback (the
 *   worker against local-aws-sqs and s3rver, worker processes killed and replaced).
 * @type {import('jest').Config}
 */
module.exports = {
  // CDK synthesis is CPU-bound and these machines have 2 cores.
  maxWorkers: 2,
  // A global option (projects cannot set it): far above any test's need, so only a hang trips it.
  testTimeout: 60_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['\\.integration\\.test\\.ts$'],
      // Node's environment plus one CloudFormation Validate engine per worker: test/support/shared-validation-environment.js.
      testEnvironment: '<rootDir>/test/support/shared-validation-environment.js',
      setupFiles: ['<rootDir>/test/support/share-validation-engine.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['**/*.integration.test.ts'],
      testEnvironment: 'node',
    },
  ],
};
