/**
 * The scaling parameters a synthesized WorkerFleetStack carries, read back from its template: what
 * the scaling simulation runs, so it tests the numbers AWS would receive, not the ones in the code.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { resourcesOfType } from '../../support/synth';

export interface AlarmRule {
  /** The metrics the alarm reads, by id (one, "m", when it reads a single metric). */
  readonly metrics: Readonly<Record<string, { readonly metricName: string; readonly statistic: string }>>;
  /** A metric math expression over those ids, or the single id. */
  readonly expression: string;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly threshold: number;
  readonly comparison: 'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';
  readonly treatMissingData: string;
}

export interface StepPolicy {
  readonly adjustmentType: 'ExactCapacity' | 'ChangeInCapacity';
  readonly adjustment: number;
  readonly alarm: AlarmRule;
}

export interface ScalingParameters {
  readonly backend: 'fargate' | 'ec2';
  /** Capacity bounds, in workers (ECS tasks, or EC2 capacity units = pollers). */
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly target: { readonly metricName: string; readonly statistic: string; readonly value: number; readonly disableScaleIn: boolean };
  readonly scaleOutCooldownSeconds: number;
  readonly scaleInCooldownSeconds: number;
  readonly stepPolicies: readonly StepPolicy[];
  /** EventBridge rate of the signal function, and what it sets the fleet to when starting from zero. */
  readonly signalIntervalSeconds: number;
  readonly activationCapacity: number;
  /** EC2: pollers (= weight) per instance type. Fargate: one per task. */
  readonly weights: readonly number[];
  /** EC2: health check grace period (the watchdog's boot budget). */
  readonly healthCheckGraceSeconds: number;
  /** How long a stopping worker may finish its messages: ECS stopTimeout, or the lifecycle hook's heartbeat. */
  readonly stopTimeoutSeconds: number;
  readonly visibilityTimeoutSeconds: number;
  /** The latency goal (the oldest-message alarm's threshold) and the job time it implies with the target. */
  readonly maxLatencySeconds: number;
  readonly avgProcessingSeconds: number;
}

function only<T>(items: T[], what: string): T {
  if (items.length !== 1) throw new Error(`expected one ${what}, found ${items.length}`);
  return items[0];
}

function alarmFor(template: Template, policyId: string): AlarmRule {
  const alarm = only(
    Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).filter((candidate) =>
      JSON.stringify(candidate.Properties.AlarmActions ?? []).includes(`"${policyId}"`),
    ),
    `alarm running ${policyId}`,
  ).Properties;
  const queries = (alarm.Metrics ?? []) as {
    Id: string;
    Expression?: string;
    MetricStat?: { Metric: { MetricName: string }; Stat: string; Period: number };
  }[];
  const metrics =
    queries.length === 0
      ? { m: { metricName: alarm.MetricName, statistic: alarm.Statistic } }
      : Object.fromEntries(
          queries
            .filter((query) => query.MetricStat)
            .map((query) => [query.Id, { metricName: query.MetricStat!.Metric.MetricName, statistic: query.MetricStat!.Stat }]),
        );
  return {
    metrics,
    expression: queries.length === 0 ? 'm' : queries.find((query) => query.Expression)!.Expression!,
    periodSeconds: alarm.Period ?? queries.find((query) => query.MetricStat)!.MetricStat!.Period,
    evaluationPeriods: alarm.EvaluationPeriods,
    datapointsToAlarm: alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods,
    threshold: alarm.Threshold,
    comparison: alarm.ComparisonOperator,
    treatMissingData: alarm.TreatMissingData ?? 'missing',
  };
}

