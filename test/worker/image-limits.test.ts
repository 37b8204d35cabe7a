import { assertDecodable, assertDownloadable, ImageTooLargeError, MAX_INPUT_BYTES, MAX_INPUT_PIXELS } from '../../worker/src/image-limits';
import { pngHeader } from './support/images';

describe('assertDecodable', () => {
  test('refuses a PNG that declares more pixels than the limit, before decoding it', () => {
    expect(() => assertDecodable(pngHeader(10_000, 10_000))).toThrow(ImageTooLargeError);
    expect(() => assertDecodable(pngHeader(10_000, 10_000))).toThrow('declares 10000 x 10000 pixels');
  });

  test('accepts a PNG at the limit, and anything that is not a PNG (other decoders bound themselves)', () => {
    expect(() => assertDecodable(pngHeader(MAX_INPUT_PIXELS / 5_000, 5_000))).not.toThrow();
    expect(() => assertDecodable(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).not.toThrow();
    expect(() => assertDecodable(new Uint8Array(0))).not.toThrow();
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
