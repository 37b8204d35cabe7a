import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JsonLineWriter } from './json-lines';
import type { PollerConfig } from './poller-config';
import { type RunningPoller, startPoller } from './poller';
import { handleThumbnailJob, type ThumbnailJobDeps } from './thumbnail-job';

/** What the long-running worker is made of; poller-main builds it from the environment. */
export interface ThumbnailPollerOptions {
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly config: PollerConfig;
  /** Receives one line per message outcome, plus the poller's own records. */
  readonly writeLine: JsonLineWriter;
}

/**
 * Runs the thumbnail job on every message of the work queue: the Fargate and EC2 form of the
 * worker. Logs one line per message outcome and deletes the message unless the outcome is `failed`.
 */
export function startThumbnailPoller({ sqs, s3, config, writeLine }: ThumbnailPollerOptions): RunningPoller {
  const jobDeps: ThumbnailJobDeps = {
    s3,
    config: { outputBucket: config.outputBucket },
    beforeWrite: config.testDelayMs > 0 ? testDelay(config.testDelayMs, writeLine) : undefined,
  };
  return startPoller({
    sqs,
    queueUrl: config.queueUrl,
    concurrency: config.concurrency,
    visibilityTimeoutSeconds: config.visibilityTimeoutSeconds,
    waitTimeSeconds: config.waitTimeSeconds,
    log: writeLine,
    handleMessage: async (message) => {
      const outcome = await handleThumbnailJob({ messageId: message.MessageId ?? '', body: message.Body ?? '' }, jobDeps);
      writeLine({
        level: outcome.outcome === 'failed' ? 'error' : 'info',
        event: 'message',
        ...outcome,
        receiveCount: Number(message.Attributes?.ApproximateReceiveCount) || undefined,
      });
      return outcome.outcome !== 'failed';
    },
  });
}

/** See `WORKER_TEST_DELAY_MS` in poller-config.ts: never set in a deployment. */
function testDelay(delayMs: number, writeLine: JsonLineWriter): NonNullable<ThumbnailJobDeps['beforeWrite']> {
  return async (step) => {
    writeLine({ level: 'debug', event: 'test-delay', ...step, delayMs });
    await sleep(delayMs);
  };
}
