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

  constructor(scope: Construct, id: string, props: QueueAlarmsProps) {
    super(scope, id);

    const key = customerManagedKey(this, 'Key', { description: 'Encrypts the worker fleet alarm topic' });
    // CloudWatch publishes to an encrypted topic only if it may use the key; only for this
    // account's alarms. (Naming the alarms' ARNs would make the key depend on the alarms, which
    // depend on the topic, which depends on the key.)
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
        },
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Worker fleet alarms',
      masterKey: key,
      enforceSSL: true,
    });
    const notify = new actions.SnsAction(this.topic);

    this.deadLetterQueueNotEmpty = new cloudwatch.Alarm(this, 'DlqNotEmpty', {
      alarmDescription: 'Messages failed every attempt and wait in the dead-letter queue: inspect them, fix the cause, then redrive.',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      threshold: 0,
      evaluationPeriods: 1,
      // SQS stops publishing metrics for a queue idle for hours: no data means nothing arrived.
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

    for (const alarm of [this.deadLetterQueueNotEmpty, this.oldestMessageTooOld]) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
  }
}
