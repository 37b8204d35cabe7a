import { ChangeMessageVisibilityBatchCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import { Backoff } from './backoff';

/** SQS returns at most this many messages per ReceiveMessage. */
export const MAX_SQS_BATCH = 10;

/** Seconds between visibility extensions: a third of the timeout leaves room for one missed beat. */
export function heartbeatIntervalSeconds(visibilityTimeoutSeconds: number): number {
  return visibilityTimeoutSeconds / 3;
}

/** A structured log record; the caller decides how to write it. */
export type LogLine = Record<string, unknown>;

/** How to poll one queue. Knows nothing about the job itself. */
export interface PollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** Messages worked on at once; see {@link batchSizesFor}. */
  readonly concurrency: number;
  readonly visibilityTimeoutSeconds: number;
  readonly waitTimeSeconds: number;
  /**
   * The most one message may take; then it counts as not finished (it stays on the queue) and its
   * batch moves on. Must be below the visibility timeout. sqs-consumer's own handleMessageTimeout
   * applies only to handleMessage, not to the handleMessageBatch this poller uses, so the poller
   * enforces it. (Synchronous work, such as decoding an image, cannot be interrupted: the pixel
   * limits bound it.)
   */
  readonly messageTimeoutMs: number;
  /**
   * Awaited before every receive, after the poller's own SQS backoff: lets the job hold receiving
   * back while a service it needs (S3) cannot be reached.
   * @default none
   */
  readonly beforeReceive?: (signal: AbortSignal) => Promise<void>;
  /**
   * The backoff while SQS cannot be reached.
   * @default exponential from 1 s to 60 s, logged through `log`
   */
  readonly sqsBackoff?: Backoff;
  /**
   * Works on one message and resolves `true` when it is finished and may be deleted, `false` to
   * leave it for redelivery. Should not throw; a throw is logged and counts as `false`.
   */
  readonly handleMessage: (message: Message) => Promise<boolean>;
  /** Receives the poller's own records (backoff steps, timeouts, released messages). */
  readonly log: (line: LogLine) => void;
}

/** A started poller. */
export interface RunningPoller {
  /**
   * Stops receiving and resolves once every batch in flight has been worked on and its finished
   * messages deleted. Safe to call more than once.
   */
  stop(): Promise<void>;
}

/**
 * Splits a process's concurrency into independent poll loops of at most one SQS batch each,
 * e.g. 25 → [9, 8, 8]. sqs-consumer receives the next batch only after the previous one is
 * finished, so one slow message holds back its own loop; several loops keep the rest moving.
 */
export function batchSizesFor(concurrency: number): number[] {
  const loops = Math.ceil(concurrency / MAX_SQS_BATCH);
  const base = Math.floor(concurrency / loops);
  const remainder = concurrency % loops;
  return Array.from({ length: loops }, (_, index) => base + (index < remainder ? 1 : 0));
}

/**
 * Starts polling with sqs-consumer. Each receive takes up to a full batch (long polling), works on
 * its messages concurrently, and deletes exactly the finished ones with one DeleteMessageBatch;
 * the others become visible again after the visibility timeout, and the queue's redrive policy
 * moves them to the dead-letter queue after maxReceiveCount receives. While a batch is being
 * worked on, a heartbeat extends its visibility so a long job is not handed to a second worker.
 */
export function startPoller(options: PollerOptions): RunningPoller {
  if (options.messageTimeoutMs >= options.visibilityTimeoutSeconds * 1000) {
    throw new RangeError(
      `the message timeout (${options.messageTimeoutMs} ms) must be below the visibility timeout (${options.visibilityTimeoutSeconds} s)`,
    );
  }
  let stopping = false;
  const stopped = new AbortController();
  // One backoff for the whole process: when SQS is unreachable, every loop waits on it.
  const sqsBackoff = options.sqsBackoff ?? new Backoff({ cause: 'sqs', log: options.log });
  const loops = batchSizesFor(options.concurrency).map((batchSize) =>
    startPollLoop(batchSize, options, sqsBackoff, stopped.signal, () => stopping),
  );
  return {
    async stop() {
      if (!stopping) {
        stopping = true;
        stopped.abort();
        loops.forEach((loop) => loop.consumer.stop());
      }
      // A receive still waiting on its long poll is not awaited: anything it takes off the queue
      // stays invisible for one visibility timeout and is then redelivered, so nothing is lost.
      await Promise.all(loops.map((loop) => loop.idle()));
    },
  };
}

