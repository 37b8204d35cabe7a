import { Duration, Validations } from 'aws-cdk-lib';
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
  /**
   * Messages a worker could never process (sent here by the worker on their first failure) or that
   * failed maxReceiveCount times. Kept 14 days (the SQS maximum) for inspection and redrive.
   */
  public readonly deadLetterQueue: sqs.Queue;
  /**
   * Upload events SNS could not deliver to the work queue (the subscription's dead-letter queue),
   * kept apart from worker failures: a full one means the queue's policy or key refused SNS.
   */
  public readonly deliveryDeadLetterQueue: sqs.Queue;
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

    // SNS does not retry a delivery that fails on the client side (the queue's policy or key refuses
    // it), and discards it after its retry policy for server-side failures, unless the
    // subscription has a dead-letter queue:
    // https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html
    // The queue must be in the same account and region, and its policy must let SNS send for this
    // topic, which `deadLetterQueue` adds (https://docs.aws.amazon.com/sns/latest/dg/sns-configure-dead-letter-queue.html).
    // On the work queue's key: SqsSubscription lets sns.amazonaws.com use that key for this topic
    // only (@aws-cdk/aws-sns-subscriptions:restrictSqsDescryption), and an encrypted dead-letter
    // queue needs exactly that grant; a key of its own would need a second one.
    this.deliveryDeadLetterQueue = new sqs.Queue(this, 'DeliveryDeadLetterQueue', {
      ...encryption,
      retentionPeriod: Duration.days(14),
      // A dead-letter queue for SNS, never for another queue: no source queue may name it.
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.DENY_ALL },
    });
    Validations.of(this.deliveryDeadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue of the SNS subscription (its RedrivePolicy names it), which cdk-nag cannot see; ' +
        'it has no dead-letter queue of its own because nothing consumes it automatically.',
    });
    Validations.of(this.deliveryDeadLetterQueue).acknowledge({
      id: 'cdk-validator-cfnguard::sqs_dlq_check',
      reason:
        'This queue is the SNS subscription dead-letter queue. Its redrive allow policy is denyAll because no SQS queue may ' +
        'use it as a dead-letter queue; the Control Tower rule accepts only allowAll or byQueue as the dead-letter marker.',
    });
    props.source?.addSubscription(
      new subscriptions.SqsSubscription(this.queue, { rawMessageDelivery: true, deadLetterQueue: this.deliveryDeadLetterQueue }),
    );
  }
}
