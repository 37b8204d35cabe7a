import { Jimp } from 'jimp';

/**
 * A generated image: a colour gradient whose blue channel depends on `seed`, so different seeds
 * give different files. The smoke check uploads one; the worker tests use the same generator
 * (test/worker/support/images.ts, through a worker thread), so no binary fixture is kept anywhere.
 */
export async function gradientImage(width: number, height: number, seed = 0): Promise<InstanceType<typeof Jimp>> {
  const image = new Jimp({ width, height, color: 0x000000ff });
  image.scan(0, 0, width, height, (x, y, index) => {
    image.bitmap.data[index] = (x * 255) / width;
    image.bitmap.data[index + 1] = (y * 255) / height;
    image.bitmap.data[index + 2] = (seed * 37) % 256;
    image.bitmap.data[index + 3] = 255;
  });
  return image;
}

/** The gradient as PNG bytes. */
export async function generatedPng(width: number, height: number, seed = 0): Promise<Buffer> {
  return (await gradientImage(width, height, seed)).getBuffer('image/png');
}
