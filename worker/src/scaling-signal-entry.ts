/**
 * Entry point of the scaling signal function: runs every minute (an EventBridge schedule), reads the
 * work queue and the fleet, starts the fleet from zero when messages wait, and publishes the
 * metrics of scaling-signal.ts. On any read error it publishes nothing, as Copilot's calculator
 * does: a missing data point leaves the autoscaler where it is rather than acting on a guess.
 *
 * Environment: QUEUE_URL, METRIC_NAMESPACE, FLEET_KIND (ecs | ec2), CLUSTER_NAME and SERVICE_NAME
 * (ecs) or AUTO_SCALING_GROUP_NAME (ec2), ACTIVATION_CAPACITY.
 */
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type Env, EnvironmentError, readHttpUrl, readInteger, readRequired } from './env-config';
import { activationCapacity, type FleetReading, signalMetrics } from './scaling-signal';

/** Where the fleet's capacity lives. */
export type FleetTarget =
  | { readonly kind: 'ecs'; readonly clusterName: string; readonly serviceName: string }
  | { readonly kind: 'ec2'; readonly autoScalingGroupName: string };

export interface ScalingSignalConfig {
  readonly queueUrl: string;
  readonly metricNamespace: string;
  readonly fleet: FleetTarget;
  /** The capacity (workers) to set when the fleet is at zero and messages wait. */
  readonly activationCapacity: number;
}

export interface ScalingSignalClients {
  readonly sqs: SQSClient;
  readonly ecs: ECSClient;
  readonly autoScaling: AutoScalingClient;
  readonly cloudWatch: CloudWatchClient;
}

/** What one run did, for its log line and for tests. */
export interface SignalRun {
  readonly reading: FleetReading;
  readonly activatedTo?: number;
  readonly metrics: Record<string, number>;
}

/** Reads the function's environment. @throws EnvironmentError naming the first bad variable. */
export function parseScalingSignalConfig(env: Env): ScalingSignalConfig {
  const queueUrl = readHttpUrl(env, 'QUEUE_URL', 'the URL of the work queue');
  const metricNamespace = readRequired(env, 'METRIC_NAMESPACE', 'the CloudWatch namespace of the scaling metrics');
  const kind = readRequired(env, 'FLEET_KIND', '"ecs" or "ec2"');
  let fleet: FleetTarget;
  if (kind === 'ecs') {
    fleet = {
      kind,
      clusterName: readRequired(env, 'CLUSTER_NAME', 'the ECS cluster name'),
      serviceName: readRequired(env, 'SERVICE_NAME', 'the ECS service name'),
    };
  } else if (kind === 'ec2') {
    fleet = { kind, autoScalingGroupName: readRequired(env, 'AUTO_SCALING_GROUP_NAME', 'the Auto Scaling group name') };
  } else {
    throw new EnvironmentError(`FLEET_KIND must be "ecs" or "ec2" (got "${kind}")`);
  }
  const activation = readInteger(env, 'ACTIVATION_CAPACITY', { min: 1, max: 1000, default: 1 });
  return { queueUrl, metricNamespace, fleet, activationCapacity: activation };
}

/** The queue's name: the last segment of its URL (the metrics' QueueName dimension). */
export function queueNameOf(queueUrl: string): string {
  return new URL(queueUrl).pathname.split('/').filter(Boolean).pop() ?? '';
}

/** One run: read, activate if needed, publish. Throws on a read error, before publishing anything. */
export async function runScalingSignal(config: ScalingSignalConfig, clients: ScalingSignalClients): Promise<SignalRun> {
  const [queue, fleet] = await Promise.all([readQueue(config, clients.sqs), readFleet(config.fleet, clients)]);
  const reading: FleetReading = { ...queue, ...fleet };
  const activatedTo = activationCapacity(reading, config.activationCapacity);
  if (activatedTo !== undefined) await setDesired(config.fleet, activatedTo, clients);
  const metrics = signalMetrics({ ...reading, desiredWorkers: activatedTo ?? reading.desiredWorkers });
  await clients.cloudWatch.send(
    new PutMetricDataCommand({
      Namespace: config.metricNamespace,
      MetricData: Object.entries(metrics).map(([MetricName, Value]) => ({
        MetricName,
        Value,
        Unit: 'Count',
        Dimensions: [{ Name: 'QueueName', Value: queueNameOf(config.queueUrl) }],
      })),
    }),
  );
  return { reading, activatedTo, metrics };
}

