/**
 * 1,000 messages across four worker processes: nothing lost, nothing duplicated. See
 * worker-fleet.integration.test.ts for the local-aws-sqs differences behind WAIT_TIME_SECONDS=0.
 */
jest.mock('jimp', () => jest.requireActual('./support/bundled-jimp').loadBundledJimp());

import { decodeImage, generatedPng } from './support/images';
import {
  createQueueWithDlq,
  getObjectBytes,
  type LocalAws,
  listKeys,
  peekAll,
  putObject,
  queueDepth,
  s3EventBody,
  sendBodies,
  startLocalAws,
  waitFor,
} from './support/local-aws';
import { type Bundle, bundleEntry, killAllWorkers, WorkerProcess } from './support/worker-process';

const INPUT = 'scale-input';
const OUTPUT = 'scale-output';
const DISTINCT_IMAGES = 200;
const MESSAGES = 1_000;
const WORKERS = 4;

let aws: LocalAws;
let bundle: Bundle;

beforeAll(async () => {
  // Minified, as the EC2 backend ships it (the image's bundle, not minified, runs in worker-fleet.integration).
  [aws, bundle] = await Promise.all([startLocalAws([INPUT, OUTPUT]), bundleEntry('poller-main', { minify: true })]);
});
afterAll(async () => {
  await killAllWorkers();
  await aws.close();
  bundle.remove();
});

const inputKey = (index: number): string => `incoming/scale/img-${String(index).padStart(3, '0')}.png`;

it(`processes ${MESSAGES} messages over ${WORKERS} workers: each ends processed or in the DLQ, outputs = distinct inputs`, async () => {
  for (let start = 0; start < DISTINCT_IMAGES; start += 25) {
    await Promise.all(
      Array.from({ length: 25 }, async (_, offset) =>
        putObject(aws.s3, INPUT, inputKey(start + offset), await generatedPng(64, 64, start + offset)),
      ),
    );
  }
  // One message in a hundred is poison; the others reference every image four or five times.
  let goodCount = 0;
  const bodies = Array.from({ length: MESSAGES }, (_, index) =>
    index % 100 === 99 ? `poison #${index}` : s3EventBody(INPUT, inputKey(goodCount++ % DISTINCT_IMAGES)),
  );
  const { queueUrl, dlqUrl } = await createQueueWithDlq(aws.sqs, 'scale', 2);
  const ids = await sendBodies(aws.sqs, queueUrl, bodies);
  const poisonIds = ids.filter((_, index) => bodies[index].startsWith('poison')).sort();

  const workers = Array.from(
    { length: WORKERS },
    () =>
      new WorkerProcess(bundle.file, {
        ...aws.workerEnv,
        QUEUE_URL: queueUrl,
        OUTPUT_BUCKET: OUTPUT,
        CONCURRENCY: '10',
        WAIT_TIME_SECONDS: '0',
        VISIBILITY_TIMEOUT_SECONDS: '2',
      }),
  );

  await waitFor(
    'the work queue to drain and the poison to reach the DLQ',
    async () => {
      const [work, dlq] = await Promise.all([queueDepth(aws.sqs, queueUrl), queueDepth(aws.sqs, dlqUrl)]);
      return work.visible === 0 && work.inFlight === 0 && dlq.visible === poisonIds.length;
    },
    90_000,
  );

  const processedIds = new Set(workers.flatMap((worker) => worker.outcomes('processed').map((record) => record.messageId!)));
  const deadLetteredIds = (await peekAll(aws.sqs, dlqUrl)).map((message) => message.messageId).sort();
  expect(deadLetteredIds).toEqual(poisonIds);
  expect(deadLetteredIds.filter((id) => processedIds.has(id))).toEqual([]);
  expect(ids.filter((id) => !processedIds.has(id) && !deadLetteredIds.includes(id))).toEqual([]);
  expect(processedIds.size + deadLetteredIds.length).toBe(MESSAGES);

  const expectedOutputs = Array.from(
    { length: DISTINCT_IMAGES },
    (_, index) => `${inputKey(index).replace('incoming/', 'thumbnails/')}.png`,
  ).sort();
  const outputs = await listKeys(aws.s3, OUTPUT, 'thumbnails/scale/');
  expect(outputs).toEqual(expectedOutputs);
  for (const key of outputs) {
    expect(await decodeImage((await getObjectBytes(aws.s3, OUTPUT, key))!)).toEqual({ width: 64, height: 64, mime: 'image/png' });
  }

  workers.forEach((worker) => worker.kill('SIGTERM'));
  expect(await Promise.all(workers.map((worker) => worker.exited))).toEqual(workers.map(() => ({ code: 0, signal: null })));
}, 120_000);
