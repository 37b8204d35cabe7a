import { type Env, type JobEnvConfig, parseJobEnvConfig, readHttpUrl, readInteger } from './env-config';

/** Everything the long-running poller (Fargate and EC2) reads from its environment. */
export interface PollerConfig extends JobEnvConfig {
  /** `QUEUE_URL`: the SQS work queue. Required. */
  readonly queueUrl: string;
  /**
   * `CONCURRENCY`: messages one process works on at once, 1-100. Split into poll loops of at most
   * 10 messages each (the SQS batch limit).
   * @default 10 (one full batch per receive)
   */
  readonly concurrency: number;
  /**
   * `VISIBILITY_TIMEOUT_SECONDS`: how long a received message stays hidden from other workers,
   * 1-43200. A heartbeat extends it while a job is still running, so this bounds how late a
   * message from a crashed worker is redelivered, not how long a job may take.
   * @default 60
   */
  readonly visibilityTimeoutSeconds: number;
  /**
   * `JOB_TIMEOUT_SECONDS`: the most one message may take, 1 to VISIBILITY_TIMEOUT_SECONDS - 1; after
   * it the message counts as failed for now and its batch moves on.
   * @default VISIBILITY_TIMEOUT_SECONDS - 30, at least 1 (the stack's margin between the two)
   */
  readonly jobTimeoutSeconds: number;
  /**
   * `WAIT_TIME_SECONDS`: SQS long-poll wait, 0-20.
   * @default 20 (fewest empty receives)
   */
  readonly waitTimeSeconds: number;
  /**
   * `WORKER_TEST_DELAY_MS`: FOR TESTS ONLY. Each job pauses this long between rendering and
   * writing its thumbnail, after logging a `test-delay` line, so that a test can kill or stop a
   * worker that is provably mid-job. 0-600000.
   * @default 0 (no pause)
   */
  readonly testDelayMs: number;
}

/**
 * Reads and validates the poller's environment.
 * @throws EnvironmentError naming the first missing or invalid variable.
 */
export function parsePollerConfig(env: Env): PollerConfig {
  const queueUrl = readHttpUrl(
    env,
    'QUEUE_URL',
    'the URL of the SQS work queue, e.g. https://sqs.us-east-1.amazonaws.com/123456789012/work',
  );
  const visibilityTimeoutSeconds = readInteger(env, 'VISIBILITY_TIMEOUT_SECONDS', { min: 2, max: 43_200, default: 60 });
  return {
    queueUrl,
    ...parseJobEnvConfig(env),
    concurrency: readInteger(env, 'CONCURRENCY', { min: 1, max: 100, default: 10 }),
    visibilityTimeoutSeconds,
    // Below the visibility timeout: a job cut off at its deadline still leaves time to give its
    // message back before another worker could receive it.
    jobTimeoutSeconds: readInteger(env, 'JOB_TIMEOUT_SECONDS', {
      min: 1,
      max: visibilityTimeoutSeconds - 1,
      default: Math.max(1, visibilityTimeoutSeconds - 30),
    }),
    waitTimeSeconds: readInteger(env, 'WAIT_TIME_SECONDS', { min: 0, max: 20, default: 20 }),
    testDelayMs: readInteger(env, 'WORKER_TEST_DELAY_MS', { min: 0, max: 600_000, default: 0 }),
  };
}
