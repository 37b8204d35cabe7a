import * as fs from 'node:fs';
import * as path from 'node:path';
import { addWorkerFleetStack } from '../../lib/app';
import type { WorkerFleetStack } from '../../lib/workers/worker-fleet-stack';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { onlyResource, resourcesOfType, synthesizeStack, SynthesizedStack } from '../support/synth';
import { summarizeTemplate } from '../support/template-summary';
import { describeSharedPipeline, logicalIdOf } from './support/pipeline-assertions';

let app: SynthesizedStack<WorkerFleetStack>;
let template: Template;
beforeAll(() => {
  app = synthesizeStack(addWorkerFleetStack, { 'workers.compute': 'fargate' });
  template = app.template;
});

describeSharedPipeline('fargate', () => ({ app, template }), { maxReceiveCount: 5, maxLatencySeconds: 300 });

describe('cluster and service', () => {
  test('Container Insights on (per-task CPU and memory for operators), Fargate capacity providers attached', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
    template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      CapacityProviders: Match.arrayWith(['FARGATE', 'FARGATE_SPOT']),
    });
  });

  test('no DesiredCount (a deploy keeps the scaled count); half on Fargate Spot (fargateSpotPercent 50)', () => {
    const service = onlyResource(template, 'AWS::ECS::Service').Properties;
    expect(service).not.toHaveProperty('DesiredCount');
    expect(service.CapacityProviderStrategy).toEqual([
      { CapacityProvider: 'FARGATE_SPOT', Weight: 50 },
      { CapacityProvider: 'FARGATE', Weight: 50 },
    ]);
    expect(service.LaunchType).toBeUndefined();
  });

  test('private subnets of a two-AZ VPC with flow logs, no public IP, nothing inbound', () => {
    const network = onlyResource(template, 'AWS::ECS::Service').Properties.NetworkConfiguration.AwsvpcConfiguration;
    expect(network.AssignPublicIp).toBe('DISABLED');
    expect(network.Subnets).toEqual([
      { Ref: logicalIdOf(template, 'AWS::EC2::Subnet', 'NetworkVpcprivateSubnet1') },
      { Ref: logicalIdOf(template, 'AWS::EC2::Subnet', 'NetworkVpcprivateSubnet2') },
    ]);
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL' });
    expect(resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress')).toEqual({});
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Thumbnail workers'),
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 })],
    });
  });

  test('task: ARM64, the worker image, non-root, read-only root file system, 120 s to drain after SIGTERM', () => {
    const task = onlyResource(template, 'AWS::ECS::TaskDefinition').Properties;
    expect(task.RuntimePlatform).toEqual({ CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' });
    expect(task.ContainerDefinitions).toHaveLength(1);
    const [container] = task.ContainerDefinitions;
    expect(container).toMatchObject({ StopTimeout: 120, User: 'node', ReadonlyRootFilesystem: true, Memory: 2048 });
    expect(container.LogConfiguration).toMatchObject({
      LogDriver: 'awslogs',
      Options: { 'awslogs-group': { Ref: logicalIdOf(template, 'AWS::Logs::LogGroup', 'FargateWorkersLogs') } },
    });
    const environment = Object.fromEntries((container.Environment as { Name: string; Value: unknown }[]).map((v) => [v.Name, v.Value]));
    expect(environment).toEqual({
      QUEUE_URL: { Ref: logicalIdOf(template, 'AWS::SQS::Queue', 'WorkQueue') },
      OUTPUT_BUCKET: { Ref: logicalIdOf(template, 'AWS::S3::Bucket', 'BucketsOutput') },
      AWS_REGION: { Ref: 'AWS::Region' },
      VISIBILITY_TIMEOUT_SECONDS: '90',
      JOB_TIMEOUT_SECONDS: '60',
    });
  });

  test('the image is built for linux/arm64 from a context of exactly two files: worker/Dockerfile and the poller bundle', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(app.assemblyDirectory, `${app.stack.artifactId}.assets.json`), 'utf8'));
    const images = Object.values(manifest.dockerImages) as { source: { directory: string; dockerFile?: string; platform: string } }[];
    expect(images).toHaveLength(1);
    expect(images[0].source).toMatchObject({ platform: 'linux/arm64' });
    const contextDirectory = path.join(app.assemblyDirectory, images[0].source.directory);
    expect(fs.readdirSync(contextDirectory).sort()).toEqual(['Dockerfile', 'poller.js']);
    expect(fs.readFileSync(path.join(contextDirectory, 'Dockerfile'), 'utf8')).toBe(
      fs.readFileSync(path.join(__dirname, '../../worker/Dockerfile'), 'utf8'),
    );
  });

  test('pollers: visibility timeout = job timeout + 30 s margin (their heartbeat extends it)', () => {
    expect(template.toJSON().Resources[logicalIdOf(template, 'AWS::SQS::Queue', 'WorkQueue')].Properties.VisibilityTimeout).toBe(90);
  });
});

describe('backlog scaling', () => {
  test('scalable target: the service desired count, 0 to maxWorkers (10)', () => {
    expect(onlyResource(template, 'AWS::ApplicationAutoScaling::ScalableTarget').Properties).toMatchObject({
      ServiceNamespace: 'ecs',
      ScalableDimension: 'ecs:service:DesiredCount',
      MinCapacity: 0,
      MaxCapacity: 10,
    });
  });

  test("target tracking on the signal's backlog per worker, target 300 / 2 = 150", () => {
    const config = Object.values(resourcesOfType(template, 'AWS::ApplicationAutoScaling::ScalingPolicy'))
      .map((policy) => policy.Properties)
      .find((policy) => policy.PolicyType === 'TargetTrackingScaling')!.TargetTrackingScalingPolicyConfiguration;
    expect(config).toMatchObject({
      TargetValue: 150,
      ScaleOutCooldown: 60,
      DisableScaleIn: true,
      CustomizedMetricSpecification: { Namespace: 'DistributedCompute/WorkerFleet', MetricName: 'BacklogPerWorker', Statistic: 'Average' },
    });
  });
});

test('snapshot: the summary of the template, workers.compute=fargate (test/support/template-summary.ts)', () => {
  expect(summarizeTemplate(template)).toMatchSnapshot();
});
