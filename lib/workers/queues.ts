import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { customerManagedKey } from '../shared/customer-managed-key';

export interface WorkQueuesProps {
  /** How long a received message stays hidden from other workers (see fleet-timing.ts). */
  readonly visibilityTimeout: Duration;
  /** Receives before a message is given up on and moved to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /**
   * The topic the work queue subscribes to, with raw message delivery: workers then receive the
   * S3 event itself, not an SNS envelope around it.
   * @default - no subscription
   */
  readonly source?: sns.ITopic;
  /**
   * How long an unprocessed message is kept in the work queue.
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;
}

/**
 * The work queue and its dead-letter queue, both encrypted with a customer managed key (an SNS
 * topic can only deliver to an encrypted queue if it may use the queue's key, which an AWS managed
 * key never allows) and both refusing requests that do not use TLS.
 */
export class WorkQueues extends Construct {
  public readonly queue: sqs.Queue;
  /** Messages that failed maxReceiveCount times. Kept 14 days (the SQS maximum) for inspection and redrive. */
  public readonly deadLetterQueue: sqs.Queue;
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: WorkQueuesProps) {
    super(scope, id);

    this.key = customerManagedKey(this, 'Key', { description: 'Encrypts the worker fleet queues' });
    const encryption = {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      // Each data key is reused for 5 minutes: far fewer KMS requests (and charges) per message.
      dataKeyReuse: Duration.minutes(5),
      enforceSSL: true,
    };

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...encryption,
      // The SQS maximum, and longer than the work queue's: a message moved here keeps its
      // original enqueue time, so an equal retention would expire it the moment it arrives.
      retentionPeriod: Duration.days(14),
      // Marks this queue as a dead-letter queue (AWS Control Tower CT.SQS.PR.1). ALLOW_ALL means
      // any queue of this account: naming the work queue (BY_QUEUE) would make the two queues
      // refer to each other, a cycle CloudFormation cannot create.
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.ALLOW_ALL },
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...encryption,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: props.retentionPeriod ?? Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });

    // Also lets sns.amazonaws.com use the key, for this topic only
    // (@aws-cdk/aws-sns-subscriptions:restrictSqsDescryption).
    props.source?.addSubscription(new subscriptions.SqsSubscription(this.queue, { rawMessageDelivery: true }));
  }
}
