// ESLint: typescript-eslint's recommended rules, Prettier owning all formatting, and the
// project's one layout rule (eslint/layer-boundaries.mjs). `npm run lint` runs this and
// `prettier --check`; `npm test` runs `npm run lint` first.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';
import project from './eslint/layer-boundaries.mjs';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'dist/', 'coverage/', 'bench/.work/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    plugins: { project },
    rules: {
      'project/layer-boundaries': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Node scripts in CommonJS (jest config, the test environment).
    files: ['**/*.js', '**/*.cjs'],
    ignores: ['lambda-edge/cf-function/**'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // CloudFront Functions: a script whose top-level `handler` is called by the runtime.
    files: ['lambda-edge/cf-function/**/*.js'],
    languageOptions: { sourceType: 'script' },
    rules: {
      'no-unused-vars': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { varsIgnorePattern: '^handler$', caughtErrors: 'none' }],
    },
  },
  {
    // The edge routers refuse control characters in a path on purpose: the regexes name them.
    files: ['lambda-edge/**', 'test/edge/**'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    // Tests read synthesized templates, which are untyped JSON, and load bundles built at run time.
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