/** Reads every scaling parameter of the poller backend `backend` from its synthesized template. */
export function readScalingParameters(template: Template, backend: 'fargate' | 'ec2'): ScalingParameters {
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
  const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);

  const signalFunction = only(
    ofType('AWS::Lambda::Function').filter(([, resource]) => resource.Properties.Environment?.Variables?.FLEET_KIND),
    'signal function',
  )[1];
  const rule = only(ofType('AWS::Events::Rule'), 'schedule')[1];
  const rate = /^rate\((\d+) minutes?\)$/.exec(rule.Properties.ScheduleExpression)!;
  const queue = only(
    ofType('AWS::SQS::Queue').filter(([, resource]) => resource.Properties.RedrivePolicy),
    'work queue',
  )[1];
  const tooOld = only(
    ofType('AWS::CloudWatch::Alarm').filter(([, resource]) => resource.Properties.MetricName === 'ApproximateAgeOfOldestMessage'),
    'oldest-message alarm',
  )[1];

  const policyType = backend === 'fargate' ? 'AWS::ApplicationAutoScaling::ScalingPolicy' : 'AWS::AutoScaling::ScalingPolicy';
  const policies = ofType(policyType);
  const [, tracking] = only(
    policies.filter(([, policy]) => policy.Properties.PolicyType === 'TargetTrackingScaling'),
    'target tracking policy',
  );
  const trackingConfig = tracking.Properties.TargetTrackingScalingPolicyConfiguration ?? tracking.Properties.TargetTrackingConfiguration;
  const stepPolicies = policies
    .filter(([, policy]) => policy.Properties.PolicyType === 'StepScaling')
    .map(([id, policy]) => {
      const config = policy.Properties.StepScalingPolicyConfiguration ?? policy.Properties;
      return {
        adjustmentType: config.AdjustmentType,
        adjustment: only(config.StepAdjustments as { ScalingAdjustment: number }[], 'step').ScalingAdjustment,
        alarm: alarmFor(template, id),
      };
    });

  let minCapacity: number;
  let maxCapacity: number;
  let weights: number[] = [1];
  let healthCheckGraceSeconds = 0;
  let stopTimeoutSeconds: number;
  let scaleOutCooldownSeconds: number;
  let scaleInCooldownSeconds: number;
  if (backend === 'fargate') {
    const target = only(ofType('AWS::ApplicationAutoScaling::ScalableTarget'), 'scalable target')[1].Properties;
    minCapacity = target.MinCapacity;
    maxCapacity = target.MaxCapacity;
    const task = only(ofType('AWS::ECS::TaskDefinition'), 'task definition')[1].Properties;
    stopTimeoutSeconds = task.ContainerDefinitions[0].StopTimeout;
    scaleOutCooldownSeconds = trackingConfig.ScaleOutCooldown;
    scaleInCooldownSeconds = trackingConfig.ScaleInCooldown ?? 300;
  } else {
    const group = only(ofType('AWS::AutoScaling::AutoScalingGroup'), 'group')[1].Properties;
    minCapacity = Number(group.MinSize);
    maxCapacity = Number(group.MaxSize);
    weights = (group.MixedInstancesPolicy.LaunchTemplate.Overrides as { WeightedCapacity: string }[]).map((override) =>
      Number(override.WeightedCapacity),
    );
    healthCheckGraceSeconds = group.HealthCheckGracePeriod;
    stopTimeoutSeconds = only(ofType('AWS::AutoScaling::LifecycleHook'), 'lifecycle hook')[1].Properties.HeartbeatTimeout;
    // EC2 Auto Scaling target tracking has no cooldowns: instances in their warm-up do not count yet.
    scaleOutCooldownSeconds = tracking.Properties.EstimatedInstanceWarmup;
    scaleInCooldownSeconds = tracking.Properties.EstimatedInstanceWarmup;
  }

  return {
    backend,
    minCapacity,
    maxCapacity,
    target: {
      metricName: trackingConfig.CustomizedMetricSpecification.MetricName,
      statistic: trackingConfig.CustomizedMetricSpecification.Statistic,
      value: trackingConfig.TargetValue,
      disableScaleIn: trackingConfig.DisableScaleIn === true,
    },
    scaleOutCooldownSeconds,
    scaleInCooldownSeconds,
    stepPolicies,
    signalIntervalSeconds: Number(rate[1]) * 60,
    activationCapacity: Number(signalFunction.Properties.Environment.Variables.ACTIVATION_CAPACITY),
    weights,
    healthCheckGraceSeconds,
    stopTimeoutSeconds,
    visibilityTimeoutSeconds: queue.Properties.VisibilityTimeout,
    maxLatencySeconds: tooOld.Properties.Threshold,
    avgProcessingSeconds: tooOld.Properties.Threshold / trackingConfig.TargetValue,
  };
}
