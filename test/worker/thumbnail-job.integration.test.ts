jest.mock('jimp', () => jest.requireActual('./support/bundled-jimp').loadBundledJimp());

import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { handleThumbnailJob, type ThumbnailJobDeps } from '../../worker/src/thumbnail-job';
import { decodeImage, generatedJpeg, generatedPng, pngHeader } from './support/images';
import { getObjectBytes, type LocalAws, listKeys, putObject, s3EventBody, s3TestEventBody, startLocalAws } from './support/local-aws';

const INPUT = 'job-input';
const OUTPUT = 'job-output';

let aws: LocalAws;
let deps: ThumbnailJobDeps;

beforeAll(async () => {
  aws = await startLocalAws([INPUT, OUTPUT]);
  deps = { s3: aws.s3, config: { outputBucket: OUTPUT } };
});
afterAll(() => aws.close());

describe('handleThumbnailJob', () => {
  it('writes a smaller PNG under thumbnails/ for an upload under incoming/', async () => {
    const key = 'incoming/holiday photos/cat é.jpg';
    await putObject(aws.s3, INPUT, key, await generatedJpeg(400, 300));

    const outcome = await handleThumbnailJob({ messageId: 'm-1', body: s3EventBody(INPUT, key) }, deps);

    expect(outcome).toEqual({
      messageId: 'm-1',
      outcome: 'processed',
      inputKeys: [key],
      outputKeys: ['thumbnails/holiday photos/cat é.jpg.png'],
      durationMs: expect.any(Number),
    });
    const written = await getObjectBytes(aws.s3, OUTPUT, 'thumbnails/holiday photos/cat é.jpg.png');
    expect(await decodeImage(written!)).toEqual({ width: 256, height: 192, mime: 'image/png' });
  });

  it('fails a PNG that declares too many pixels without decoding it, and writes nothing', async () => {
    const key = 'incoming/bomb.png';
    await putObject(aws.s3, INPUT, key, pngHeader(10_000, 10_000));

    const outcome = await handleThumbnailJob({ messageId: 'm-bomb', body: s3EventBody(INPUT, key) }, deps);

    expect(outcome).toMatchObject({ outcome: 'failed', errorClass: 'ImageTooLargeError' });
    expect(await getObjectBytes(aws.s3, OUTPUT, 'thumbnails/bomb.png.png')).toBeUndefined();
  });

  it('rewrites the same key with the same bytes when the message is delivered again', async () => {
    const key = 'incoming/again/dog.png';
    await putObject(aws.s3, INPUT, key, await generatedPng(300, 300, 7));
    const message = { messageId: 'm-2', body: s3EventBody(INPUT, key) };

    await handleThumbnailJob(message, deps);
    const first = await getObjectBytes(aws.s3, OUTPUT, 'thumbnails/again/dog.png.png');
    await handleThumbnailJob(message, deps);
    const second = await getObjectBytes(aws.s3, OUTPUT, 'thumbnails/again/dog.png.png');

    expect(await listKeys(aws.s3, OUTPUT, 'thumbnails/again/')).toEqual(['thumbnails/again/dog.png.png']);
    expect(Buffer.compare(Buffer.from(first!), Buffer.from(second!))).toBe(0);
  });

  it('skips the S3 test event', async () => {
    const outcome = await handleThumbnailJob({ messageId: 'm-3', body: s3TestEventBody(INPUT) }, deps);
    expect(outcome).toMatchObject({ outcome: 'skipped', reason: 's3:TestEvent', inputKeys: [], outputKeys: [] });
  });

  it('skips keys outside incoming/ without reading them, so its own output can never trigger it', async () => {
    const outcome = await handleThumbnailJob({ messageId: 'm-4', body: s3EventBody(OUTPUT, 'thumbnails/cat.jpg.png') }, deps);
    expect(outcome).toMatchObject({
      outcome: 'skipped',
      reason: 'no key under incoming/',
      inputKeys: ['thumbnails/cat.jpg.png'],
      outputKeys: [],
    });
  });

  it('skips events that create nothing', async () => {
    const body = JSON.stringify({
      Records: [{ eventName: 'ObjectRemoved:Delete', s3: { bucket: { name: INPUT }, object: { key: 'incoming/x.png' } } }],
    });
    const outcome = await handleThumbnailJob({ messageId: 'm-5', body }, deps);
    expect(outcome).toMatchObject({ outcome: 'skipped', reason: 'no ObjectCreated record (ObjectRemoved:Delete)' });
  });

  it.each([
    ['a body that is not JSON', () => Promise.resolve('{"Records": ['), 'MalformedMessageError', []],
    ['a JSON body of the wrong shape', () => Promise.resolve('{"hello":"world"}'), 'MalformedMessageError', []],
    [
      'an object that does not exist',
      () => Promise.resolve(s3EventBody(INPUT, 'incoming/never-uploaded.png')),
      'NoSuchKey',
      ['incoming/never-uploaded.png'],
    ],
    [
      'an object that is not an image',
      async () => {
        await putObject(aws.s3, INPUT, 'incoming/notes.jpg', Buffer.from('just text'));
        return s3EventBody(INPUT, 'incoming/notes.jpg');
      },
      'NotAnImageError',
      ['incoming/notes.jpg'],
    ],
  ])('fails %s with its error class and writes nothing', async (_case, makeBody, errorClass, inputKeys) => {
    const outcome = await handleThumbnailJob({ messageId: 'm-6', body: await makeBody() }, deps);
    expect(outcome).toMatchObject({ messageId: 'm-6', outcome: 'failed', errorClass, inputKeys, errorMessage: expect.any(String) });
    for (const outputKey of outcome.outputKeys) {
      expect(await getObjectBytes(aws.s3, OUTPUT, outputKey)).toBeUndefined();
    }
  });

  it('fails on a transient S3 error, naming its class, so the message is retried', async () => {
    const key = 'incoming/throttled.png';
    await putObject(aws.s3, INPUT, key, await generatedPng(32, 32));
    const flakyS3 = new S3Client({});
    const s3Mock = mockClient(flakyS3);
    s3Mock.on(GetObjectCommand).callsFake((input) => aws.s3.send(new GetObjectCommand(input)));
    s3Mock.on(PutObjectCommand).rejects(
      new S3ServiceException({
        name: 'SlowDown',
        $fault: 'server',
        $metadata: { httpStatusCode: 503 },
        message: 'Please reduce your request rate.',
      }),
    );

    const outcome = await handleThumbnailJob({ messageId: 'm-7', body: s3EventBody(INPUT, key) }, { ...deps, s3: flakyS3 });

    expect(outcome).toMatchObject({
      outcome: 'failed',
      errorClass: 'SlowDown',
      errorMessage: 'Please reduce your request rate.',
      outputKeys: ['thumbnails/throttled.png.png'],
    });
    s3Mock.restore();
  });

  it('calls beforeWrite after rendering and before writing', async () => {
    const key = 'incoming/hooked.png';
    await putObject(aws.s3, INPUT, key, await generatedPng(40, 40));
    const seenAtHook: (Uint8Array | undefined)[] = [];
    const beforeWrite = jest.fn(async (step: { outputKey: string }) => {
      seenAtHook.push(await getObjectBytes(aws.s3, OUTPUT, step.outputKey));
    });

    await handleThumbnailJob({ messageId: 'm-8', body: s3EventBody(INPUT, key) }, { ...deps, beforeWrite });

    expect(beforeWrite).toHaveBeenCalledWith({ messageId: 'm-8', inputKey: key, outputKey: 'thumbnails/hooked.png.png' });
    expect(seenAtHook).toEqual([undefined]);
    expect(await getObjectBytes(aws.s3, OUTPUT, 'thumbnails/hooked.png.png')).toBeDefined();
  });
});
