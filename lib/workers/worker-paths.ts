import * as path from 'node:path';

/**
 * Where the worker runtime lives, and the object-key contract it shares with this stack. lib/
 * never imports runtime code from worker/: these are file paths and strings only.
 */

/** The repository root: the Docker build context of the worker image. */
export const REPO_ROOT = path.join(__dirname, '..', '..');

/** The Lambda entry (`handler`: an SQS batch with ReportBatchItemFailures). */
export const WORKER_LAMBDA_ENTRY = path.join(REPO_ROOT, 'worker', 'src', 'lambda-entry.ts');

/** The long-running SQS poller (Fargate task, EC2 systemd service). */
export const WORKER_POLLER_ENTRY = path.join(REPO_ROOT, 'worker', 'src', 'poller-main.ts');

/** The worker image's Dockerfile, relative to REPO_ROOT; its build context is written at synth (poller-bundle.ts). */
export const WORKER_DOCKERFILE = 'worker/Dockerfile';

/**
 * Uploads under this prefix are work (the bucket notification filters on it). Must equal
 * INPUT_PREFIX in worker/src/output-key.ts (a test checks).
 */
export const INPUT_PREFIX = 'incoming/';

/** Where the worker writes thumbnails. Must equal OUTPUT_PREFIX in worker/src/output-key.ts (a test checks). */
export const OUTPUT_PREFIX = 'thumbnails/';

/** The scaling signal function of the poller backends (every minute: read the queue and the fleet, publish metrics). */
export const SCALING_SIGNAL_ENTRY = path.join(REPO_ROOT, 'worker', 'src', 'scaling-signal-entry.ts');

/**
 * The names the signal function publishes (worker/src/scaling-signal.ts SIGNAL_METRICS; a test
 * checks they agree) and the namespace it publishes them in.
 */
export const SIGNAL_METRIC_NAMESPACE = 'DistributedCompute/WorkerFleet';
export const SIGNAL_METRICS = {
  backlogPerWorker: 'BacklogPerWorker',
  visible: 'MessagesVisible',
  inFlight: 'MessagesInFlight',
  runningWorkers: 'RunningWorkers',
  desiredWorkers: 'DesiredWorkers',
  idleFleet: 'IdleFleet',
} as const;
