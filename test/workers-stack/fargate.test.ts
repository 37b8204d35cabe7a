import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { onlyResource, resourcesOfType, synthesize, SynthesizedApp } from '../support/synth';
import { describeSharedPipeline, logicalIdOf } from './support/pipeline-assertions';
import { alarmQueries, queueMetric, scalingAlarm } from './support/scaling-assertions';

let app: SynthesizedApp;
let template: Template;
beforeAll(() => {
  app = synthesize({ 'workers.compute': 'fargate' });
  template = app.template(app.stacks.workers);
});

describeSharedPipeline('fargate', () => ({ app, template }), { maxReceiveCount: 5, maxLatencySeconds: 300 });

const clusterRef = () => ({ Ref: logicalIdOf(template, 'AWS::ECS::Cluster', 'FargateWorkersCluster') });
const serviceName = () => ({ 'Fn::GetAtt': [logicalIdOf(template, 'AWS::ECS::Service', 'FargateWorkersService'), 'Name'] });
const taskCountDimensions = () => [
  { Name: 'ClusterName', Value: clusterRef() },
  { Name: 'ServiceName', Value: serviceName() },
];

describe('cluster and service', () => {
  test('Container Insights on (per-service task counts for scaling), Fargate capacity providers attached', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
    template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      CapacityProviders: Match.arrayWith(['FARGATE', 'FARGATE_SPOT']),
    });
  });

  test('starts at zero tasks; half on Fargate Spot (fargateSpotPercent 50)', () => {
    const service = onlyResource(template, 'AWS::ECS::Service').Properties;
    expect(service.DesiredCount).toBe(0);
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
    });
  });

  test('the image is built from worker/Dockerfile with the repository root as context, for linux/arm64', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(app.assembly.directory, `${app.stacks.workers.artifactId}.assets.json`), 'utf8'));
    const images = Object.values(manifest.dockerImages) as { source: { directory: string; dockerFile: string; platform: string } }[];
    expect(images).toHaveLength(1);
    expect(images[0].source).toMatchObject({ dockerFile: 'worker/Dockerfile', platform: 'linux/arm64' });
    // The staged context holds only what .dockerignore lets through: no node_modules, no cdk.out.
    const context = fs.readdirSync(path.join(app.assembly.directory, images[0].source.directory)).sort();
    expect(context).toEqual(expect.arrayContaining(['package-lock.json', 'package.json', 'worker']));
    expect(context).not.toContain('node_modules');
    expect(context).not.toContain('cdk.out');
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

  test('target tracking on metric math: visible messages / running tasks, target 300 / 2 = 150', () => {
    const config = Object.values(resourcesOfType(template, 'AWS::ApplicationAutoScaling::ScalingPolicy'))
      .map((policy) => policy.Properties)
      .find((policy) => policy.PolicyType === 'TargetTrackingScaling')!.TargetTrackingScalingPolicyConfiguration;
    expect(config.TargetValue).toBe(150);
    expect(config.CustomizedMetricSpecification.Metrics).toEqual([
      expect.objectContaining({
        Id: 'visible',
        ReturnData: false,
        MetricStat: { ...queueMetric(template, 'ApproximateNumberOfMessagesVisible'), Stat: 'Average' },
      }),
      expect.objectContaining({
        Id: 'workers',
        ReturnData: false,
        MetricStat: {
          Metric: { Namespace: 'ECS/ContainerInsights', MetricName: 'RunningTaskCount', Dimensions: taskCountDimensions() },
          Stat: 'Average',
        },
      }),
      expect.objectContaining({ Id: 'backlogPerWorker', Expression: 'visible / workers', ReturnData: true }),
    ]);
  });

  test('zero to one: messages waiting while the desired count is 0 -> +1 task', () => {
    const alarm = scalingAlarm(template, 'Scaling rule: messages wait');
    const queries = alarmQueries(alarm);
    expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: 1 });
    expect(queries.expr_1.Expression).toBe('IF(FILL(desired, 0) < 1, visible, 0)');
    expect(queries.desired.MetricStat.Metric).toEqual({
      Namespace: 'ECS/ContainerInsights',
      MetricName: 'DesiredTaskCount',
      Dimensions: taskCountDimensions(),
    });
    expect(queries.visible.MetricStat).toMatchObject(queueMetric(template, 'ApproximateNumberOfMessagesVisible'));
    const policyId = alarm.AlarmActions[0].Ref;
    expect(template.toJSON().Resources[policyId].Properties).toMatchObject({
      PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: {
        AdjustmentType: 'ChangeInCapacity',
        StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
      },
    });
  });

  test('back to zero: nothing waiting and nothing in flight for 15 minutes -> exactly 0 tasks', () => {
    const alarm = scalingAlarm(template, 'Scaling rule: nothing waiting');
    expect(alarm).toMatchObject({ ComparisonOperator: 'LessThanThreshold', Threshold: 1, EvaluationPeriods: 15, DatapointsToAlarm: 15 });
    const queries = alarmQueries(alarm);
    expect(queries.expr_1.Expression).toBe('visible + inFlight');
    expect(queries.inFlight.MetricStat).toMatchObject(queueMetric(template, 'ApproximateNumberOfMessagesNotVisible'));
    const policyId = alarm.AlarmActions[0].Ref;
    expect(template.toJSON().Resources[policyId].Properties).toMatchObject({
      PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: {
        AdjustmentType: 'ExactCapacity',
        StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: 0 }],
      },
    });
  });
});

test('snapshot', () => {
  expect(template.toJSON()).toMatchSnapshot();
});
