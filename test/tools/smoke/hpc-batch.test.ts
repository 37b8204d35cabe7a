import { BatchServiceException, DescribeJobsCommand, SubmitJobCommand, TerminateJobCommand } from '@aws-sdk/client-batch';
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeInstanceTypesCommand } from '@aws-sdk/client-ec2';
import { STACK_CHECKS } from '../../../tools/smoke/main';
import { smokeIamStatements } from '../../../tools/smoke/smoke-iam-policy';
import { BATCH_OUTPUTS, HEALTHY_MAIN_LOG, HEALTHY_NODE_1_LOG, JOB_DEFINITION_ARN, JOB_LOG_GROUP, JOB_QUEUE_ARN } from './fixtures';
import {
  actionsSent,
  ctrlC,
  expectDocsExample,
  deployStacks,
  FakeClock,
  mocks,
  resetMocks,
  RUN_ID,
  rowsByCheck,
  runSmoke,
} from './smoke-harness';

const JOB_ID = 'a1b2c3d4-job';
const STREAMS = ['mpi/default/node0task', 'mpi/default/node1task'];

afterEach(() => {
  const allowed = smokeIamStatements(['HpcClusterStack'], STACK_CHECKS).flatMap((statement) => statement.actions);
  expect(allowed).toEqual(expect.arrayContaining(actionsSent()));
  resetMocks();
});

interface ClusterAnswers {
  /** The job's status on each DescribeJobs of the job itself; the last one repeats. */
  statuses?: string[];
  statusReason?: string;
  /** Each node's log, or undefined for a node whose container never started. */
  logs?: (string[] | undefined)[];
  peakGbps?: number[];
}

