import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import {
  DeadLetterQueue,
  deadLetterAttributes,
  MAX_MESSAGE_ATTRIBUTES,
  MAX_REASON_LENGTH,
  NoDeadLetterQueueError,
} from '../../worker/src/dead-letter';
import { isPermanentFailure, isUnreachable, retryDelaySeconds } from '../../worker/src/failures';
import { createQueueWithDlq, type LocalAws, peekAll, startLocalAws } from './support/local-aws';

describe('deadLetterAttributes', () => {
  const failure = { errorClass: 'NotAnImageError', errorMessage: 'not a PNG, JPEG, GIF, BMP or TIFF file' };

  test('carries the reason, the class, the source id, receive count and first send time', () => {
    expect(deadLetterAttributes({ messageId: 'm-1', body: 'b', receiveCount: 1, sentTimestamp: 1700000000000 }, failure)).toEqual({
      'failure-reason': { DataType: 'String', StringValue: failure.errorMessage },
      'failure-class': { DataType: 'String', StringValue: 'NotAnImageError' },
      'source-message-id': { DataType: 'String', StringValue: 'm-1' },
      'source-receive-count': { DataType: 'Number', StringValue: '1' },
      'source-sent-timestamp': { DataType: 'Number', StringValue: '1700000000000' },
    });
  });

  test("keeps the original attributes and never goes over SQS's ten, dropping its own optional ones first", () => {
    const originals = Object.fromEntries(
      Array.from({ length: 9 }, (_, index) => [`a${index}`, { DataType: 'String', StringValue: String(index) }]),
    );
    const attributes = deadLetterAttributes({ messageId: 'm', body: 'b', messageAttributes: originals, receiveCount: 2 }, failure);
    expect(Object.keys(attributes)).toHaveLength(MAX_MESSAGE_ATTRIBUTES);
    expect(attributes).toMatchObject({
      a0: originals.a0,
      a7: originals.a7,
      'failure-reason': expect.anything(),
      'failure-class': expect.anything(),
    });
  });

  test('cuts a long reason', () => {
    const attributes = deadLetterAttributes({ messageId: 'm', body: 'b' }, { errorClass: 'E', errorMessage: 'x'.repeat(5000) });
    expect(attributes['failure-reason'].StringValue).toHaveLength(MAX_REASON_LENGTH);
  });
});

describe('DeadLetterQueue against a local SQS', () => {
  let aws: LocalAws;
  beforeAll(async () => {
    aws = await startLocalAws([]);
  });
  afterAll(() => aws.close());

  test('finds the dead-letter queue through the redrive policy and sends the body unchanged', async () => {
    const { queueUrl, dlqUrl } = await createQueueWithDlq(aws.sqs, 'dl-work', 5);
    const deadLetterQueue = new DeadLetterQueue(aws.sqs, queueUrl);
    expect(await deadLetterQueue.resolveUrl()).toBe(dlqUrl);
    await deadLetterQueue.send(
      { messageId: 'm-9', body: '{"not":"an event"} ', receiveCount: 1 },
      { errorClass: 'MalformedMessageError', errorMessage: 'message has no Records array' },
    );
    const [message] = await peekAll(aws.sqs, dlqUrl);
    expect(message.body).toBe('{"not":"an event"} ');
    expect(message.attributes).toMatchObject({ 'failure-class': 'MalformedMessageError', 'source-message-id': 'm-9' });
  });

  test('a work queue without a redrive policy is a clear error', async () => {
    const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: 'no-redrive' }));
    await expect(new DeadLetterQueue(aws.sqs, QueueUrl!).resolveUrl()).rejects.toThrow(NoDeadLetterQueueError);
    await expect(new DeadLetterQueue(aws.sqs, QueueUrl!).resolveUrl()).rejects.toThrow('has no redrive policy');
  });
});

describe('failures', () => {
  test.each(['MalformedMessageError', 'NotAnImageError', 'ImageTooLargeError', 'NoSuchKey'])('%s is permanent', (errorClass) => {
    expect(isPermanentFailure(errorClass)).toBe(true);
  });

  test.each(['SlowDown', 'AccessDenied', 'TimeoutError', 'NoSuchBucket', undefined])('%s is retried', (errorClass) => {
    expect(isPermanentFailure(errorClass)).toBe(false);
  });

  test('unreachable: connection errors by name, code or message', () => {
    expect(isUnreachable({ name: 'TimeoutError' })).toBe(true);
    expect(isUnreachable({ name: 'Error', code: 'ECONNREFUSED' })).toBe(true);
    expect(isUnreachable({ name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:9' })).toBe(true);
    expect(isUnreachable({ name: 'AccessDenied', message: 'Access Denied' })).toBe(false);
  });

  test('retry delays grow exponentially with the receive count, with jitter in the upper half, capped', () => {
    const low = () => 0;
    const high = () => 0.999;
    expect([1, 2, 3, 4, 5].map((count) => retryDelaySeconds(count, { capSeconds: 20 }, low))).toEqual([1, 2, 4, 8, 10]);
    expect([1, 2, 3, 4, 5].map((count) => retryDelaySeconds(count, { capSeconds: 20 }, high))).toEqual([2, 4, 8, 16, 20]);
  });
});
