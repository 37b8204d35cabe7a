import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

interface LintCase {
  readonly source: string;
  /** The file the source is linted as: the layer rule decides by path. */
  readonly filePath: string;
}

/**
 * Lints every case with the project's own config (eslint.config.mjs) through ESLint's API, in one
 * Node process: one ESLint start for all of them instead of one per case. Returns each case's
 * messages, in order.
 */
function lintAll(cases: readonly LintCase[]): string[][] {
  const script = `
    const { ESLint } = require(${JSON.stringify(require.resolve('eslint', { paths: [ROOT] }))});
    const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    const eslint = new ESLint({ cwd: ${JSON.stringify(ROOT)} });
    (async () => {
      const results = [];
      for (const { source, filePath } of cases) {
        const [result] = await eslint.lintText(source, { filePath });
        results.push(result.messages.map((message) => message.ruleId + ': ' + message.message));
      }
      process.stdout.write(JSON.stringify(results));
    })();
  `;
  const run = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, input: JSON.stringify(cases), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`eslint failed to run: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const CASES = {
  libImportsWorker: {
    source: "import { handleThumbnailJob } from '../worker/src/thumbnail-job';\nexport const job = handleThumbnailJob;\n",
    filePath: 'lib/probe.ts',
  },
  libRequiresLambdaEdge: {
    source: "export const routing = require('../../lambda-edge/geo-router/routing');\n",
    filePath: 'lib/edge/probe.ts',
  },
  workerImportsLib: {
    source: "import { loadConfig } from '../../lib/config';\nexport const load = loadConfig;\n",
    filePath: 'worker/src/probe.ts',
  },
  libImportsLib: { source: "import { shared } from './shared';\nexport const value = shared;\n", filePath: 'lib/probe.ts' },
  toolsImportLib: {
    source: "import { loadConfig } from '../../lib/config';\nexport const load = loadConfig;\n",
    filePath: 'tools/preflight/probe.ts',
  },
};

let messages: Record<keyof typeof CASES, string[]>;
beforeAll(() => {
  const names = Object.keys(CASES) as (keyof typeof CASES)[];
  const results = lintAll(names.map((name) => CASES[name]));
  messages = Object.fromEntries(names.map((name, index) => [name, results[index]])) as typeof messages;
}, 60_000);

const layerFindings = (lines: string[]) => lines.filter((line) => line.startsWith('project/layer-boundaries: '));

describe('the layer boundary: lib/ and runtime code share data files, never code', () => {
  test('lib/ importing the worker runtime fails the lint', () => {
    expect(layerFindings(messages.libImportsWorker)).toEqual([expect.stringContaining('lib/ never imports runtime code from worker/')]);
  });

  test('lib/ requiring the Lambda@Edge runtime fails the lint', () => {
    expect(layerFindings(messages.libRequiresLambdaEdge)).toEqual([
      expect.stringContaining('lib/ never imports runtime code from lambda-edge/'),
    ]);
  });

  test('the worker runtime importing lib/ fails the lint', () => {
    expect(layerFindings(messages.workerImportsLib)).toEqual([expect.stringContaining('runtime code in worker/ never imports lib/')]);
  });

  test('imports inside one layer, and tools/ or test/ importing both, pass', () => {
    expect(messages.libImportsLib).toEqual([]);
    expect(messages.toolsImportLib).toEqual([]);
  });
});
