import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseS3EventMessage } from './s3-event';
import { assertDownloadable } from './image-limits';
import { thumbnailKeyFor } from './output-key';
import { DEFAULT_MAX_EDGE_PX, renderThumbnail } from './thumbnail';

/** What the job needs to know about its environment. */
export interface ThumbnailJobConfig {
  /** Bucket the thumbnails are written to. */
  readonly outputBucket: string;
  /**
   * Longest edge of a thumbnail, in pixels.
   * @default 256
   */
  readonly maxEdgePx?: number;
}

/** The job's collaborators, passed in so tests (and each entry point) choose them. */
export interface ThumbnailJobDeps {
  /** Reads the input bucket (named by the event) and writes the output bucket. */
  readonly s3: S3Client;
  readonly config: ThumbnailJobConfig;
  /**
   * Runs after the input is read and the thumbnail rendered, just before it is written.
   * A seam for tests that need a worker to be provably in the middle of a job.
   * @default none
   */
  readonly beforeWrite?: (step: { readonly messageId: string; readonly inputKey: string; readonly outputKey: string }) => Promise<void>;
}

/** One queue message, independent of how it was received (Lambda event record or ReceiveMessage). */
export interface WorkMessage {
  readonly messageId: string;
  readonly body: string;
}

/**
 * - `processed`: every thumbnail the message asked for was written.
 * - `skipped`: nothing to do (S3 test event, a non-create event, a key outside `incoming/`).
 * - `failed`: the message must not be deleted; it is redelivered and, after the queue's
 *   maxReceiveCount, moved to the dead-letter queue.
 */
export type JobOutcome = 'processed' | 'skipped' | 'failed';

/** The result of one message, shaped to be logged as one JSON line. */
export interface MessageOutcome {
  readonly messageId: string;
  readonly outcome: JobOutcome;
  /** Decoded keys of the created objects the message named (empty if it could not be read). */
  readonly inputKeys: readonly string[];
  /** Keys written (or that would have been written, when the outcome is `failed`). */
  readonly outputKeys: readonly string[];
  readonly durationMs: number;
  /** Why a message was skipped. */
  readonly reason?: string;
  /** `error.name`: e.g. MalformedMessageError, NotAnImageError, NoSuchKey, SlowDown. */
  readonly errorClass?: string;
  readonly errorMessage?: string;
}

/**
 * The one job handler behind every entry point: reads the S3 event in a message, fetches each
 * created image from the bucket the event names, and writes its thumbnail to
 * `thumbnails/<key without incoming/>.png` in the output bucket.
 *
 * It never throws: every error, permanent (malformed message, not an image, missing object) or
 * transient (throttling, network), becomes a `failed` outcome, and the caller leaves the message
 * on the queue. Telling the two kinds apart would buy nothing, since both are retried and the
 * dead-letter queue catches whatever keeps failing.
 */
export async function handleThumbnailJob(message: WorkMessage, deps: ThumbnailJobDeps): Promise<MessageOutcome> {
  const startedAt = performance.now();
  const inputKeys: string[] = [];
  const outputKeys: string[] = [];
  const finish = (fields: Pick<MessageOutcome, 'outcome' | 'reason' | 'errorClass' | 'errorMessage'>): MessageOutcome => ({
    messageId: message.messageId,
    inputKeys,
    outputKeys,
    durationMs: Math.round(performance.now() - startedAt),
    ...fields,
  });

  try {
    const event = parseS3EventMessage(message.body);
    if (event.kind === 'test-event') {
      return finish({ outcome: 'skipped', reason: 's3:TestEvent' });
    }
    inputKeys.push(...event.created.map((object) => object.key));
    const tasks = event.created.flatMap((object) => {
      const outputKey = thumbnailKeyFor(object.key);
      return outputKey === undefined ? [] : [{ ...object, outputKey }];
    });
    outputKeys.push(...tasks.map((task) => task.outputKey));
    if (tasks.length === 0) {
      const reason =
        event.created.length === 0 ? `no ObjectCreated record (${event.ignoredEventNames.join(', ')})` : 'no key under incoming/';
      return finish({ outcome: 'skipped', reason });
    }
    // One record per message is what S3 sends in practice; several are handled in order.
    for (const task of tasks) {
      await writeThumbnail(message.messageId, task.bucket, task.key, task.outputKey, deps);
    }
    return finish({ outcome: 'processed' });
  } catch (error) {
    const { name, message: text } = error instanceof Error ? error : new Error(String(error));
    return finish({ outcome: 'failed', errorClass: name, errorMessage: text });
  }
}

async function writeThumbnail(
  messageId: string,
  bucket: string,
  inputKey: string,
  outputKey: string,
  deps: ThumbnailJobDeps,
): Promise<void> {
  // No VersionId: the thumbnail follows the object's current content, so two quick uploads of the
  // same key converge on the newest one whatever order their messages are processed in.
  const object = await deps.s3.send(new GetObjectCommand({ Bucket: bucket, Key: inputKey }));
  if (!object.Body) {
    throw new Error(`GetObject returned no body for s3://${bucket}/${inputKey}`);
  }
  try {
    assertDownloadable(object.ContentLength, `s3://${bucket}/${inputKey}`);
  } catch (error) {
    // Release the connection without reading the body.
    (object.Body as { destroy?: () => void }).destroy?.();
    throw error;
  }
  const thumbnail = await renderThumbnail(await object.Body.transformToByteArray(), deps.config.maxEdgePx ?? DEFAULT_MAX_EDGE_PX);
  await deps.beforeWrite?.({ messageId, inputKey, outputKey });
  await deps.s3.send(
    new PutObjectCommand({
      Bucket: deps.config.outputBucket,
      Key: outputKey,
      Body: thumbnail.png,
      ContentType: 'image/png',
    }),
  );
}
