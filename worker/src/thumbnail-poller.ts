import type { S3Client } from '@aws-sdk/client-s3';
import { ChangeMessageVisibilityCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Backoff } from './backoff';
import { DeadLetterQueue } from './dead-letter';
import { isPermanentFailure, isUnreachable, retryDelaySeconds } from './failures';
import type { JsonLineWriter } from './json-lines';
import type { PollerConfig } from './poller-config';
import { type RunningPoller, startPoller } from './poller';
import { handleThumbnailJob, type MessageOutcome, type ThumbnailJobDeps } from './thumbnail-job';

/** What the long-running worker is made of; poller-main builds it from the environment. */
export interface ThumbnailPollerOptions {
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly config: PollerConfig;
  /** Receives one line per message outcome, plus the poller's own records. */
  readonly writeLine: JsonLineWriter;
}

/** A started thumbnail poller, with the dead-letter queue it sends poison messages to. */
export interface ThumbnailPoller extends RunningPoller {
  readonly deadLetterQueue: DeadLetterQueue;
}

/**
 * Runs the thumbnail job on every message of the work queue: the Fargate and EC2 form of the
 * worker. Logs one line per message outcome, then:
 * - processed or skipped: deleted;
 * - failed for good (see failures.ts): sent to the dead-letter queue with its reason, then deleted;
 * - failed for now: left on the queue, visible again after a backoff that grows with its receives;
 *   while S3 cannot be reached, the poller also holds back receiving.
 */
export function startThumbnailPoller({ sqs, s3, config, writeLine }: ThumbnailPollerOptions): ThumbnailPoller {
  const jobDeps: ThumbnailJobDeps = {
    s3,
    config: { outputBucket: config.outputBucket },
    beforeWrite: config.testDelayMs > 0 ? testDelay(config.testDelayMs, writeLine) : undefined,
  };
  const deadLetterQueue = new DeadLetterQueue(sqs, config.queueUrl);
  const s3Backoff = new Backoff({ cause: 's3', log: writeLine });

  const poller = startPoller({
    sqs,
    queueUrl: config.queueUrl,
    concurrency: config.concurrency,
    visibilityTimeoutSeconds: config.visibilityTimeoutSeconds,
    waitTimeSeconds: config.waitTimeSeconds,
    messageTimeoutMs: config.jobTimeoutSeconds * 1000,
    beforeReceive: (signal) => s3Backoff.wait(signal),
    log: writeLine,
    handleMessage: async (message) => {
      const outcome = await handleThumbnailJob({ messageId: message.MessageId ?? '', body: message.Body ?? '' }, jobDeps);
      const receiveCount = Number(message.Attributes?.ApproximateReceiveCount) || undefined;
      if (outcome.outcome !== 'failed') {
        s3Backoff.success();
        writeLine({ level: 'info', event: 'message', ...outcome, receiveCount });
        return true;
      }
      if (isPermanentFailure(outcome.errorClass)) {
        return deadLetter(message, outcome, receiveCount);
      }
      if (isUnreachable({ name: outcome.errorClass, message: outcome.errorMessage })) {
        s3Backoff.failure({ name: outcome.errorClass, message: outcome.errorMessage });
      }
      const retryInSeconds = retryDelaySeconds(receiveCount ?? 1, { capSeconds: config.visibilityTimeoutSeconds });
      writeLine({ level: 'error', event: 'message', ...outcome, receiveCount, retryInSeconds });
      await retryLater(message, retryInSeconds);
      return false;
    },
  });

  /** Sends a poison message to the dead-letter queue; true (delete it) once it is there. */
  async function deadLetter(message: Message, outcome: MessageOutcome, receiveCount: number | undefined): Promise<boolean> {
    try {
      await deadLetterQueue.send(
        {
          messageId: outcome.messageId,
          body: message.Body ?? '',
          messageAttributes: message.MessageAttributes,
          receiveCount,
          sentTimestamp: Number(message.Attributes?.SentTimestamp) || undefined,
        },
        { errorClass: outcome.errorClass ?? 'Error', errorMessage: outcome.errorMessage ?? '' },
      );
      writeLine({ level: 'error', event: 'message', ...outcome, outcome: 'dead-lettered', receiveCount });
      return true;
    } catch (error) {
      // Not sent: leave it on the queue; the redrive policy still catches it after maxReceiveCount.
      const { name, message: text } = error instanceof Error ? error : new Error(String(error));
      writeLine({ level: 'error', event: 'message', ...outcome, receiveCount, deadLetterError: `${name}: ${text}` });
      return false;
    }
  }

  /** Makes a failed message visible again after `seconds` instead of a whole visibility timeout. */
  async function retryLater(message: Message, seconds: number): Promise<void> {
    try {
      await sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: config.queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: seconds }),
      );
    } catch {
      // Not fatal: the message comes back after its visibility timeout instead.
    }
  }

  return { deadLetterQueue, stop: () => poller.stop() };
}

/** See `WORKER_TEST_DELAY_MS` in poller-config.ts: never set in a deployment. */
function testDelay(delayMs: number, writeLine: JsonLineWriter): NonNullable<ThumbnailJobDeps['beforeWrite']> {
  return async (step) => {
    writeLine({ level: 'debug', event: 'test-delay', ...step, delayMs });
    await sleep(delayMs);
  };
}
