import { CreateQueueCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createServer } from 'node:net';
import { Backoff } from '../../worker/src/backoff';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  batchSizesFor,
  heartbeatIntervalSeconds,
  type LogLine,
  type PollerOptions,
  type RunningPoller,
  startPoller,
} from '../../worker/src/poller';
import { type LocalAws, peekAll, queueDepth, sendBodies, startLocalAws, waitFor } from './support/local-aws';

describe('batchSizesFor', () => {
  it.each([
    [1, [1]],
    [4, [4]],
    [10, [10]],
    [11, [6, 5]],
    [25, [9, 8, 8]],
    [100, [10, 10, 10, 10, 10, 10, 10, 10, 10, 10]],
  ])('splits %i into loops of %j', (concurrency, sizes) => {
    expect(batchSizesFor(concurrency)).toEqual(sizes);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(concurrency);
  });
});

describe('heartbeatIntervalSeconds', () => {
  it('beats three times per visibility timeout, always below the timeout as sqs-consumer requires', () => {
    expect(heartbeatIntervalSeconds(60)).toBe(20);
    expect(heartbeatIntervalSeconds(1)).toBeLessThan(1);
  });
});

describe('startPoller against a local SQS', () => {
  let aws: LocalAws;
  let queueCount = 0;
  const pollers: RunningPoller[] = [];

  beforeAll(async () => {
    aws = await startLocalAws([]);
  });
  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
  });
  afterAll(() => aws.close());

  async function newQueue(): Promise<string> {
    const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: `poller-${++queueCount}` }));
    return QueueUrl!;
  }

  function poll(
    queueUrl: string,
    overrides: Partial<PollerOptions> & Pick<PollerOptions, 'handleMessage'>,
  ): { poller: RunningPoller; logs: LogLine[] } {
    const logs: LogLine[] = [];
    const poller = startPoller({
      sqs: aws.sqs,
      queueUrl,
      concurrency: 10,
      visibilityTimeoutSeconds: 30,
      messageTimeoutMs: 20_000,
      waitTimeSeconds: 0,
      log: (line) => logs.push(line),
      ...overrides,
    });
    pollers.push(poller);
    return { poller, logs };
  }

  it('deletes exactly the messages the handler finished', async () => {
    const queueUrl = await newQueue();
    await sendBodies(aws.sqs, queueUrl, ['done-1', 'retry-1', 'done-2', 'throws-1', 'done-3']);
    const handled: string[] = [];
    const { poller, logs } = poll(queueUrl, {
      visibilityTimeoutSeconds: 1,
      messageTimeoutMs: 900,
      handleMessage: async (message) => {
        handled.push(message.Body!);
        if (message.Body!.startsWith('throws')) throw new Error('handler bug');
        return message.Body!.startsWith('done');
      },
    });

    await waitFor('all five messages handled', () => handled.length >= 5);
    await poller.stop();

    await waitFor('the unfinished messages to become visible again', async () => (await queueDepth(aws.sqs, queueUrl)).visible === 2);
    expect((await peekAll(aws.sqs, queueUrl)).map((message) => message.body).sort()).toEqual(['retry-1', 'throws-1']);
    expect(logs).toContainEqual(expect.objectContaining({ event: 'handler-threw', errorClass: 'Error', errorMessage: 'handler bug' }));
  });

  it('works on up to `concurrency` messages at once', async () => {
    const queueUrl = await newQueue();
    await sendBodies(
      aws.sqs,
      queueUrl,
      Array.from({ length: 12 }, (_, index) => `m-${index}`),
    );
    let running = 0;
    let mostAtOnce = 0;
    const releaseAll = deferred<void>();
    poll(queueUrl, {
      concurrency: 12,
      handleMessage: async () => {
        mostAtOnce = Math.max(mostAtOnce, ++running);
        await releaseAll.promise;
        running--;
        return true;
      },
    });

    await waitFor('12 messages in progress together', () => mostAtOnce === 12);
    releaseAll.resolve();
    await waitFor('the queue to drain', async () => sameDepth(await queueDepth(aws.sqs, queueUrl), { visible: 0, inFlight: 0 }));
  });

  it('gives up on a message that outlives the message timeout, leaves it on the queue, and moves on', async () => {
    const queueUrl = await newQueue();
    await sendBodies(aws.sqs, queueUrl, ['hangs', 'quick']);
    const handled: string[] = [];
    const { poller, logs } = poll(queueUrl, {
      visibilityTimeoutSeconds: 30,
      messageTimeoutMs: 500,
      handleMessage: (message) => {
        handled.push(message.Body!);
        return message.Body === 'hangs' ? new Promise<boolean>(() => undefined) : Promise.resolve(true);
      },
    });

    const timeout = await waitFor('the timeout to be logged', () => logs.find((line) => line.event === 'message-timeout'));
    expect(timeout).toMatchObject({ level: 'error', timeoutMs: 500 });
    await poller.stop();
    // The batch finished: the quick message is deleted, the hung one is still in flight (not lost).
    expect(await queueDepth(aws.sqs, queueUrl)).toEqual({ visible: 0, inFlight: 1 });
    expect(handled.sort()).toEqual(['hangs', 'quick']);
  });

  it('refuses a message timeout that is not below the visibility timeout', () => {
    expect(() =>
      startPoller({
        sqs: aws.sqs,
        queueUrl: 'http://127.0.0.1:1/q',
        concurrency: 1,
        visibilityTimeoutSeconds: 2,
        messageTimeoutMs: 2000,
        waitTimeSeconds: 0,
        log: () => undefined,
        handleMessage: async () => true,
      }),
    ).toThrow('the message timeout (2000 ms) must be below the visibility timeout (2 s)');
  });

  it('backs off while SQS is unreachable, logging once per backoff step and never once per attempt', async () => {
    // A loopback port that refuses connections: the SDK fails at once with ECONNREFUSED.
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as { port: number };
        server.close(() => resolve(free));
      });
    });
    let attempts = 0;
    const unreachable = new SQSClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    unreachable.middlewareStack.add((next) => (args) => (attempts++, next(args)), { step: 'initialize' });
    const logs: LogLine[] = [];
    // Steps of 5, 10, 20, 40 ms: the test waits for attempts, never for time.
    const sqsBackoff = new Backoff({ cause: 'sqs', baseMs: 5, capMs: 40, log: (line) => logs.push(line) });
    const poller = startPoller({
      sqs: unreachable,
      queueUrl: `http://127.0.0.1:${port}/123456789012/gone`,
      concurrency: 1,
      visibilityTimeoutSeconds: 30,
      messageTimeoutMs: 1000,
      waitTimeSeconds: 0,
      sqsBackoff,
      log: (line) => logs.push(line),
      handleMessage: async () => true,
    });
    pollers.push(poller);

    await waitFor('twelve failed receives', () => attempts >= 12);
    await poller.stop();
    unreachable.destroy();
    const steps = logs.filter((line) => line.event === 'backoff');
    expect(steps.map((line) => line.step)).toEqual([1, 2, 3, 4]);
    expect(steps.map((line) => line.maxDelayMs)).toEqual([5, 10, 20, 40]);
    expect(steps[0]).toMatchObject({ level: 'warn', cause: 'sqs' });
    expect(logs.filter((line) => line.event === 'sqs-error')).toEqual([]);
  });

  it('keeps a message from every other consumer while its job runs, then deletes it once', async () => {
    const queueUrl = await newQueue();
    await sendBodies(aws.sqs, queueUrl, ['long-job']);
    const jobDone = deferred<void>();
    let calls = 0;
    poll(queueUrl, {
      visibilityTimeoutSeconds: 30,
      messageTimeoutMs: 20_000,
      handleMessage: async () => {
        calls++;
        await jobDone.promise;
        return true;
      },
    });
    await waitFor('the job to start', () => calls === 1);

    // Five competing receives while the job runs: none gets the message.
    for (let attempt = 0; attempt < 5; attempt++) {
      const { Messages } = await aws.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      expect(Messages ?? []).toEqual([]);
    }
    jobDone.resolve();

    await waitFor('the finished job to be deleted', async () =>
      sameDepth(await queueDepth(aws.sqs, queueUrl), { visible: 0, inFlight: 0 }),
    );
    expect(calls).toBe(1);
  });

  it('stop() waits for the batch in flight and deletes what it finished', async () => {
    const queueUrl = await newQueue();
    await sendBodies(aws.sqs, queueUrl, ['in-flight']);
    const jobDone = deferred<boolean>();
    let started = false;
    const { poller } = poll(queueUrl, {
      handleMessage: () => {
        started = true;
        return jobDone.promise;
      },
    });
    await waitFor('the job to start', () => started);

    let stopped = false;
    const stopping = poller.stop().then(() => (stopped = true));
    await sleep(300);
    expect(stopped).toBe(false);

    jobDone.resolve(true);
    await stopping;
    expect(await queueDepth(aws.sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('hands back, without working on it, a batch that a long poll returns after stop()', async () => {
    const queueUrl = await newQueue();
    const handled: Message[] = [];
    // local-aws-sqs answers a long poll only when it is full or times out, so this receive is still
    // open when stop() returns, and picks up the message sent afterwards.
    const { poller, logs } = poll(queueUrl, {
      waitTimeSeconds: 2,
      handleMessage: async (message) => {
        handled.push(message);
        return true;
      },
    });
    await poller.stop();
    const [messageId] = await sendBodies(aws.sqs, queueUrl, ['arrives-late']);

    await waitFor('the late message to be released', () => logs.find((line) => line.outcome === 'released'), 10_000);
    expect(logs).toContainEqual(expect.objectContaining({ event: 'message', messageId, outcome: 'released', reason: 'worker stopping' }));
    expect(handled).toEqual([]);
    // Visible again now, not after the 30 s visibility timeout the receive asked for.
    await waitFor('the released message to be visible at once', async () => (await queueDepth(aws.sqs, queueUrl)).visible === 1);
  });
});

function sameDepth(actual: { visible: number; inFlight: number }, expected: { visible: number; inFlight: number }): boolean {
  return actual.visible === expected.visible && actual.inFlight === expected.inFlight;
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}
