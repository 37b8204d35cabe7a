/**
 * Which failures are permanent (retrying cannot help, so the message goes straight to the
 * dead-letter queue) and how long a transient one waits before its next try.
 */

/**
 * Error classes (`error.name`) that no retry can fix: the message is not an S3 event, the object is
 * not an image or is too large, or the object is gone (S3's NoSuchKey: deleted since the upload).
 * Everything else (throttling, timeouts, a network failure, AccessDenied while a policy propagates)
 * is retried.
 */
export const PERMANENT_ERROR_CLASSES: ReadonlySet<string> = new Set([
  'MalformedMessageError',
  'NotAnImageError',
  'ImageTooLargeError',
  'NoSuchKey',
]);

/** Whether a failure with this error class is permanent. */
export function isPermanentFailure(errorClass: string | undefined): boolean {
  return errorClass !== undefined && PERMANENT_ERROR_CLASSES.has(errorClass);
}

/**
 * Error classes and codes that mean "the service could not be reached", as the AWS SDK for
 * JavaScript v3 and Node report them: the poller backs off receiving while they last.
 */
const UNREACHABLE = new Set([
  'TimeoutError',
  'RequestTimeout',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/** Whether an error says the service could not be reached (rather than that it refused the request). */
export function isUnreachable(error: { name?: string; code?: string; message?: string } | undefined): boolean {
  if (error === undefined) return false;
  return (
    UNREACHABLE.has(error.name ?? '') ||
    UNREACHABLE.has(error.code ?? '') ||
    /socket hang up|ECONNREFUSED|ENOTFOUND/.test(error.message ?? '')
  );
}

/**
 * Seconds a transient failure waits before its next receive: exponential in the number of
 * receives so far, with "equal jitter" (half the step plus a random share of the other half, so retries of a
 * burst spread out but none comes back at once), capped. `random` is injectable
 * for tests.
 */
export function retryDelaySeconds(
  receiveCount: number,
  options: { baseSeconds?: number; capSeconds: number },
  random: () => number = Math.random,
): number {
  const base = options.baseSeconds ?? 2;
  const step = Math.min(options.capSeconds, base * 2 ** Math.max(0, receiveCount - 1));
  return Math.max(1, Math.round(step / 2 + (random() * step) / 2));
}
