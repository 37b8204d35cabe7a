/**
 * Small generated images, so the tests need no binary fixtures. Made and read by jimp in a worker
 * thread, outside jest's sandbox (support/image-thread.ts says why).
 */
import { inImageThread } from './image-thread';

/** A PNG whose pixels depend on `seed`, so different seeds give different files: the smoke check's own generator (tools/smoke/workers/sample-image.ts). */
export async function generatedPng(width: number, height: number, seed = 0): Promise<Buffer> {
  return generated('image/png', width, height, seed);
}

/** A JPEG photo stand-in. */
export async function generatedJpeg(width: number, height: number, seed = 0): Promise<Buffer> {
  return generated('image/jpeg', width, height, seed);
}

/** Decodes image bytes with jimp (throws when they are not an image). */
export async function decodeImage(bytes: Uint8Array): Promise<{ width: number; height: number; mime: string | undefined }> {
  const response = await inImageThread({ op: 'decode', bytes });
  if (!('image' in response)) throw new Error('the image thread answered a decode without an image');
  return response.image;
}

async function generated(mime: 'image/png' | 'image/jpeg', width: number, height: number, seed: number): Promise<Buffer> {
  const response = await inImageThread({ op: 'generate', mime, width, height, seed });
  if (!('bytes' in response)) throw new Error('the image thread answered a generate without bytes');
  return Buffer.from(response.bytes);
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
