/**
 * Real worker processes (the esbuild bundle of poller-main) against loopback SQS and S3 servers.
 *
 * Two local-aws-sqs differences from SQS shape these tests:
 * - A long poll that gets fewer messages than asked for is answered only when WaitTimeSeconds runs
 *   out, so workers here use WAIT_TIME_SECONDS=0; a real queue answers as soon as messages exist.
 * - ChangeMessageVisibility (the heartbeat, a retry's backoff) counts as a receive towards
 *   maxReceiveCount, so these tests use a generous maxReceiveCount.
 */
jest.mock('jimp', () => jest.requireActual('./support/bundled-jimp').loadBundledJimp());

import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { decodeImage, generatedJpeg, generatedPng, pngHeader } from './support/images';
import {
  createQueueWithDlq,
  getObjectBytes,
  type LocalAws,
  listKeys,
  peekAll,
  putObject,
  queueDepth,
  s3EventBody,
  s3TestEventBody,
  sendBodies,
  startLocalAws,
  waitFor,
} from './support/local-aws';
import { type Bundle, bundleEntry, killAllWorkers, type LogRecord, WorkerProcess } from './support/worker-process';

const INPUT = 'fleet-input';
const OUTPUT = 'fleet-output';

let aws: LocalAws;
let bundle: Bundle;

beforeAll(async () => {
  [aws, bundle] = await Promise.all([startLocalAws([INPUT, OUTPUT]), bundleEntry('poller-main')]);
});
afterEach(() => killAllWorkers());
afterAll(async () => {
  await killAllWorkers();
  await aws.close();
  bundle.remove();
});

/** Starts a worker on `queueUrl`; `overrides` adjust the environment. */
function startWorker(queueUrl: string, overrides: Record<string, string> = {}): WorkerProcess {
  return new WorkerProcess(bundle.file, {
    ...aws.workerEnv,
    QUEUE_URL: queueUrl,
    OUTPUT_BUCKET: OUTPUT,
    WAIT_TIME_SECONDS: '0',
    // Short, so a killed worker's messages come back soon; the job timeout below it is still far
    // above what a job here takes on a busy machine, so no job is cut off.
    VISIBILITY_TIMEOUT_SECONDS: '10',
    JOB_TIMEOUT_SECONDS: '8',
    ...overrides,
  });
}

async function isDrained(queueUrl: string): Promise<boolean> {
  const depth = await queueDepth(aws.sqs, queueUrl);
  return depth.visible === 0 && depth.inFlight === 0;
}

async function stopGracefully(worker: WorkerProcess): Promise<void> {
  worker.kill('SIGTERM');
  expect(await worker.exited).toEqual({ code: 0, signal: null });
}

const idsOf = (records: LogRecord[]): string[] => [...new Set(records.map((record) => record.messageId!))].sort();

it('turns an uploaded image into a smaller PNG thumbnail in the output bucket', async () => {
  const { queueUrl } = await createQueueWithDlq(aws.sqs, 'upload', 5);
  const key = 'incoming/holiday photos/beach é.jpg';
  const outputKey = 'thumbnails/holiday photos/beach é.jpg.png';
  const source = await generatedJpeg(400, 300);
  await putObject(aws.s3, INPUT, key, source);
  const [testEventId, uploadId] = await sendBodies(aws.sqs, queueUrl, [s3TestEventBody(INPUT), s3EventBody(INPUT, key, source.length)]);

  const worker = startWorker(queueUrl);

  const processed = await worker.waitForRecord(
    'the upload to be processed',
    (record) => record.messageId === uploadId && record.outcome === 'processed',
  );
  expect(processed).toMatchObject({
    event: 'message',
    level: 'info',
    inputKeys: [key],
    outputKeys: [outputKey],
    durationMs: expect.any(Number),
  });
  expect(worker.outcomes().filter((record) => record.messageId === uploadId)).toHaveLength(1);
  expect(worker.outcomes().find((record) => record.messageId === testEventId)).toMatchObject({
    outcome: 'skipped',
    reason: 's3:TestEvent',
  });

  const thumbnail = await waitFor('the thumbnail to be readable', () => getObjectBytes(aws.s3, OUTPUT, outputKey));
  expect(await decodeImage(thumbnail)).toEqual({ width: 256, height: 192, mime: 'image/png' });
  await waitFor('the queue to be empty', () => isDrained(queueUrl));
  await stopGracefully(worker);
});

