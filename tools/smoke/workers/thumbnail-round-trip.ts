import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { readImageHeader } from '../../../worker/src/image-limits';
import { INPUT_PREFIX, thumbnailKeyFor } from '../../../worker/src/output-key';
import { DEFAULT_MAX_EDGE_PX } from '../../../worker/src/thumbnail';
import { asIamAction } from '../../shared/failure-line';
import { type CheckRow, fail, pass } from '../check-result';
import { formatDuration, pollUntil, WaitTimedOut } from '../clock';
import type { StackCheckContext } from '../stack-check';
import type { CreatedObjects } from './created-objects';
import { generatedPng } from './sample-image';

/** Everything the smoke check uploads goes under this prefix of incoming/ (its IAM policy is scoped to it). */
export const SMOKE_PREFIX = 'smoke/';

/**
 * The sample: 4:3, one and a half times the thumbnail's longest edge, so the worker scales it by
 * exactly two thirds (384 x 288 to 256 x 192) and no rounding can blur what size to expect.
 */
const SAMPLE = { width: (3 * DEFAULT_MAX_EDGE_PX) / 2, height: (9 * DEFAULT_MAX_EDGE_PX) / 8 };
const EXPECTED = { width: DEFAULT_MAX_EDGE_PX, height: (3 * DEFAULT_MAX_EDGE_PX) / 4 };

/** The same bytes every time: generated once per process. */
let sampleImage: Promise<Buffer> | undefined;

/** How often the output bucket is asked for the thumbnail. */
export const THUMBNAIL_POLL_INTERVAL_MS = 2_000;

/** The buckets of the stack's outputs. */
export interface WorkerBuckets {
  readonly input: string;
  readonly output: string;
}

/** The key of an upload of this run, under incoming/smoke/<run id>/. */
export function smokeInputKey(runId: string, name: string): string {
  return `${INPUT_PREFIX}${SMOKE_PREFIX}${runId}/${name}`;
}

/**
 * Uploads a generated PNG under incoming/, waits for the worker's thumbnail at the key the
 * output-key rule gives (worker/src/output-key.ts), and checks it is a PNG of the expected size.
 * The latency is from the start of the upload to the first listing that shows the thumbnail, so
 * it is at most one poll interval late.
 *
 * The output bucket is polled with ListObjectsV2 on the thumbnail's key, not GetObject: without
 * s3:ListBucket S3 answers a missing key 403 rather than 404 (S3 GetObject, Permissions:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html), which a poll could not tell
 * from a real refusal; the listing needs ListBucket on this prefix only.
 */
export async function thumbnailRoundTrip(context: StackCheckContext, buckets: WorkerBuckets, created: CreatedObjects): Promise<CheckRow> {
  const { s3 } = context.clients;
  const inputKey = smokeInputKey(context.runId, 'sample.png');
  const outputKey = thumbnailKeyFor(inputKey)!;
  sampleImage ??= generatedPng(SAMPLE.width, SAMPLE.height, 7);
  const image = await sampleImage;

  const started = context.clock.now();
  const put = await asIamAction('s3:PutObject', () =>
    s3.send(new PutObjectCommand({ Bucket: buckets.input, Key: inputKey, Body: image, ContentType: 'image/png' })),
  );
  created.add({ bucket: buckets.input, key: inputKey, versionId: put.VersionId });
  // Expected, so removed even when it comes after the wait has given up.
  created.add({ bucket: buckets.output, key: outputKey });
  context.log(
    `uploaded s3://${buckets.input}/${inputKey} (${SAMPLE.width}x${SAMPLE.height} PNG); waiting for s3://${buckets.output}/${outputKey}`,
  );

  try {
    await pollUntil(
      { clock: context.clock, signal: context.signal, timeoutMs: context.timeoutMs, intervalMs: THUMBNAIL_POLL_INTERVAL_MS },
      async () => {
        const { Contents } = await asIamAction('s3:ListBucket', () =>
          s3.send(new ListObjectsV2Command({ Bucket: buckets.output, Prefix: outputKey, MaxKeys: 1 })),
        );
        return Contents?.some((object) => object.Key === outputKey) ? true : undefined;
      },
    );
  } catch (error) {
    if (!(error instanceof WaitTimedOut)) throw error;
    return fail(
      'thumbnail',
      `no thumbnail at s3://${buckets.output}/${outputKey} within ${formatDuration(error.elapsedMs)}: the workers did not process ` +
        'the upload (look in the WorkerLogGroup output and the dead-letter queue; on Fargate and EC2 the first worker starts from zero)',
    );
  }
  const latencyMs = context.clock.now() - started;

  const { Body } = await asIamAction('s3:GetObject', () => s3.send(new GetObjectCommand({ Bucket: buckets.output, Key: outputKey })));
  const bytes = Body ? await Body.transformToByteArray() : new Uint8Array();
  let header;
  try {
    header = readImageHeader(bytes);
  } catch (error) {
    return fail('thumbnail', `s3://${buckets.output}/${outputKey} is not an image: ${(error as Error).message}`);
  }
  const size = `${header.width}x${header.height} ${header.format.toUpperCase()}`;
  const latency = { value: Math.round(latencyMs) / 1000, unit: 's' };
  if (header.format !== 'png' || header.width !== EXPECTED.width || header.height !== EXPECTED.height) {
    return fail(
      'thumbnail',
      `s3://${buckets.output}/${outputKey} is a ${size}; expected a ${EXPECTED.width}x${EXPECTED.height} PNG`,
      latency,
    );
  }
  return pass(
    'thumbnail',
    `${size} at s3://${buckets.output}/${outputKey}, ${formatDuration(latencyMs)} after the upload began (end to end, polled every ${THUMBNAIL_POLL_INTERVAL_MS / 1000} s)`,
    latency,
  );
}