interface PollLoop {
  readonly consumer: Consumer;
  /** Resolves when no batch of this loop is being worked on or deleted. */
  idle(): Promise<void>;
}

function startPollLoop(
  batchSize: number,
  options: PollerOptions,
  sqsBackoff: Backoff,
  stopSignal: AbortSignal,
  isStopping: () => boolean,
): PollLoop {
  let batchInFlight: Promise<void> | undefined;
  let markBatchDone = (): void => undefined;

  const consumer = Consumer.create({
    sqs: options.sqs,
    queueUrl: options.queueUrl,
    batchSize,
    waitTimeSeconds: options.waitTimeSeconds,
    visibilityTimeout: options.visibilityTimeoutSeconds,
    heartbeatInterval: heartbeatIntervalSeconds(options.visibilityTimeoutSeconds),
    messageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
    // The same through the older AttributeNames parameter ("All"), which SQS still accepts and which
    // is the only one some SQS-compatible servers (local-aws-sqs, in the tests) read.
    attributeNames: ['All'],
    // The message's own attributes travel with it to the dead-letter queue.
    messageAttributeNames: ['All'],
    // Awaited before every ReceiveMessage. sqs-consumer re-polls at once after an error unless it
    // is one of its authentication or throttling errors, so an unreachable endpoint would be
    // hammered (and logged) hundreds of times a second without this.
    preReceiveMessageCallback: async () => {
      await sqsBackoff.wait(stopSignal);
      await options.beforeReceive?.(stopSignal);
    },
    handleMessageBatch: async (messages) => {
      batchInFlight = new Promise((resolve) => (markBatchDone = resolve));
      if (isStopping()) {
        await releaseMessages(messages, options);
        return [];
      }
      const finished = await Promise.all(messages.map(async (message) => ((await handleSafely(message, options)) ? [message] : [])));
      // Returning a subset makes sqs-consumer delete exactly these, in one DeleteMessageBatch.
      return finished.flat();
    },
  });
  // Emitted after the batch handler and the deletes, whether they succeeded or not.
  consumer.on('response_processed', () => {
    sqsBackoff.success();
    batchInFlight = undefined;
    markBatchDone();
  });
  consumer.on('empty', () => sqsBackoff.success());
  consumer.on('error', (error, messages) => {
    if (messages === undefined) {
      // A failed receive: one backoff step, logged once, instead of a line per attempt.
      sqsBackoff.failure(error);
      return;
    }
    options.log({
      level: 'error',
      event: 'sqs-error',
      errorClass: error.name,
      errorMessage: error.message,
      messageIds: messageIdsOf(messages),
    });
  });
  consumer.start();
  return { consumer, idle: () => batchInFlight ?? Promise.resolve() };
}

async function handleSafely(message: Message, options: PollerOptions): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      options.log({ level: 'error', event: 'message-timeout', messageId: message.MessageId, timeoutMs: options.messageTimeoutMs });
      resolve(false);
    }, options.messageTimeoutMs);
  });
  try {
    return await Promise.race([options.handleMessage(message), deadline]);
  } catch (error) {
    const { name, message: text } = error instanceof Error ? error : new Error(String(error));
    options.log({ level: 'error', event: 'handler-threw', messageId: message.MessageId, errorClass: name, errorMessage: text });
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A batch that arrives after stop() was called is handed back at once (visibility 0) instead of
 * being worked on, so another worker can take it now rather than after the visibility timeout.
 */
async function releaseMessages(messages: Message[], options: PollerOptions): Promise<void> {
  try {
    await options.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 })),
      }),
    );
  } catch (error) {
    // Not fatal: the messages simply reappear when their visibility timeout ends.
    options.log({ level: 'warn', event: 'release-failed', errorClass: (error as Error).name, errorMessage: (error as Error).message });
  }
  for (const message of messages) {
    options.log({ level: 'info', event: 'message', messageId: message.MessageId, outcome: 'released', reason: 'worker stopping' });
  }
}

function messageIdsOf(messages: Message | Message[] | undefined): string[] | undefined {
  if (messages === undefined) return undefined;
  return (Array.isArray(messages) ? messages : [messages]).map((message) => message.MessageId ?? '');
}
