/**
 * The image thread's code (see image-thread.ts): makes and reads images with jimp in plain Node,
 * outside jest's sandbox. Bundled with esbuild and started as a worker thread; never imported.
 */
import { parentPort } from 'node:worker_threads';
import { Jimp } from 'jimp';
import { gradientImage } from '../../../tools/smoke/workers/sample-image';

export type ImageRequest =
  | {
      readonly op: 'generate';
      readonly mime: 'image/png' | 'image/jpeg';
      readonly width: number;
      readonly height: number;
      readonly seed: number;
    }
  | { readonly op: 'decode'; readonly bytes: Uint8Array };

export type ImageResponse =
  | { readonly id: number; readonly bytes: Uint8Array }
  | { readonly id: number; readonly image: { width: number; height: number; mime: string | undefined } }
  | { readonly id: number; readonly error: string };

async function answer(request: ImageRequest): Promise<Omit<ImageResponse, 'id'>> {
  if (request.op === 'generate') {
    return { bytes: await (await gradientImage(request.width, request.height, request.seed)).getBuffer(request.mime) };
  }
  const image = await Jimp.read(Buffer.from(request.bytes));
  return { image: { width: image.width, height: image.height, mime: image.mime } };
}

parentPort!.on('message', ({ id, request }: { id: number; request: ImageRequest }) => {
  answer(request).then(
    (response) => parentPort!.postMessage({ id, ...response }),
    (error: unknown) => parentPort!.postMessage({ id, error: error instanceof Error ? error.message : String(error) }),
  );
});
