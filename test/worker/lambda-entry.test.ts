jest.mock('jimp', () => jest.requireActual('./support/bundled-jimp').loadBundledJimp());

import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { EnvironmentError } from '../../worker/src/env-config';
import { createSqsLambdaHandler, handler } from '../../worker/src/lambda-entry';
import { decodeImage, generatedPng } from './support/images';
import { getObjectBytes, type LocalAws, putObject, s3EventBody, startLocalAws } from './support/local-aws';

const INPUT = 'lambda-input';
const OUTPUT = 'lambda-output';

let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws([INPUT, OUTPUT]);
  await putObject(aws.s3, INPUT, 'incoming/good.png', await generatedPng(300, 200));
});
afterAll(() => aws.close());

/** An SQS event source record as Lambda delivers it. */
function sqsRecord(messageId: string, body: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1700000000000',
      SenderId: 'AIDEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1700000000000',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:work',
    awsRegion: 'us-east-1',
  };
}

const good = sqsRecord('good-1', s3EventBody(INPUT, 'incoming/good.png'));
const malformed = sqsRecord('malformed-1', 'this is not an S3 event');
const missing = sqsRecord('missing-1', s3EventBody(INPUT, 'incoming/gone.png'));

describe('createSqsLambdaHandler', () => {
  const logger = new Logger({ serviceName: 'thumbnail-worker-test', logLevel: 'SILENT' });
  const lambdaHandler = () => createSqsLambdaHandler({ s3: aws.s3, outputBucket: OUTPUT, logger });

  it('reports exactly the failed records in batchItemFailures and processes the rest', async () => {
    const response = await lambdaHandler()({ Records: [good, malformed, missing] });

    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(['malformed-1', 'missing-1']);
    const thumbnail = await getObjectBytes(aws.s3, OUTPUT, 'thumbnails/good.png.png');
    expect(await decodeImage(thumbnail!)).toEqual({ width: 256, height: 171, mime: 'image/png' });
  });

  it('logs one record per message with its outcome and error class', async () => {
    const info = jest.spyOn(logger, 'info');
    const error = jest.spyOn(logger, 'error');

    await lambdaHandler()({ Records: [good, malformed, missing] });

    expect(info).toHaveBeenCalledTimes(1);
    expect(info).toHaveBeenCalledWith(
      'message',
      expect.objectContaining({ messageId: 'good-1', outcome: 'processed', outputKeys: ['thumbnails/good.png.png'], receiveCount: 1 }),
    );
    expect(error).toHaveBeenCalledWith(
      'message',
      expect.objectContaining({ messageId: 'malformed-1', outcome: 'failed', errorClass: 'MalformedMessageError' }),
    );
    expect(error).toHaveBeenCalledWith(
      'message',
      expect.objectContaining({ messageId: 'missing-1', outcome: 'failed', errorClass: 'NoSuchKey', inputKeys: ['incoming/gone.png'] }),
    );
  });

  it('reports a batch where every record failed the same way instead of throwing', async () => {
    const response = await lambdaHandler()({ Records: [malformed, missing] });
    expect(response.batchItemFailures).toHaveLength(2);
  });

  it('returns no failures for a fully successful batch', async () => {
    expect(await lambdaHandler()({ Records: [good] })).toEqual({ batchItemFailures: [] });
  });
});

describe('handler (configured from the environment)', () => {
  const saved = { ...process.env };
  afterAll(() => {
    process.env = saved;
  });

  it('fails with an EnvironmentError naming OUTPUT_BUCKET until it is set, then works', async () => {
    delete process.env.OUTPUT_BUCKET;
    const event: SQSEvent = { Records: [good, malformed] };
    const context = { functionName: 'thumbnail-worker', awsRequestId: 'req-1' } as Context;
    await expect(handler(event, context)).rejects.toThrow(new EnvironmentError('OUTPUT_BUCKET is required: set it to an S3 bucket name'));

    Object.assign(process.env, aws.workerEnv, { OUTPUT_BUCKET: OUTPUT, POWERTOOLS_LOG_LEVEL: 'SILENT' });
    const response = await handler(event, context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'malformed-1' }]);
  });
});
