/**
 * Where a thumbnail is written. The mapping is a pure function of the input key, so a redelivered
 * message rewrites the same object instead of adding a second one: that is what makes the job
 * idempotent under SQS's at-least-once delivery.
 */

/** Uploads under this prefix are the worker's input (the bucket notification filters on it too). */
export const INPUT_PREFIX = 'incoming/';

/** Thumbnails are written under this prefix of the output bucket. */
export const OUTPUT_PREFIX = 'thumbnails/';

/**
 * `incoming/<path>` becomes `thumbnails/<path>.png`: the original extension is kept so that
 * `cat.jpg` and `cat.png` do not overwrite each other's thumbnail.
 *
 * @returns undefined for keys this worker must not touch: outside `incoming/` (even if the
 * notification filter is misconfigured, the worker never reacts to its own output, so it cannot
 * loop) and folder placeholders ending in `/`.
 */
export function thumbnailKeyFor(inputKey: string): string | undefined {
  if (!inputKey.startsWith(INPUT_PREFIX) || inputKey.endsWith('/')) {
    return undefined;
  }
  return `${OUTPUT_PREFIX}${inputKey.slice(INPUT_PREFIX.length)}.png`;
}
