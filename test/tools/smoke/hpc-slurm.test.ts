import { CloudControlServiceException, GetResourceCommand } from '@aws-sdk/client-cloudcontrol';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  InvocationDoesNotExist,
  SendCommandCommand,
  SSMServiceException,
} from '@aws-sdk/client-ssm';
import { STACK_CHECKS } from '../../../tools/smoke/main';
import { smokeIamStatements } from '../../../tools/smoke/smoke-iam-policy';
import { SLURM_OUTPUTS } from './fixtures';
import {
  actionsSent,
  ctrlC,
  deployStacks,
  expectDocsExample,
  FakeClock,
  mocks,
  resetMocks,
  RUN_ID,
  rowsByCheck,
  runSmoke,
} from './smoke-harness';

const LOGIN_INSTANCE = 'i-0login0000000000a';
const COMMAND_ID = '11111111-2222-3333-4444-555555555555';
const JOB_NAME = `smoke-${RUN_ID}`;

afterEach(() => {
  const allowed = smokeIamStatements(['HpcClusterStack'], STACK_CHECKS).flatMap((statement) => statement.actions);
  expect(allowed).toEqual(expect.arrayContaining(actionsSent()));
  resetMocks();
});

interface SlurmAnswers {
  /** Status of each PCS resource by ARN; ACTIVE when not named. */
  statuses?: Record<string, { Status: string; ErrorInfo?: { Code: string; Message: string }[] }>;
  loginInstances?: string[];
  /** The invocation's status on each GetCommandInvocation; the last one repeats. */
  invocations?: ({ Status: string; ResponseCode?: number; StandardOutputContent?: string; StandardErrorContent?: string } | 'not yet')[];
}

const TWO_NODES = 'smoke-job: srun --partition=efa --nodes=2 ...\nsmoke-node compute-1 efa=yes\nsmoke-node compute-2 efa=yes\n';

/** A deployed Slurm cluster whose resources, login node and job answer as told. */
function answerCluster(answers: SlurmAnswers = {}): void {
  deployStacks({ HpcClusterStack: SLURM_OUTPUTS });
  mocks.cloudControl.on(GetResourceCommand).callsFake(({ TypeName, Identifier }: { TypeName: string; Identifier: string }) => ({
    TypeName,
    ResourceDescription: {
      Identifier,
      Properties: JSON.stringify({ Arn: Identifier, ...(answers.statuses?.[Identifier] ?? { Status: 'ACTIVE' }) }),
    },
  }));
  mocks.ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [{ Instances: (answers.loginInstances ?? [LOGIN_INSTANCE]).map((InstanceId) => ({ InstanceId })) }],
  });
  mocks.ssm.on(SendCommandCommand).resolves({ Command: { CommandId: COMMAND_ID } });
  mocks.ssm.on(CancelCommandCommand).resolves({});
  const invocations = answers.invocations ?? [
    'not yet',
    { Status: 'InProgress' },
    { Status: 'Success', ResponseCode: 0, StandardOutputContent: TWO_NODES },
  ];
  let polls = 0;
  mocks.ssm.on(GetCommandInvocationCommand).callsFake(() => {
    const answer = invocations[Math.min(polls++, invocations.length - 1)];
    if (answer === 'not yet') throw new InvocationDoesNotExist({ $metadata: {}, message: '' });
    return { CommandId: COMMAND_ID, InstanceId: LOGIN_INSTANCE, ...answer };
  });
}

const runSlurm = (args: string[] = [], deps = {}) => runSmoke(['HpcClusterStack', '--region', 'eu-west-1', '--json', ...args], deps);

