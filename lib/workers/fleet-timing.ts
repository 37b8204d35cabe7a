import { Duration } from 'aws-cdk-lib';
import type { WorkersConfig } from '../config';

/**
 * The numbers every part of the fleet must agree on (queue, workers, draining, scaling), derived
 * from the config in one place so that none of them drifts from the others.
 */

/**
 * AWS recommends a source queue visibility timeout of at least six times the function timeout
 * (plus the batching window): Lambda retries throttled invocations of a batch for a while before
 * giving up, and a message must not reappear while one of those attempts may still be running.
 */
export const LAMBDA_VISIBILITY_TIMEOUT_FACTOR = 6;

/**
 * Pollers get the job timeout plus this much: time to download, upload and delete around the job
 * itself. Their heartbeat extends the visibility of messages still being worked on, so the timeout
 * only bounds how late a crashed worker's messages reappear, not how long a job may take.
 */
export const POLLER_VISIBILITY_MARGIN = Duration.seconds(30);

/** SQS's upper bound for a visibility timeout. */
const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;

/** The work queue's visibility timeout for the chosen backend. */
export function queueVisibilityTimeout(workers: WorkersConfig, lambdaBatchingWindow: Duration = Duration.seconds(0)): Duration {
  const seconds =
    workers.compute === 'lambda'
      ? LAMBDA_VISIBILITY_TIMEOUT_FACTOR * workers.jobTimeoutSeconds + lambdaBatchingWindow.toSeconds()
      : workers.jobTimeoutSeconds + POLLER_VISIBILITY_MARGIN.toSeconds();
  return Duration.seconds(Math.min(seconds, MAX_VISIBILITY_TIMEOUT_SECONDS));
}

/**
 * How long a poller may take to stop after SIGTERM: it stops receiving, finishes what it holds
 * (at most one job timeout) and deletes those messages.
 */
export function pollerStopTimeout(workers: WorkersConfig): Duration {
  return Duration.seconds(workers.jobTimeoutSeconds + POLLER_VISIBILITY_MARGIN.toSeconds());
}

/**
 * The backlog one worker may hold and still meet the latency goal: in maxLatencySeconds one
 * worker finishes maxLatencySeconds / avgProcessingSeconds jobs. This is the target of the
 * backlog-per-worker target tracking policy (AWS's "backlog per instance" pattern).
 */
export function backlogPerWorkerTarget(workers: WorkersConfig): number {
  return workers.maxLatencySeconds / workers.avgProcessingSeconds;
}
