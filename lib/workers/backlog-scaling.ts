import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * One query of a target tracking policy's metric math, in the shape both
 * AWS::ApplicationAutoScaling::ScalingPolicy and AWS::AutoScaling::ScalingPolicy accept.
 */
export interface MetricMathQuery {
  readonly id: string;
  readonly label?: string;
  readonly expression?: string;
  readonly metricStat?: {
    readonly metric: { readonly namespace: string; readonly metricName: string; readonly dimensions: { name: string; value: string }[] };
    readonly stat: string;
  };
  readonly returnData: boolean;
}

/** A step scaling rule: when its alarm fires, set the worker count to, or change it by, `value`. */
export interface StepRule {
  readonly adjustmentType: 'ChangeInCapacity' | 'ExactCapacity';
  readonly value: number;
  /** Which side of the alarm threshold the alarm fires on (decides how the step's bound is written). */
  readonly breach: 'above' | 'below';
}

/**
 * A fleet of workers whose count an autoscaler sets: an ECS service (Application Auto Scaling)
 * or an Auto Scaling group (EC2 Auto Scaling). The two speak different CloudFormation types; this
 * interface is what backlog scaling needs from either.
 */
export interface ScalableWorkerFleet {
  /** The workers taking messages now: the divisor of "backlog per worker". */
  readonly inServiceWorkers: cloudwatch.Metric;
  /** The worker count the fleet is asked for: zero means no worker will come. */
  readonly desiredWorkers: cloudwatch.Metric;
  /** Adds a target tracking policy on a metric math expression (the query with returnData true). */
  addMetricMathTargetTracking(id: string, metrics: MetricMathQuery[], targetValue: number): void;
  /** Adds a step scaling policy and returns the alarm action that runs it. */
  addStepScaling(id: string, rule: StepRule): cloudwatch.IAlarmAction;
}

export interface BacklogScalingProps {
  readonly queue: sqs.IQueue;
  readonly fleet: ScalableWorkerFleet;
  /** The backlog each worker may hold: maxLatencySeconds / avgProcessingSeconds (fleet-timing.ts). */
  readonly targetBacklogPerWorker: number;
  /**
   * How long the queue must hold nothing (neither waiting nor in-flight messages) before the fleet
   * goes to zero.
   * @default Duration.minutes(15)
   */
  readonly idleTime?: Duration;
}

const ONE_MINUTE = Duration.minutes(1);

/**
 * Scales a worker fleet on its queue, from zero and back to zero, with three rules:
 *
 * 1. Target tracking on backlog per worker = visible messages / in-service workers, held at
 *    targetBacklogPerWorker (AWS's "backlog per instance" pattern). It scales out and in for
 *    any fleet of at least one worker. The metric math goes through the L1 resources because
 *    aws-cdk-lib's target tracking L2s reject math expressions.
 * 2. Zero to one: with no worker, the division is by zero and yields no data point, so target
 *    tracking can never start the fleet. A step rule does: messages wait while the fleet is asked
 *    for zero workers -> add one; target tracking takes over from there.
 * 3. Back to zero: target tracking scales in while the backlog is small, but whether its
 *    algorithm lands on exactly zero is not something to rely on. A step rule does it
 *    deterministically: nothing waiting and nothing in flight for idleTime -> exactly zero.
 *    In-flight counts too, so the last worker is never stopped while it still holds messages.
 */
export class BacklogScaling extends Construct {
  /** Fires when messages wait and the fleet is asked for zero workers. */
  public readonly workWaitingWithoutWorkers: cloudwatch.Alarm;
  /** Fires when the queue held nothing for idleTime. */
  public readonly queueIdle: cloudwatch.Alarm;
  /** The backlog per worker expression (for dashboards). */
  public readonly backlogPerWorker: cloudwatch.MathExpression;

