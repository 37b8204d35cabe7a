import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** Lints one piece of source as if it were the file at `filePath`, with the project's config. */
function lint(source: string, filePath: string) {
  return spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--stdin', '--stdin-filename', filePath],
    {
      cwd: ROOT,
      input: source,
      encoding: 'utf8',
    },
  );
}

describe('the layer boundary: lib/ and runtime code share data files, never code', () => {
  test('lib/ importing the worker runtime fails the lint', () => {
    const result = lint(
      "import { handleThumbnailJob } from '../worker/src/thumbnail-job';\nexport const job = handleThumbnailJob;\n",
      'lib/probe.ts',
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('lib/ never imports runtime code from worker/');
  });

  test('lib/ requiring the Lambda@Edge runtime fails the lint', () => {
    const result = lint("export const routing = require('../../lambda-edge/geo-router/routing');\n", 'lib/edge/probe.ts');
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('lib/ never imports runtime code from lambda-edge/');
  });

  test('the worker runtime importing lib/ fails the lint', () => {
    const result = lint("import { loadConfig } from '../../lib/config';\nexport const load = loadConfig;\n", 'worker/src/probe.ts');
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('runtime code in worker/ never imports lib/');
  });

  test('imports inside one layer, and tools/ or test/ importing both, pass', () => {
    expect(lint("import { shared } from './shared';\nexport const value = shared;\n", 'lib/probe.ts').status).toBe(0);
    expect(
      lint("import { loadConfig } from '../../lib/config';\nexport const load = loadConfig;\n", 'tools/preflight/probe.ts').status,
    ).toBe(0);
  });
});
