/**
 * The AWS rules the worker fleet relies on, one test per rule, read from the synthesized template
 * of every backend. Each rule's source is cited beside the code that follows it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { addWorkerFleetStack } from '../../lib/app';
import { resourcesOfType, synthesizeStack } from '../support/synth';
import { bundleEntry } from '../worker/support/worker-process';
import { logicalIdOf } from './support/pipeline-assertions';

const ROOT = path.join(__dirname, '..', '..');
const BACKENDS = ['lambda', 'fargate', 'ec2'] as const;
type Backend = (typeof BACKENDS)[number];

const templates = {} as Record<Backend, Template>;
const findings = {} as Record<Backend, string[]>;
beforeAll(() => {
  for (const compute of BACKENDS) {
    // EC2 with an On-Demand base, to see the key reach the template.
    const synthesized = synthesizeStack(addWorkerFleetStack, {
      'workers.compute': compute,
      ...(compute === 'ec2' ? { 'workers.ec2OnDemandBase': '2' } : {}),
    });
    templates[compute] = synthesized.template;
    findings[compute] = synthesized.unacknowledgedFindings;
  }
}, 240_000);

type Statement = {
  Effect: string;
  Principal?: { Service?: string };
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, any>;
};
const statementsOf = (document: { Statement: Statement[] }) => document.Statement;
const actionsOf = (statement: Statement) => [statement.Action].flat();
const properties = (template: Template, type: string, prefix: string) =>
  template.toJSON().Resources[logicalIdOf(template, type, prefix)].Properties as Record<string, any>;

describe.each(BACKENDS)('%s', (compute) => {
  const template = () => templates[compute];

  test("alarm topic policy lets cloudwatch.amazonaws.com publish, for this account's alarms (a topic policy replaces the default one)", () => {
    const topicId = logicalIdOf(template(), 'AWS::SNS::Topic', 'AlarmsTopic');
    const policies = Object.values(resourcesOfType(template(), 'AWS::SNS::TopicPolicy')).filter((policy) =>
      JSON.stringify(policy.Properties.Topics).includes(topicId),
    );
    expect(policies).toHaveLength(1);
    const allow = statementsOf(policies[0].Properties.PolicyDocument).find(
      (statement) => statement.Effect === 'Allow' && statement.Principal?.Service === 'cloudwatch.amazonaws.com',
    );
    expect(allow).toMatchObject({ Action: 'sns:Publish', Resource: { Ref: topicId } });
    expect(Object.keys(allow!.Condition!).sort()).toEqual(['ArnLike', 'StringEquals']);
    expect(allow!.Condition!.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    expect(JSON.stringify(allow!.Condition!.ArnLike)).toContain(':alarm:*');
  });

  test('alarm topic key lets CloudWatch generate data keys and decrypt (an encrypted topic needs it)', () => {
    const keyPolicy = properties(template(), 'AWS::KMS::Key', 'AlarmsKey').KeyPolicy;
    const statement = statementsOf(keyPolicy).find((candidate) => candidate.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect(actionsOf(statement!).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    expect(statement!.Condition!.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
  });

  test('the upload subscription has a redrive policy (SNS discards what it cannot deliver otherwise)', () => {
    const [subscription] = Object.values(resourcesOfType(template(), 'AWS::SNS::Subscription'));
    const dlqId = logicalIdOf(template(), 'AWS::SQS::Queue', 'WorkDeliveryDeadLetterQueue');
    expect(subscription.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] } });
  });

  test('the subscription dead-letter queue lets SNS send for this topic only, and is on the key SNS may use', () => {
    const dlqId = logicalIdOf(template(), 'AWS::SQS::Queue', 'WorkDeliveryDeadLetterQueue');
    const queuePolicy = Object.values(resourcesOfType(template(), 'AWS::SQS::QueuePolicy')).find((policy) =>
      JSON.stringify(policy.Properties.Queues).includes(dlqId),
    )!;
    const allow = statementsOf(queuePolicy.Properties.PolicyDocument).find(
      (statement) => statement.Principal?.Service === 'sns.amazonaws.com',
    );
    expect(allow).toMatchObject({
      Action: 'sqs:SendMessage',
      Condition: { ArnEquals: { 'aws:SourceArn': { Ref: logicalIdOf(template(), 'AWS::SNS::Topic', 'UploadsTopic') } } },
    });
    const queueKey = properties(template(), 'AWS::SQS::Queue', 'WorkDeliveryDeadLetterQueue').KmsMasterKeyId;
    expect(queueKey).toEqual(properties(template(), 'AWS::SQS::Queue', 'WorkQueue').KmsMasterKeyId);
    const keyPolicy = properties(template(), 'AWS::KMS::Key', 'WorkKey').KeyPolicy;
    expect(statementsOf(keyPolicy).some((statement) => statement.Principal?.Service === 'sns.amazonaws.com')).toBe(true);
  });

  test('workers may send to the dead-letter queue (SendMessage, GetQueueUrl, GenerateDataKey and Decrypt on its key) and read the redrive policy', () => {
    const dlqArn = { 'Fn::GetAtt': [logicalIdOf(template(), 'AWS::SQS::Queue', 'WorkDeadLetterQueue'), 'Arn'] };
    const statements = Object.values(resourcesOfType(template(), 'AWS::IAM::Policy')).flatMap((policy) =>
      statementsOf(policy.Properties.PolicyDocument),
    );
    const send = statements.find(
      (statement) => actionsOf(statement).includes('sqs:SendMessage') && JSON.stringify(statement.Resource) === JSON.stringify(dlqArn),
    );
    expect(actionsOf(send!).sort()).toEqual(['sqs:GetQueueUrl', 'sqs:SendMessage']);
    const keyArn = { 'Fn::GetAtt': [logicalIdOf(template(), 'AWS::KMS::Key', 'WorkKey'), 'Arn'] };
    const key = statements.filter((statement) => JSON.stringify(statement.Resource) === JSON.stringify(keyArn) && !statement.Condition);
    expect([...new Set(key.flatMap(actionsOf))].sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(statements.some((statement) => actionsOf(statement).includes('sqs:GetQueueAttributes'))).toBe(true);
  });

  test('zero unacknowledged policy-gate findings', () => {
    expect(findings[compute]).toEqual([]);
  });
});

describe('lambda', () => {
  const template = () => templates.lambda;

  test('maxReceiveCount of the source queue is at least 5 (AWS guidance for Lambda event sources)', () => {
    expect(properties(template(), 'AWS::SQS::Queue', 'WorkQueue').RedrivePolicy.maxReceiveCount).toBeGreaterThanOrEqual(5);
  });

  test('the source queue visibility timeout is at least six times the function timeout', () => {
    const fn = Object.values(resourcesOfType(template(), 'AWS::Lambda::Function')).find(
      (resource) => resource.Properties.Environment?.Variables?.OUTPUT_BUCKET,
    )!;
    expect(properties(template(), 'AWS::SQS::Queue', 'WorkQueue').VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn.Properties.Timeout);
  });

  test('the function has the memory the memory benchmark measured against (2048 MB)', () => {
    const fn = Object.values(resourcesOfType(template(), 'AWS::Lambda::Function')).find(
      (resource) => resource.Properties.Environment?.Variables?.OUTPUT_BUCKET,
    )!;
    expect(fn.Properties.MemorySize).toBe(2048);
  });
});

describe('fargate', () => {
  const template = () => templates.fargate;

  test('the ECS service has no DesiredCount (a value in the template resets the scaled count on every deploy)', () => {
    for (const service of Object.values(resourcesOfType(template(), 'AWS::ECS::Service'))) {
      expect(service.Properties).not.toHaveProperty('DesiredCount');
    }
  });

  test('the ECS service depends on the cluster capacity provider association', () => {
    const association = logicalIdOf(template(), 'AWS::ECS::ClusterCapacityProviderAssociations', 'FargateWorkersCluster');
    const service = template().toJSON().Resources[logicalIdOf(template(), 'AWS::ECS::Service', 'FargateWorkersService')];
    expect(service.DependsOn).toContain(association);
  });

  test('the poller message timeout is below the visibility timeout', () => {
    const [task] = Object.values(resourcesOfType(template(), 'AWS::ECS::TaskDefinition'));
    const environment = Object.fromEntries(
      (task.Properties.ContainerDefinitions[0].Environment as { Name: string; Value: string }[]).map((v) => [v.Name, Number(v.Value)]),
    );
    expect(environment.JOB_TIMEOUT_SECONDS).toBeLessThan(environment.VISIBILITY_TIMEOUT_SECONDS);
  });
});

describe.each(['fargate', 'ec2'] as const)('%s scaling signal', (compute) => {
  const template = () => templates[compute];

  test('a one-minute schedule runs the signal function, which exists whether or not a worker runs', () => {
    const [rule] = Object.values(resourcesOfType(template(), 'AWS::Events::Rule'));
    expect(rule.Properties.ScheduleExpression).toBe('rate(1 minute)');
    const signal = logicalIdOf(template(), 'AWS::Lambda::Function', 'ScalingSignalFunction');
    expect(rule.Properties.Targets[0].Arn).toEqual({ 'Fn::GetAtt': [signal, 'Arn'] });
  });

  test('the signal may publish metrics in its own namespace only (PutMetricData has no resource-level permissions)', () => {
    const statement = Object.values(resourcesOfType(template(), 'AWS::IAM::Policy'))
      .flatMap((policy) => statementsOf(policy.Properties.PolicyDocument))
      .find((candidate) => actionsOf(candidate).includes('cloudwatch:PutMetricData'))!;
    expect(statement.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'DistributedCompute/WorkerFleet' } });
  });

  test("target tracking reads the signal's BacklogPerWorker, not a metric that vanishes at zero workers", () => {
    const type = compute === 'fargate' ? 'AWS::ApplicationAutoScaling::ScalingPolicy' : 'AWS::AutoScaling::ScalingPolicy';
    const policy = Object.values(resourcesOfType(template(), type)).find(
      (resource) => resource.Properties.PolicyType === 'TargetTrackingScaling',
    )!;
    const config = policy.Properties.TargetTrackingScalingPolicyConfiguration ?? policy.Properties.TargetTrackingConfiguration;
    expect(config.CustomizedMetricSpecification).toMatchObject({
      Namespace: 'DistributedCompute/WorkerFleet',
      MetricName: 'BacklogPerWorker',
    });
    expect(JSON.stringify(template().toJSON())).not.toContain('ECS/ContainerInsights');
  });
});

describe('ec2', () => {
  const template = () => templates.ec2;
  const group = () => Object.values(resourcesOfType(template(), 'AWS::AutoScaling::AutoScalingGroup'))[0].Properties;

  test('OnDemandBaseCapacity is workers.ec2OnDemandBase', () => {
    expect(group().MixedInstancesPolicy.InstancesDistribution.OnDemandBaseCapacity).toBe(2);
  });

  test('instance types weigh the pollers they run, and the maximum leaves room for the largest weight', () => {
    const weights = (group().MixedInstancesPolicy.LaunchTemplate.Overrides as { WeightedCapacity: string }[]).map((override) =>
      Number(override.WeightedCapacity),
    );
    expect(weights.every((weight) => weight === 2)).toBe(true);
    // desired + largest weight is the hard limit: max 8 + 2 = maxWorkers 10.
    expect(Number(group().MaxSize) + Math.max(...weights)).toBe(10);
  });

  test('an instance whose poller is not running is marked unhealthy: grace period, watchdog first in the user data, SetInstanceHealth', () => {
    expect(group().HealthCheckGracePeriod).toBe(600);
    const script = JSON.stringify(
      Object.values(resourcesOfType(template(), 'AWS::EC2::LaunchTemplate'))[0].Properties.LaunchTemplateData.UserData,
    );
    expect(script).toContain('autoscaling set-instance-health');
    expect(script.indexOf('systemctl enable --now poller-watchdog.timer')).toBeLessThan(script.indexOf('dnf install'));
    const statements = Object.values(resourcesOfType(template(), 'AWS::IAM::Policy')).flatMap((policy) =>
      statementsOf(policy.Properties.PolicyDocument),
    );
    expect(statements.some((statement) => actionsOf(statement).includes('autoscaling:SetInstanceHealth'))).toBe(true);
  });

  test('worker logs go to an encrypted CloudWatch Logs group the instances may write to', () => {
    const logGroupId = logicalIdOf(template(), 'AWS::Logs::LogGroup', 'Ec2WorkersLogs');
    expect(properties(template(), 'AWS::Logs::LogGroup', 'Ec2WorkersLogs').KmsKeyId).toBeDefined();
    const script = JSON.stringify(
      Object.values(resourcesOfType(template(), 'AWS::EC2::LaunchTemplate'))[0].Properties.LaunchTemplateData.UserData,
    );
    expect(script).toContain('amazon-cloudwatch-agent-ctl');
    expect(script).toContain(`{"Ref":"${logGroupId}"}`);
    const statements = Object.values(resourcesOfType(template(), 'AWS::IAM::Policy')).flatMap((policy) =>
      statementsOf(policy.Properties.PolicyDocument),
    );
    const write = statements.find(
      (statement) => actionsOf(statement).includes('logs:PutLogEvents') && JSON.stringify(statement.Resource).includes(logGroupId),
    );
    expect(actionsOf(write!).sort()).toEqual(['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents']);
  });
});

describe('the worker image', () => {
  const dockerfile = fs.readFileSync(path.join(ROOT, 'worker/Dockerfile'), 'utf8');

  test('no Docker Hub pull: no "# syntax=" line, and the base image comes from ECR Public', () => {
    expect(dockerfile).not.toMatch(/^#\s*syntax=/m);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=public\.ecr\.aws\/docker\/library\/node:22/m);
    expect(dockerfile).not.toMatch(/docker\.io/);
  });

  test('installs nothing (no npm), runs as the non-root node user', () => {
    expect(dockerfile).not.toMatch(/^RUN /m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^COPY poller\.js \.\/$/m);
  });

  test('the bundle in it holds production dependencies only', async () => {
    const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const bundle = await bundleEntry('poller-main', { target: 'node22', minify: true });
    try {
      const packages = new Set(
        bundle.inputs
          .filter((input) => input.startsWith('node_modules/'))
          .map((input) =>
            input
              .split('/')
              .slice(1, input.split('/')[1].startsWith('@') ? 3 : 2)
              .join('/'),
          ),
      );
      const production = new Set<string>();
      const visit = (name: string) => {
        if (production.has(name)) return;
        production.add(name);
        const manifest = path.join(ROOT, 'node_modules', name, 'package.json');
        if (!fs.existsSync(manifest)) return;
        // Optional peers count as the production dependency's own (debug loads supports-color if present).
        const { dependencies, optionalDependencies, peerDependencies, peerDependenciesMeta } = JSON.parse(
          fs.readFileSync(manifest, 'utf8'),
        );
        Object.keys({ ...dependencies, ...optionalDependencies, ...peerDependencies, ...peerDependenciesMeta }).forEach(visit);
      };
      Object.keys(packageJson.dependencies).forEach(visit);
      expect([...packages].filter((name) => !production.has(name))).toEqual([]);
      expect([...packages]).toEqual(expect.arrayContaining(['jimp', 'sqs-consumer', '@aws-sdk/client-sqs', '@aws-sdk/client-s3']));
    } finally {
      bundle.remove();
    }
  });
});
