process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // Node 22 notice of the AWS SDK: noise in test output
/**
 * Transpile-only TypeScript through SWC: type checking runs once in `npm test` (tsc --noEmit),
 * so each test file costs only its own work, not a full type check.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // CDK synthesis is CPU-bound and these machines have 2 cores.
  maxWorkers: 2,
  testTimeout: 60_000,
};
