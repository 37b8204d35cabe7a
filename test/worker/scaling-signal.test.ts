import { AutoScalingClient, DescribeAutoScalingGroupsCommand, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SIGNAL_METRIC_NAMESPACE, SIGNAL_METRICS as STACK_METRICS } from '../../lib/workers/worker-paths';
import { EnvironmentError } from '../../worker/src/env-config';
import { activationCapacity, SIGNAL_METRICS, signalMetrics } from '../../worker/src/scaling-signal';
import { parseScalingSignalConfig, runScalingSignal, type ScalingSignalConfig } from '../../worker/src/scaling-signal-entry';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/work-queue';

test('the stack and the signal function agree on the metric names', () => {
  expect(STACK_METRICS).toEqual(SIGNAL_METRICS);
});

describe('signalMetrics', () => {
  test('backlog per worker divides by the running workers, and by 1 when none runs (the metric exists at zero)', () => {
    expect(signalMetrics({ visible: 300, inFlight: 20, runningWorkers: 4, desiredWorkers: 4 }).BacklogPerWorker).toBe(75);
    expect(signalMetrics({ visible: 300, inFlight: 0, runningWorkers: 0, desiredWorkers: 0 }).BacklogPerWorker).toBe(300);
  });

  test('IdleFleet is 1 only when nothing waits or is in flight and workers are still asked for', () => {
    expect(signalMetrics({ visible: 0, inFlight: 0, runningWorkers: 2, desiredWorkers: 2 }).IdleFleet).toBe(1);
    expect(signalMetrics({ visible: 0, inFlight: 3, runningWorkers: 2, desiredWorkers: 2 }).IdleFleet).toBe(0);
    expect(signalMetrics({ visible: 1, inFlight: 0, runningWorkers: 2, desiredWorkers: 2 }).IdleFleet).toBe(0);
    expect(signalMetrics({ visible: 0, inFlight: 0, runningWorkers: 0, desiredWorkers: 0 }).IdleFleet).toBe(0);
  });

  test('activation: only when messages wait and no worker is asked for', () => {
    expect(activationCapacity({ visible: 1, inFlight: 0, runningWorkers: 0, desiredWorkers: 0 }, 1)).toBe(1);
    expect(activationCapacity({ visible: 1, inFlight: 0, runningWorkers: 0, desiredWorkers: 1 }, 1)).toBeUndefined();
    expect(activationCapacity({ visible: 0, inFlight: 5, runningWorkers: 0, desiredWorkers: 0 }, 1)).toBeUndefined();
  });
});

describe('parseScalingSignalConfig', () => {
  const base = { QUEUE_URL, METRIC_NAMESPACE: SIGNAL_METRIC_NAMESPACE };
  test('reads an ECS and an EC2 fleet', () => {
    expect(parseScalingSignalConfig({ ...base, FLEET_KIND: 'ecs', CLUSTER_NAME: 'c', SERVICE_NAME: 's' }).fleet).toEqual({
      kind: 'ecs',
      clusterName: 'c',
      serviceName: 's',
    });
    expect(parseScalingSignalConfig({ ...base, FLEET_KIND: 'ec2', AUTO_SCALING_GROUP_NAME: 'g', ACTIVATION_CAPACITY: '2' })).toMatchObject({
      fleet: { kind: 'ec2', autoScalingGroupName: 'g' },
      activationCapacity: 2,
    });
  });

  test.each([
    [{ FLEET_KIND: 'k8s' }, 'FLEET_KIND must be "ecs" or "ec2" (got "k8s")'],
    [{ FLEET_KIND: 'ecs', CLUSTER_NAME: 'c' }, 'SERVICE_NAME is required: set it to the ECS service name'],
    [
      { FLEET_KIND: 'ec2', AUTO_SCALING_GROUP_NAME: 'g', ACTIVATION_CAPACITY: '0' },
      'ACTIVATION_CAPACITY must be a whole number from 1 to 1000 (got "0")',
    ],
  ])('refuses %j with one line', (env, message) => {
    expect(() => parseScalingSignalConfig({ ...base, ...env })).toThrow(new EnvironmentError(message));
  });
});

