import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');

/** Runs bin/app.ts the way the CDK CLI does: context in CDK_CONTEXT_JSON, output dir in CDK_OUTDIR. */
function runApp(context: Record<string, string>) {
  return spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'bin/app.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      CDK_CONTEXT_JSON: JSON.stringify(context),
      CDK_OUTDIR: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-cli-')),
    },
  });
}

test('an instance type without EFA stops the app with exit code 1 and one line naming it, without a stack trace', () => {
  const result = runApp({ 'hpc.instanceType': 'm5.large' });
  expect(result.status).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^Invalid config hpc\.instanceType="m5\.large": m5\.large does not support EFA/);
  expect(result.stderr).not.toMatch(/\n\s+at /);
});

// One unknown key through the process boundary (exit code, one line on stderr); every namespace's
// suggestions are held in-process by test/config.test.ts, without starting an app per key.
test('an unknown key stops the app with exit code 1 and one line suggesting the closest known key', () => {
  const result = runApp({ 'workers.computer': 'ec2' });
  expect(result.status).toBe(1);
  expect(result.stderr.trim()).toBe('Invalid config: unknown key workers.computer; did you mean workers.compute?');
});
