import { Aws, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { customerManagedKey } from '../shared/customer-managed-key';

export interface QueueAlarmsProps {
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * The upload subscription's dead-letter queue: events SNS could not deliver.
   * @default - no alarm on it
   */
  readonly deliveryDeadLetterQueue?: sqs.IQueue;
  /** The latency goal: the oldest waiting message should never be older. */
  readonly maxLatency: Duration;
}

/**
 * The two signals an operator of a queue-fed fleet needs, sent to one encrypted SNS topic
 * (subscribe an email address or a chat integration to it):
 * - something failed for good: the dead-letter queue is not empty;
 * - the fleet falls behind: the oldest message waits longer than the latency goal.
 */
export class QueueAlarms extends Construct {
  public readonly topic: sns.Topic;
  public readonly deadLetterQueueNotEmpty: cloudwatch.Alarm;
  public readonly oldestMessageTooOld: cloudwatch.Alarm;
  public readonly deliveryDeadLetterQueueNotEmpty?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: QueueAlarmsProps) {
    super(scope, id);

    const key = customerManagedKey(this, 'Key', { description: 'Encrypts the worker fleet alarm topic' });
    // Only this account's alarms, as CloudWatch's guide advises against the confused deputy:
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/US_SetupSNS.html
    // (Naming the alarms' ARNs in the key policy would make the key depend on the alarms, which
    // depend on the topic, which depends on the key; the wildcard keeps key and topic policy alike.)
    const fromThisAccountsAlarms = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
    };
    // CloudWatch publishes to a topic encrypted with a customer managed key only if the key policy
    // lets cloudwatch.amazonaws.com generate data keys and decrypt:
    // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: fromThisAccountsAlarms,
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Worker fleet alarms',
      masterKey: key,
      enforceSSL: true,
    });
    // enforceSSL creates a topic policy holding only the TLS deny, and a topic policy replaces the
    // default one: without this statement CloudWatch is refused sns:Publish and no alarm arrives
    // (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html; the same fix in
    // AWS's own solution: https://github.com/aws-solutions/automated-security-response-on-aws/pull/44).
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromThisAccountsAlarms,
      }),
    );
    const notify = new actions.SnsAction(this.topic);

    this.deadLetterQueueNotEmpty = new cloudwatch.Alarm(this, 'DlqNotEmpty', {
      alarmDescription: 'Messages failed every attempt and wait in the dead-letter queue: inspect them, fix the cause, then redrive.',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      threshold: 0,
      evaluationPeriods: 1,
      // SQS stops publishing metrics for a queue idle for hours: no data means nothing arrived. (On
      // the poller backends the scaling signal reads the work queue every minute, which keeps its
      // metrics flowing; a dead-letter queue that wakes up may still report up to 15 minutes late:
      // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-monitoring-using-cloudwatch.html)
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.oldestMessageTooOld = new cloudwatch.Alarm(this, 'MessageTooOld', {
      alarmDescription: `The oldest waiting message is older than the latency goal (${props.maxLatency.toSeconds()} s): the fleet is behind or not running.`,
      metric: props.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      threshold: props.maxLatency.toSeconds(),
      // Three minutes in a row: a single old message during a burst is not yet worth waking anyone.
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    if (props.deliveryDeadLetterQueue) {
      this.deliveryDeadLetterQueueNotEmpty = new cloudwatch.Alarm(this, 'DeliveryDlqNotEmpty', {
        alarmDescription:
          'SNS could not deliver upload events to the work queue (its policy or key refused them): fix the queue, then redrive them.',
        metric: props.deliveryDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        threshold: 0,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    for (const alarm of [
      this.deadLetterQueueNotEmpty,
      this.oldestMessageTooOld,
      ...(this.deliveryDeadLetterQueueNotEmpty ? [this.deliveryDeadLetterQueueNotEmpty] : []),
    ]) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
  }
}
