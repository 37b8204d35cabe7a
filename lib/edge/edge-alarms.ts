import { Aws, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { customerManagedKey } from '../shared/customer-managed-key';

export interface EdgeAlarmsProps {
  /** The distribution to watch (its id). */
  readonly distributionId: string;
  /**
   * The share of viewer requests answered with a 5xx, in percent, that raises the alarm.
   * @default 5
   */
  readonly errorRateThresholdPercent?: number;
}

/**
 * The distribution's 5xx error rate, built by hand. Every CloudFront metric is in AWS/CloudFront,
 * read in us-east-1, with the dimension `Region` always `Global` beside `DistributionId`
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/programming-cloudwatch-metrics.html).
 * aws-cdk-lib's Distribution.metric5xxErrorRate() leaves `Region` out, so an alarm on it watches
 * a metric CloudFront never publishes (aws/aws-cdk#19245: https://github.com/aws/aws-cdk/issues/19245).
 */
export function distribution5xxErrorRate(distributionId: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/CloudFront',
    metricName: '5xxErrorRate',
    dimensionsMap: { DistributionId: distributionId, Region: 'Global' },
    statistic: cloudwatch.Stats.AVERAGE,
    period: Duration.minutes(1),
    region: 'us-east-1',
  });
}

/**
 * One alarm on the viewers' 5xx rate, sent to an encrypted SNS topic (subscribe an address to
 * it). It covers the routers too: a Lambda@Edge function that returns an invalid response
 * reaches the viewer as a 502, one that fails or is throttled as a 503, and so does a CloudFront
 * Function that fails to run (CloudFront Developer Guide, "HTTP 502 status code (Lambda
 * validation error)" and "HTTP 503 status code (Service Unavailable)":
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/http-502-lambda-validation-error.html,
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/http-503-service-unavailable.html).
 * The routers' own answers are 4xx. Per-function metrics are left out on purpose: their names
 * differ between AWS pages (docs/edge.md, "Alarms").
 */
export class EdgeAlarms extends Construct {
  public readonly topic: sns.Topic;
  public readonly errorRate: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: EdgeAlarmsProps) {
    super(scope, id);
    const key = customerManagedKey(this, 'Key', { description: 'Encrypts the edge alarm topic' });
    // CloudWatch publishes to an encrypted topic only if it may use the key; only for this account's alarms.
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
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'Edge alarms', masterKey: key, enforceSSL: true });

    const threshold = props.errorRateThresholdPercent ?? 5;
    this.errorRate = new cloudwatch.Alarm(this, 'ServerErrorRate', {
      alarmDescription:
        `More than ${threshold} % of viewer requests got a 5xx in 3 of the last 5 minutes: the origin, an edge function, or CloudFront ` +
        'itself is failing. See docs/edge.md, "Alarms".',
      metric: distribution5xxErrorRate(props.distributionId),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      threshold,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      // CloudFront publishes nothing for a minute without requests: no traffic is no failure.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const notify = new actions.SnsAction(this.topic);
    this.errorRate.addAlarmAction(notify);
    this.errorRate.addOkAction(notify);
  }
}