it('sends poison messages to the DLQ on their first failure, with the reason, while good messages flow past them', async () => {
  // maxReceiveCount 10: the redrive policy is only the safety net now; a poison message must not need it.
  const { queueUrl, dlqUrl } = await createQueueWithDlq(aws.sqs, 'poison', 10);
  const goodKeys = Array.from({ length: 6 }, (_, index) => `incoming/poison-run/good-${index}.png`);
  await Promise.all(goodKeys.map(async (key, index) => putObject(aws.s3, INPUT, key, await generatedPng(64, 64, index))));
  await putObject(aws.s3, INPUT, 'incoming/poison-run/notes.jpg', Buffer.from('a text file with an image name'));
  await putObject(aws.s3, INPUT, 'incoming/poison-run/huge.png', pngHeader(20_000, 20_000));
  const poison = {
    MalformedMessageError: 'this is not JSON',
    NoSuchKey: s3EventBody(INPUT, 'incoming/poison-run/never-uploaded.png'),
    NotAnImageError: s3EventBody(INPUT, 'incoming/poison-run/notes.jpg'),
    ImageTooLargeError: s3EventBody(INPUT, 'incoming/poison-run/huge.png'),
  };
  const bodies = [
    ...goodKeys.slice(0, 3).map((key) => s3EventBody(INPUT, key)),
    ...Object.values(poison),
    ...goodKeys.slice(3).map((key) => s3EventBody(INPUT, key)),
  ];
  const ids = await sendBodies(aws.sqs, queueUrl, bodies);
  const poisonIds = ids.slice(3, 7);

  const worker = startWorker(queueUrl);

  await waitFor(
    'the four poison messages to reach the DLQ',
    async () => (await queueDepth(aws.sqs, dlqUrl)).visible === 4 && isDrained(queueUrl),
    30_000,
  );
  const deadLettered = await peekAll(aws.sqs, dlqUrl);
  expect(deadLettered.map((message) => message.attributes['source-message-id']).sort()).toEqual([...poisonIds].sort());
  Object.entries(poison).forEach(([errorClass, body], index) => {
    const message = deadLettered.find((candidate) => candidate.attributes['source-message-id'] === poisonIds[index])!;
    // The body unchanged, the reason beside it, on the first receive.
    expect(message.body).toBe(body);
    expect(message.attributes).toMatchObject({ 'failure-class': errorClass, 'source-receive-count': '1' });
    expect(message.attributes['failure-reason']).toEqual(expect.any(String));
    const outcomes = worker.outcomes().filter((record) => record.messageId === poisonIds[index]);
    expect(outcomes).toEqual([expect.objectContaining({ level: 'error', outcome: 'dead-lettered', errorClass, receiveCount: 1 })]);
  });
  expect(await listKeys(aws.s3, OUTPUT, 'thumbnails/poison-run/')).toEqual(
    goodKeys.map((key) => `${key.replace('incoming/', 'thumbnails/')}.png`).sort(),
  );
  expect(worker.alive).toBe(true);
  await stopGracefully(worker);
});

it('retries a transient failure with backoff instead of dead-lettering it', async () => {
  const { queueUrl, dlqUrl } = await createQueueWithDlq(aws.sqs, 'transient', 10);
  // The object appears only after the first attempt failed: S3 answers NoSuchBucket (transient) for a
  // bucket that does not exist yet.
  const [messageId] = await sendBodies(aws.sqs, queueUrl, [s3EventBody('late-bucket', 'incoming/late.png')]);
  const worker = startWorker(queueUrl);
  const failure = await worker.waitForRecord(
    'the first, transient failure',
    (record) => record.messageId === messageId && record.outcome === 'failed',
  );
  expect(failure).toMatchObject({ errorClass: 'NoSuchBucket', receiveCount: 1, retryInSeconds: expect.any(Number) });
  await aws.s3.send(new CreateBucketCommand({ Bucket: 'late-bucket' }));
  await putObject(aws.s3, 'late-bucket', 'incoming/late.png', await generatedPng(32, 32));

  await worker.waitForRecord('the retry to succeed', (record) => record.messageId === messageId && record.outcome === 'processed', 30_000);
  expect(await queueDepth(aws.sqs, dlqUrl)).toEqual({ visible: 0, inFlight: 0 });
  await stopGracefully(worker);
});

