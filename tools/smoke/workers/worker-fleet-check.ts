import { INPUT_PREFIX, OUTPUT_PREFIX } from '../../../worker/src/output-key';
import { type CheckRow, runStep } from '../check-result';
import { Interrupted } from '../clock';
import type { StackSmokeCheck } from '../stack-check';
import { requireOutputs } from '../stack-outputs';
import { alarmDeliveryRows } from './alarm-delivery';
import { CreatedObjects } from './created-objects';
import { poisonRoundTrip } from './poison-round-trip';
import { SMOKE_PREFIX, thumbnailRoundTrip } from './thumbnail-round-trip';

/**
 * WorkerFleetStack: the alarms can reach their topic; an uploaded image comes back as a
 * thumbnail; with --poison, an object that is not an image lands in the dead-letter queue. Every
 * object it created is removed at the end, however the run ends.
 */
export const workerFleetCheck: StackSmokeCheck = {
  // Lambda answers in seconds; Fargate and EC2 start their first worker from zero, which the
  // scaling signal (once a minute) and an instance boot can stretch to several minutes.
  defaultTimeoutMs: 10 * 60_000,
  iamStatements: [
    {
      sid: 'SmokeWorkersUpload',
      // Object ARNs scoped to the prefix the check writes under; the bucket names are CloudFormation's.
      actions: ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'],
      resources: [`arn:aws:s3:::*/${INPUT_PREFIX}${SMOKE_PREFIX}*`],
    },
    {
      sid: 'SmokeWorkersThumbnail',
      actions: ['s3:GetObject', 's3:DeleteObject'],
      resources: [`arn:aws:s3:::*/${OUTPUT_PREFIX}${SMOKE_PREFIX}*`],
    },
    {
      sid: 'SmokeWorkersListThumbnails',
      actions: ['s3:ListBucket'],
      resources: ['arn:aws:s3:::*'],
      condition: { StringLike: { 's3:prefix': `${OUTPUT_PREFIX}${SMOKE_PREFIX}*` } },
    },
    {
      sid: 'SmokeWorkersDataKeys',
      // The buckets and queues are encrypted with customer managed keys: uploading needs
      // kms:GenerateDataKey, reading (an object, a queue message) kms:Decrypt
      // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html,
      // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html),
      // and only when S3 or SQS asks on the caller's behalf (kms:ViaService).
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: ['arn:aws:kms:*:*:key/*'],
      condition: { StringLike: { 'kms:ViaService': ['s3.*.amazonaws.com', 'sqs.*.amazonaws.com'] } },
    },
    {
      sid: 'SmokeWorkersDeadLetters',
      actions: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage'],
      resources: ['arn:aws:sqs:*:*:*'],
    },
    {
      sid: 'SmokeWorkersAlarmPath',
      actions: ['sns:GetTopicAttributes', 'kms:GetKeyPolicy', 'kms:DescribeKey', 'cloudwatch:DescribeAlarms'],
      resources: ['arn:aws:sns:*:*:*', 'arn:aws:kms:*:*:key/*', 'arn:aws:cloudwatch:*:*:alarm:*'],
    },
  ],

  async run(context) {
    const outputs = requireOutputs(context.stack, ['InputBucketName', 'OutputBucketName', 'DeadLetterQueueUrl', 'AlarmTopicArn']);
    const buckets = { input: outputs.InputBucketName, output: outputs.OutputBucketName };
    const created = new CreatedObjects(context.clients.s3);
    const rows: CheckRow[] = [];
    try {
      rows.push(...(await runStep('alarm delivery', () => alarmDeliveryRows(context, outputs.AlarmTopicArn))));
      rows.push(...(await runStep('thumbnail', () => thumbnailRoundTrip(context, buckets, created))));
      if (context.options.poison) {
        rows.push(...(await runStep('poison message', () => poisonRoundTrip(context, buckets, outputs.DeadLetterQueueUrl, created))));
      }
    } catch (error) {
      if (!(error instanceof Interrupted)) throw error;
      rows.push({ check: 'interrupted', status: 'fail', detail: 'stopped by Ctrl-C before the checks finished' });
    } finally {
      rows.push(await created.removeAll());
    }
    return rows;
  },
};
