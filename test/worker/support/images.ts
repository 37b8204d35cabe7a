/** Small generated images, so the tests need no binary fixtures. */
import { Jimp } from 'jimp';

/** A PNG whose pixels depend on `seed`, so different seeds give different files. */
export async function generatedPng(width: number, height: number, seed = 0): Promise<Buffer> {
  return (await gradient(width, height, seed)).getBuffer('image/png');
}

/** A JPEG photo stand-in. */
export async function generatedJpeg(width: number, height: number, seed = 0): Promise<Buffer> {
  return (await gradient(width, height, seed)).getBuffer('image/jpeg');
}

/** Decodes image bytes with jimp (throws when they are not an image). */
export async function decodeImage(bytes: Uint8Array): Promise<{ width: number; height: number; mime: string | undefined }> {
  const image = await Jimp.read(Buffer.from(bytes));
  return { width: image.width, height: image.height, mime: image.mime };
}

async function gradient(width: number, height: number, seed: number): Promise<InstanceType<typeof Jimp>> {
  const image = new Jimp({ width, height, color: 0x000000ff });
  image.scan(0, 0, width, height, (x, y, index) => {
    image.bitmap.data[index] = (x * 255) / width;
    image.bitmap.data[index + 1] = (y * 255) / height;
    image.bitmap.data[index + 2] = (seed * 37) % 256;
    image.bitmap.data[index + 3] = 255;
  });
  return image;
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