async function readQueue(config: ScalingSignalConfig, sqs: SQSClient): Promise<Pick<FleetReading, 'visible' | 'inFlight'>> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: config.queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: countAttribute(Attributes, 'ApproximateNumberOfMessages'),
    inFlight: countAttribute(Attributes, 'ApproximateNumberOfMessagesNotVisible'),
  };
}

async function readFleet(
  fleet: FleetTarget,
  clients: ScalingSignalClients,
): Promise<Pick<FleetReading, 'runningWorkers' | 'desiredWorkers'>> {
  if (fleet.kind === 'ecs') {
    const { services } = await clients.ecs.send(new DescribeServicesCommand({ cluster: fleet.clusterName, services: [fleet.serviceName] }));
    const service = services?.[0];
    if (service === undefined) throw new Error(`ECS service ${fleet.serviceName} not found in cluster ${fleet.clusterName}`);
    return { runningWorkers: service.runningCount ?? 0, desiredWorkers: service.desiredCount ?? 0 };
  }
  const { AutoScalingGroups } = await clients.autoScaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [fleet.autoScalingGroupName] }),
  );
  const group = AutoScalingGroups?.[0];
  if (group === undefined) throw new Error(`Auto Scaling group ${fleet.autoScalingGroupName} not found`);
  // With instance weights, each instance counts its WeightedCapacity (its pollers) towards the
  // group's capacity: https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-mixed-instances-groups-instance-weighting.html
  const runningWorkers = (group.Instances ?? [])
    .filter((instance) => instance.LifecycleState === 'InService' && instance.HealthStatus === 'Healthy')
    .reduce((sum, instance) => sum + (Number(instance.WeightedCapacity) || 1), 0);
  return { runningWorkers, desiredWorkers: group.DesiredCapacity ?? 0 };
}

async function setDesired(fleet: FleetTarget, capacity: number, clients: ScalingSignalClients): Promise<void> {
  if (fleet.kind === 'ecs') {
    await clients.ecs.send(new UpdateServiceCommand({ cluster: fleet.clusterName, service: fleet.serviceName, desiredCount: capacity }));
  } else {
    await clients.autoScaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: fleet.autoScalingGroupName, DesiredCapacity: capacity, HonorCooldown: false }),
    );
  }
}

function countAttribute(attributes: Record<string, string> | undefined, name: string): number {
  const value = Number(attributes?.[name]);
  if (!Number.isFinite(value)) throw new Error(`GetQueueAttributes returned no ${name}`);
  return value;
}

let configured: { config: ScalingSignalConfig; clients: ScalingSignalClients } | undefined;

/** The function's handler. Logs one JSON line per run; a failed run publishes nothing and fails the invocation. */
export const handler = async (): Promise<SignalRun> => {
  configured ??= {
    config: parseScalingSignalConfig(process.env),
    clients: {
      sqs: new SQSClient({}),
      ecs: new ECSClient({}),
      autoScaling: new AutoScalingClient({}),
      cloudWatch: new CloudWatchClient({}),
    },
  };
  try {
    const run = await runScalingSignal(configured.config, configured.clients);
    console.log(JSON.stringify({ level: 'info', event: 'scaling-signal', ...run }));
    return run;
  } catch (error) {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    console.log(JSON.stringify({ level: 'error', event: 'scaling-signal-failed', errorClass: name, errorMessage: message }));
    throw error;
  }
};
