import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { encryptedLogGroup } from '../shared/encrypted-log-group';
import { BUNDLED_HANDLER, bundledLambdaCode } from '../shared/esbuild-bundle';
import { SCALING_SIGNAL_ENTRY, SIGNAL_METRIC_NAMESPACE, SIGNAL_METRICS } from './worker-paths';

/** What the signal function needs to know about the fleet it reads and starts from zero. */
export interface SignalledFleet {
  /** FLEET_KIND and the names the function reads the fleet with. */
  readonly signalEnvironment: Record<string, string>;
  /** Lets the function read the fleet's running and desired workers, and set the desired count. */
  grantSignalAccess(role: iam.Role): void;
}

export interface ScalingSignalProps {
  readonly queue: sqs.IQueue;
  readonly fleet: SignalledFleet;
  /**
   * The workers to ask for when messages wait and the fleet is at zero.
   * @default 1
   */
  readonly activationCapacity?: number;
}

/** How often the signal is read and published: the EventBridge schedule's rate. */
export const SIGNAL_INTERVAL = Duration.minutes(1);

/**
 * A function on a one-minute schedule that reads the work queue (GetQueueAttributes) and the fleet
 * (ECS DescribeServices or DescribeAutoScalingGroups), starts the fleet when messages wait at
 * zero, and publishes backlog per worker and the counts behind it (worker/src/scaling-signal.ts).
 * Copilot's worker service scales the same way, and so can we from zero: the metric exists whether
 * or not a worker runs. Each run touches the queue, which keeps its AWS/SQS metrics active.
 */
export class ScalingSignal extends Construct {
  public readonly function: lambda.Function;
  public readonly logGroup: logs.LogGroup;
  public readonly schedule: events.Rule;
  private readonly queueName: string;

  constructor(scope: Construct, id: string, props: ScalingSignalProps) {
    super(scope, id);
    this.queueName = props.queue.queueName;

    this.logGroup = encryptedLogGroup(this, 'Logs');
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Worker fleet scaling signal: reads the queue and the fleet, starts the fleet from zero, publishes its metrics',
    });
    this.logGroup.grant(role, 'logs:CreateLogStream', 'logs:PutLogEvents');
    // GetQueueAttributes only: the function never receives, sends or deletes a message.
    iam.Grant.addToPrincipal({ grantee: role, actions: ['sqs:GetQueueAttributes'], resourceArns: [props.queue.queueArn] });
    // PutMetricData has no resource-level permissions; the cloudwatch:namespace condition key limits
    // it to this namespace: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html
    const putMetricData = new iam.Policy(this, 'PutMetricData', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': SIGNAL_METRIC_NAMESPACE } },
        }),
      ],
    });
    Validations.of(putMetricData).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:PutMetricData supports no resource-level permissions; the statement is limited to one namespace by the ' +
        'cloudwatch:namespace condition key (CloudWatch User Guide, "Using condition keys to limit access to CloudWatch namespaces").',
    });
    props.fleet.grantSignalAccess(role);

    this.function = new lambda.Function(this, 'Function', {
      code: bundledLambdaCode(SCALING_SIGNAL_ENTRY),
      handler: BUNDLED_HANDLER,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // Four API calls; a run that cannot finish in time is better dropped than late.
      timeout: Duration.seconds(30),
      role,
      logGroup: this.logGroup,
      environment: {
        QUEUE_URL: props.queue.queueUrl,
        METRIC_NAMESPACE: SIGNAL_METRIC_NAMESPACE,
        ACTIVATION_CAPACITY: String(props.activationCapacity ?? 1),
        ...props.fleet.signalEnvironment,
      },
    });
    const acknowledge = (findingId: string, reason: string) => Validations.of(this.function).acknowledge({ id: findingId, reason });
    acknowledge(
      'cdk-validator-cfnguard::lambda_inside_vpc_check',
      'The function only calls public AWS API endpoints (SQS, ECS or Auto Scaling, CloudWatch), IAM-authorized over TLS, ' +
        'and reaches nothing private; in a VPC it would need a NAT gateway or interface endpoints and protect nothing more.',
    );
    acknowledge(
      'AwsSolutions::AwsSolutions-L1',
      'Pinned to nodejs22.x on purpose: the Node major every other function and worker of this stack is tested with.',
    );

    // Every minute, the shortest EventBridge rate. A run that fails is not retried: the next one
    // a minute later reads fresher numbers.
    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Reads the worker queue and fleet and publishes the scaling signal',
      schedule: events.Schedule.rate(SIGNAL_INTERVAL),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0, maxEventAge: Duration.minutes(1) })],
    });
  }

  /** One of the published metrics, for the fleet's queue. */
  metric(name: (typeof SIGNAL_METRICS)[keyof typeof SIGNAL_METRICS], statistic: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: SIGNAL_METRIC_NAMESPACE,
      metricName: name,
      dimensionsMap: { QueueName: this.queueName },
      period: SIGNAL_INTERVAL,
      statistic,
    });
  }
}
