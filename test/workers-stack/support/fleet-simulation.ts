/**
 * A deterministic, second-by-second simulation of a poller fleet scaled by the parameters its
 * template carries (scaling-parameters.ts), with the real scaling signal function
 * (worker/src/scaling-signal-entry.ts) reading a simulated queue and fleet through mocked AWS
 * clients. Simulated time only: no timers, no randomness.
 *
 * What it models, and the assumptions where AWS documents no exact behaviour (docs/workers.md
 * lists them too):
 * - The signal runs every signalIntervalSeconds, at whole minutes.
 * - CloudWatch evaluates each alarm once a minute, ALARM_EVALUATION_OFFSET seconds after the minute,
 *   over its most recent complete periods; missing data per the alarm's TreatMissingData. An alarm
 *   with an Auto Scaling action invokes it at each evaluation while in ALARM (documented).
 * - Target tracking (ASSUMED windows): scale out when the metric is above the target for
 *   TARGET_HIGH_PERIODS periods, to ceil(capacity x metric / target); scale in when below
 *   TARGET_LOW_FACTOR x target for TARGET_LOW_PERIODS periods, the same way; never from zero
 *   (the signal's activation does that), and not at all when the policy disables scale-in;
 *   cooldowns between actions in the same direction (ECS's default scale-in cooldown, 300 s, when
 *   the template sets none).
 * - Start-up (ASSUMED): a Fargate task polls FARGATE_TASK_START_SECONDS after it is asked for; an
 *   EC2 instance is InService after EC2_IN_SERVICE_SECONDS and its pollers run after
 *   EC2_BOOT_SECONDS. A worker that fails to start: a Fargate task stops after the start time and
 *   ECS starts another; an EC2 instance stays InService without pollers until the watchdog marks it
 *   Unhealthy at the end of the grace period, and the group replaces it.
 * - A poller takes up to 10 messages per receive, works on them one after another for
 *   avgProcessingSeconds each, and deletes the batch at its end. A stopping worker stops receiving
 *   and finishes its batches within the stop timeout; after that it is killed and its messages
 *   reappear one visibility timeout later.
 * Not modelled: Spot interruptions, AZ rebalancing, API throttling, the approximate counts of SQS,
 * deployments (which may briefly run twice the tasks).
 */
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { runScalingSignal, type ScalingSignalConfig } from '../../../worker/src/scaling-signal-entry';
import type { AlarmRule, ScalingParameters } from './scaling-parameters';

export const ALARM_EVALUATION_OFFSET = 10;
export const TARGET_HIGH_PERIODS = 3;
export const TARGET_LOW_PERIODS = 15;
export const TARGET_LOW_FACTOR = 0.9;
export const FARGATE_TASK_START_SECONDS = 60;
export const EC2_IN_SERVICE_SECONDS = 30;
export const EC2_BOOT_SECONDS = 180;
const BATCH = 10;

/** What happens to the queue, and to the workers that start. */
export interface Timeline {
  readonly name: string;
  /** Messages sent at second t. */
  arrivals(t: number): number;
  /** How long to simulate. */
  readonly horizonSeconds: number;
  /** Whether the n-th worker launch (0-based) fails to start. */
  failsToStart?(launch: number): boolean;
}

interface Message {
  readonly id: number;
  visibleAt: number;
  processed: boolean;
}

interface Worker {
  readonly launch: number;
  readonly pollers: number;
  readonly launchedAt: number;
  readonly fails: boolean;
  readonly pollsFrom: number;
  stoppingAt?: number;
  unhealthy?: boolean;
  gone?: boolean;
  /** Per poller: the batch it holds and when its current message is done. */
  readonly batches: { messages: Message[]; busyUntil: number }[];
}

export interface SimulationResult {
  readonly firstArrival: number;
  readonly leftZeroAt: number | undefined;
  /** The most pollers taking messages at once. */
  readonly maxReceivingPollers: number;
  readonly maxDesired: number;
  readonly sent: number;
  readonly processed: number;
  readonly lastProcessedAt: number;
  /** When the fleet was last asked for, and had, no worker (undefined if it never returned to zero). */
  readonly backToZeroAt: number | undefined;
  readonly launches: number;
}

