import './support/quiet-sdk-warning';
import {
  AccessDeniedException,
  ComputeOptimizerClient,
  GetAutoScalingGroupRecommendationsCommand,
  GetEC2InstanceRecommendationsCommand,
  GetECSServiceRecommendationsCommand,
  GetEnrollmentStatusCommand,
  GetLambdaFunctionRecommendationsCommand,
  OptInRequiredException,
  ThrottlingException,
} from '@aws-sdk/client-compute-optimizer';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import { rightsizeMain, type RightsizeDeps } from '../../tools/rightsize/main';
import { REQUIRED_IAM_ACTIONS } from '../../tools/rightsize/required-iam-actions';
import { parseResourceArn } from '../../tools/rightsize/stack-resources';
import { describeFailure } from '../../tools/shared/failure-line';
import { capturedLog, captureStdout, iamActionsSent } from './support/aws-mocks';

const computeOptimizerMock = mockClient(ComputeOptimizerClient);
const taggingMock = mockClient(ResourceGroupsTaggingAPIClient);

const ACCOUNT = 'arn:aws:{service}:us-east-1:123456789012';
const arn = (service: string, resource: string) => `${ACCOUNT.replace('{service}', service)}:${resource}`;
const ASG_ARN = arn(
  'autoscaling',
  'autoScalingGroup:0f1e2d3c-aaaa-bbbb-cccc-1234567890ab:autoScalingGroupName/HpcClusterStack-StaticNodes-ABC',
);
const INSTANCE_ARN = arn('ec2', 'instance/i-0123456789abcdef0');
const NEW_INSTANCE_ARN = arn('ec2', 'instance/i-0fedcba9876543210');
const FUNCTION_ARN = arn('lambda', 'function:WorkerFleetStack-Worker-XYZ');
const SERVICE_ARN = arn('ecs', 'service/WorkerFleetStack-Cluster/Workers');

const tagged = (resourceArn: string, stack: string) => ({
  ResourceARN: resourceArn,
  Tags: [
    { Key: 'aws:cloudformation:stack-name', Value: stack },
    { Key: 'aws:cloudformation:logical-id', Value: 'Whatever' },
  ],
});

/** An enrolled account with one resource of every kind, over two Tagging API pages. */
function answerDeployedStacks(): void {
  computeOptimizerMock.on(GetEnrollmentStatusCommand).resolves({ status: 'Active' });
  taggingMock.on(GetResourcesCommand).callsFake(({ PaginationToken }) =>
    !PaginationToken
      ? { ResourceTagMappingList: [tagged(ASG_ARN, 'HpcClusterStack'), tagged(INSTANCE_ARN, 'HpcClusterStack')], PaginationToken: 'page-2' }
      : {
          ResourceTagMappingList: [
            tagged(NEW_INSTANCE_ARN, 'HpcClusterStack'),
            tagged(FUNCTION_ARN, 'WorkerFleetStack'),
            tagged(SERVICE_ARN, 'WorkerFleetStack'),
          ],
          PaginationToken: '',
        },
  );
  computeOptimizerMock.on(GetAutoScalingGroupRecommendationsCommand).resolves({
    autoScalingGroupRecommendations: [
      {
        autoScalingGroupArn: ASG_ARN,
        finding: 'Overprovisioned',
        currentConfiguration: { instanceType: 'c5n.18xlarge', desiredCapacity: 2, minSize: 2, maxSize: 2 },
        recommendationOptions: [
          {
            rank: 2,
            configuration: { instanceType: 'c6in.16xlarge' },
            savingsOpportunity: { estimatedMonthlySavings: { currency: 'USD', value: 300 } },
          },
          {
            rank: 1,
            configuration: { instanceType: 'c5n.9xlarge' },
            savingsOpportunity: { estimatedMonthlySavings: { currency: 'USD', value: 1400.5 } },
          },
        ],
      },
    ],
  });
  // Two pages by nextToken; the second instance only appears as an error (too new to judge).
  computeOptimizerMock.on(GetEC2InstanceRecommendationsCommand).callsFake(({ nextToken }) =>
    nextToken === undefined
      ? {
          instanceRecommendations: [
            {
              instanceArn: INSTANCE_ARN,
              currentInstanceType: 'c5n.18xlarge',
              finding: 'Optimized',
              recommendationOptions: [{ rank: 1, instanceType: 'c5n.18xlarge' }],
            },
          ],
          nextToken: 'ec2-page-2',
        }
      : {
          instanceRecommendations: [],
          errors: [{ identifier: NEW_INSTANCE_ARN, code: 'InsufficientData', message: 'not enough metrics yet' }],
        },
  );
  computeOptimizerMock.on(GetLambdaFunctionRecommendationsCommand).resolves({
    lambdaFunctionRecommendations: [
      { functionArn: `${FUNCTION_ARN}:$LATEST`, currentMemorySize: 1024, finding: 'Unavailable', findingReasonCodes: ['InsufficientData'] },
    ],
  });
  computeOptimizerMock.on(GetECSServiceRecommendationsCommand).resolves({
    ecsServiceRecommendations: [
      {
        serviceArn: SERVICE_ARN,
        launchType: 'Fargate',
        finding: 'Overprovisioned',
        findingReasonCodes: ['CPUOverprovisioned'],
        currentServiceConfiguration: { cpu: 1024, memory: 2048 },
        serviceRecommendationOptions: [
          { cpu: 512, memory: 1024, savingsOpportunity: { estimatedMonthlySavings: { currency: 'USD', value: 12.25 } } },
        ],
      },
    ],
  });
}

