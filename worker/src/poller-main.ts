/**
 * Entry point of the long-running worker (Fargate task or EC2 instance): `node poller.js` in the
 * image, `npm run worker` from a checkout. Configuration comes from the environment (see
 * poller-config.ts); the AWS SDK itself reads AWS_REGION, credentials and AWS_ENDPOINT_URL_SQS /
 * AWS_ENDPOINT_URL_S3.
 *
 * Exit codes: 0 after a graceful stop, 1 on an unexpected error or a second stop signal,
 * 2 on invalid configuration.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { EnvironmentError } from './env-config';
import { jsonLineWriter } from './json-lines';
import { type PollerConfig, parsePollerConfig } from './poller-config';
import { startThumbnailPoller } from './thumbnail-poller';
import { createS3Client } from './s3-client';

const EXIT_STOPPED = 0;
const EXIT_FAILED = 1;
const EXIT_BAD_CONFIG = 2;

async function main(): Promise<void> {
  const config = readConfigOrExit();
  // Clients are built only after the configuration is known to be valid, so a bad value is
  // reported on its own line without SDK warnings around it.
  const sqs = new SQSClient({});
  const s3 = createS3Client({ forcePathStyle: config.s3ForcePathStyle });
  await sqs.config.region().catch(() => exitWithEnvironmentError("AWS_REGION is not set: set it to the queue's region, e.g. us-east-1"));

  const writeLine = jsonLineWriter(process.stdout);
  const poller = startThumbnailPoller({ sqs, s3, config, writeLine });
  writeLine({
    level: 'info',
    event: 'poller-started',
    queueUrl: config.queueUrl,
    concurrency: config.concurrency,
    visibilityTimeoutSeconds: config.visibilityTimeoutSeconds,
    jobTimeoutSeconds: config.jobTimeoutSeconds,
    waitTimeSeconds: config.waitTimeSeconds,
    pid: process.pid,
  });
  // The dead-letter queue comes from the work queue's redrive policy, read once now; if SQS cannot
  // be reached yet, the first poison message reads it again.
  poller.deadLetterQueue.resolveUrl().then(
    (deadLetterQueueUrl) => writeLine({ level: 'info', event: 'dead-letter-queue', deadLetterQueueUrl }),
    (error: Error) => writeLine({ level: 'warn', event: 'dead-letter-queue-unknown', errorClass: error.name, errorMessage: error.message }),
  );

  let stopping = false;
  const onStopSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A second signal means "now": unfinished messages come back after their visibility timeout.
      writeLine({ level: 'warn', event: 'poller-forced-exit', signal });
      process.exit(EXIT_FAILED);
    }
    stopping = true;
    writeLine({ level: 'info', event: 'poller-stopping', signal });
    void poller.stop().then(() => {
      writeLine({ level: 'info', event: 'poller-stopped' });
      // Explicit, because an abandoned long poll would otherwise keep the process alive for up to 20 s.
      process.exit(EXIT_STOPPED);
    });
  };
  process.on('SIGTERM', onStopSignal);
  process.on('SIGINT', onStopSignal);
}

function readConfigOrExit(): PollerConfig {
  try {
    return parsePollerConfig(process.env);
  } catch (error) {
    if (error instanceof EnvironmentError) {
      exitWithEnvironmentError(error.message);
    }
    throw error;
  }
}

function exitWithEnvironmentError(message: string): never {
  process.stderr.write(`worker: ${message}\n`);
  process.exit(EXIT_BAD_CONFIG);
}

main().catch((error: unknown) => {
  process.stderr.write(`worker: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(EXIT_FAILED);
});