/** Runs `timeline` against the fleet `parameters` describe. */
export async function simulate(parameters: ScalingParameters, timeline: Timeline): Promise<SimulationResult> {
  /** Sent and never received, in order (a FIFO from `head`), and messages back from a killed worker. */
  const fresh: Message[] = [];
  let head = 0;
  let returned: Message[] = [];
  let heldCount = 0;
  let sent = 0;
  let processedCount = 0;
  const workers: Worker[] = [];
  const metrics = new Map<string, { t: number; value: number }[]>();
  let desired = 0;
  let launches = 0;
  let lastScaleOut = -Infinity;
  let lastScaleIn = -Infinity;
  let firstArrival = -1;
  let leftZeroAt: number | undefined;
  let maxReceivingPollers = 0;
  let maxDesired = 0;
  let lastProcessedAt = 0;
  let now = 0;

  // The real signal function, with its AWS calls answered from the simulated state.
  const clients = {
    sqs: new SQSClient({}),
    ecs: new ECSClient({}),
    autoScaling: new AutoScalingClient({}),
    cloudWatch: new CloudWatchClient({}),
  };
  const visibleCount = () => fresh.length - head + returned.filter((message) => message.visibleAt <= now).length;
  const inFlightCount = () => heldCount + returned.filter((message) => message.visibleAt > now).length;
  const runningPollers = () =>
    workers
      .filter((worker) => !worker.gone && worker.stoppingAt === undefined && !worker.unhealthy)
      .filter((worker) =>
        parameters.backend === 'ec2' ? now >= worker.launchedAt + EC2_IN_SERVICE_SECONDS : !worker.fails && now >= worker.pollsFrom,
      )
      .reduce((sum, worker) => sum + worker.pollers, 0);
  mockClient(clients.sqs)
    .on(GetQueueAttributesCommand)
    .callsFake(async () => ({
      Attributes: { ApproximateNumberOfMessages: String(visibleCount()), ApproximateNumberOfMessagesNotVisible: String(inFlightCount()) },
    }));
  mockClient(clients.ecs)
    .on(DescribeServicesCommand)
    .callsFake(async () => ({ services: [{ runningCount: runningPollers(), desiredCount: desired }] }))
    .on(UpdateServiceCommand)
    .callsFake(async (input: { desiredCount: number }) => {
      setDesired(input.desiredCount);
      return {};
    });
  mockClient(clients.autoScaling)
    .on(DescribeAutoScalingGroupsCommand)
    .callsFake(async () => ({
      AutoScalingGroups: [
        {
          DesiredCapacity: desired,
          Instances: workers
            .filter((worker) => !worker.gone && now >= worker.launchedAt + EC2_IN_SERVICE_SECONDS)
            .map((worker) => ({
              LifecycleState: worker.stoppingAt === undefined ? 'InService' : 'Terminating:Wait',
              HealthStatus: worker.unhealthy ? 'Unhealthy' : 'Healthy',
              WeightedCapacity: String(worker.pollers),
            })),
        },
      ],
    }))
    .on(SetDesiredCapacityCommand)
    .callsFake(async (input: { DesiredCapacity: number }) => {
      setDesired(input.DesiredCapacity);
      return {};
    });
  mockClient(clients.cloudWatch)
    .on(PutMetricDataCommand)
    .callsFake(async (input: { MetricData: { MetricName: string; Value: number }[] }) => {
      for (const datum of input.MetricData) {
        if (!metrics.has(datum.MetricName)) metrics.set(datum.MetricName, []);
        metrics.get(datum.MetricName)!.push({ t: now, value: datum.Value });
      }
      return {};
    });
  const signalConfig: ScalingSignalConfig = {
    queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/work',
    metricNamespace: 'DistributedCompute/WorkerFleet',
    fleet:
      parameters.backend === 'fargate' ? { kind: 'ecs', clusterName: 'c', serviceName: 's' } : { kind: 'ec2', autoScalingGroupName: 'g' },
    activationCapacity: parameters.activationCapacity,
  };

  /** A data point of an AWS/SQS metric (the queue's own counters). */
  function record(name: string, value: number): void {
    if (!metrics.has(name)) metrics.set(name, []);
    metrics.get(name)!.push({ t: now, value });
  }

  function setDesired(value: number): void {
    desired = Math.max(parameters.minCapacity, Math.min(parameters.maxCapacity, value));
    maxDesired = Math.max(maxDesired, desired);
    if (desired > 0 && leftZeroAt === undefined && firstArrival >= 0) leftZeroAt = now;
  }

  /** The statistic of a metric over each of the `periods` most recent complete periods (undefined: no data). */
  function periodValues(name: string, statistic: string, periodSeconds: number, periods: number): (number | undefined)[] {
    const end = Math.floor(now / periodSeconds) * periodSeconds;
    const points = metrics.get(name) ?? [];
    return Array.from({ length: periods }, (_, index) => {
      const from = end - (periods - index) * periodSeconds;
      const values = points.filter((point) => point.t >= from && point.t < from + periodSeconds).map((point) => point.value);
      if (values.length === 0) return undefined;
      if (statistic === 'Minimum') return Math.min(...values);
      if (statistic === 'Maximum') return Math.max(...values);
      if (statistic === 'Sum') return values.reduce((sum, value) => sum + value, 0);
      return values.reduce((sum, value) => sum + value, 0) / values.length;
    });
  }

  function inAlarm(rule: AlarmRule): boolean {
    const series = Object.fromEntries(
      Object.entries(rule.metrics).map(([id, metric]) => [
        id,
        periodValues(metric.metricName, metric.statistic, rule.periodSeconds, rule.evaluationPeriods),
      ]),
    );
    const evaluate = mathExpression(rule.expression, Object.keys(series));
    const values = Array.from({ length: rule.evaluationPeriods }, (_, index) =>
      evaluate(Object.values(series).map((points) => points[index])),
    );
    const breaches = values.filter((value) => {
      if (value === undefined) return rule.treatMissingData === 'breaching';
      switch (rule.comparison) {
        case 'GreaterThanOrEqualToThreshold':
          return value >= rule.threshold;
        case 'GreaterThanThreshold':
          return value > rule.threshold;
        case 'LessThanThreshold':
          return value < rule.threshold;
        default:
          return value <= rule.threshold;
      }
    }).length;
    return breaches >= rule.datapointsToAlarm;
  }

  function evaluateScaling(): void {
    for (const step of parameters.stepPolicies) {
      if (inAlarm(step.alarm)) setDesired(step.adjustmentType === 'ExactCapacity' ? step.adjustment : desired + step.adjustment);
    }
    if (desired === 0) return;
    const { metricName, statistic, value: target } = parameters.target;
    const high = periodValues(metricName, statistic, 60, TARGET_HIGH_PERIODS);
    if (high.every((value) => value !== undefined && value > target) && now - lastScaleOut >= parameters.scaleOutCooldownSeconds) {
      const wanted = Math.ceil((desired * high[high.length - 1]!) / target);
      if (wanted > desired) {
        setDesired(wanted);
        lastScaleOut = now;
      }
    }
    const low = periodValues(metricName, statistic, 60, TARGET_LOW_PERIODS);
    if (
      !parameters.target.disableScaleIn &&
      low.every((value) => value !== undefined && value < TARGET_LOW_FACTOR * target) &&
      now - lastScaleIn >= parameters.scaleInCooldownSeconds
    ) {
      const wanted = Math.ceil((desired * low[low.length - 1]!) / target);
      if (wanted < desired) {
        setDesired(wanted);
        lastScaleIn = now;
      }
    }
  }

  /** ECS keeps `desired` tasks; the group keeps `desired` capacity units (overage allowed). */
  function reconcile(): void {
    const live = () => workers.filter((worker) => !worker.gone && worker.stoppingAt === undefined && !worker.unhealthy);
    const capacity = () => live().reduce((sum, worker) => sum + worker.pollers, 0);
    while (capacity() < desired) {
      const pollers = parameters.weights[launches % parameters.weights.length];
      const fails = timeline.failsToStart?.(launches) ?? false;
      workers.push({
        launch: launches++,
        pollers,
        launchedAt: now,
        fails,
        pollsFrom: now + (parameters.backend === 'fargate' ? FARGATE_TASK_START_SECONDS : EC2_BOOT_SECONDS),
        batches: Array.from({ length: pollers }, () => ({ messages: [], busyUntil: 0 })),
      });
    }
    // Scale in: newest first, while the rest still covers the desired capacity.
    for (const worker of [...live()].reverse()) {
      if (capacity() - worker.pollers < desired) break;
      worker.stoppingAt = now;
    }
  }

  function stepWorkers(): void {
    for (const worker of workers) {
      if (worker.gone) continue;
      if (worker.fails) {
        // Fargate: the task stops when its start fails. EC2: the watchdog reports it after the grace period.
        if (parameters.backend === 'fargate' && now >= worker.pollsFrom) worker.gone = true;
        if (parameters.backend === 'ec2' && now >= worker.launchedAt + parameters.healthCheckGraceSeconds) {
          worker.unhealthy = true;
          worker.gone = true;
        }
        if (worker.stoppingAt !== undefined) worker.gone = true;
        continue;
      }
      for (const batch of worker.batches) {
        // Finish the current message; delete the batch when all are done.
        if (batch.messages.length > 0 && now >= batch.busyUntil) {
          const next = batch.messages.find((message) => !message.processed);
          if (next) {
            next.processed = true;
            processedCount++;
            lastProcessedAt = now;
            batch.busyUntil = now + parameters.avgProcessingSeconds;
          }
          if (batch.messages.every((message) => message.processed)) {
            heldCount -= batch.messages.length;
            batch.messages = [];
          }
        }
      }
      if (worker.stoppingAt !== undefined) {
        const idle = worker.batches.every((batch) => batch.messages.length === 0);
        if (idle || now - worker.stoppingAt >= parameters.stopTimeoutSeconds) {
          // Killed with messages: they come back after their visibility timeout.
          for (const batch of worker.batches) {
            for (const message of batch.messages.filter((candidate) => !candidate.processed)) {
              message.visibleAt = now + parameters.visibilityTimeoutSeconds;
              returned.push(message);
            }
            heldCount -= batch.messages.length;
            batch.messages = [];
          }
          worker.gone = true;
        }
        continue;
      }
      if (now < worker.pollsFrom) continue;
      for (const batch of worker.batches) {
        if (batch.messages.length > 0) continue;
        const taken = returned.filter((message) => message.visibleAt <= now).slice(0, BATCH);
        if (taken.length > 0) returned = returned.filter((message) => !taken.includes(message));
        while (taken.length < BATCH && head < fresh.length) taken.push(fresh[head++]);
        if (taken.length > 0) {
          heldCount += taken.length;
          record('NumberOfMessagesReceived', taken.length);
          batch.messages = taken;
          batch.busyUntil = now + parameters.avgProcessingSeconds;
        }
      }
    }
    const receiving = workers
      .filter((worker) => !worker.gone && !worker.fails && worker.stoppingAt === undefined && now >= worker.pollsFrom)
      .reduce((sum, worker) => sum + worker.pollers, 0);
    maxReceivingPollers = Math.max(maxReceivingPollers, receiving);
  }

  let backToZeroAt: number | undefined;
  for (now = 0; now < timeline.horizonSeconds; now++) {
    const arriving = timeline.arrivals(now);
    for (let index = 0; index < arriving; index++) fresh.push({ id: sent++, visibleAt: now, processed: false });
    if (arriving > 0 && firstArrival < 0) firstArrival = now;
    if (now % parameters.signalIntervalSeconds === 0) {
      try {
        await runScalingSignal(signalConfig, clients);
      } catch {
        // As in the function: a failed run publishes nothing.
      }
    }
    if (now % 60 === ALARM_EVALUATION_OFFSET) evaluateScaling();
    reconcile();
    stepWorkers();
    const atZero = desired === 0 && workers.every((worker) => worker.gone);
    if (atZero && backToZeroAt === undefined && firstArrival >= 0 && processedCount === sent) backToZeroAt = now;
    if (!atZero) backToZeroAt = undefined;
  }
  return {
    firstArrival,
    leftZeroAt,
    maxReceivingPollers,
    maxDesired,
    sent,
    processed: processedCount,
    lastProcessedAt,
    backToZeroAt,
    launches,
  };
}

/**
 * The metric math an alarm of this stack uses (IF, FILL, comparisons, arithmetic over metric ids),
 * as a function of one period's values. A missing value stays missing unless FILL replaces it.
 */
function mathExpression(expression: string, ids: string[]): (values: (number | undefined)[]) => number | undefined {
  if (!/^[\w\s(),.<>=!+\-*/]+$/.test(expression)) throw new Error(`unsupported metric math: ${expression}`);
  const javascript = expression
    .replace(/\bIF\(/g, '__if(')
    .replace(/\bFILL\(/g, '__fill(')
    .replace(/(?<![<>=!])=(?!=)/g, '==');
  const compiled = new Function('__if', '__fill', ...ids, `return (${javascript});`) as (...args: unknown[]) => number | undefined;
  const ifFunction = (condition: unknown, whenTrue: unknown, whenFalse: unknown) =>
    condition === undefined ? undefined : condition ? whenTrue : whenFalse;
  const fill = (value: number | undefined, replacement: number) => value ?? replacement;
  return (values) => {
    const result = compiled(ifFunction, fill, ...values);
    return typeof result === 'number' && Number.isFinite(result) ? result : undefined;
  };
}
