/**
 * Memory benchmark of the Lambda worker: runs the bundled Lambda entry, in a process of its own as
 * a Lambda execution environment would, on worst-case batches (as many records as the event source
 * mapping's batch size, each the largest image the worker accepts, for every accepted format), and
 * prints its peak resident memory against the memory the synthesized function is configured with:
 *
 *   npm run bench:memory
 *   ...
 *   peak RSS <X> MB of <Y> MB configured
 *
 * The function's memory and batch size are read from the synthesized WorkerFleetStack, the limits
 * from worker/src/image-limits.ts. "Largest accepted" is the pixel limit of the format, or, where a
 * file of that many pixels would pass the 25 MB download limit (BMP and TIFF as jimp writes them:
 * uncompressed), the most pixels that fit in it. Images come from jimp's encoders (omggif for GIF),
 * S3 is s3rver on loopback in this process, so only the worker's own memory is measured. Goal: at
 * most 60 % of the configured memory. Not part of `npm test`.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { buildSync } from 'esbuild';
import { buildApp } from '../lib/app';
import { MAX_INPUT_BYTES, MAX_INPUT_PIXELS, type ImageFormat } from '../worker/src/image-limits';
import { createQueueWithDlq, putObject, s3EventBody, startLocalAws } from '../test/worker/support/local-aws';

// omggif (jimp's own GIF codec) ships no type declarations; this is the part the benchmark uses.
const { GifWriter } = require('omggif') as {
  GifWriter: new (
    buffer: Buffer,
    width: number,
    height: number,
    options: { palette: number[] },
  ) => {
    addFrame(x: number, y: number, width: number, height: number, pixels: Uint8Array): void;
    end(): number;
  };
};

const ROOT = path.join(__dirname, '..');
const INPUT = 'memory-input';
const OUTPUT = 'memory-output';

/** Bytes per pixel of the uncompressed files jimp writes for these formats. */
const UNCOMPRESSED_BYTES_PER_PIXEL: Partial<Record<ImageFormat, number>> = { bmp: 3, tiff: 4 };

/** The configured memory (MB) and batch size of the worker function, from a synthesis of the default app. */
function configuredFunction(): { memoryMb: number; batchSize: number } {
  const context = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context;
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'bench-memory-cdk-')), context });
  const { workers } = buildApp(app);
  const template = app.synth().getStackArtifact(workers.artifactId).template;
  const resources = Object.values(template.Resources as Record<string, { Type: string; Properties: Record<string, any> }>);
  const mapping = resources.find((resource) => resource.Type === 'AWS::Lambda::EventSourceMapping')!;
  const functionId = mapping.Properties.FunctionName.Ref as string;
  return { memoryMb: template.Resources[functionId].Properties.MemorySize, batchSize: mapping.Properties.BatchSize };
}

/** Width x height of the largest accepted image of a format, about 3:2. */
function largestAccepted(format: ImageFormat): { width: number; height: number } {
  const bytesPerPixel = UNCOMPRESSED_BYTES_PER_PIXEL[format];
  const pixels = Math.min(MAX_INPUT_PIXELS[format], bytesPerPixel ? Math.floor((MAX_INPUT_BYTES - 4096) / bytesPerPixel) : Infinity);
  const height = Math.floor(Math.sqrt((pixels * 2) / 3) / 4) * 4;
  return { width: Math.floor(pixels / height / 4) * 4, height };
}

/** A photo-like gradient, encoded as `format`. */
async function largestImage(jimp: any, format: ImageFormat): Promise<Buffer> {
  const { width, height } = largestAccepted(format);
  if (format === 'gif') {
    // jimp's GIF encoder quantizes the whole image (minutes at this size); omggif writes a palette image directly.
    const palette = Array.from({ length: 256 }, (_, index) => (index << 16) | ((255 - index) << 8) | 0x80);
    const pixels = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) pixels.fill(y % 256, y * width, (y + 1) * width);
    const buffer = Buffer.alloc(width * height + 1024 * 1024);
    const writer = new GifWriter(buffer, width, height, { palette });
    writer.addFrame(0, 0, width, height, pixels);
    return buffer.subarray(0, writer.end());
  }
  const image = new jimp.Jimp({ width, height, color: 0x336699ff });
  const data: Buffer = image.bitmap.data;
  for (let index = 0; index < data.length; index += 4) {
    const pixel = index >> 2;
    data[index] = (pixel % width) & 0xff;
    data[index + 1] = Math.floor(pixel / width) & 0xff;
  }
  return image.getBuffer(`image/${format}`);
}

