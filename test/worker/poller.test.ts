import { CreateQueueCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
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

  it('keeps extending the visibility of a job that outlives the timeout, so no one else receives it', async () => {
    const queueUrl = await newQueue();
    await sendBodies(aws.sqs, queueUrl, ['long-job']);
    const jobDone = deferred<void>();
    let calls = 0;
    poll(queueUrl, {
      visibilityTimeoutSeconds: 2,
      handleMessage: async () => {
        calls++;
        await jobDone.promise;
        return true;
      },
    });
    await waitFor('the job to start', () => calls === 1);

    // For more than two visibility timeouts, a competing consumer finds nothing to receive.
    const competitorDeadline = Date.now() + 4_500;
    while (Date.now() < competitorDeadline) {
      const { Messages } = await aws.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      expect(Messages ?? []).toEqual([]);
      await sleep(100);
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
    await waitFor('the released message to be visible at once', async () => (await queueDepth(aws.sqs, queueUrl)).visible === 1, 2_000);
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