it('redelivers the message of a worker killed mid-job to another worker, which writes the output once', async () => {
  // maxReceiveCount 10: see the file comment on heartbeats.
  const { queueUrl, dlqUrl } = await createQueueWithDlq(aws.sqs, 'killed', 10);
  await putObject(aws.s3, INPUT, 'incoming/killed/photo.png', await generatedPng(200, 150));
  const [messageId] = await sendBodies(aws.sqs, queueUrl, [s3EventBody(INPUT, 'incoming/killed/photo.png')]);

  const doomed = startWorker(queueUrl, { WORKER_TEST_DELAY_MS: '60000' });
  await doomed.waitForRecord('the first worker to be mid-job', (record) => record.event === 'test-delay' && record.messageId === messageId);
  doomed.kill('SIGKILL');
  expect(await doomed.exited).toEqual({ code: null, signal: 'SIGKILL' });
  expect(await getObjectBytes(aws.s3, OUTPUT, 'thumbnails/killed/photo.png.png')).toBeUndefined();

  const survivor = startWorker(queueUrl);
  await survivor.waitForRecord(
    'the second worker to process the redelivered message',
    (record) => record.messageId === messageId && record.outcome === 'processed',
    60_000,
  );

  expect(await listKeys(aws.s3, OUTPUT, 'thumbnails/killed/')).toEqual(['thumbnails/killed/photo.png.png']);
  expect(doomed.outcomes()).toEqual([]);
  await waitFor('the queue to be empty', () => isDrained(queueUrl));
  expect(await queueDepth(aws.sqs, dlqUrl)).toEqual({ visible: 0, inFlight: 0 });
  await stopGracefully(survivor);
});

it('on SIGTERM finishes the batch in flight, deletes only what it finished, and exits 0', async () => {
  const { queueUrl, dlqUrl } = await createQueueWithDlq(aws.sqs, 'sigterm', 10);
  const keys = Array.from({ length: 12 }, (_, index) => `incoming/sigterm/img-${index}.png`);
  await Promise.all(keys.map(async (key, index) => putObject(aws.s3, INPUT, key, await generatedPng(48, 48, index))));
  const ids = await sendBodies(
    aws.sqs,
    queueUrl,
    keys.map((key) => s3EventBody(INPUT, key)),
  );

  const stopping = startWorker(queueUrl, {
    CONCURRENCY: '4',
    WORKER_TEST_DELAY_MS: '1500',
    VISIBILITY_TIMEOUT_SECONDS: '10',
    JOB_TIMEOUT_SECONDS: '8',
  });
  await stopping.waitForRecord('a batch to be mid-job', (record) => record.event === 'test-delay');
  await stopGracefully(stopping);

  const started = idsOf(stopping.records.filter((record) => record.event === 'test-delay'));
  const finished = idsOf(stopping.outcomes('processed'));
  expect(started.length).toBeGreaterThan(0);
  expect(finished).toEqual(expect.arrayContaining(started));
  expect(finished.length).toBeLessThanOrEqual(4);
  const events = stopping.records.map((record) => record.event);
  expect(events.indexOf('poller-stopping')).toBeLessThan(events.lastIndexOf('message'));
  expect(events[events.length - 1]).toBe('poller-stopped');
  const left = await queueDepth(aws.sqs, queueUrl);
  expect(left.visible + left.inFlight).toBe(ids.length - finished.length);

  const successor = startWorker(queueUrl);
  await waitFor('the rest to be processed', () => isDrained(queueUrl));
  expect([...finished, ...idsOf(successor.outcomes('processed'))].sort()).toEqual([...ids].sort());
  expect(await listKeys(aws.s3, OUTPUT, 'thumbnails/sigterm/')).toHaveLength(12);
  expect(await queueDepth(aws.sqs, dlqUrl)).toEqual({ visible: 0, inFlight: 0 });
  await stopGracefully(successor);
});
