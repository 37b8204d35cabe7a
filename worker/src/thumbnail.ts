import { Jimp } from 'jimp';
import { assertDecodable, JPEG_DECODER_MEMORY_MB, MAX_INPUT_PIXELS, NotAnImageError } from './image-limits';

export { NotAnImageError } from './image-limits';

/** Default longest edge of a thumbnail, in pixels. */
export const DEFAULT_MAX_EDGE_PX = 256;

/** A thumbnail encoded as PNG, with its size. */
export interface Thumbnail {
  readonly png: Buffer;
  readonly width: number;
  readonly height: number;
}

/**
 * Decodes an image (PNG, JPEG, GIF, BMP, TIFF) and returns a PNG no larger than `maxEdgePx` on its
 * longest edge, keeping the aspect ratio. Smaller images keep their size: upscaling would only
 * make a blurrier, bigger file. PNG is lossless and its encoding deterministic, so re-running the
 * job on the same input writes byte-identical output.
 *
 * jimp is pure JavaScript, which is why the same bundle runs on Lambda, Fargate and EC2 with no
 * native build step. `Jimp.fromBuffer` (not `Jimp.read`, which drops its options for a buffer)
 * hands the JPEG decoder bounds that agree with the header check.
 * @throws NotAnImageError when the bytes are not an accepted format or cannot be decoded.
 * @throws ImageTooLargeError when the header declares more pixels than the format's limit.
 */
export async function renderThumbnail(source: Uint8Array, maxEdgePx: number = DEFAULT_MAX_EDGE_PX): Promise<Thumbnail> {
  assertDecodable(source);
  let image: Awaited<ReturnType<typeof Jimp.fromBuffer>>;
  try {
    image = await Jimp.fromBuffer(Buffer.from(source.buffer, source.byteOffset, source.byteLength), {
      'image/jpeg': { maxMemoryUsageInMB: JPEG_DECODER_MEMORY_MB, maxResolutionInMP: Math.ceil(MAX_INPUT_PIXELS.jpeg / 1e6) },
    });
  } catch (error) {
    throw new NotAnImageError(`cannot decode image: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (image.width > maxEdgePx || image.height > maxEdgePx) {
    image.scaleToFit({ w: maxEdgePx, h: maxEdgePx });
  }
  const png = await image.getBuffer('image/png');
  return { png, width: image.width, height: image.height };
}
