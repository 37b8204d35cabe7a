import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ScalingSignal, type SignalledFleet } from './scaling-signal';
import { SIGNAL_METRICS } from './worker-paths';

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
export interface ScalableWorkerFleet extends SignalledFleet {
  /** Adds a target tracking policy on one metric. */
  addTargetTracking(id: string, metric: cloudwatch.Metric, targetValue: number): void;
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

/**
 * Scales a worker fleet on its queue, from zero and back to zero, on one signal
 * (ScalingSignal: a function that reads the queue and the fleet every minute):
 *
 * 1. Zero to some: the signal function itself sets the fleet to one worker when messages wait and
 *    none is asked for, at its next run (at most a minute after the first message).
 * 2. Target tracking on backlog per worker = visible messages / max(running workers, 1), held at
 *    targetBacklogPerWorker (AWS's "backlog per instance" pattern): it scales out. Its scale-in is
 *    off: the backlog of a fleet that keeps up is about zero whether it needs one worker or ten, so
 *    proportional scale-in would take it to zero and cold-start it again minutes later (the scaling
 *    simulation showed 22 task launches in two hours of one message a minute).
 * 3. Back to zero: a step rule sets exactly zero after idleTime with nothing waiting, nothing in
 *    flight and workers still asked for; counting in-flight messages means the last worker is never
 *    stopped while it holds one.
 */
export class BacklogScaling extends Construct {
  public readonly signal: ScalingSignal;
  /** Fires when the queue held nothing for idleTime while the fleet still had workers. */
  public readonly queueIdle: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: BacklogScalingProps) {
    super(scope, id);
    const { queue, fleet } = props;

    this.signal = new ScalingSignal(this, 'Signal', { queue, fleet });
    fleet.addTargetTracking(
      'BacklogPerWorker',
      this.signal.metric(SIGNAL_METRICS.backlogPerWorker, 'Average'),
      props.targetBacklogPerWorker,
    );

    const idleTime = props.idleTime ?? Duration.minutes(15);
    const idlePeriods = Math.max(1, Math.round(idleTime.toMinutes()));
    this.queueIdle = new cloudwatch.Alarm(this, 'QueueIdle', {
      alarmDescription: `Scaling rule: nothing waiting and nothing in flight for ${idlePeriods} minutes while workers run -> no workers.`,
      // The signal samples once a minute, so a message that comes and goes between two samples is
      // invisible to it: SQS's own count of received messages (a Sum over each minute) sees it.
      // The signal's GetQueueAttributes every minute keeps the queue's AWS/SQS metrics flowing;
      // a minute without a data point counts as no receive.
      metric: new cloudwatch.MathExpression({
        expression: 'IF(FILL(received, 0) > 0, 0, idle)',
        usingMetrics: {
          idle: this.signal.metric(SIGNAL_METRICS.idleFleet, 'Minimum'),
          received: queue.metricNumberOfMessagesReceived({ period: Duration.minutes(1), statistic: 'Sum' }),
        },
        label: 'Idle minutes of a fleet that still has workers',
        period: Duration.minutes(1),
      }),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      threshold: 1,
      evaluationPeriods: idlePeriods,
      datapointsToAlarm: idlePeriods,
      // No data is no evidence of idleness: keep the workers rather than stop them blindly.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.queueIdle.addAlarmAction(fleet.addStepScaling('StopWhenIdle', { adjustmentType: 'ExactCapacity', value: 0, breach: 'above' }));
  }
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
