/**
 * One worker thread per test file that makes and reads the tests' images.
 *
 * Why a thread: code that jest runs in its sandbox (a vm context) handles Node Buffers many times
 * slower than plain Node: jimp's PNG encoder took about 70 ms for a 64x64 image there against
 * under 2 ms in plain Node, so the tests' own image work outweighed the workers' they check. A
 * worker thread is plain Node. It also loads jimp as Node does, where its dynamic `import()` works.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ImageRequest, ImageResponse } from './image-thread-entry';
import { bundleToTempFile, type TempBundle } from './temp-bundle';

interface ImageThread {
  readonly worker: Worker;
  readonly pending: Map<number, (response: ImageResponse) => void>;
  nextId: number;
  readonly bundle: TempBundle;
}

let thread: ImageThread | undefined;

/** Stops the thread and removes its bundle: after each test file that loads this module. */
async function stopImageThread(): Promise<void> {
  if (!thread) return;
  const { worker, bundle } = thread;
  thread = undefined;
  await worker.terminate();
  bundle.remove();
}
// Registered when a test file imports this module (afterAll exists only inside jest).
if (typeof afterAll === 'function') afterAll(stopImageThread);

/** The thread, started on first use from an esbuild bundle of image-thread-entry.ts. */
function imageThread(): ImageThread {
  if (thread) return thread;
  const bundle = bundleToTempFile({ entryPoints: [join(__dirname, 'image-thread-entry.ts')] }, 'image-thread');
  const worker = new Worker(bundle.file);
  const started: ImageThread = { worker, pending: new Map(), nextId: 0, bundle };
  worker.on('message', (response: ImageResponse) => {
    started.pending.get(response.id)?.(response);
    started.pending.delete(response.id);
  });
  worker.on('error', (error) => {
    for (const answer of started.pending.values()) answer({ id: -1, error: `image thread failed: ${error.message}` });
    started.pending.clear();
  });
  worker.unref();
  thread = started;
  // Outside jest (no afterAll), the bundle goes when the process ends.
  if (typeof afterAll !== 'function') process.once('exit', bundle.remove);
  return started;
}

/** Sends one request to the image thread and waits for its answer; an error there is thrown here. */
export function inImageThread(request: ImageRequest): Promise<ImageResponse> {
  const started = imageThread();
  const id = started.nextId++;
  return new Promise((resolveResponse, reject) => {
    started.pending.set(id, (response) => ('error' in response ? reject(new Error(response.error)) : resolveResponse(response)));
    started.worker.postMessage({ id, request });
  });
}