/** A deployed batch cluster whose job goes through `statuses` and writes `logs`. */
function answerCluster(answers: ClusterAnswers = {}): void {
  const statuses = answers.statuses ?? ['SUBMITTED', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED'];
  const logs = answers.logs ?? [HEALTHY_MAIN_LOG, HEALTHY_NODE_1_LOG];
  deployStacks({ HpcClusterStack: BATCH_OUTPUTS });
  mocks.ec2.on(DescribeInstanceTypesCommand).resolves({
    InstanceTypes: [
      {
        InstanceType: 'c5n.18xlarge',
        NetworkInfo: {
          NetworkPerformance: '100 Gigabit',
          NetworkCards: (answers.peakGbps ?? [100]).map((peak, index) => ({ NetworkCardIndex: index, PeakBandwidthInGbps: peak })),
        },
      },
    ],
  });
  mocks.batch.on(SubmitJobCommand).resolves({ jobId: JOB_ID, jobName: `smoke-fabric-check-${RUN_ID}` });
  let polls = 0;
  mocks.batch.on(DescribeJobsCommand).callsFake(({ jobs }: { jobs: string[] }) => ({
    jobs: jobs.map((id) => {
      if (id === JOB_ID) {
        const status = statuses[Math.min(polls++, statuses.length - 1)];
        return {
          jobId: id,
          jobName: 'x',
          jobQueue: JOB_QUEUE_ARN,
          jobDefinition: JOB_DEFINITION_ARN,
          status,
          statusReason: answers.statusReason,
          startedAt: 0,
        };
      }
      const node = Number(id.split('#')[1]);
      const stream = logs[node] === undefined ? undefined : STREAMS[node];
      return {
        jobId: id,
        jobName: 'x',
        jobQueue: JOB_QUEUE_ARN,
        jobDefinition: JOB_DEFINITION_ARN,
        status: 'SUCCEEDED',
        startedAt: 0,
        container: { logStreamName: stream },
      };
    }),
  }));
  // Two pages per stream, then the same token again: the end of the stream.
  mocks.logs.on(GetLogEventsCommand).callsFake(({ logStreamName, nextToken }: { logStreamName: string; nextToken?: string }) => {
    const lines = logs[STREAMS.indexOf(logStreamName)] ?? [];
    const half = Math.ceil(lines.length / 2);
    const page = nextToken === undefined ? lines.slice(0, half) : nextToken === 'f1' ? lines.slice(half) : [];
    return {
      events: page.map((message, index) => ({ message, timestamp: index })),
      nextForwardToken: nextToken === undefined ? 'f1' : 'f2',
      nextBackwardToken: 'b',
    };
  });
}

describe('the fabric check on AWS Batch', () => {
  test('passes: submitted over the stack node count, progress on stderr, every row from the logs', async () => {
    answerCluster();
    const run = await runSmoke(['HpcClusterStack', '--region', 'eu-west-1', '--json']);
    expect(run.exitCode).toBe(0);
    const rows = rowsByCheck(run.json().checks);
    expect(Object.values(rows).map((row) => [row.check, row.status])).toEqual([
      ['stack', 'pass'],
      ['cluster', 'info'],
      ['job', 'pass'],
      ['nodes', 'pass'],
      ['EFA provider', 'pass'],
      ['latency', 'info'],
      ['bandwidth', 'pass'],
    ]);
    expect(rows['HpcClusterStack job'].detail).toBe(`SUCCEEDED after 1 min (job ${JOB_ID}, 2 x c5n.18xlarge)`);
    expect(rows['HpcClusterStack nodes'].detail).toBe('2 of 2 nodes, allreduce over 72 ranks: OK on every node');
    expect(rows['HpcClusterStack EFA provider'].detail).toBe('efa on all 2 nodes (domains: rdmap0s6-rdm)');
    expect(rows['HpcClusterStack latency']).toMatchObject({ measured: { value: 15.73, unit: 'us' } });
    expect(rows['HpcClusterStack latency'].detail).toMatch(
      /^15\.73 us one-way, 8 B, rank 0 to rank 36 on another node\. AWS publishes no latency figure for c5n\.18xlarge/,
    );
    expect(rows['HpcClusterStack bandwidth'].detail).toBe(
      '10843.2 MB/s (86.7 Gbps), 1 MiB ping-pong between two nodes: 87 % of the 100 Gbps AWS publishes for c5n.18xlarge ' +
        '(DescribeInstanceTypes, NetworkCards[].PeakBandwidthInGbps); AWS publishes no floor for one rank pair',
    );

    expect(mocks.batch.commandCalls(SubmitJobCommand)[0].args[0].input).toEqual({
      jobName: `smoke-fabric-check-${RUN_ID}`,
      jobQueue: JOB_QUEUE_ARN,
      jobDefinition: JOB_DEFINITION_ARN,
      parameters: { program: '/opt/hpc-job/bin/mpi-fabric-check' },
      nodeOverrides: { numNodes: 2 },
    });
    expect(mocks.logs.commandCalls(GetLogEventsCommand)[0].args[0].input).toMatchObject({
      logGroupName: JOB_LOG_GROUP,
      startFromHead: true,
    });
    expect(run.stderrLines).toEqual([
      `HpcClusterStack: submitted job ${JOB_ID} (smoke-fabric-check-${RUN_ID}) over 2 nodes`,
      `HpcClusterStack: job ${JOB_ID}: RUNNABLE after 15 s`,
      `HpcClusterStack: job ${JOB_ID}: STARTING after 30 s`,
      `HpcClusterStack: job ${JOB_ID}: RUNNING after 45 s`,
      `HpcClusterStack: job ${JOB_ID}: SUCCEEDED after 1 min`,
    ]);
    expect(mocks.batch.commandCalls(TerminateJobCommand)).toHaveLength(0);
  });

  test('the summary table, without --json', async () => {
    answerCluster();
    const { stdout } = await runSmoke(['HpcClusterStack', '--region', 'eu-west-1']);
    expect(stdout).toMatch(/^STACK\s+CHECK\s+RESULT\s+DETAIL$/m);
    expect(stdout).toMatch(/^HpcClusterStack\s+bandwidth\s+PASS\s+10843\.2 MB\/s/m);
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('Smoke test passed: 7 checks on HpcClusterStack.');
    expectDocsExample('docs/hpc.md', 'batch', stdout);
  });

  test('a failed job: its reason and the failing node line; exit 1', async () => {
    const mainLog = [
      '[node 0]   provider: efa  domain: rdmap0s6-rdm',
      '[node 0] FAIL: node(s) 1 of 2 never registered within 600 s (registered: 0); the log of each names its reason',
    ];
    answerCluster({
      statuses: ['RUNNING', 'FAILED'],
      statusReason: 'Essential container in task exited',
      logs: [mainLog, ['[node 1] fi_info -p efa (EFA interfaces on this node: 1)']],
    });
    const run = await runSmoke(['HpcClusterStack', '--region', 'eu-west-1', '--json']);
    expect(run.exitCode).toBe(1);
    const rows = rowsByCheck(run.json().checks);
    expect(rows['HpcClusterStack job']).toMatchObject({ status: 'fail' });
    expect(rows['HpcClusterStack job'].detail).toBe(
      `FAILED after 15 s (job ${JOB_ID}): Essential container in task exited; node 0: node(s) 1 of 2 never registered within 600 s (registered: 0); the log of each names its reason`,
    );
    expect(rows['HpcClusterStack nodes']).toMatchObject({
      status: 'fail',
      detail: "no fabric check verdict in node 0's log: the program did not run to its end",
    });
    expect(rows['HpcClusterStack EFA provider']).toMatchObject({
      status: 'fail',
      detail: 'fi_info found no efa provider on node(s) 1 of 2',
    });
    expect(rows['HpcClusterStack latency']).toMatchObject({
      status: 'fail',
      detail: "no ping-pong figures: no ping-pong line in node 0's log",
    });
  });

  test('still RUNNABLE at --timeout: the job is terminated and the row says why jobs stay RUNNABLE; no real waiting', async () => {
    answerCluster({ statuses: ['RUNNABLE'] });
    mocks.batch.on(TerminateJobCommand).resolves({});
    const clock = new FakeClock();
    const run = await runSmoke(['HpcClusterStack', '--region', 'eu-west-1', '--timeout', '2m', '--json'], { clock });
    expect(run.exitCode).toBe(1);
    expect(rowsByCheck(run.json().checks)['HpcClusterStack job']).toMatchObject({
      status: 'fail',
      detail:
        `still RUNNABLE after 2 min (job ${JOB_ID}); terminated it: a job that stays RUNNABLE has no instances to run on ` +
        '(the vCPU quota for 2 x c5n.18xlarge, capacity in the placement group, or a node whose fabric check failed: docs/hpc.md#troubleshooting)',
    });
    expect(mocks.batch.commandCalls(TerminateJobCommand)[0].args[0].input).toEqual({
      jobId: JOB_ID,
      reason: 'npm run smoke: no result in time',
    });
    expect(mocks.logs.commandCalls(GetLogEventsCommand)).toHaveLength(0);
    expect(clock.slept).toBeLessThanOrEqual(120_000);
  });

  test('a job that cannot be terminated after the timeout: the command to do it by hand', async () => {
    answerCluster({ statuses: ['RUNNING'] });
    mocks.batch
      .on(TerminateJobCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $metadata: {} }));
    const run = await runSmoke(['HpcClusterStack', '--region', 'eu-west-1', '--timeout', '30', '--json']);
    expect(rowsByCheck(run.json().checks)['HpcClusterStack job'].detail).toBe(
      `still RUNNING after 30 s (job ${JOB_ID}); could not terminate it: run aws batch terminate-job --job-id ${JOB_ID} --reason smoke`,
    );
    expect(run.stderrLines.at(-1)).toMatch(
      /^HpcClusterStack: could not terminate job a1b2c3d4-job \(Access denied: the IAM identity may not call batch:TerminateJob\./,
    );
  });

  test('Ctrl-C while waiting: the job is terminated, the table printed, exit 130', async () => {
    answerCluster({ statuses: ['RUNNABLE'] });
    mocks.batch.on(TerminateJobCommand).resolves({});
    const interrupt = ctrlC();
    mocks.ec2.on(DescribeInstanceTypesCommand).callsFake(() => {
      interrupt.press();
      return { InstanceTypes: [] };
    });
    const run = await runSmoke(['HpcClusterStack', '--region', 'eu-west-1', '--json'], interrupt.deps);
    expect(run.exitCode).toBe(130);
    expect(mocks.batch.commandCalls(TerminateJobCommand)[0].args[0].input).toEqual({
      jobId: JOB_ID,
      reason: 'npm run smoke: interrupted by Ctrl-C',
    });
    expect(run.json()).toMatchObject({ ok: false, interrupted: true });
    expect(rowsByCheck(run.json().checks)['HpcClusterStack interrupted']).toMatchObject({ status: 'fail' });
  });

  test('bandwidth above what the type can carry: the bytes never crossed the network', async () => {
    answerCluster({ peakGbps: [25] });
    const run = await runSmoke(['HpcClusterStack', '--region', 'eu-west-1', '--json']);
    expect(run.exitCode).toBe(1);
    expect(rowsByCheck(run.json().checks)['HpcClusterStack bandwidth']).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/: above the 25 Gbps AWS publishes for c5n\.18xlarge .*cannot have crossed the network/),
    });
  });

  test('no published peak bandwidth: the number without a range, saying so', async () => {
    answerCluster();
    mocks.ec2.on(DescribeInstanceTypesCommand).resolves({ InstanceTypes: [{ NetworkInfo: { NetworkCards: [{ NetworkCardIndex: 0 }] } }] });
    const run = await runSmoke(['HpcClusterStack', '--region', 'eu-west-1', '--json']);
    expect(run.exitCode).toBe(0);
    expect(rowsByCheck(run.json().checks)['HpcClusterStack bandwidth']).toMatchObject({
      status: 'info',
      detail: expect.stringMatching(/EC2 publishes no peak bandwidth for c5n\.18xlarge .* reported without a pass\/fail range$/),
      measured: { value: 10843.2, unit: 'MB/s' },
    });
  });

  test('a node without the EFA provider, and one whose container never started', async () => {
    answerCluster({ logs: [HEALTHY_MAIN_LOG, ['[node 1] fi_info -p efa (EFA interfaces on this node: 1)']] });
    let run = await runSmoke(['HpcClusterStack', '--region', 'eu-west-1', '--json']);
    expect(rowsByCheck(run.json().checks)['HpcClusterStack EFA provider'].detail).toBe('fi_info found no efa provider on node(s) 1 of 2');
    resetMocks();
    answerCluster({ logs: [HEALTHY_MAIN_LOG, undefined] });
    run = await runSmoke(['HpcClusterStack', '--region', 'eu-west-1', '--json']);
    expect(rowsByCheck(run.json().checks)['HpcClusterStack EFA provider'].detail).toBe(
      'fi_info found no efa provider on node(s) 1 (no log stream) of 2',
    );
  });

  test('fewer nodes in the result than the stack has', async () => {
    const oneNode = HEALTHY_MAIN_LOG.filter((line) => !line.startsWith('node 1/2')).map((line) =>
      line.replace('node 0/2', 'node 0/1').replace('(72 ranks on 2 nodes)', '(36 ranks on 1 nodes)'),
    );
    answerCluster({ logs: [oneNode, HEALTHY_NODE_1_LOG] });
    const run = await runSmoke(['HpcClusterStack', '--region', 'eu-west-1', '--json']);
    expect(rowsByCheck(run.json().checks)['HpcClusterStack nodes']).toMatchObject({
      status: 'fail',
      detail: '1 of 2 nodes, allreduce over 36 ranks: the job ran on 1 nodes, the stack has 2',
    });
  });

  test('node 0 without a log stream: one row, since nothing ran', async () => {
    answerCluster({ statuses: ['FAILED'], statusReason: 'Task failed to start', logs: [undefined, HEALTHY_NODE_1_LOG] });
    const run = await runSmoke(['HpcClusterStack', '--region', 'eu-west-1', '--json']);
    const checks = run.json().checks.map((row) => row.check);
    expect(checks).toEqual(['stack', 'cluster', 'job', 'log']);
    expect(rowsByCheck(run.json().checks)['HpcClusterStack log'].detail).toBe(
      `node 0 (${JOB_ID}#0) has no log stream: its container never started, so the check never ran`,
    );
  });

  test('the verdict reaches the log after the job ends: the log is read again until it is there', async () => {
    answerCluster();
    let reads = 0;
    mocks.logs.on(GetLogEventsCommand).callsFake(({ logStreamName }: { logStreamName: string }) => {
      const lines = logStreamName === STREAMS[0] ? (reads++ === 0 ? HEALTHY_MAIN_LOG.slice(0, 5) : HEALTHY_MAIN_LOG) : HEALTHY_NODE_1_LOG;
      return { events: lines.map((message) => ({ message })), nextForwardToken: 'end' };
    });
    const clock = new FakeClock();
    const run = await runSmoke(['HpcClusterStack', '--region', 'eu-west-1', '--json'], { clock });
    expect(run.exitCode).toBe(0);
    expect(reads).toBe(2);
  });

  test('AccessDenied on SubmitJob: one row naming the action; nothing to terminate', async () => {
    answerCluster();
    mocks.batch.on(SubmitJobCommand).rejects(
      new BatchServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: {},
        message: 'User is not authorized to perform: batch:SubmitJob',
      }),
    );
    const run = await runSmoke(['HpcClusterStack', '--region', 'eu-west-1', '--json']);
    expect(run.exitCode).toBe(1);
    expect(rowsByCheck(run.json().checks)['HpcClusterStack batch check'].detail).toMatch(
      /^Access denied: the IAM identity may not call batch:SubmitJob\. Allow batch:SubmitJob \(see the tool's --iam-policy\)/,
    );
    expect(mocks.batch.commandCalls(TerminateJobCommand)).toHaveLength(0);
  });

  test('Batch throttling that outlasts the SDK retries: one row naming the action and the attempts', async () => {
    answerCluster();
    mocks.batch.on(DescribeJobsCommand).rejects(
      Object.assign(new Error('Too Many Requests'), {
        name: 'TooManyRequestsException',
        $metadata: { attempts: 3, httpStatusCode: 429 },
      }),
    );
    mocks.batch.on(TerminateJobCommand).resolves({});
    const run = await runSmoke(['HpcClusterStack', '--region', 'eu-west-1', '--json']);
    expect(rowsByCheck(run.json().checks)['HpcClusterStack batch check'].detail).toBe(
      'AWS throttled batch:DescribeJobs and 3 attempts were used up: wait a minute and run again (or raise AWS_MAX_ATTEMPTS).',
    );
    // The wait failed, so the job was terminated rather than left to run.
    expect(mocks.batch.commandCalls(TerminateJobCommand)[0].args[0].input).toEqual({
      jobId: JOB_ID,
      reason: 'npm run smoke: the wait failed',
    });
  });
});

