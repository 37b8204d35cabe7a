import { Template } from 'aws-cdk-lib/assertions';
import { ConfigError } from '../../lib/config';
import { addWorkerFleetStack } from '../../lib/app';
import { onlyResource, resourcesOfType, synthesizeStack, SynthesizedStack } from '../support/synth';
import type { WorkerFleetStack } from '../../lib/workers/worker-fleet-stack';
import { describeSharedPipeline } from './support/pipeline-assertions';

/**
 * Config values flow into the template: latency 600 s at 4 s per job is still a backlog of 150
 * per worker; 3 receives before the dead-letter queue; no Fargate Spot at all. Values come as
 * strings, exactly as `cdk synth -c key=value` passes them.
 */
let app: SynthesizedStack<WorkerFleetStack>;
let template: Template;
beforeAll(() => {
  app = synthesizeStack(addWorkerFleetStack, {
    'workers.compute': 'fargate',
    'workers.maxLatencySeconds': '600',
    'workers.avgProcessingSeconds': '4',
    'workers.maxReceiveCount': '3',
    'workers.fargateSpotPercent': '0',
    'workers.jobTimeoutSeconds': '300',
  });
  template = app.template;
});

describeSharedPipeline('maxLatencySeconds=600, maxReceiveCount=3', () => ({ app, template }), {
  maxReceiveCount: 3,
  maxLatencySeconds: 600,
});

test('target backlog per worker: 600 / 4 = 150', () => {
  const policy = Object.values(resourcesOfType(template, 'AWS::ApplicationAutoScaling::ScalingPolicy'))
    .map((resource) => resource.Properties)
    .find((properties) => properties.PolicyType === 'TargetTrackingScaling')!;
  expect(policy.TargetTrackingScalingPolicyConfiguration.TargetValue).toBe(150);
});

test('fargateSpotPercent=0: regular Fargate only (a zero-weight provider is left out)', () => {
  expect(onlyResource(template, 'AWS::ECS::Service').Properties.CapacityProviderStrategy).toEqual([
    { CapacityProvider: 'FARGATE', Weight: 100 },
  ]);
});

test('jobTimeoutSeconds=300: poller visibility timeout 330 s; the Fargate stop timeout stays at its 120 s maximum', () => {
  const queues = Object.entries(resourcesOfType(template, 'AWS::SQS::Queue'));
  expect(queues.find(([id]) => id.startsWith('WorkQueue'))![1].Properties.VisibilityTimeout).toBe(330);
  expect(onlyResource(template, 'AWS::ECS::TaskDefinition').Properties.ContainerDefinitions[0].StopTimeout).toBe(120);
});

test('ec2 instance types of two architectures: one ConfigError that names the key and both groups', () => {
  const attempt = () =>
    synthesizeStack(addWorkerFleetStack, { 'workers.compute': 'ec2', 'workers.ec2InstanceTypes': 'm7g.large,m7i.large,c7g.large' });
  expect(attempt).toThrow(ConfigError);
  expect(attempt).toThrow(/workers\.ec2InstanceTypes.*arm64: m7g\.large, c7g\.large; x86_64: m7i\.large/);
});
