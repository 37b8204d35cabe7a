/**
 * Bounds on what one job may download and decode. Ten messages are worked on at once in a
 * process of 1-2 GB, and jimp decodes a whole image into memory (4 bytes a pixel): without a
 * bound, one huge image could take the process down, and every message it held would count a
 * failed receive. With them it is one failed message, dead-lettered after maxReceiveCount.
 */

/** The largest object the job downloads. */
export const MAX_INPUT_BYTES = 25 * 1024 * 1024;
/**
 * The most pixels the job decodes: 40 megapixels, 160 MB decoded. JPEG has its own bound in
 * jimp's decoder (jpeg-js refuses more than 100 megapixels); PNG, where a small file can
 * declare a huge image, is checked here from its header before decoding.
 */
export const MAX_INPUT_PIXELS = 40_000_000;

/** The image is larger than the job will handle. Retrying will not help. */
export class ImageTooLargeError extends Error {
  override readonly name = 'ImageTooLargeError';
}

/** Refuses an object by its size before its body is read. */
export function assertDownloadable(contentLength: number | undefined, key: string): void {
  if (contentLength !== undefined && contentLength > MAX_INPUT_BYTES) {
    throw new ImageTooLargeError(`${key} is ${contentLength} bytes; the limit is ${MAX_INPUT_BYTES}`);
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Refuses a PNG whose header declares more than MAX_INPUT_PIXELS; other formats pass through. */
export function assertDecodable(source: Uint8Array): void {
  const isPng = source.length >= 24 && PNG_SIGNATURE.every((byte, index) => source[index] === byte);
  if (!isPng) return;
  // IHDR is always the first chunk: width and height are big-endian at offsets 16 and 20.
  const view = new DataView(source.buffer, source.byteOffset, source.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width * height > MAX_INPUT_PIXELS) {
    throw new ImageTooLargeError(`the PNG declares ${width} x ${height} pixels; the limit is ${MAX_INPUT_PIXELS} pixels`);
  }
}
