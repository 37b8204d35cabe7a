import { S3Client } from '@aws-sdk/client-s3';

/**
 * Bounds on every S3 call. Without them a stalled connection would hang its job forever, and
 * the poller's heartbeat would keep extending the message's visibility: the message would
 * neither finish nor come back. With them the call fails, the job fails, and the message is
 * retried (and dead-lettered after maxReceiveCount).
 */
export const S3_CONNECTION_TIMEOUT_MS = 5_000;
/** How long a request may go without a byte moving (a socket idle timeout, not a total). */
export const S3_REQUEST_TIMEOUT_MS = 30_000;

/** The S3 client of both entry points. `forcePathStyle` is for local S3 servers (S3_FORCE_PATH_STYLE). */
export function createS3Client(options: { readonly forcePathStyle: boolean }): S3Client {
  return new S3Client({
    forcePathStyle: options.forcePathStyle,
    requestHandler: { connectionTimeout: S3_CONNECTION_TIMEOUT_MS, requestTimeout: S3_REQUEST_TIMEOUT_MS },
  });
}
