import { Aws, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { INPUT_PREFIX, OUTPUT_PREFIX } from './worker-paths';

/** What every worker, on any backend, reads, writes and consumes. */
export interface WorkerResources {
  readonly queue: sqs.IQueue;
  /** Where a worker sends a message it can never process (the work queue's redrive target). */
  readonly deadLetterQueue: sqs.IQueue;
  readonly inputBucket: s3.Bucket;
  readonly outputBucket: s3.Bucket;
  /** The key of both buckets. */
  readonly dataKey: kms.IKey;
}

/**
 * The least a worker needs: consume the queue (receive, extend visibility, delete, and decrypt
 * with the queue's key), send poison messages to the dead-letter queue, read uploads under incoming/, write thumbnails under thumbnails/, and
 * use the buckets' key only through S3. Nothing else: no listing, no deleting, no other prefix.
 *
 * `policyHolder` is the construct whose policy receives the statements (a role, or the
 * function that owns it): the object-key wildcards are acknowledged there.
 */
export function grantWorkerAccess(grantee: iam.IGrantable, policyHolder: IConstruct, resources: WorkerResources): void {
  // Consume includes GetQueueAttributes: the worker reads the redrive policy at start.
  resources.queue.grantConsumeMessages(grantee);
  // Poison messages go straight to the dead-letter queue: SendMessage and GetQueueUrl (the worker
  // turns the redrive policy's ARN into a URL), plus exactly the key actions a producer of an
  // encrypted queue needs, kms:GenerateDataKey and kms:Decrypt
  // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['sqs:SendMessage', 'sqs:GetQueueUrl'],
    resourceArns: [resources.deadLetterQueue.queueArn],
  });
  if (resources.deadLetterQueue.encryptionMasterKey) {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resourceArns: [resources.deadLetterQueue.encryptionMasterKey.keyArn],
    });
  }
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['s3:GetObject'],
    resourceArns: [resources.inputBucket.arnForObjects(`${INPUT_PREFIX}*`)],
  });
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['s3:PutObject'],
    resourceArns: [resources.outputBucket.arnForObjects(`${OUTPUT_PREFIX}*`)],
  });
  // SSE-KMS: GetObject decrypts, PutObject generates a data key (S3 makes both calls for us).
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
    resourceArns: [resources.dataKey.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` } },
  });

  const objectPrefixes: [s3.Bucket, string][] = [
    [resources.inputBucket, INPUT_PREFIX],
    [resources.outputBucket, OUTPUT_PREFIX],
  ];
  for (const [bucket, prefix] of objectPrefixes) {
    const logicalId = Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
    Validations.of(policyHolder).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${prefix}*]`,
      reason: `Object keys are chosen by whoever uploads; the grant is one action on one prefix (${prefix}) of one bucket.`,
    });
  }
}