async function runRightsizeCli(args: string[]) {
  const { lines, log } = capturedLog();
  const deps: RightsizeDeps = {
    computeOptimizer: (settings) => new ComputeOptimizerClient({ region: settings.region ?? 'us-east-1' }),
    tagging: (settings) => new ResourceGroupsTaggingAPIClient({ region: settings.region }),
    log,
  };
  const { result: exitCode, stdout } = await captureStdout(() => rightsizeMain(['--region', 'us-east-1', ...args], deps));
  return { exitCode, stdout, stderrLines: lines };
}

async function failureLine(args: string[]): Promise<string> {
  return describeFailure(await runRightsizeCli(args).catch((error: unknown) => error));
}

afterEach(() => {
  const sent = [...iamActionsSent('compute-optimizer', computeOptimizerMock), ...iamActionsSent('tag', taggingMock)];
  expect(REQUIRED_IAM_ACTIONS).toEqual(expect.arrayContaining(sent));
  computeOptimizerMock.reset();
  taggingMock.reset();
});

describe('enrollment', () => {
  test('Inactive: exits non-zero with the opt-in command, before looking for resources', async () => {
    computeOptimizerMock.on(GetEnrollmentStatusCommand).resolves({ status: 'Inactive' });
    expect(await failureLine([])).toBe(
      'Compute Optimizer is not active for this account (status Inactive): opt in with: aws compute-optimizer update-enrollment-status ' +
        '--status Active (recommendations follow after up to 24 hours, from 14 days of metrics).',
    );
    expect(taggingMock.calls()).toHaveLength(0);
  });

  test('OptInRequiredException from any call gives the same opt-in advice', async () => {
    computeOptimizerMock
      .on(GetEnrollmentStatusCommand)
      .rejects(new OptInRequiredException({ message: 'The account is not opted in', $metadata: {} }));
    expect(await failureLine([])).toMatch(
      /^Compute Optimizer is not enabled for this account \(calling compute-optimizer:GetEnrollmentStatus\): opt in with: aws compute-optimizer update-enrollment-status --status Active /,
    );
  });

  test('Pending: says to come back later', async () => {
    computeOptimizerMock.on(GetEnrollmentStatusCommand).resolves({ status: 'Pending' });
    expect(await failureLine([])).toMatch(/^Compute Optimizer enrollment is Pending: recommendations appear within 24 hours/);
  });
});

