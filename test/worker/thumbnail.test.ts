jest.mock('jimp', () => jest.requireActual('./support/bundled-jimp').loadBundledJimp());

import { NotAnImageError, renderThumbnail } from '../../worker/src/thumbnail';
import { decodeImage, generatedJpeg, generatedPng } from './support/images';

describe('renderThumbnail', () => {
  it('shrinks a large JPEG to a PNG whose longest edge is the limit, keeping the aspect ratio', async () => {
    const thumbnail = await renderThumbnail(await generatedJpeg(640, 480), 256);
    expect([thumbnail.width, thumbnail.height]).toEqual([256, 192]);
    expect(await decodeImage(thumbnail.png)).toEqual({ width: 256, height: 192, mime: 'image/png' });
  });

  it('fits portrait images by their height', async () => {
    const thumbnail = await renderThumbnail(await generatedPng(100, 400), 200);
    expect([thumbnail.width, thumbnail.height]).toEqual([50, 200]);
  });

  it('does not enlarge an image already smaller than the limit', async () => {
    const thumbnail = await renderThumbnail(await generatedPng(64, 48), 256);
    expect([thumbnail.width, thumbnail.height]).toEqual([64, 48]);
  });

  it('produces byte-identical output for the same input, so a rewrite changes nothing', async () => {
    const source = await generatedJpeg(300, 300, 3);
    const [first, second] = await Promise.all([renderThumbnail(source, 128), renderThumbnail(source, 128)]);
    expect(Buffer.compare(first.png, second.png)).toBe(0);
  });

  it('accepts a view into a larger buffer', async () => {
    const png = await generatedPng(20, 10);
    const padded = Buffer.concat([Buffer.alloc(7), png, Buffer.alloc(5)]);
    const thumbnail = await renderThumbnail(padded.subarray(7, 7 + png.length), 256);
    expect([thumbnail.width, thumbnail.height]).toEqual([20, 10]);
  });

  it.each([
    ['text', Buffer.from('definitely not an image')],
    ['no bytes', Buffer.alloc(0)],
  ])('rejects %s with NotAnImageError', async (_case, bytes) => {
    await expect(renderThumbnail(bytes, 256)).rejects.toThrow(NotAnImageError);
  });
});
