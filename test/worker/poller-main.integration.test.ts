import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Bundle, bundleEntry, killAllWorkers, WorkerProcess } from './support/worker-process';

const REPO_ROOT = resolve(__dirname, '../..');
const VALID = { QUEUE_URL: 'http://127.0.0.1:9/123456789012/work', OUTPUT_BUCKET: 'thumbs-out' };

let bundle: Bundle;
let emptyHome: string;

beforeAll(async () => {
  bundle = await bundleEntry('poller-main');
  emptyHome = mkdtempSync(join(tmpdir(), 'worker-home-'));
});
afterAll(async () => {
  await killAllWorkers();
  bundle.remove();
  rmSync(emptyHome, { recursive: true, force: true });
});

/**
 * Runs the bundled entry with `env` and no AWS config files, until it exits. The SDK's "Node 20 is
 * ending" warning is switched off: the image runs Node 22, this machine Node 20.
 */
async function runWorker(env: Record<string, string>) {
  const quiet = { HOME: emptyHome, AWS_CONFIG_FILE: join(emptyHome, 'none'), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const worker = new WorkerProcess(bundle.file, { ...quiet, ...env });
  const { code } = await worker.exited;
  return { code, stdout: worker.records, stderr: worker.stderr };
}

describe('poller-main configuration errors', () => {
  it.each([
    [
      {},
      'worker: QUEUE_URL is required: set it to the URL of the SQS work queue, e.g. https://sqs.us-east-1.amazonaws.com/123456789012/work',
    ],
    [{ QUEUE_URL: VALID.QUEUE_URL }, 'worker: OUTPUT_BUCKET is required: set it to an S3 bucket name'],
    [{ ...VALID, CONCURRENCY: 'lots' }, 'worker: CONCURRENCY must be a whole number from 1 to 100 (got "lots")'],
    [{ ...VALID, VISIBILITY_TIMEOUT_SECONDS: '0' }, 'worker: VISIBILITY_TIMEOUT_SECONDS must be a whole number from 2 to 43200 (got "0")'],
    [VALID, "worker: AWS_REGION is not set: set it to the queue's region, e.g. us-east-1"],
  ])('with %j prints one line and exits 2', async (env, line) => {
    const { code, stdout, stderr } = await runWorker(env);
    expect(code).toBe(2);
    expect(stderr).toBe(`${line}\n`);
    expect(stdout).toEqual([]);
  });

  it('behaves the same through ts-node (the `npm run worker` path)', () => {
    const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'worker/src/poller-main.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: emptyHome },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'worker: QUEUE_URL is required: set it to the URL of the SQS work queue, e.g. https://sqs.us-east-1.amazonaws.com/123456789012/work\n',
    );
  });
});
