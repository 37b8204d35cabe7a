import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';

const ROOT = path.join(__dirname, '..', '..');
const { watch } = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { watch: { include: string[]; exclude: string[] } };
const included = picomatch(watch.include, { dot: false });
const excluded = picomatch(watch.exclude);
const watched = (file: string) => included(file) && !excluded(file);

/** Every file the app reads, bundles, inlines or ships as an asset: the code and the build contexts. */
function appInputs(): string[] {
  const tracked = execFileSync('git', ['ls-files', 'bin', 'lib', 'hpc-job', 'hpc-node', 'lambda-edge', 'worker'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((file) => file !== '' && !file.endsWith('.md'));
  // The bundles (Lambda functions, the poller of the EC2 asset and the worker image) resolve packages through these.
  return [...tracked, 'package.json', 'package-lock.json', 'tsconfig.json'];
}

test('cdk watch sees every file the app bundles or inlines, the CloudFront Function source included', () => {
  const inputs = appInputs();
  expect(inputs).toContain('lambda-edge/cf-function/geo-router.js');
  expect(inputs).toContain('hpc-node/install-efa.sh');
  expect(inputs.filter((file) => !watched(file))).toEqual([]);
});

test('cdk watch ignores what never changes a template: docs, tests, benchmarks', () => {
  for (const file of ['README.md', 'docs/hpc.md', 'worker/README.md', 'test/config.test.ts', 'bench/run.ts', 'cdk.out/manifest.json']) {
    expect(watched(file)).toBe(false);
  }
});
