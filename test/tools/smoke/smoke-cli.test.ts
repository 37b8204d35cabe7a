import { CloudFormationServiceException, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { iamPolicyOf } from '../../../tools/shared/iam-policy';
import { describeFailure } from '../../../tools/shared/failure-line';
import { STACK_CHECKS } from '../../../tools/smoke/main';
import { smokeIamStatements } from '../../../tools/smoke/smoke-iam-policy';
import { deployStacks, expectDocsExample, mocks, resetMocks, runSmoke } from './smoke-harness';

/**
 * An HPC cluster of a scheduler this version has no module for (a stack deployed from a newer
 * app): reading the stack is the only AWS call its check makes.
 */
const OTHER_SCHEDULER_OUTPUTS = { Scheduler: 'lsf', InstanceType: 'hpc7g.16xlarge', NodeCount: '4' };

afterEach(() => resetMocks());

async function failureLine(args: string[]): Promise<string> {
  return describeFailure(await runSmoke(args).catch((error: unknown) => error));
}

describe('usage errors: one line, before any AWS call', () => {
  test.each([
    [['Edgestack2'], 'unknown stack "Edgestack2": name HpcClusterStack, WorkerFleetStack, EdgeStack (see --help)'],
    [['EdgeStack', '--poison'], '--poison belongs to WorkerFleetStack, which is not among the stacks named'],
    [
      ['WorkerFleetStack', '--edge-url', 'https://d1.cloudfront.net'],
      '--edge-url belongs to EdgeStack, which is not among the stacks named',
    ],
    [['--timeout', 'soon'], '--timeout="soon" is not a duration: write seconds (600), or 90s, 15m, 1h'],
    [['--timeout', '0'], '--timeout="0" is not a duration: write seconds (600), or 90s, 15m, 1h'],
    [['--region', 'eu west 1'], '--region="eu west 1" is not an AWS region name such as us-east-1 or eu-west-1'],
    [['--wait'], /^Unknown option '--wait'\. .* \(see --help\)$/],
  ] as [string[], string | RegExp][])('%j', async (args, line) => {
    const printed = await failureLine(args);
    if (typeof line === 'string') expect(printed).toBe(line);
    else expect(printed).toMatch(line);
    expect(mocks.cloudFormation.calls()).toHaveLength(0);
  });

  test('stack names are matched without case, and each is checked once', async () => {
    deployStacks({ HpcClusterStack: OTHER_SCHEDULER_OUTPUTS });
    const run = await runSmoke(['hpcclusterstack', 'HpcClusterStack', '--region', 'eu-west-1', '--json']);
    expect(run.json().stacks).toEqual([{ name: 'HpcClusterStack', region: 'eu-west-1', status: 'CREATE_COMPLETE' }]);
  });
});

describe('which stacks are checked', () => {
  test('a stack named but not deployed: one line saying where it was looked for', async () => {
    deployStacks({ HpcClusterStack: OTHER_SCHEDULER_OUTPUTS });
    expect(await failureLine(['HpcClusterStack', 'WorkerFleetStack', '--region', 'eu-west-1'])).toBe(
      'not deployed: WorkerFleetStack in eu-west-1. Deploy it (npx cdk deploy WorkerFleetStack), or pass the --region it is in',
    );
  });

  test('none named: every deployed stack, the others skipped with a line on stderr', async () => {
    deployStacks({ HpcClusterStack: OTHER_SCHEDULER_OUTPUTS });
    const run = await runSmoke(['--region', 'eu-west-1', '--json']);
    expect(run.exitCode).toBe(1);
    expect(run.json().checks.map((row) => `${row.stack} ${row.check} ${row.status}`)).toEqual([
      'HpcClusterStack stack pass',
      'HpcClusterStack cluster info',
      'HpcClusterStack scheduler fail',
    ]);
    expect(run.stderrLines).toEqual([
      'WorkerFleetStack: not deployed in eu-west-1; skipped',
      'EdgeStack: not deployed in us-east-1; skipped',
    ]);
  });

  test('none deployed: one line', async () => {
    deployStacks({});
    expect(await failureLine(['--region', 'eu-west-1'])).toBe(
      "none of the app's stacks is deployed (looked for HpcClusterStack in eu-west-1, WorkerFleetStack in eu-west-1, EdgeStack in us-east-1): " +
        'deploy one, or pass the --region the stacks are in',
    );
  });

  test('EdgeStack is read in us-east-1 whatever --region says; the others in --region', async () => {
    const regions: Record<string, string> = {};
    mocks.cloudFormation.on(DescribeStacksCommand).callsFake(async ({ StackName }: { StackName: string }, getClient) => {
      regions[StackName] = await getClient().config.region();
      throw Object.assign(new Error(`Stack with id ${StackName} does not exist`), { name: 'ValidationError', $metadata: {} });
    });
    await runSmoke(['--region', 'eu-west-1']).catch(() => undefined);
    expect(regions).toEqual({ HpcClusterStack: 'eu-west-1', WorkerFleetStack: 'eu-west-1', EdgeStack: 'us-east-1' });
  });

  test('only EdgeStack needs no region of the profile: us-east-1 is the one', async () => {
    deployStacks({});
    expect(await failureLine(['EdgeStack'])).toBe(
      'not deployed: EdgeStack in us-east-1. Deploy it (npx cdk deploy EdgeStack), or pass the --region it is in',
    );
  });

  test('a stack that is not in a deployed state fails its first row, and nothing else of it runs', async () => {
    deployStacks({ HpcClusterStack: OTHER_SCHEDULER_OUTPUTS }, 'UPDATE_ROLLBACK_FAILED');
    const run = await runSmoke(['HpcClusterStack', '--region', 'eu-west-1', '--json']);
    expect(run.json().checks).toEqual([
      {
        stack: 'HpcClusterStack',
        check: 'stack',
        status: 'fail',
        detail:
          'UPDATE_ROLLBACK_FAILED in eu-west-1: not in a deployed state, so nothing else was checked (wait for the deploy to end, or fix it)',
      },
    ]);
  });

  test('AccessDenied on DescribeStacks: one line naming the action', async () => {
    mocks.cloudFormation.on(DescribeStacksCommand).rejects(
      new CloudFormationServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: {},
        message: 'not authorized to perform: cloudformation:DescribeStacks',
      }),
    );
    expect(await failureLine(['--region', 'eu-west-1'])).toMatch(
      /^Access denied: the IAM identity may not call cloudformation:DescribeStacks\. Allow cloudformation:DescribeStacks \(see the tool's --iam-policy\)/,
    );
  });
});

