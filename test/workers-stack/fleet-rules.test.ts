import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Duration } from 'aws-cdk-lib';
import { architectureOfInstanceTypes, type WorkersConfig } from '../../lib/config';
import { lifecycleHookHeartbeat } from '../../lib/workers/ec2-spot-workers';
import { capacityProviderStrategies } from '../../lib/workers/fargate-workers';
import { backlogPerWorkerTarget, pollerStopTimeout, queueVisibilityTimeout } from '../../lib/workers/fleet-timing';
import { INPUT_PREFIX, OUTPUT_PREFIX } from '../../lib/workers/worker-paths';
import * as workerKeys from '../../worker/src/output-key';

/** The pure rules of the fleet, without synthesis. */
const workers = (overrides: Partial<WorkersConfig> = {}): WorkersConfig => ({
  compute: 'lambda',
  maxReceiveCount: 5,
  maxLatencySeconds: 300,
  avgProcessingSeconds: 2,
  jobTimeoutSeconds: 60,
  maxWorkers: 10,
  fargateSpotPercent: 50,
  ec2InstanceTypes: ['m7g.large', 'c7g.large'],
  ec2Architecture: ec2.InstanceArchitecture.ARM_64,
  ec2PollersPerInstance: { 'm7g.large': 2, 'c7g.large': 2 },
  ec2OnDemandBase: 0,
  ...overrides,
});

test('the stack and the worker runtime agree on the object prefixes', () => {
  expect(INPUT_PREFIX).toBe(workerKeys.INPUT_PREFIX);
  expect(OUTPUT_PREFIX).toBe(workerKeys.OUTPUT_PREFIX);
});

describe('visibility timeout', () => {
  test('lambda: six times the function timeout', () => {
    expect(queueVisibilityTimeout(workers()).toSeconds()).toBe(360);
    expect(queueVisibilityTimeout(workers({ jobTimeoutSeconds: 900 })).toSeconds()).toBe(5400);
  });

  test('lambda: plus the batching window, as AWS recommends', () => {
    expect(queueVisibilityTimeout(workers(), Duration.seconds(5)).toSeconds()).toBe(365);
  });

  test('pollers: the job timeout plus a 30 s margin; the stop timeout matches', () => {
    for (const compute of ['fargate', 'ec2'] as const) {
      expect(queueVisibilityTimeout(workers({ compute })).toSeconds()).toBe(90);
    }
    expect(pollerStopTimeout(workers()).toSeconds()).toBe(90);
  });

  test('the lifecycle hook outlasts the stop timeout by a minute', () => {
    expect(lifecycleHookHeartbeat(Duration.seconds(90)).toSeconds()).toBe(150);
  });
});

test('backlog per worker target = maxLatencySeconds / avgProcessingSeconds', () => {
  expect(backlogPerWorkerTarget(workers())).toBe(150);
  expect(backlogPerWorkerTarget(workers({ maxLatencySeconds: 600, avgProcessingSeconds: 4 }))).toBe(150);
  expect(backlogPerWorkerTarget(workers({ maxLatencySeconds: 10, avgProcessingSeconds: 4 }))).toBe(2.5);
});

describe('Fargate capacity providers', () => {
  test.each([
    [
      50,
      [
        { capacityProvider: 'FARGATE_SPOT', weight: 50 },
        { capacityProvider: 'FARGATE', weight: 50 },
      ],
    ],
    [100, [{ capacityProvider: 'FARGATE_SPOT', weight: 100 }]],
    [0, [{ capacityProvider: 'FARGATE', weight: 100 }]],
  ])('%i%% Spot', (spotPercent, expected) => {
    expect(capacityProviderStrategies(spotPercent)).toEqual(expected);
  });
});

describe('EC2 architecture from the instance types', () => {
  test('the default Graviton types: arm64', () => {
    expect(architectureOfInstanceTypes(['m7g.large', 'm6g.large', 'c7g.large', 'c6g.large', 'r6g.large'])).toBe(
      ec2.InstanceArchitecture.ARM_64,
    );
  });

  test('Intel/AMD types: x86_64', () => {
    expect(architectureOfInstanceTypes(['m7i.large', 'm6a.large', 'c6i.large'])).toBe(ec2.InstanceArchitecture.X86_64);
  });

  test('a mix is refused, naming the key and each group', () => {
    expect(() => architectureOfInstanceTypes(['m7g.large', 'm7i.large'])).toThrow(
      /^Invalid config workers\.ec2InstanceTypes="m7g\.large,m7i\.large": all types must share one CPU architecture.*arm64: m7g\.large; x86_64: m7i\.large/,
    );
  });
});
