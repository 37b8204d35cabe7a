/**
 * Entry point of the Lambda form of the worker: an SQS event source mapping with
 * `ReportBatchItemFailures`, so a failed message goes back to the queue on its own while the rest
 * of the batch is deleted. Environment: OUTPUT_BUCKET (required), S3_FORCE_PATH_STYLE (optional).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type Env, parseJobEnvConfig } from './env-config';
import { handleThumbnailJob } from './thumbnail-job';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from './s3-client';

/** The Lambda handler's collaborators. */
export interface SqsLambdaHandlerDeps {
  readonly s3: S3Client;
  readonly outputBucket: string;
  /** Receives one record per message outcome. */
  readonly logger: Logger;
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

  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const outcome = await handleThumbnailJob({ messageId: record.messageId, body: record.body }, jobDeps);
    const fields = { ...outcome, receiveCount: Number(record.attributes?.ApproximateReceiveCount) || undefined };
    if (outcome.outcome === 'failed') {
      deps.logger.error('message', fields);
      throw new MessageFailedError(`${outcome.errorClass}: ${outcome.errorMessage}`);
    }
    deps.logger.info('message', fields);
  };

  return async (event, context) => {
    if (context) deps.logger.addContext(context);
    return processPartialResponse(event, handleRecord, processor, {
      context,
      // Powertools throws when every record failed; reporting them all instead keeps a single
      // retry path (each failed record returns to the queue), whatever the mix in the batch.
      throwOnFullBatchFailure: false,
    });
  };
}

/** Builds the handler's collaborators from the Lambda environment. */
export function depsFromEnv(env: Env): SqsLambdaHandlerDeps {
  const config = parseJobEnvConfig(env);
  return {
    s3: createS3Client({ forcePathStyle: config.s3ForcePathStyle }),
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