async function main(): Promise<void> {
  const { memoryMb, batchSize } = configuredFunction();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-memory-'));
  const bundle = (entry: string, out: string) =>
    buildSync({
      entryPoints: [entry],
      absWorkingDir: ROOT,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: path.join(work, out),
      logLevel: 'warning',
    });
  bundle(path.join(ROOT, 'worker/src/lambda-entry.ts'), 'lambda.js');
  fs.writeFileSync(path.join(work, 'jimp-entry.js'), "module.exports = require('jimp');");
  buildSync({
    entryPoints: [path.join(work, 'jimp-entry.js')],
    nodePaths: [path.join(ROOT, 'node_modules')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: path.join(work, 'jimp.js'),
    logLevel: 'warning',
  });
  const jimp = require(path.join(work, 'jimp.js'));

  const aws = await startLocalAws([INPUT, OUTPUT]);
  try {
    const { queueUrl } = await createQueueWithDlq(aws.sqs, 'memory-work', 5);
    const formats = Object.keys(MAX_INPUT_PIXELS) as ImageFormat[];
    const batches: unknown[] = [];
    for (const format of formats) {
      const bytes = await largestImage(jimp, format);
      const { width, height } = largestAccepted(format);
      console.log(
        `${format}: ${width} x ${height} = ${((width * height) / 1e6).toFixed(1)} MP, ${(bytes.length / 1048576).toFixed(1)} MB file`,
      );
      const records = [];
      for (let index = 0; index < batchSize; index++) {
        const key = `incoming/${format}/largest-${index}.${format}`;
        await putObject(aws.s3, INPUT, key, bytes);
        records.push({
          messageId: `${format}-${index}`,
          receiptHandle: 'unused',
          body: s3EventBody(INPUT, key, bytes.length),
          attributes: { ApproximateReceiveCount: '1' },
          messageAttributes: {},
          eventSourceARN: `arn:aws:sqs:us-east-1:123456789012:${queueUrl.split('/').pop()}`,
        });
      }
      batches.push({ format, event: { Records: records } });
    }
    fs.writeFileSync(path.join(work, 'batches.json'), JSON.stringify(batches));
    // One process for every batch, like one warm execution environment receiving them in turn.
    const script = `
      const { handler } = require(${JSON.stringify(path.join(work, 'lambda.js'))});
      const batches = require(${JSON.stringify(path.join(work, 'batches.json'))});
      (async () => {
        for (const { format, event } of batches) {
          const response = await handler(event, { functionName: 'bench', awsRequestId: format });
          if (response.batchItemFailures.length) throw new Error(format + ': ' + JSON.stringify(response));
          console.log(format + ': batch of ' + event.Records.length + ' done, peak RSS so far ' + Math.round(process.resourceUsage().maxRSS / 1024) + ' MB');
        }
        console.log('PEAK_RSS_MB ' + Math.round(process.resourceUsage().maxRSS / 1024));
      })().catch((error) => { console.error(error); process.exit(1); });`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
      env: { PATH: process.env.PATH, ...aws.workerEnv, OUTPUT_BUCKET: OUTPUT, POWERTOOLS_LOG_LEVEL: 'SILENT' },
      maxBuffer: 16 * 1024 * 1024,
    });
    const lines = stdout.trim().split('\n');
    lines.filter((line) => !line.startsWith('PEAK_RSS_MB')).forEach((line) => console.log(line));
    const peak = Number(lines.find((line) => line.startsWith('PEAK_RSS_MB'))!.split(' ')[1]);
    console.log(`ratio ${(peak / memoryMb).toFixed(2)} (goal: at most 0.60)`);
    console.log(`peak RSS ${peak} MB of ${memoryMb} MB configured`);
  } finally {
    await aws.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
