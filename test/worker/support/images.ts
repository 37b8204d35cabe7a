/** Small generated images, so the tests need no binary fixtures. */
import { Jimp } from 'jimp';
import { generatedPng, gradientImage } from '../../../tools/smoke/workers/sample-image';

/** A PNG whose pixels depend on `seed`, so different seeds give different files (the smoke check uploads the same). */
export { generatedPng };

/** A JPEG photo stand-in. */
export async function generatedJpeg(width: number, height: number, seed = 0): Promise<Buffer> {
  return (await gradientImage(width, height, seed)).getBuffer('image/jpeg');
}

/** Decodes image bytes with jimp (throws when they are not an image). */
export async function decodeImage(bytes: Uint8Array): Promise<{ width: number; height: number; mime: string | undefined }> {
  const image = await Jimp.read(Buffer.from(bytes));
  return { width: image.width, height: image.height, mime: image.mime };
}

/** The first 24 bytes of a PNG: signature, then the IHDR chunk's length, type, width and height. */
export function pngHeader(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(33);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const view = new DataView(bytes.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  return bytes;
}
