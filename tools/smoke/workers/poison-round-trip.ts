import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { FAILURE_ATTRIBUTES } from '../../../worker/src/dead-letter';
import { readImageHeader } from '../../../worker/src/image-limits';
import { parseS3EventMessage } from '../../../worker/src/s3-event';
import { asIamAction } from '../../shared/failure-line';
import { type CheckRow, fail, pass } from '../check-result';
import { formatDuration, pollUntil, WaitTimedOut } from '../clock';
import type { StackCheckContext } from '../stack-check';
import type { CreatedObjects } from './created-objects';
import { smokeInputKey, type WorkerBuckets } from './thumbnail-round-trip';

/** Bytes that are no image format at all. */
const POISON_BODY = Buffer.from('npm run smoke: this object is not an image, on purpose\n');

/**
 * Each receive waits up to this long for a message (long polling; SQS allows up to 20 s:
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html).
 */
const RECEIVE_WAIT_SECONDS = 5;
const RECEIVE_INTERVAL_MS = 1_000;

/** How long a received message stays hidden from other consumers while it is looked at. */
const LOOK_SECONDS = 30;

/**
 * Uploads one object that is not an image and waits for its event in the dead-letter queue, where
 * the worker sends a message that can never succeed on its first failure, with its reason as the
 * failure-class and failure-reason attributes (worker/src/dead-letter.ts). The class expected is
 * the one the worker's own header check gives these bytes. Other messages of the queue are put
 * back at once (ChangeMessageVisibility 0:
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html);
 * this run's own is deleted once read, so the queue is left as it was. The dead-letter alarm sees
 * it meanwhile: its subscribers get one ALARM and one OK notification.
 */
export async function poisonRoundTrip(
  context: StackCheckContext,
  buckets: WorkerBuckets,
  deadLetterQueueUrl: string,
  created: CreatedObjects,
): Promise<CheckRow> {
  const { s3, sqs } = context.clients;
  const key = smokeInputKey(context.runId, 'not-an-image.png');
  const expectedClass = errorClassOf(() => readImageHeader(POISON_BODY));

  const started = context.clock.now();
  const put = await asIamAction('s3:PutObject', () =>
    s3.send(new PutObjectCommand({ Bucket: buckets.input, Key: key, Body: POISON_BODY, ContentType: 'image/png' })),
  );
  created.add({ bucket: buckets.input, key, versionId: put.VersionId });
  context.log(`uploaded s3://${buckets.input}/${key} (not an image); waiting for it in the dead-letter queue`);

  let message: Message;
  try {
    ({ value: message } = await pollUntil(
      { clock: context.clock, signal: context.signal, timeoutMs: context.timeoutMs, intervalMs: RECEIVE_INTERVAL_MS },
      async () => {
        const { Messages } = await asIamAction('sqs:ReceiveMessage', () =>
          sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: deadLetterQueueUrl,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: RECEIVE_WAIT_SECONDS,
              VisibilityTimeout: LOOK_SECONDS,
              MessageAttributeNames: ['All'],
            }),
          ),
        );
        let ours: Message | undefined;
        for (const received of Messages ?? []) {
          if (ours === undefined && namesObject(received.Body, buckets.input, key)) ours = received;
          else await release(context, deadLetterQueueUrl, received);
        }
        return ours;
      },
    ));
  } catch (error) {
    if (!(error instanceof WaitTimedOut)) throw error;
    return fail(
      'poison message',
      `s3://${buckets.input}/${key} was not in the dead-letter queue within ${formatDuration(error.elapsedMs)}: ` +
        'the worker did not dead-letter it (look in the WorkerLogGroup output)',
    );
  }
  const latencyMs = context.clock.now() - started;
  await asIamAction('sqs:DeleteMessage', () =>
    sqs.send(new DeleteMessageCommand({ QueueUrl: deadLetterQueueUrl, ReceiptHandle: message.ReceiptHandle })),
  );

  const errorClass = message.MessageAttributes?.[FAILURE_ATTRIBUTES.errorClass]?.StringValue;
  const reason = message.MessageAttributes?.[FAILURE_ATTRIBUTES.reason]?.StringValue;
  const latency = { value: Math.round(latencyMs) / 1000, unit: 's' };
  const found = `in the dead-letter queue ${formatDuration(latencyMs)} after the upload began`;
  if (errorClass !== expectedClass) {
    return fail(
      'poison message',
      `${found}, but with ${FAILURE_ATTRIBUTES.errorClass}=${errorClass ?? '(none)'}; expected ${expectedClass} (removed from the queue)`,
      latency,
    );
  }
  return pass(
    'poison message',
    `${found}, ${FAILURE_ATTRIBUTES.errorClass}=${errorClass} ("${reason ?? ''}"); removed from the queue`,
    latency,
  );
}

/** Whether a dead-lettered body is the S3 event of this object (read as the worker reads it). */
function namesObject(body: string | undefined, bucket: string, key: string): boolean {
  try {
    const event = parseS3EventMessage(body ?? '');
    return event.kind === 'records' && event.created.some((object) => object.bucket === bucket && object.key === key);
  } catch {
    return false;
  }
}

async function release(context: StackCheckContext, queueUrl: string, message: Message): Promise<void> {
  await asIamAction('sqs:ChangeMessageVisibility', () =>
    context.clients.sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }),
    ),
  );
}

function errorClassOf(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    return (error as Error).name;
  }
  throw new Error('the poison bytes read as an image');
}
