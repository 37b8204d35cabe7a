/**
 * Entry point of the Lambda form of the worker: an SQS event source mapping with
 * `ReportBatchItemFailures`, so a failed message goes back to the queue on its own while the rest
 * of the batch is deleted. Environment: OUTPUT_BUCKET (required), S3_FORCE_PATH_STYLE (optional).
 *
 * - Records are processed one after another (Powertools processes them in parallel unless told
 *   otherwise): decoding is synchronous anyway, and one at a time bounds the memory a batch needs to
 *   that of its largest image, which image-limits.ts keeps within the function's memory. A batch
 *   that ran out of memory would fail whole, every message in it counting a receive.
 * - A message that can never be processed goes straight to the dead-letter queue named by the work
 *   queue's redrive policy (dead-letter.ts) and is reported as done, so Lambda deletes it.
 * - A transient failure is reported as failed, after its visibility is set to a backoff that grows
 *   with its receives, instead of the whole (6 x function timeout) visibility timeout.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DeadLetterQueue, queueUrlFromArn } from './dead-letter';
import { type Env, parseJobEnvConfig } from './env-config';
import { isPermanentFailure, retryDelaySeconds } from './failures';
import { createS3Client } from './s3-client';
import { handleThumbnailJob } from './thumbnail-job';

/** The Lambda handler's collaborators. */
export interface SqsLambdaHandlerDeps {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly outputBucket: string;
  /** Receives one record per message outcome. */
  readonly logger: Logger;
  /**
   * The longest retry backoff, in seconds.
   * @default 300
   */
  readonly maxRetryDelaySeconds?: number;
}

/** An SQS-triggered Lambda handler that reports failed records in `batchItemFailures`. */
export type SqsLambdaHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/** Thrown from the record handler so the BatchProcessor lists the record as failed. */
class MessageFailedError extends Error {
  override readonly name = 'MessageFailedError';
}

/** Builds the handler around the thumbnail job with explicit collaborators (tests use this). */
export function createSqsLambdaHandler(deps: SqsLambdaHandlerDeps): SqsLambdaHandler {
  const processor = new BatchProcessor(EventType.SQS);
  const jobDeps = { s3: deps.s3, config: { outputBucket: deps.outputBucket } };
  // Work queue ARN -> its URL and dead-letter queue, looked up once per queue.
  const queues = new Map<string, { url: Promise<string>; deadLetterQueue: Promise<DeadLetterQueue> }>();
  const queueOf = (arn: string) => {
    let queue = queues.get(arn);
    if (queue === undefined) {
      const url = queueUrlFromArn(deps.sqs, arn);
      queue = { url, deadLetterQueue: url.then((workQueueUrl) => new DeadLetterQueue(deps.sqs, workQueueUrl)) };
      queue.url.catch(() => queues.delete(arn));
      queues.set(arn, queue);
    }
    return queue;
  };

  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const outcome = await handleThumbnailJob({ messageId: record.messageId, body: record.body }, jobDeps);
    const receiveCount = Number(record.attributes?.ApproximateReceiveCount) || undefined;
    const fields = { ...outcome, receiveCount };
    if (outcome.outcome !== 'failed') {
      deps.logger.info('message', fields);
      return;
    }
    if (isPermanentFailure(outcome.errorClass)) {
      try {
        const deadLetterQueue = await queueOf(record.eventSourceARN).deadLetterQueue;
        await deadLetterQueue.send(
          {
            messageId: record.messageId,
            body: record.body,
            messageAttributes: toSendableAttributes(record.messageAttributes),
            receiveCount,
            sentTimestamp: Number(record.attributes?.SentTimestamp) || undefined,
          },
          { errorClass: outcome.errorClass ?? 'Error', errorMessage: outcome.errorMessage ?? '' },
        );
        deps.logger.error('message', { ...fields, outcome: 'dead-lettered' });
        return; // reported as done: Lambda deletes it from the work queue
      } catch (error) {
        deps.logger.error('message', { ...fields, deadLetterError: String(error) });
        throw new MessageFailedError(`${outcome.errorClass}: ${outcome.errorMessage}`);
      }
    }
    const retryInSeconds = retryDelaySeconds(receiveCount ?? 1, { capSeconds: deps.maxRetryDelaySeconds ?? 300 });
    deps.logger.error('message', { ...fields, retryInSeconds });
    await queueOf(record.eventSourceARN)
      .url.then((queueUrl) =>
        deps.sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: retryInSeconds,
          }),
        ),
      )
      .catch(() => undefined); // not fatal: it comes back after the visibility timeout instead
    throw new MessageFailedError(`${outcome.errorClass}: ${outcome.errorMessage}`);
  };

  return async (event, context) => {
    if (context) deps.logger.addContext(context);
    return processPartialResponse(event, handleRecord, processor, {
      context,
      // One record at a time: see the file comment.
      processInParallel: false,
      // Powertools throws when every record failed; reporting them all instead keeps a single
      // retry path (each failed record returns to the queue), whatever the mix in the batch.
      throwOnFullBatchFailure: false,
    });
  };
}

/** A Lambda record's message attributes (lower-case fields) in the shape SendMessage takes. */
function toSendableAttributes(attributes: SQSRecord['messageAttributes'] | undefined) {
  return Object.fromEntries(
    Object.entries(attributes ?? {}).map(([name, value]) => [
      name,
      {
        DataType: value.dataType,
        StringValue: value.stringValue,
        BinaryValue: value.binaryValue ? Buffer.from(value.binaryValue, 'base64') : undefined,
      },
    ]),
  );
}

/** Builds the handler's collaborators from the Lambda environment. */
export function depsFromEnv(env: Env): SqsLambdaHandlerDeps {
  const config = parseJobEnvConfig(env);
  return {
    s3: createS3Client({ forcePathStyle: config.s3ForcePathStyle }),
    sqs: new SQSClient({}),
    outputBucket: config.outputBucket,
    logger: new Logger({ serviceName: 'thumbnail-worker' }),
  };
}

let configuredHandler: SqsLambdaHandler | undefined;

/**
 * The function's handler (`lambda-entry.handler`). Configuration is read on the first invocation,
 * not at import, so that bundling or importing the module never needs the environment; a bad
 * value fails the invocation with an EnvironmentError naming the variable.
 */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  configuredHandler ??= createSqsLambdaHandler(depsFromEnv(process.env));
  return configuredHandler(event, context);
};
