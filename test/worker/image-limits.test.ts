jest.mock('jimp', () => jest.requireActual('./support/bundled-jimp').loadBundledJimp());

import { Jimp } from 'jimp';
import {
  assertDecodable,
  assertDownloadable,
  ImageTooLargeError,
  MAX_INPUT_BYTES,
  MAX_INPUT_PIXELS,
  NotAnImageError,
  readImageHeader,
} from '../../worker/src/image-limits';
import { renderThumbnail } from '../../worker/src/thumbnail';
import { pngHeader } from './support/images';

/** Real files of every accepted format, encoded by jimp. */
async function encoded(mime: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/bmp' | 'image/tiff', width: number, height: number) {
  return new Jimp({ width, height, color: 0x3366ccff }).getBuffer(mime);
}

/** A JPEG start: SOI, an APP0 segment, then a baseline frame header declaring width x height. */
function jpegHeader(width: number, height: number): Uint8Array {
  const app0 = [0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00];
  const sof = [0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03];
  return Uint8Array.from([0xff, 0xd8, ...app0, ...sof, ...new Array(9).fill(0)]);
}

function gifHeader(width: number, height: number): Uint8Array {
  return Uint8Array.from([...Buffer.from('GIF89a'), width & 0xff, width >> 8, height & 0xff, height >> 8, 0, 0, 0]);
}

function bmpHeader(width: number, height: number): Uint8Array {
  const bytes = Buffer.alloc(54);
  bytes.write('BM', 0, 'ascii');
  bytes.writeUInt32LE(40, 14);
  bytes.writeInt32LE(width, 18);
  bytes.writeInt32LE(height, 22);
  return bytes;
}

/** A little-endian TIFF whose pages (IFDs) declare these sizes, chained by their next-IFD offsets. */
function tiffHeader(pages: [number, number][], options: { loop?: boolean } = {}): Uint8Array {
  const ifdSize = 2 + 2 * 12 + 4;
  const bytes = Buffer.alloc(8 + pages.length * ifdSize);
  bytes.write('II*\0', 0, 'binary');
  bytes.writeUInt32LE(8, 4);
  pages.forEach(([width, height], index) => {
    const ifd = 8 + index * ifdSize;
    bytes.writeUInt16LE(2, ifd);
    [
      [256, width],
      [257, height],
    ].forEach(([tag, value], entry) => {
      const at = ifd + 2 + entry * 12;
      bytes.writeUInt16LE(tag, at);
      bytes.writeUInt16LE(4, at + 2); // LONG
      bytes.writeUInt32LE(1, at + 4);
      bytes.writeUInt32LE(value, at + 8);
    });
    const last = index === pages.length - 1;
    bytes.writeUInt32LE(last ? (options.loop ? 8 : 0) : ifd + ifdSize, ifd + 2 + 2 * 12);
  });
  return bytes;
}

describe('readImageHeader', () => {
  test.each([['image/png'], ['image/jpeg'], ['image/gif'], ['image/bmp'], ['image/tiff']] as const)(
    'reads the dimensions of a real %s file',
    async (mime) => {
      expect(readImageHeader(await encoded(mime, 123, 45))).toMatchObject({ format: mime.split('/')[1], width: 123, height: 45, pages: 1 });
    },
  );

  test('sums the pixels of every TIFF page, since the decoder decodes them all', () => {
    expect(
      readImageHeader(
        tiffHeader([
          [1000, 1000],
          [2000, 1000],
          [10, 10],
        ]),
      ),
    ).toMatchObject({ format: 'tiff', pixels: 3_000_100, pages: 3 });
  });

  test.each([
    ['WebP', Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')]), /WebP is not a format the worker decodes/],
    ['text', Buffer.from('definitely not an image'), /not a PNG, JPEG, GIF, BMP or TIFF file/],
    ['no bytes', Buffer.alloc(0), /not a PNG, JPEG, GIF, BMP or TIFF file/],
    ['a PNG cut short', pngHeader(10, 10).subarray(0, 18), /cut short/],
    ['a JPEG with no frame header', Uint8Array.from([0xff, 0xd8, 0xff, 0xd9, 0, 0]), /no frame header/],
    ['a JPEG with a broken segment', Uint8Array.from([0xff, 0xd8, 0x12, 0x34, 0, 0, 0, 0]), /broken marker segment/],
    [
      'a TIFF whose pages loop',
      tiffHeader(
        [
          [10, 10],
          [10, 10],
        ],
        { loop: true },
      ),
      /looping or endless page list/,
    ],
    ['a zero-width GIF', gifHeader(0, 10), /declares an empty image/],
  ])('refuses %s as not an image', (_case, bytes, message) => {
    expect(() => readImageHeader(bytes)).toThrow(NotAnImageError);
    expect(() => readImageHeader(bytes)).toThrow(message);
  });
});

describe('assertDecodable: each format has its pixel limit, checked before decoding', () => {
  const side = (pixels: number) => Math.floor(Math.sqrt(pixels));
  test.each([
    ['png', (w: number, h: number) => pngHeader(w, h)],
    ['jpeg', jpegHeader],
    ['gif', (w: number, h: number) => gifHeader(Math.min(w, 65_535), Math.min(h, 65_535))],
    ['bmp', bmpHeader],
    ['tiff', (w: number, h: number) => tiffHeader([[w, h]])],
  ] as const)('%s: accepted at the limit, refused above it with the numbers', (format, header) => {
    const limit = MAX_INPUT_PIXELS[format];
    const atLimit = side(limit);
    expect(() => assertDecodable(header(atLimit, atLimit))).not.toThrow();
    const over = format === 'gif' ? header(65_535, 65_535) : header(atLimit + 1, atLimit + 1);
    expect(() => assertDecodable(over)).toThrow(ImageTooLargeError);
    expect(() => assertDecodable(over)).toThrow(`the limit for ${format.toUpperCase()} is ${limit} pixels`);
  });

  test('a multi-page TIFF is refused on the sum of its pages, naming them', () => {
    const page = Math.floor(Math.sqrt(MAX_INPUT_PIXELS.tiff / 2)) + 10;
    expect(() =>
      assertDecodable(
        tiffHeader([
          [page, page],
          [page, page],
        ]),
      ),
    ).toThrow('over 2 pages');
  });

  test('a JPEG larger than its limit is refused as too large, not as "not an image" by the decoder', async () => {
    await expect(renderThumbnail(jpegHeader(6000, 6000))).rejects.toThrow(ImageTooLargeError);
  });

  test('a bottom-up BMP (negative height) counts its height as positive', () => {
    expect(readImageHeader(bmpHeader(100, -50))).toMatchObject({ width: 100, height: 50 });
  });
});

describe('assertDownloadable', () => {
  test('refuses an object larger than the download limit, naming it', () => {
    expect(() => assertDownloadable(MAX_INPUT_BYTES + 1, 's3://in/incoming/huge.png')).toThrow(
      `s3://in/incoming/huge.png is ${MAX_INPUT_BYTES + 1} bytes`,
    );
  });

  test('accepts an object at the limit, or of unknown size', () => {
    expect(() => assertDownloadable(MAX_INPUT_BYTES, 'k')).not.toThrow();
    expect(() => assertDownloadable(undefined, 'k')).not.toThrow();
  });
});