  constructor(scope: Construct, id: string, props: BacklogScalingProps) {
    super(scope, id);
    const { queue, fleet } = props;

    const visible = queue.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: 'Average' });
    const workers = fleet.inServiceWorkers.with({ period: ONE_MINUTE, statistic: 'Average' });
    this.backlogPerWorker = new cloudwatch.MathExpression({
      expression: 'visible / workers',
      usingMetrics: { visible, workers },
      label: 'Backlog per worker',
      period: ONE_MINUTE,
    });
    fleet.addMetricMathTargetTracking(
      'BacklogPerWorker',
      [
        metricStatQuery('visible', 'Messages waiting', visible),
        metricStatQuery('workers', 'Workers in service', workers),
        { id: 'backlogPerWorker', label: 'Backlog per worker', expression: 'visible / workers', returnData: true },
      ],
      props.targetBacklogPerWorker,
    );

    // FILL: a fleet scaled to zero may publish no worker metric at all; missing means zero.
    this.workWaitingWithoutWorkers = new cloudwatch.Alarm(this, 'WorkWaitingWithoutWorkers', {
      alarmDescription:
        'Scaling rule: messages wait and the fleet is asked for no worker -> start one (target tracking cannot start from zero).',
      metric: new cloudwatch.MathExpression({
        expression: 'IF(FILL(desired, 0) < 1, visible, 0)',
        usingMetrics: {
          visible: queue.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: 'Maximum' }),
          desired: fleet.desiredWorkers.with({ period: ONE_MINUTE, statistic: 'Maximum' }),
        },
        label: 'Messages waiting for a fleet of zero',
        period: ONE_MINUTE,
      }),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.workWaitingWithoutWorkers.addAlarmAction(
      fleet.addStepScaling('StartFromZero', { adjustmentType: 'ChangeInCapacity', value: 1, breach: 'above' }),
    );

    const idleTime = props.idleTime ?? Duration.minutes(15);
    const idlePeriods = Math.max(1, Math.round(idleTime.toMinutes()));
    this.queueIdle = new cloudwatch.Alarm(this, 'QueueIdle', {
      alarmDescription: `Scaling rule: nothing waiting and nothing in flight for ${idlePeriods} minutes -> no workers.`,
      metric: new cloudwatch.MathExpression({
        expression: 'visible + inFlight',
        usingMetrics: {
          visible: queue.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: 'Maximum' }),
          inFlight: queue.metricApproximateNumberOfMessagesNotVisible({ period: ONE_MINUTE, statistic: 'Maximum' }),
        },
        label: 'Messages waiting or in flight',
        period: ONE_MINUTE,
      }),
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      threshold: 1,
      evaluationPeriods: idlePeriods,
      datapointsToAlarm: idlePeriods,
      // No data is no evidence of idleness: keep the workers rather than stop them blindly.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.queueIdle.addAlarmAction(fleet.addStepScaling('StopWhenIdle', { adjustmentType: 'ExactCapacity', value: 0, breach: 'below' }));
  }
}

function metricStatQuery(id: string, label: string, metric: cloudwatch.Metric): MetricMathQuery {
  return {
    id,
    label,
    metricStat: {
      metric: {
        namespace: metric.namespace,
        metricName: metric.metricName,
        dimensions: Object.entries(metric.dimensions ?? {}).map(([name, value]) => ({ name, value: String(value) })),
      },
      stat: metric.statistic,
    },
    returnData: false,
  };
}

/**
 * The one step of a step rule. Bounds are relative to the alarm threshold: a rule that fires
 * above it covers [0, +inf), one that fires below it covers (-inf, 0].
 */
export function stepAdjustment(rule: StepRule): {
  metricIntervalLowerBound?: number;
  metricIntervalUpperBound?: number;
  scalingAdjustment: number;
} {
  return rule.breach === 'above'
    ? { metricIntervalLowerBound: 0, scalingAdjustment: rule.value }
    : { metricIntervalUpperBound: 0, scalingAdjustment: rule.value };
}
