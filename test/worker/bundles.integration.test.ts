/**
 * The infrastructure bundles both entries with esbuild (`--bundle --platform=node --target=node22`).
 * These bundles must be self-contained: jimp is pure JavaScript, so no native module may slip in.
 */
jest.mock('jimp', () => jest.requireActual('./support/bundled-jimp').loadBundledJimp());

import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { promisify } from 'node:util';
import { generatedPng } from './support/images';
import { getObjectBytes, type LocalAws, putObject, s3EventBody, startLocalAws } from './support/local-aws';
import { type Bundle, bundleEntry } from './support/worker-process';

const INPUT = 'bundle-input';
const OUTPUT = 'bundle-output';

const ENTRIES = ['poller-main', 'lambda-entry'] as const;

let aws: LocalAws;
const bundles = new Map<(typeof ENTRIES)[number], Bundle>();

beforeAll(async () => {
  aws = await startLocalAws([INPUT, OUTPUT]);
  for (const entry of ENTRIES) {
    bundles.set(entry, await bundleEntry(entry, { target: 'node22' }));
  }
});
afterAll(async () => {
  bundles.forEach((bundle) => bundle.remove());
  await aws.close();
});

it.each(ENTRIES)('the %s bundle contains jimp and the AWS SDK and no native module', (entry) => {
  const bundle = bundles.get(entry)!;
  expect(bundle.inputs).toEqual(
    expect.arrayContaining([expect.stringMatching(/node_modules\/jimp\//), expect.stringMatching(/node_modules\/@aws-sdk\/client-s3\//)]),
  );
  expect(bundle.inputs.filter((input) => input.endsWith('.node'))).toEqual([]);
  expect(statSync(bundle.file).size).toBeLessThan(8 * 1024 * 1024);
});

it('the Lambda bundle runs under plain Node and reports the failed record', async () => {
  const bundle = bundles.get('lambda-entry')!;
  await putObject(aws.s3, INPUT, 'incoming/bundled.png', await generatedPng(320, 320));
  const event = {
    Records: [
      { messageId: 'good', body: s3EventBody(INPUT, 'incoming/bundled.png'), attributes: {} },
      { messageId: 'bad', body: 'not an S3 event', attributes: {} },
    ],
  };
  const script = `require(${JSON.stringify(bundle.file)}).handler(${JSON.stringify(event)}, {}).then((r) => process.stdout.write(JSON.stringify(r)))`;

  // Asynchronous on purpose: the S3 server runs in this process and must keep answering.
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
    env: { PATH: process.env.PATH, ...aws.workerEnv, OUTPUT_BUCKET: OUTPUT, POWERTOOLS_LOG_LEVEL: 'SILENT' },
  });

  expect(JSON.parse(stdout)).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
  expect(await getObjectBytes(aws.s3, OUTPUT, 'thumbnails/bundled.png.png')).toBeDefined();
});