describe('--iam-policy', () => {
  test('every stack: DescribeStacks on the three stacks by name, then each check', async () => {
    const run = await runSmoke(['--iam-policy']);
    expect(run.exitCode).toBe(0);
    const policy = JSON.parse(run.stdout) as {
      Statement: { Sid: string; Action: string[]; Resource: string | string[]; Condition?: object }[];
    };
    expect(policy).toEqual(iamPolicyOf(smokeIamStatements(['HpcClusterStack', 'WorkerFleetStack', 'EdgeStack'], STACK_CHECKS)));
    expect(policy.Statement[0]).toEqual({
      Sid: 'SmokeReadStacks',
      Effect: 'Allow',
      Action: ['cloudformation:DescribeStacks'],
      Resource: [
        'arn:aws:cloudformation:*:*:stack/HpcClusterStack/*',
        'arn:aws:cloudformation:*:*:stack/WorkerFleetStack/*',
        'arn:aws:cloudformation:*:*:stack/EdgeStack/*',
      ],
    });
    expect(new Set(policy.Statement.map((statement) => statement.Sid)).size).toBe(policy.Statement.length);
    expect(mocks.cloudFormation.calls()).toHaveLength(0);
    expectDocsExample('docs/tools.md', 'iam-policy', run.stdout);
  });

  test('"*" only for the actions that support no resource-level permissions', async () => {
    const policy = JSON.parse((await runSmoke(['--iam-policy'])).stdout) as {
      Statement: { Action: string[]; Resource: string | string[] }[];
    };
    const onEverything = policy.Statement.filter((statement) => statement.Resource === '*').flatMap((statement) => statement.Action);
    expect(onEverything.sort()).toEqual([
      'autoscaling:DescribeAutoScalingGroups',
      'batch:DescribeJobs',
      'cloudformation:GetResource',
      'ec2:DescribeInstanceTypes',
      'ec2:DescribeInstances',
      'ec2:DescribeInstances',
      'ssm:CancelCommand',
      'ssm:GetCommandInvocation',
    ]);
  });

  test('the S3 statements are held to the smoke prefix, the KMS ones to S3 and SQS asking', async () => {
    const policy = JSON.parse((await runSmoke(['WorkerFleetStack', '--iam-policy'])).stdout) as {
      Statement: { Sid: string; Resource: string | string[]; Condition?: object }[];
    };
    const bySid = Object.fromEntries(policy.Statement.map((statement) => [statement.Sid, statement]));
    expect(bySid.SmokeWorkersUpload.Resource).toBe('arn:aws:s3:::*/incoming/smoke/*');
    expect(bySid.SmokeWorkersListThumbnails.Condition).toEqual({ StringLike: { 's3:prefix': 'thumbnails/smoke/*' } });
    expect(bySid.SmokeWorkersDataKeys.Condition).toEqual({
      StringLike: { 'kms:ViaService': ['s3.*.amazonaws.com', 'sqs.*.amazonaws.com'] },
    });
  });

  test('with a stack named, only what that stack needs', async () => {
    const policy = JSON.parse((await runSmoke(['EdgeStack', '--iam-policy'])).stdout) as object;
    expect(policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'SmokeReadStacks',
          Effect: 'Allow',
          Action: ['cloudformation:DescribeStacks'],
          Resource: 'arn:aws:cloudformation:*:*:stack/EdgeStack/*',
        },
      ],
    });
  });
});
