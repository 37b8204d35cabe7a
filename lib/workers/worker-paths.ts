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

/** The worker image's Dockerfile, relative to REPO_ROOT (its build context). */
export const WORKER_DOCKERFILE = 'worker/Dockerfile';

/**
 * Never part of the image's build context, whatever the root .dockerignore says. CDK fingerprints
 * (hashes) the whole context at every synth: walking node_modules costs about 3.3 s here, against
 * about 20 ms with these excluded. cdk.out holds the copies of earlier contexts (CDK itself only
 * excludes the current output directory, which is elsewhere in the tests).
 */
export const WORKER_IMAGE_EXCLUDES = ['node_modules', 'cdk.out', '.git', 'coverage', 'dist'];

/**
 * Uploads under this prefix are work (the bucket notification filters on it). Must equal
 * INPUT_PREFIX in worker/src/output-key.ts (a test checks).
 */
export const INPUT_PREFIX = 'incoming/';

/** Where the worker writes thumbnails. Must equal OUTPUT_PREFIX in worker/src/output-key.ts (a test checks). */
export const OUTPUT_PREFIX = 'thumbnails/';