describe('the scheduler comes from the stack outputs', () => {
  test('a scheduler without a module of its own: one failing line, nothing submitted', async () => {
    deployStacks({ HpcClusterStack: { Scheduler: 'lsf', InstanceType: 'hpc7g.16xlarge', NodeCount: '4' } });
    const run = await runSmoke(['HpcClusterStack', '--region', 'eu-west-1']);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/^HpcClusterStack\s+scheduler\s+FAIL\s+scheduler lsf: this version of npm run smoke has no check for it$/m);
    expect(mocks.batch.calls()).toHaveLength(0);
  });

  test('an output the check needs is missing: the line says to deploy again; nothing submitted', async () => {
    const { JobLogGroup: _, ...older } = BATCH_OUTPUTS;
    deployStacks({ HpcClusterStack: older });
    const run = await runSmoke(['HpcClusterStack', '--region', 'eu-west-1', '--json']);
    expect(rowsByCheck(run.json().checks)['HpcClusterStack batch check'].detail).toBe(
      'HpcClusterStack has no output JobLogGroup: deploy it again from this version of the app (npx cdk deploy HpcClusterStack), which adds it',
    );
    expect(mocks.batch.calls()).toHaveLength(0);
  });

  test('a stack deployed before the Scheduler output existed', async () => {
    deployStacks({ HpcClusterStack: { JobQueueArn: JOB_QUEUE_ARN } });
    const run = await runSmoke(['HpcClusterStack', '--region', 'eu-west-1', '--json']);
    expect(rowsByCheck(run.json().checks)['HpcClusterStack checks'].detail).toMatch(
      /^HpcClusterStack has no output Scheduler: deploy it again/,
    );
  });
});