describe('Slurm on AWS PCS', () => {
  test('passes: every resource ACTIVE, the job on both compute nodes from the login node, EFA on each', async () => {
    answerCluster();
    const run = await runSlurm();
    expect(run.exitCode).toBe(0);
    const rows = rowsByCheck(run.json().checks);
    expect(run.json().checks.map((row) => [row.check, row.status])).toEqual([
      ['stack', 'pass'],
      ['cluster', 'info'],
      ['PCS cluster', 'pass'],
      ['compute node group', 'pass'],
      ['login node group', 'pass'],
      ['queue', 'pass'],
      ['login node', 'pass'],
      ['job', 'pass'],
      ['EFA provider', 'pass'],
    ]);
    expect(rows['HpcClusterStack PCS cluster'].detail).toBe(`ACTIVE (${SLURM_OUTPUTS.PcsClusterArn})`);
    expect(rows['HpcClusterStack job']).toMatchObject({
      detail: `ran on 2 of 2 compute nodes in 30 s (command ${COMMAND_ID} on ${LOGIN_INSTANCE})`,
      measured: { value: 2, unit: 'nodes' },
    });
    expect(rows['HpcClusterStack EFA provider'].detail).toBe('efa on all 2 compute nodes');

    expect(mocks.cloudControl.commandCalls(GetResourceCommand).map((call) => call.args[0].input)).toEqual([
      { TypeName: 'AWS::PCS::Cluster', Identifier: SLURM_OUTPUTS.PcsClusterArn },
      { TypeName: 'AWS::PCS::ComputeNodeGroup', Identifier: SLURM_OUTPUTS.PcsComputeNodeGroupArn },
      { TypeName: 'AWS::PCS::ComputeNodeGroup', Identifier: SLURM_OUTPUTS.PcsLoginNodeGroupArn },
      { TypeName: 'AWS::PCS::Queue', Identifier: SLURM_OUTPUTS.PcsQueueArn },
    ]);
    expect(mocks.ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input).toEqual({
      Filters: [
        { Name: 'tag:aws:pcs:compute-node-group-id', Values: ['pcs_login1'] },
        { Name: 'instance-state-name', Values: ['running'] },
      ],
    });
    const sent = mocks.ssm.commandCalls(SendCommandCommand)[0].args[0].input;
    expect(sent).toMatchObject({
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: [LOGIN_INSTANCE],
      Comment: `npm run smoke: ${JOB_NAME}`,
      // The default --timeout of the stack (1 h) for the job, two more minutes for the script.
      Parameters: { executionTimeout: ['3720'] },
    });
    expect(sent.Parameters?.commands).toContain(`bash "$script" run efa 2 ${JOB_NAME} 3600`);
    expect(run.stderrLines).toEqual([
      `HpcClusterStack: running ${JOB_NAME} on 2 compute nodes of partition efa, from the login node ${LOGIN_INSTANCE}`,
      `HpcClusterStack: sent command ${COMMAND_ID} to ${LOGIN_INSTANCE}`,
      `HpcClusterStack: command ${COMMAND_ID}: InProgress after 15 s`,
      `HpcClusterStack: command ${COMMAND_ID}: Success after 30 s`,
    ]);
    expect(mocks.ssm.commandCalls(CancelCommandCommand)).toHaveLength(0);
  });

  test('the summary table, as the Slurm walkthrough shows it', async () => {
    answerCluster();
    const { stdout } = await runSmoke(['HpcClusterStack', '--region', 'eu-west-1']);
    expectDocsExample('docs/hpc.md', 'slurm', stdout);
  });

  test('a resource that failed to create, and one still updating: each row says why; no job is sent', async () => {
    answerCluster({
      statuses: {
        [SLURM_OUTPUTS.PcsComputeNodeGroupArn]: {
          Status: 'CREATE_FAILED',
          ErrorInfo: [{ Code: 'InsufficientInstanceCapacity', Message: 'We currently do not have sufficient c5n.18xlarge capacity' }],
        },
        [SLURM_OUTPUTS.PcsQueueArn]: { Status: 'UPDATING' },
      },
    });
    const run = await runSlurm();
    expect(run.exitCode).toBe(1);
    const rows = rowsByCheck(run.json().checks);
    expect(rows['HpcClusterStack compute node group']).toMatchObject({
      status: 'fail',
      detail:
        `CREATE_FAILED, not ACTIVE (${SLURM_OUTPUTS.PcsComputeNodeGroupArn}): ` +
        'InsufficientInstanceCapacity: We currently do not have sufficient c5n.18xlarge capacity',
    });
    expect(rows['HpcClusterStack queue'].detail).toBe(
      `UPDATING, not ACTIVE (${SLURM_OUTPUTS.PcsQueueArn}): wait until it is ACTIVE and run again`,
    );
    expect(rows['HpcClusterStack job']).toMatchObject({
      status: 'fail',
      detail: 'not submitted: the compute node group, queue must be ACTIVE first',
    });
    expect(mocks.ssm.calls()).toHaveLength(0);
  });

  test('a cluster suspended at the end of its Slurm version', async () => {
    answerCluster({ statuses: { [SLURM_OUTPUTS.PcsClusterArn]: { Status: 'SUSPENDED' } } });
    const rows = rowsByCheck((await runSlurm()).json().checks);
    expect(rows['HpcClusterStack PCS cluster'].detail).toMatch(
      /^SUSPENDED, not ACTIVE .*: the cluster's Slurm version reached its end of life/,
    );
  });

  test('no login node running: one row, nothing sent', async () => {
    answerCluster({ loginInstances: [] });
    const run = await runSlurm();
    expect(rowsByCheck(run.json().checks)['HpcClusterStack login node']).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(
        /^no running instance tagged aws:pcs:compute-node-group-id=pcs_login1: PCS has not launched the login node/,
      ),
    });
    expect(mocks.ssm.calls()).toHaveLength(0);
  });

  test('the script fails on the login node: its FAIL line and the queue line', async () => {
    answerCluster({
      invocations: [
        {
          Status: 'Failed',
          ResponseCode: 2,
          StandardOutputContent: 'smoke-job: queue: PENDING ReqNodeNotAvail\n',
          StandardErrorContent:
            'smoke-job: FAIL: the job did not finish within 3600 s, so it was cancelled (compute nodes that never came up? see the queue line)\n',
        },
      ],
    });
    const run = await runSlurm();
    expect(run.exitCode).toBe(1);
    expect(rowsByCheck(run.json().checks)['HpcClusterStack job']).toMatchObject({
      status: 'fail',
      detail:
        `Failed after 0 s (command ${COMMAND_ID} on ${LOGIN_INSTANCE}): the job did not finish within 3600 s, so it was cancelled ` +
        '(compute nodes that never came up? see the queue line) (queue: PENDING ReqNodeNotAvail)',
    });
  });

  test('the agent stopped the script (TimedOut) without a FAIL line: the exit status', async () => {
    answerCluster({ invocations: [{ Status: 'TimedOut', ResponseCode: -1 }] });
    const rows = rowsByCheck((await runSlurm()).json().checks);
    expect(rows['HpcClusterStack job'].detail).toBe(`TimedOut after 0 s (command ${COMMAND_ID} on ${LOGIN_INSTANCE}): exit status -1`);
  });

  test('fewer distinct nodes than the stack has, and a node without EFA', async () => {
    answerCluster({
      invocations: [
        { Status: 'Success', ResponseCode: 0, StandardOutputContent: 'smoke-node compute-1 efa=yes\nsmoke-node compute-1 efa=no\n' },
      ],
    });
    const rows = rowsByCheck((await runSlurm()).json().checks);
    expect(rows['HpcClusterStack job']).toMatchObject({
      status: 'fail',
      detail: `ran on 1 distinct nodes, the stack has 2 (command ${COMMAND_ID} on ${LOGIN_INSTANCE})`,
    });
    expect(rows['HpcClusterStack EFA provider']).toMatchObject({ status: 'fail', detail: 'fi_info found no efa provider on compute-1' });
  });

  test('still running at --timeout plus the grace: the command is cancelled and scancel sent; no real waiting', async () => {
    answerCluster({ invocations: [{ Status: 'InProgress' }] });
    const clock = new FakeClock();
    const run = await runSlurm(['--timeout', '2m'], { clock });
    expect(run.exitCode).toBe(1);
    expect(rowsByCheck(run.json().checks)['HpcClusterStack job']).toMatchObject({
      status: 'fail',
      detail: `still InProgress after 4 min (command ${COMMAND_ID}); cancelled the command; sent scancel --name=${JOB_NAME} to the login node`,
    });
    expect(mocks.ssm.commandCalls(CancelCommandCommand)[0].args[0].input).toEqual({ CommandId: COMMAND_ID, InstanceIds: [LOGIN_INSTANCE] });
    const cancel = mocks.ssm.commandCalls(SendCommandCommand)[1].args[0].input;
    expect(cancel.Parameters?.commands).toContain(`bash "$script" cancel ${JOB_NAME}`);
    expect(mocks.ssm.commandCalls(SendCommandCommand)[0].args[0].input.Parameters?.executionTimeout).toEqual(['240']);
    expect(clock.slept).toBeLessThanOrEqual(240_000);
  });

  test('Ctrl-C while the job waits: command cancelled, scancel sent, the table printed, exit 130', async () => {
    answerCluster({ invocations: [{ Status: 'InProgress' }] });
    const interrupt = ctrlC();
    let polls = 0;
    mocks.ssm.on(GetCommandInvocationCommand).callsFake(() => {
      if (++polls === 2) interrupt.press();
      return { Status: 'InProgress' };
    });
    const run = await runSlurm([], interrupt.deps);
    expect(run.exitCode).toBe(130);
    expect(run.json()).toMatchObject({ ok: false, interrupted: true });
    expect(rowsByCheck(run.json().checks)['HpcClusterStack interrupted']).toMatchObject({ status: 'fail' });
    expect(mocks.ssm.commandCalls(CancelCommandCommand)).toHaveLength(1);
    expect(mocks.ssm.commandCalls(SendCommandCommand)[1].args[0].input.Parameters?.commands).toContain(`bash "$script" cancel ${JOB_NAME}`);
  });

  test('a command that cannot be cancelled: the row and stderr say how to do it by hand', async () => {
    answerCluster({ invocations: [{ Status: 'InProgress' }] });
    mocks.ssm
      .on(CancelCommandCommand)
      .rejects(new SSMServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: {}, message: 'no' }));
    const run = await runSlurm(['--timeout', '60']);
    expect(rowsByCheck(run.json().checks)['HpcClusterStack job'].detail).toMatch(
      new RegExp(`^still InProgress after 3 min \\(command ${COMMAND_ID}\\); could not cancel the command ${COMMAND_ID}; sent scancel`),
    );
    expect(run.stderrLines).toContainEqual(
      expect.stringMatching(`could not cancel command ${COMMAND_ID} .*: run aws ssm cancel-command --command-id ${COMMAND_ID}$`),
    );
  });

  test('Cloud Control throttled past the SDK retries: one row naming the action; nothing sent', async () => {
    answerCluster();
    mocks.cloudControl.on(GetResourceCommand).rejects(
      new CloudControlServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { attempts: 3, httpStatusCode: 400 },
        message: 'Rate exceeded',
      }),
    );
    const run = await runSlurm();
    expect(rowsByCheck(run.json().checks)['HpcClusterStack slurm check'].detail).toBe(
      'AWS throttled cloudformation:GetResource and 3 attempts were used up: wait a minute and run again (or raise AWS_MAX_ATTEMPTS).',
    );
    expect(mocks.ssm.calls()).toHaveLength(0);
  });

  test('AccessDenied on SendCommand: one row naming ssm:SendCommand', async () => {
    answerCluster();
    mocks.ssm
      .on(SendCommandCommand)
      .rejects(new SSMServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: {}, message: 'not authorized' }));
    const rows = rowsByCheck((await runSlurm()).json().checks);
    expect(rows['HpcClusterStack slurm check'].detail).toMatch(/^Access denied: the IAM identity may not call ssm:SendCommand\./);
  });

  test('a stack deployed before the PCS ARN outputs: the line says to deploy again; nothing called', async () => {
    const { PcsClusterArn: _, ...older } = SLURM_OUTPUTS;
    deployStacks({ HpcClusterStack: older });
    const rows = rowsByCheck((await runSlurm()).json().checks);
    expect(rows['HpcClusterStack slurm check'].detail).toMatch(/^HpcClusterStack has no output PcsClusterArn: deploy it again/);
    expect(mocks.cloudControl.calls()).toHaveLength(0);
  });
});