describe('runScalingSignal', () => {
  const clients = {
    sqs: new SQSClient({}),
    ecs: new ECSClient({}),
    autoScaling: new AutoScalingClient({}),
    cloudWatch: new CloudWatchClient({}),
  };
  const sqs = mockClient(clients.sqs);
  const ecs = mockClient(clients.ecs);
  const autoScaling = mockClient(clients.autoScaling);
  const cloudWatch = mockClient(clients.cloudWatch);
  beforeEach(() => [sqs, ecs, autoScaling, cloudWatch].forEach((mock) => mock.reset()));
  const ecsConfig: ScalingSignalConfig = {
    queueUrl: QUEUE_URL,
    metricNamespace: SIGNAL_METRIC_NAMESPACE,
    fleet: { kind: 'ecs', clusterName: 'c', serviceName: 's' },
    activationCapacity: 1,
  };

  const published = () =>
    Object.fromEntries(
      cloudWatch.commandCalls(PutMetricDataCommand)[0].args[0].input.MetricData!.map((datum) => [datum.MetricName, datum.Value]),
    );

  test('at zero with messages waiting: starts one task, then publishes what it did, per queue', async () => {
    sqs
      .on(GetQueueAttributesCommand)
      .resolves({ Attributes: { ApproximateNumberOfMessages: '12', ApproximateNumberOfMessagesNotVisible: '0' } });
    ecs.on(DescribeServicesCommand).resolves({ services: [{ runningCount: 0, desiredCount: 0 }] });
    ecs.on(UpdateServiceCommand).resolves({});
    cloudWatch.on(PutMetricDataCommand).resolves({});

    const run = await runScalingSignal(ecsConfig, clients);

    expect(run.activatedTo).toBe(1);
    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, { cluster: 'c', service: 's', desiredCount: 1 });
    expect(published()).toEqual({
      BacklogPerWorker: 12,
      MessagesVisible: 12,
      MessagesInFlight: 0,
      RunningWorkers: 0,
      DesiredWorkers: 1,
      IdleFleet: 0,
    });
    const input = cloudWatch.commandCalls(PutMetricDataCommand)[0].args[0].input;
    expect(input.Namespace).toBe(SIGNAL_METRIC_NAMESPACE);
    expect(input.MetricData![0].Dimensions).toEqual([{ Name: 'QueueName', Value: 'work-queue' }]);
  });

  test('EC2: counts the pollers of InService, Healthy instances by their weight, and sets capacity through the group', async () => {
    sqs
      .on(GetQueueAttributesCommand)
      .resolves({ Attributes: { ApproximateNumberOfMessages: '40', ApproximateNumberOfMessagesNotVisible: '8' } });
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'g',
          MinSize: 0,
          MaxSize: 8,
          DesiredCapacity: 6,
          DefaultCooldown: 300,
          AvailabilityZones: [],
          HealthCheckType: 'EC2',
          CreatedTime: new Date(0),
          Instances: [
            {
              InstanceId: 'a',
              LifecycleState: 'InService',
              HealthStatus: 'Healthy',
              WeightedCapacity: '2',
              AvailabilityZone: 'x',
              ProtectedFromScaleIn: false,
            },
            {
              InstanceId: 'b',
              LifecycleState: 'InService',
              HealthStatus: 'Healthy',
              WeightedCapacity: '2',
              AvailabilityZone: 'x',
              ProtectedFromScaleIn: false,
            },
            {
              InstanceId: 'c',
              LifecycleState: 'InService',
              HealthStatus: 'Unhealthy',
              WeightedCapacity: '2',
              AvailabilityZone: 'x',
              ProtectedFromScaleIn: false,
            },
            {
              InstanceId: 'd',
              LifecycleState: 'Pending',
              HealthStatus: 'Healthy',
              WeightedCapacity: '2',
              AvailabilityZone: 'x',
              ProtectedFromScaleIn: false,
            },
          ],
        },
      ],
    });
    cloudWatch.on(PutMetricDataCommand).resolves({});

    const run = await runScalingSignal({ ...ecsConfig, fleet: { kind: 'ec2', autoScalingGroupName: 'g' } }, clients);

    expect(run.reading).toEqual({ visible: 40, inFlight: 8, runningWorkers: 4, desiredWorkers: 6 });
    expect(published().BacklogPerWorker).toBe(10);
    expect(autoScaling).not.toHaveReceivedCommand(SetDesiredCapacityCommand);
  });

  test('a read that fails publishes nothing (the autoscaler then holds where it is)', async () => {
    sqs.on(GetQueueAttributesCommand).rejects(new Error('throttled'));
    ecs.on(DescribeServicesCommand).resolves({ services: [{ runningCount: 1, desiredCount: 1 }] });
    await expect(runScalingSignal(ecsConfig, clients)).rejects.toThrow('throttled');
    expect(cloudWatch).not.toHaveReceivedCommand(PutMetricDataCommand);
  });
});