describe('recommendations for the stacks', () => {
  test('finds resources by stack tag over every page and asks each API about exactly those ARNs', async () => {
    answerDeployedStacks();
    const { exitCode } = await runRightsizeCli(['--json']);

    expect(exitCode).toBe(0);
    const tagCalls = taggingMock.commandCalls(GetResourcesCommand);
    expect(tagCalls).toHaveLength(2);
    expect(tagCalls[0].args[0].input).toMatchObject({
      TagFilters: [{ Key: 'aws:cloudformation:stack-name', Values: ['HpcClusterStack', 'WorkerFleetStack', 'EdgeStack'] }],
      ResourceTypeFilters: ['autoscaling:autoScalingGroup', 'ec2:instance', 'lambda:function', 'ecs:service'],
    });
    expect(computeOptimizerMock.commandCalls(GetAutoScalingGroupRecommendationsCommand)[0].args[0].input.autoScalingGroupArns).toEqual([
      ASG_ARN,
    ]);
    expect(computeOptimizerMock.commandCalls(GetEC2InstanceRecommendationsCommand)).toHaveLength(2);
    expect(computeOptimizerMock.commandCalls(GetEC2InstanceRecommendationsCommand)[0].args[0].input.instanceArns).toEqual([
      INSTANCE_ARN,
      NEW_INSTANCE_ARN,
    ]);
    expect(computeOptimizerMock.commandCalls(GetLambdaFunctionRecommendationsCommand)[0].args[0].input.functionArns).toEqual([
      FUNCTION_ARN,
    ]);
    expect(computeOptimizerMock.commandCalls(GetECSServiceRecommendationsCommand)[0].args[0].input.serviceArns).toEqual([SERVICE_ARN]);
  });

  test('--json: current size, finding, best-ranked option and savings; too little data said plainly', async () => {
    answerDeployedStacks();
    const { stdout } = await runRightsizeCli(['--json']);
    const { rows } = JSON.parse(stdout);

    expect(rows).toEqual([
      {
        stack: 'HpcClusterStack',
        kind: 'auto-scaling-group',
        name: 'HpcClusterStack-StaticNodes-ABC',
        arn: ASG_ARN,
        current: 'c5n.18xlarge x 2 (min 2, max 2)',
        finding: 'Overprovisioned',
        findingReasons: [],
        recommended: 'c5n.9xlarge',
        estimatedMonthlySavings: { value: 1400.5, currency: 'USD' },
        enoughData: true,
      },
      expect.objectContaining({ name: 'i-0123456789abcdef0', current: 'c5n.18xlarge', finding: 'Optimized', enoughData: true }),
      expect.objectContaining({
        name: 'i-0fedcba9876543210',
        finding: 'NoRecommendation',
        enoughData: false,
        note: 'InsufficientData: not enough metrics yet',
      }),
      expect.objectContaining({
        stack: 'WorkerFleetStack',
        kind: 'ecs-service',
        name: 'WorkerFleetStack-Cluster/Workers',
        current: '1024 CPU units, 2048 MiB',
        finding: 'Overprovisioned',
        findingReasons: ['CPUOverprovisioned'],
        recommended: '512 CPU units, 1024 MiB',
        estimatedMonthlySavings: { value: 12.25, currency: 'USD' },
      }),
      expect.objectContaining({
        kind: 'lambda-function',
        current: '1024 MB memory',
        finding: 'Unavailable',
        findingReasons: ['InsufficientData'],
        enoughData: false,
        note: 'too little data (a function needs enough invocations within the last 14 days)',
      }),
    ]);
    expect(rows[1]).not.toHaveProperty('recommended');
  });

  test('the table: one row per resource, the savings total, and how many lack data', async () => {
    answerDeployedStacks();
    const { stdout } = await runRightsizeCli([]);
    const lines = stdout.trimEnd().split('\n');

    expect(lines[0]).toMatch(/^STACK\s+RESOURCE\s+NAME\s+CURRENT\s+FINDING\s+RECOMMENDED\s+SAVINGS\/MONTH\s+NOTE$/);
    const rowOf = (name: string) => lines.find((line) => line.includes(name))!.split(/\s{2,}/);
    expect(rowOf('HpcClusterStack-StaticNodes-ABC')).toEqual([
      'HpcClusterStack',
      'Auto Scaling group',
      'HpcClusterStack-StaticNodes-ABC',
      'c5n.18xlarge x 2 (min 2, max 2)',
      'Overprovisioned',
      'c5n.9xlarge',
      '1400.50 USD',
    ]);
    expect(rowOf('WorkerFleetStack-Worker-XYZ')).toEqual([
      'WorkerFleetStack',
      'Lambda function',
      'WorkerFleetStack-Worker-XYZ',
      '1024 MB memory',
      'Unavailable InsufficientData',
      '-',
      '-',
      'too little data (a function needs enough invocations within the last 14 days)',
    ]);
    expect(stdout).toContain('Estimated monthly savings: 1412.75 USD.');
    expect(stdout).toContain('2 of 5 resources have too little data for a recommendation yet');
  });

  test('a resource Compute Optimizer returns nothing for is reported as waiting for data', async () => {
    computeOptimizerMock.on(GetEnrollmentStatusCommand).resolves({ status: 'Active' });
    taggingMock.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [tagged(SERVICE_ARN, 'WorkerFleetStack')] });
    computeOptimizerMock.on(GetECSServiceRecommendationsCommand).resolves({ ecsServiceRecommendations: [] });

    const { stdout } = await runRightsizeCli(['--json', '--stacks', 'WorkerFleetStack']);
    expect(JSON.parse(stdout).rows[0]).toMatchObject({
      finding: 'NoRecommendation',
      enoughData: false,
      note: 'too little data: no recommendation yet (an ECS service on Fargate needs 24 hours of metrics within the last 14 days)',
    });
    expect(taggingMock.commandCalls(GetResourcesCommand)[0].args[0].input.TagFilters).toEqual([
      { Key: 'aws:cloudformation:stack-name', Values: ['WorkerFleetStack'] },
    ]);
  });

  test('an empty result: no tagged resources, no recommendation calls (an empty ARN list would mean the whole account)', async () => {
    computeOptimizerMock.on(GetEnrollmentStatusCommand).resolves({ status: 'Active' });
    taggingMock.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });

    const { exitCode, stdout } = await runRightsizeCli([]);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(
      /^No Auto Scaling groups, EC2 instances, Lambda functions or ECS services tagged .* in us-east-1\. Are the stacks deployed/,
    );
    expect(computeOptimizerMock.calls()).toHaveLength(1);
  });

  test('AccessDenied names the IAM action: tag:GetResources', async () => {
    computeOptimizerMock.on(GetEnrollmentStatusCommand).resolves({ status: 'Active' });
    taggingMock
      .on(GetResourcesCommand)
      .rejects(Object.assign(new Error('User is not authorized to perform: tag:GetResources'), { name: 'AccessDeniedException' }));
    expect(await failureLine([])).toMatch(/^Access denied: the IAM identity may not call tag:GetResources\. Allow tag:GetResources/);
  });

  test('AccessDenied names the IAM action: a Compute Optimizer recommendation call', async () => {
    answerDeployedStacks();
    computeOptimizerMock.on(GetECSServiceRecommendationsCommand).rejects(new AccessDeniedException({ message: 'denied', $metadata: {} }));
    expect(await failureLine([])).toMatch(/^Access denied: the IAM identity may not call compute-optimizer:GetECSServiceRecommendations\./);
  });

  test('throttling that outlasts the SDK retries ends in one line', async () => {
    computeOptimizerMock
      .on(GetEnrollmentStatusCommand)
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: { attempts: 3 } }));
    expect(await failureLine([])).toBe(
      'AWS throttled compute-optimizer:GetEnrollmentStatus and 3 attempts were used up: wait a minute and run again (or raise AWS_MAX_ATTEMPTS).',
    );
  });
});

test.each([
  [ASG_ARN, { kind: 'auto-scaling-group', name: 'HpcClusterStack-StaticNodes-ABC' }],
  [INSTANCE_ARN, { kind: 'ec2-instance', name: 'i-0123456789abcdef0' }],
  [`${FUNCTION_ARN}:live`, { kind: 'lambda-function', name: 'WorkerFleetStack-Worker-XYZ' }],
  [SERVICE_ARN, { kind: 'ecs-service', name: 'WorkerFleetStack-Cluster/Workers' }],
  [arn('sqs', 'queue'), undefined],
])('ARN %s', (resourceArn, expected) => {
  expect(parseResourceArn(resourceArn)).toEqual(expected);
});
