import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type MessageAttributeValue,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/**
 * Sends a message that can never be processed straight to the dead-letter queue named by the work
 * queue's redrive policy, instead of letting it fail maxReceiveCount times first. The original
 * body goes unchanged, the reason rides along as message attributes; the caller then deletes the
 * message from the work queue (send first, delete second: a crash in between leaves a duplicate
 * in the dead-letter queue, never a loss). Nothing here is configured: the dead-letter queue is
 * read from the work queue's RedrivePolicy attribute
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html),
 * and its URL from GetQueueUrl, so it works against any SQS endpoint.
 */

/** The work queue has no redrive policy, so there is no dead-letter queue to send to. */
export class NoDeadLetterQueueError extends Error {
  override readonly name = 'NoDeadLetterQueueError';
}

/** SQS allows at most 10 message attributes: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html */
export const MAX_MESSAGE_ATTRIBUTES = 10;
/** Long reasons are cut to this many characters. */
export const MAX_REASON_LENGTH = 1024;

/** The attribute names a dead-lettered message carries. */
export const FAILURE_ATTRIBUTES = {
  reason: 'failure-reason',
  errorClass: 'failure-class',
  sourceMessageId: 'source-message-id',
  receiveCount: 'source-receive-count',
  sentTimestamp: 'source-sent-timestamp',
} as const;

/** A work-queue message to dead-letter, independent of how it was received. */
export interface PoisonMessage {
  readonly messageId: string;
  readonly body: string;
  /** The message's own attributes, kept as they were. */
  readonly messageAttributes?: Record<string, MessageAttributeValue>;
  readonly receiveCount?: number;
  /** SentTimestamp (ms since the epoch): a message sent anew starts a new retention period, so record the first one. */
  readonly sentTimestamp?: number;
}

/** Why it failed. */
export interface Failure {
  readonly errorClass: string;
  readonly errorMessage: string;
}

/**
 * The attributes of the dead-lettered message: the original ones first, then the reason and class
 * (always), then the source id, receive count and sent time while there is room for them.
 */
export function deadLetterAttributes(message: PoisonMessage, failure: Failure): Record<string, MessageAttributeValue> {
  const string = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
  const number = (value: number): MessageAttributeValue => ({ DataType: 'Number', StringValue: String(value) });
  const originals = Object.entries(message.messageAttributes ?? {}).filter(
    ([name]) => !Object.values(FAILURE_ATTRIBUTES).includes(name as never),
  );
  const required: [string, MessageAttributeValue][] = [
    [FAILURE_ATTRIBUTES.reason, string(truncate(failure.errorMessage || failure.errorClass, MAX_REASON_LENGTH))],
    [FAILURE_ATTRIBUTES.errorClass, string(failure.errorClass)],
  ];
  const optional: [string, MessageAttributeValue][] = [[FAILURE_ATTRIBUTES.sourceMessageId, string(message.messageId)]];
  if (message.receiveCount !== undefined) optional.push([FAILURE_ATTRIBUTES.receiveCount, number(message.receiveCount)]);
  if (message.sentTimestamp !== undefined) optional.push([FAILURE_ATTRIBUTES.sentTimestamp, number(message.sentTimestamp)]);
  const kept = originals.slice(0, MAX_MESSAGE_ATTRIBUTES - required.length);
  const room = MAX_MESSAGE_ATTRIBUTES - kept.length - required.length;
  return Object.fromEntries([...kept, ...required, ...optional.slice(0, room)]);
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

/** The dead-letter queue of one work queue, resolved once and remembered (a failed lookup is retried next time). */
export class DeadLetterQueue {
  private url?: Promise<string>;

  constructor(
    private readonly sqs: SQSClient,
    private readonly workQueueUrl: string,
  ) {}

  /** The dead-letter queue's URL. @throws NoDeadLetterQueueError when the work queue has no redrive policy. */
  resolveUrl(): Promise<string> {
    this.url ??= resolveDeadLetterQueueUrl(this.sqs, this.workQueueUrl).catch((error: unknown) => {
      this.url = undefined;
      throw error;
    });
    return this.url;
  }

  /** Sends the message's body unchanged, with the failure as attributes. */
  async send(message: PoisonMessage, failure: Failure): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: await this.resolveUrl(),
        MessageBody: message.body,
        MessageAttributes: deadLetterAttributes(message, failure),
      }),
    );
  }
}

/** Reads the work queue's RedrivePolicy and turns its deadLetterTargetArn into a queue URL. */
export async function resolveDeadLetterQueueUrl(sqs: SQSClient, workQueueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: workQueueUrl, AttributeNames: ['RedrivePolicy'] }));
  const policy = Attributes?.RedrivePolicy;
  if (!policy) throw new NoDeadLetterQueueError(`the work queue ${workQueueUrl} has no redrive policy, so no dead-letter queue`);
  const { deadLetterTargetArn } = JSON.parse(policy) as { deadLetterTargetArn?: string };
  // arn:<partition>:sqs:<region>:<account>:<queue name>
  const parts = (deadLetterTargetArn ?? '').split(':');
  if (parts.length !== 6 || parts[2] !== 'sqs')
    throw new NoDeadLetterQueueError(`the work queue's redrive policy names no SQS queue (${policy})`);
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: parts[5], QueueOwnerAWSAccountId: parts[4] }));
  if (!QueueUrl) throw new NoDeadLetterQueueError(`GetQueueUrl returned no URL for ${deadLetterTargetArn}`);
  return QueueUrl;
}

/** A queue's URL from its ARN, through GetQueueUrl (the Lambda entry knows only the event source ARN). */
export async function queueUrlFromArn(sqs: SQSClient, queueArn: string): Promise<string> {
  const parts = queueArn.split(':');
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: parts[5], QueueOwnerAWSAccountId: parts[4] }));
  if (!QueueUrl) throw new Error(`GetQueueUrl returned no URL for ${queueArn}`);
  return QueueUrl;
}
