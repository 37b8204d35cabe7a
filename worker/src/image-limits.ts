/**
 * Bounds on what one job may download and decode, checked from the file's header before any
 * decoder runs. jimp decodes a whole image into memory, and its decoders need far more than the
 * 4 bytes a pixel of the result (measured with `npm run bench:memory`: about 35 MB per megapixel
 * for JPEG, 16 for PNG, 12 for TIFF, 9 for GIF, 6 for BMP, peak RSS). The limits below keep the
 * largest accepted image of every format within the Lambda function's memory; a larger one fails
 * alone, for good, with a clear reason, instead of taking its process (and every message it held)
 * down.
 *
 * Accepted formats are exactly those jimp 1.6 decodes: PNG, JPEG, GIF, BMP and TIFF. WebP and
 * anything else is "not an image".
 */

/** The largest object the job downloads. */
export const MAX_INPUT_BYTES = 25 * 1024 * 1024;

/** The formats the worker decodes. */
export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'bmp' | 'tiff';

/**
 * The most pixels the job decodes, per format (for TIFF: over all pages, since jimp's TIFF decoder
 * decodes every page). JPEG's decoder needs the most memory per pixel, hence its lower bound.
 */
export const MAX_INPUT_PIXELS: Readonly<Record<ImageFormat, number>> = {
  png: 40_000_000,
  jpeg: 24_000_000,
  gif: 40_000_000,
  bmp: 40_000_000,
  tiff: 40_000_000,
};

/**
 * jpeg-js's own memory budget, in MB, which must not refuse what MAX_INPUT_PIXELS.jpeg accepts (its
 * default of 512 refuses about 28 megapixels). It counts its working buffers, not the process.
 */
export const JPEG_DECODER_MEMORY_MB = 1024;

/** The image is larger than the job will handle. Retrying will not help. */
export class ImageTooLargeError extends Error {
  override readonly name = 'ImageTooLargeError';
}

/** The object's bytes are not an image format the worker can decode. Retrying will not help. */
export class NotAnImageError extends Error {
  override readonly name = 'NotAnImageError';
}

/** Refuses an object by its size before its body is read. */
export function assertDownloadable(contentLength: number | undefined, key: string): void {
  if (contentLength !== undefined && contentLength > MAX_INPUT_BYTES) {
    throw new ImageTooLargeError(`${key} is ${contentLength} bytes; the limit is ${MAX_INPUT_BYTES}`);
  }
}

/** What an image's header declares. */
export interface ImageHeader {
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
  /** Width x height, summed over every page (TIFF). */
  readonly pixels: number;
  readonly pages: number;
}

/**
 * Reads the format and dimensions from the header.
 * @throws NotAnImageError when the bytes are not one of the accepted formats, or the header is cut short.
 */
export function readImageHeader(source: Uint8Array): ImageHeader {
  const bytes = new Reader(source);
  if (bytes.matches(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return png(bytes);
  if (bytes.matches(0, [0xff, 0xd8])) return jpeg(bytes);
  if (bytes.ascii(0, 6) === 'GIF87a' || bytes.ascii(0, 6) === 'GIF89a') return gif(bytes);
  if (bytes.ascii(0, 2) === 'BM') return bmp(bytes);
  if (bytes.ascii(0, 4) === 'II*\0' || bytes.ascii(0, 4) === 'MM\0*') return tiff(bytes);
  if (bytes.ascii(0, 4) === 'RIFF' && bytes.ascii(8, 4) === 'WEBP') {
    throw new NotAnImageError('WebP is not a format the worker decodes (PNG, JPEG, GIF, BMP, TIFF)');
  }
  throw new NotAnImageError('not a PNG, JPEG, GIF, BMP or TIFF file');
}

/**
 * Refuses, before decoding, what is not an accepted image or declares more pixels than its
 * format's limit.
 * @returns the header, for the decoder's own bounds.
 */
export function assertDecodable(source: Uint8Array): ImageHeader {
  const header = readImageHeader(source);
  const limit = MAX_INPUT_PIXELS[header.format];
  if (header.pixels > limit) {
    const pages = header.pages > 1 ? ` over ${header.pages} pages` : '';
    throw new ImageTooLargeError(
      `the ${header.format.toUpperCase()} declares ${header.width} x ${header.height} pixels${pages} (${header.pixels} in all); ` +
        `the limit for ${header.format.toUpperCase()} is ${limit} pixels`,
    );
  }
  return header;
}

function header(format: ImageFormat, width: number, height: number): ImageHeader {
  if (width === 0 || height === 0) throw new NotAnImageError(`the ${format.toUpperCase()} header declares an empty image`);
  return { format, width, height, pixels: width * height, pages: 1 };
}

/** PNG: IHDR is always the first chunk; width and height are big-endian at 16 and 20. */
function png(bytes: Reader): ImageHeader {
  return header('png', bytes.u32(16, false), bytes.u32(20, false));
}

/** SOFn markers: every start-of-frame kind carries the frame's height and width. */
const JPEG_START_OF_FRAME = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** JPEG: walk the marker segments to the first start of frame (bounded: each step moves forward). */
function jpeg(bytes: Reader): ImageHeader {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes.u8(offset) !== 0xff) throw new NotAnImageError('the JPEG has a broken marker segment');
    const marker = bytes.u8(offset + 1);
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // end of image, or scan data before any frame
    if (JPEG_START_OF_FRAME.has(marker)) return header('jpeg', bytes.u16(offset + 7, false), bytes.u16(offset + 5, false));
    const length = bytes.u16(offset + 2, false);
    if (length < 2) throw new NotAnImageError('the JPEG has a broken marker segment');
    offset += 2 + length;
  }
  throw new NotAnImageError('the JPEG has no frame header');
}

