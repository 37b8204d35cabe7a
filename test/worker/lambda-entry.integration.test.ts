jest.mock('jimp', () => jest.requireActual('./support/bundled-jimp').loadBundledJimp());

import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { EnvironmentError } from '../../worker/src/env-config';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createSqsLambdaHandler, handler } from '../../worker/src/lambda-entry';
import { decodeImage, generatedPng } from './support/images';
import {
  createQueueWithDlq,
  getObjectBytes,
  type LocalAws,
  putObject,
  queueDepth,
  s3EventBody,
  sendBodies,
  startLocalAws,
} from './support/local-aws';

const INPUT = 'lambda-input';
const OUTPUT = 'lambda-output';

let aws: LocalAws;
let queueCount = 0;

beforeAll(async () => {
  aws = await startLocalAws([INPUT, OUTPUT]);
  await putObject(aws.s3, INPUT, 'incoming/good.png', await generatedPng(300, 200));
});
afterAll(() => aws.close());

/** A fresh work queue (with its DLQ) holding `bodies`, received as Lambda would deliver them. */
async function receivedBatch(bodies: string[]): Promise<{ records: SQSRecord[]; queueUrl: string; dlqUrl: string }> {
  const name = `lambda-work-${++queueCount}`;
  const { queueUrl, dlqUrl } = await createQueueWithDlq(aws.sqs, name, 5);
  const ids = await sendBodies(aws.sqs, queueUrl, bodies);
  const records: SQSRecord[] = [];
  while (records.length < bodies.length) {
    const { Messages = [] } = await aws.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        // Exactly the messages still missing: local-aws-sqs answers a long poll as soon as it has
        // that many, and otherwise only when the wait runs out (support/local-aws.ts, peekAll).
        MaxNumberOfMessages: Math.min(10, bodies.length - records.length),
        WaitTimeSeconds: 5,
        VisibilityTimeout: 60,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    for (const message of Messages) {
      records.push({
        ...sqsRecord(message.MessageId!, message.Body!),
        receiptHandle: message.ReceiptHandle!,
        eventSourceARN: `arn:aws:sqs:us-east-1:123456789012:${name}`,
      });
    }
  }
  // In the order they were sent, as the tests name them.
  records.sort((a, b) => ids.indexOf(a.messageId) - ids.indexOf(b.messageId));
  return { records, queueUrl, dlqUrl };
}

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
  const lambdaHandler = () => createSqsLambdaHandler({ s3: aws.s3, sqs: aws.sqs, outputBucket: OUTPUT, logger });

  it('sends poison records straight to the DLQ, body unchanged and reason attached, and reports them done', async () => {
    const { records, queueUrl, dlqUrl } = await receivedBatch([good.body, malformed.body, missing.body]);
    const response = await lambdaHandler()({ Records: records });

    // Not in batchItemFailures: Lambda deletes them from the work queue.
    expect(response.batchItemFailures).toEqual([]);
    const thumbnail = await getObjectBytes(aws.s3, OUTPUT, 'thumbnails/good.png.png');
    expect(await decodeImage(thumbnail!)).toEqual({ width: 256, height: 171, mime: 'image/png' });
    const { Messages = [] } = await aws.sqs.send(
      // The two expected: answered as soon as both are there (see receivedBatch).
      new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 2, WaitTimeSeconds: 5, MessageAttributeNames: ['All'] }),
    );
    const byBody = new Map(Messages.map((message) => [message.Body, message.MessageAttributes]));
    expect([...byBody.keys()].sort()).toEqual([malformed.body, missing.body].sort());
    expect(byBody.get(malformed.body)).toMatchObject({
      'failure-class': { StringValue: 'MalformedMessageError' },
      'failure-reason': { StringValue: 'message body is not JSON' },
      'source-message-id': { StringValue: records[1].messageId },
      'source-receive-count': { DataType: 'Number', StringValue: '1' },
    });
    expect(byBody.get(missing.body)).toMatchObject({ 'failure-class': { StringValue: 'NoSuchKey' } });
    expect((await queueDepth(aws.sqs, queueUrl)).inFlight).toBe(3);
  });

  it('reports a transient failure in batchItemFailures and gives it back after a short backoff', async () => {
    const transient = s3EventBody('no-such-bucket', 'incoming/a.png');
    const { records, queueUrl, dlqUrl } = await receivedBatch([transient]);
    const response = await lambdaHandler()({ Records: records });

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[0].messageId }]);
    expect(await queueDepth(aws.sqs, dlqUrl)).toEqual({ visible: 0, inFlight: 0 });
    // Its visibility was cut from 60 s to the first backoff step (1-2 s): it is received again.
    const { Messages = [] } = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 5 }));
    expect(Messages.map((message) => message.Body)).toEqual([transient]);
  });

  it('works on the records of a batch one at a time, so a batch needs the memory of one image', async () => {
    const { records } = await receivedBatch(Array.from({ length: 5 }, () => good.body));
    let inFlight = 0;
    let most = 0;
    const s3 = new Proxy(aws.s3, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver);
        return async (...args: Parameters<typeof target.send>) => {
          most = Math.max(most, ++inFlight);
          try {
            return await target.send(...args);
          } finally {
            inFlight--;
          }
        };
      },
    });
    const response = await createSqsLambdaHandler({ s3, sqs: aws.sqs, outputBucket: OUTPUT, logger })({ Records: records });
    expect(response.batchItemFailures).toEqual([]);
    expect(most).toBe(1);
  });

  it('logs one record per message with its outcome and error class', async () => {
    const info = jest.spyOn(logger, 'info');
    const error = jest.spyOn(logger, 'error');
    const { records } = await receivedBatch([good.body, malformed.body, missing.body]);
    const [goodRecord, malformedRecord, missingRecord] = records;

    await lambdaHandler()({ Records: records });

    expect(info).toHaveBeenCalledTimes(1);
    expect(info).toHaveBeenCalledWith(
      'message',
      expect.objectContaining({
        messageId: goodRecord.messageId,
        outcome: 'processed',
        outputKeys: ['thumbnails/good.png.png'],
        receiveCount: 1,
      }),
    );
    expect(error).toHaveBeenCalledWith(
      'message',
      expect.objectContaining({ messageId: malformedRecord.messageId, outcome: 'dead-lettered', errorClass: 'MalformedMessageError' }),
    );
    expect(error).toHaveBeenCalledWith(
      'message',
      expect.objectContaining({
        messageId: missingRecord.messageId,
        outcome: 'dead-lettered',
        errorClass: 'NoSuchKey',
        inputKeys: ['incoming/gone.png'],
      }),
    );
  });

  it('reports a batch where every record failed transiently instead of throwing', async () => {
    const { records } = await receivedBatch([
      s3EventBody('no-such-bucket', 'incoming/a.png'),
      s3EventBody('no-such-bucket', 'incoming/b.png'),
    ]);
    const response = await lambdaHandler()({ Records: records });
    expect(response.batchItemFailures).toHaveLength(2);
  });

  it('returns no failures for a fully successful batch', async () => {
    const { records } = await receivedBatch([good.body]);
    expect(await lambdaHandler()({ Records: records })).toEqual({ batchItemFailures: [] });
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
    const { records } = await receivedBatch([good.body, malformed.body]);
    const response = await handler({ Records: records }, context);
    expect(response.batchItemFailures).toEqual([]);
  });
});
