/**
 * 1,000 messages naming 200 images, with poison among them, across worker processes that are
 * killed (SIGKILL) and stopped (SIGTERM) mid-run and replaced: every image gets exactly one
 * thumbnail, every poison message reaches the dead-letter queue, nothing is lost. See
 * worker-fleet.integration.test.ts for the local-aws-sqs differences behind WAIT_TIME_SECONDS=0.
 *
 * Nothing here waits for time to pass: each step waits for what the workers have logged or what
 * the queues hold, so a slow machine only makes it slower.
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
  // Minified, as both poller backends ship it (lib/workers/poller-bundle.ts).
  [aws, bundle] = await Promise.all([startLocalAws([INPUT, OUTPUT]), bundleEntry('poller-main', { minify: true })]);
});
afterAll(async () => {
  await killAllWorkers();
  await aws.close();
  bundle.remove();
});

const inputKey = (index: number): string => `incoming/scale/img-${String(index).padStart(3, '0')}.png`;

it(`${MESSAGES} messages for ${DISTINCT_IMAGES} images among poison, workers killed and stopped mid-run: one thumbnail each, poison dead-lettered, nothing lost`, async () => {
  for (let start = 0; start < DISTINCT_IMAGES; start += 25) {
    await Promise.all(
      Array.from({ length: 25 }, async (_, offset) =>
        putObject(aws.s3, INPUT, inputKey(start + offset), await generatedPng(64, 64, start + offset)),
      ),
    );
  }
  // One message in a hundred is poison; the others name every image four or five times.
  let goodCount = 0;
  const bodies = Array.from({ length: MESSAGES }, (_, index) =>
    index % 100 === 99 ? `poison #${index}` : s3EventBody(INPUT, inputKey(goodCount++ % DISTINCT_IMAGES)),
  );
  // maxReceiveCount 10: poison must reach the DLQ through the worker, not through the redrive policy.
  const { queueUrl, dlqUrl } = await createQueueWithDlq(aws.sqs, 'scale', 10);
  const ids = await sendBodies(aws.sqs, queueUrl, bodies);
  const poisonIds = ids.filter((_, index) => bodies[index].startsWith('poison')).sort();

  const startWorker = () =>
    new WorkerProcess(bundle.file, {
      ...aws.workerEnv,
      QUEUE_URL: queueUrl,
      OUTPUT_BUCKET: OUTPUT,
      CONCURRENCY: '10',
      WAIT_TIME_SECONDS: '1',
      // A killed worker's messages come back after this; the job timeout stays below it.
      VISIBILITY_TIMEOUT_SECONDS: '10',
      JOB_TIMEOUT_SECONDS: '8',
    });
  const workers = Array.from({ length: WORKERS }, startWorker);
  const processed = () => workers.flatMap((worker) => worker.outcomes('processed'));

  // Mid-run: one worker dies without warning, another is stopped the way ECS and the drain watcher
  // stop it; two new ones take their place.
  await waitFor('a quarter of the messages to be processed', () => processed().length >= MESSAGES / 4, 60_000);
  workers[0].kill('SIGKILL');
  workers[1].kill('SIGTERM');
  expect(await workers[0].exited).toEqual({ code: null, signal: 'SIGKILL' });
  expect(await workers[1].exited).toEqual({ code: 0, signal: null });
  workers.push(startWorker(), startWorker());

  await waitFor(
    'the work queue to drain and every poison message to be dead-lettered',
    async () => {
      const [work, dlq] = await Promise.all([queueDepth(aws.sqs, queueUrl), queueDepth(aws.sqs, dlqUrl)]);
      return work.visible === 0 && work.inFlight === 0 && dlq.visible >= poisonIds.length;
    },
    120_000,
  );

  // Poison: each in the DLQ (a worker killed between send and delete may have sent one twice:
  // a duplicate, never a loss), body unchanged, reason attached.
  const deadLettered = await peekAll(aws.sqs, dlqUrl);
  expect([...new Set(deadLettered.map((message) => message.attributes['source-message-id']))].sort()).toEqual(poisonIds);
  for (const message of deadLettered) {
    expect(message.body).toMatch(/^poison #\d+$/);
    expect(message.attributes['failure-class']).toBe('MalformedMessageError');
  }
  // Every good message was processed by some worker; none is missing.
  const processedIds = new Set(processed().map((record) => record.messageId!));
  expect(ids.filter((id) => !processedIds.has(id) && !poisonIds.includes(id))).toEqual([]);

  // Exactly one thumbnail per image, and nothing else.
  const expectedOutputs = Array.from(
    { length: DISTINCT_IMAGES },
    (_, index) => `${inputKey(index).replace('incoming/', 'thumbnails/')}.png`,
  );
  const outputs = await listKeys(aws.s3, OUTPUT, 'thumbnails/');
  expect(outputs).toEqual(expectedOutputs.sort());
  for (const key of outputs) {
    expect(await decodeImage((await getObjectBytes(aws.s3, OUTPUT, key))!)).toEqual({ width: 64, height: 64, mime: 'image/png' });
  }

  const running = workers.filter((worker) => worker.alive);
  running.forEach((worker) => worker.kill('SIGTERM'));
  expect(await Promise.all(running.map((worker) => worker.exited))).toEqual(running.map(() => ({ code: 0, signal: null })));
}, 240_000);