/** GIF: the logical screen's width and height, little-endian at 6 and 8 (the decoder's buffer size). */
function gif(bytes: Reader): ImageHeader {
  return header('gif', bytes.u16(6, true), bytes.u16(8, true));
}

/** BMP: after the 14-byte file header, the DIB header (OS/2 core headers hold 16-bit sizes). */
function bmp(bytes: Reader): ImageHeader {
  const dibSize = bytes.u32(14, true);
  if (dibSize === 12) return header('bmp', bytes.u16(18, true), bytes.u16(20, true));
  // Height is negative for top-down bitmaps.
  return header('bmp', Math.abs(bytes.i32(18, true)), Math.abs(bytes.i32(22, true)));
}

const TIFF_MAX_PAGES = 1000;

/** TIFF: every image file directory (page): tags 256 (width) and 257 (height), SHORT or LONG. */
function tiff(bytes: Reader): ImageHeader {
  const little = bytes.ascii(0, 2) === 'II';
  let offset = bytes.u32(4, little);
  const seen = new Set<number>();
  let pixels = 0;
  let first: { width: number; height: number } | undefined;
  while (offset !== 0) {
    if (seen.has(offset) || seen.size >= TIFF_MAX_PAGES) throw new NotAnImageError('the TIFF has a looping or endless page list');
    seen.add(offset);
    const entries = bytes.u16(offset, little);
    let width = 0;
    let height = 0;
    for (let index = 0; index < entries; index++) {
      const entry = offset + 2 + index * 12;
      const tag = bytes.u16(entry, little);
      if (tag !== 256 && tag !== 257) continue;
      const type = bytes.u16(entry + 2, little);
      const value = type === 3 ? bytes.u16(entry + 8, little) : type === 4 ? bytes.u32(entry + 8, little) : 0;
      if (tag === 256) width = value;
      else height = value;
    }
    if (width === 0 || height === 0) throw new NotAnImageError('a TIFF page has no width or height');
    first ??= { width, height };
    pixels += width * height;
    offset = bytes.u32(offset + 2 + entries * 12, little);
  }
  if (first === undefined) throw new NotAnImageError('the TIFF has no page');
  return { format: 'tiff', width: first.width, height: first.height, pixels, pages: seen.size };
}

/** Bounds-checked reads: a header cut short is "not an image", never an exception from DataView. */
class Reader {
  private readonly view: DataView;
  readonly length: number;

  constructor(source: Uint8Array) {
    this.view = new DataView(source.buffer, source.byteOffset, source.byteLength);
    this.length = source.byteLength;
  }

  private need(offset: number, size: number): void {
    if (offset < 0 || offset + size > this.length) throw new NotAnImageError('the image header is cut short');
  }

  u8(offset: number): number {
    this.need(offset, 1);
    return this.view.getUint8(offset);
  }

  u16(offset: number, little: boolean): number {
    this.need(offset, 2);
    return this.view.getUint16(offset, little);
  }

  u32(offset: number, little: boolean): number {
    this.need(offset, 4);
    return this.view.getUint32(offset, little);
  }

  i32(offset: number, little: boolean): number {
    this.need(offset, 4);
    return this.view.getInt32(offset, little);
  }

  matches(offset: number, signature: number[]): boolean {
    return offset + signature.length <= this.length && signature.every((byte, index) => this.view.getUint8(offset + index) === byte);
  }

  ascii(offset: number, length: number): string {
    if (offset + length > this.length) return '';
    return String.fromCharCode(...Array.from({ length }, (_, index) => this.view.getUint8(offset + index)));
  }
}
