import { DEFAULT_MPI_PROGRAM } from '../../../lib/hpc/batch-multi-node-cluster';
import { type CheckRow, fail, info, pass } from '../check-result';
import { formatDuration, Interrupted, pollUntil } from '../clock';
import type { StackCheckContext } from '../stack-check';
import { requireOutputs } from '../stack-outputs';
import { JOB_POLL_INTERVAL_MS, JobNotFinished, nodeLogStreams, readLogStream, runMultiNodeJob } from './batch-job';
import { type FabricCheckResult, type NodeFabric, readFabricCheck, readNodeFabric } from './fabric-check-log';
import { type PublishedNetwork, publishedNetwork } from './published-network';
import type { ClusterShape, SchedulerSmokeCheck } from './scheduler-check';

/** The libfabric provider of the Elastic Fabric Adapter, as `fi_info -p efa` names it. */
const EFA_PROVIDER = 'efa';

/**
 * How long the main node's log may lag behind the job's end: the awslogs driver ships the last
 * lines as the container stops, and they can reach GetLogEvents a little after Batch says
 * SUCCEEDED. The verdict line is waited for this long before the log is judged.
 */
const LOG_SETTLE_MS = 60_000;
const LOG_POLL_INTERVAL_MS = 5_000;

/**
 * `hpc.scheduler=batch`: submits the fabric check over the stack's node count, waits for it, then
 * reads every node's log and reports the node count, the EFA provider on each node, and the
 * ping-pong latency and bandwidth against what AWS publishes for the instance type.
 */
export const batchFabricCheck: SchedulerSmokeCheck = {
  scheduler: 'batch',
  iamStatements: [
    {
      sid: 'SmokeHpcBatchSubmit',
      // SubmitJob is authorized on the job it creates, its queue and its job definition; the
      // names are CloudFormation's, so only the resource types are fixed (Service Authorization
      // Reference, AWS Batch: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsbatch.html).
      actions: ['batch:SubmitJob'],
      resources: ['arn:aws:batch:*:*:job-queue/*', 'arn:aws:batch:*:*:job-definition/*', 'arn:aws:batch:*:*:job/*'],
    },
    { sid: 'SmokeHpcBatchTerminate', actions: ['batch:TerminateJob'], resources: ['arn:aws:batch:*:*:job/*'] },
    {
      sid: 'SmokeHpcBatchLogs',
      // The job log group is KMS-encrypted; CloudWatch Logs decrypts for the reader with its own
      // grant on the key, so the reader needs no KMS permission
      // (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_AssociateKmsKey.html).
      actions: ['logs:GetLogEvents'],
      resources: ['arn:aws:logs:*:*:log-group:*:log-stream:*'],
    },
    {
      sid: 'SmokeHpcBatchRead',
      // Neither supports resource-level permissions (Service Authorization Reference, AWS Batch and Amazon EC2).
      actions: ['batch:DescribeJobs', 'ec2:DescribeInstanceTypes'],
      resources: ['*'],
    },
  ],

  async run(context, cluster) {
    const outputs = requireOutputs(context.stack, ['JobQueueArn', 'JobDefinitionArn', 'JobLogGroup']);
    const network = await publishedNetwork(context.clients.ec2, cluster.instanceType);
    const poll = { clock: context.clock, signal: context.signal, timeoutMs: context.timeoutMs, intervalMs: JOB_POLL_INTERVAL_MS };
    let job;
    try {
      job = await runMultiNodeJob(
        context.clients.batch,
        {
          jobName: `smoke-fabric-check-${context.runId}`,
          jobQueue: outputs.JobQueueArn,
          jobDefinition: outputs.JobDefinitionArn,
          parameters: { program: DEFAULT_MPI_PROGRAM },
          nodes: cluster.nodes,
        },
        poll,
        context.log,
      );
    } catch (error) {
      if (!(error instanceof JobNotFinished)) throw error;
      if (error.cause instanceof Interrupted) throw error.cause;
      return [fail('job', notFinishedDetail(error, cluster))];
    }

    const jobRow =
      job.status === 'SUCCEEDED'
        ? pass('job', `SUCCEEDED after ${formatDuration(job.elapsedMs)} (job ${job.jobId}, ${cluster.nodes} x ${cluster.instanceType})`)
        : fail('job', `FAILED after ${formatDuration(job.elapsedMs)} (job ${job.jobId}): ${job.statusReason ?? 'no reason given'}`);

    const streams = await nodeLogStreams(context.clients.batch, job.jobId, cluster.nodes);
    const mainStream = streams[0];
    if (mainStream === undefined) {
      return [jobRow, fail('log', `node 0 (${job.jobId}#0) has no log stream: its container never started, so the check never ran`)];
    }
    const readNode = (stream: string) => readLogStream(context.clients.logs, outputs.JobLogGroup, stream);
    const mainLines = job.status === 'SUCCEEDED' ? await readUntilVerdict(context, () => readNode(mainStream)) : await readNode(mainStream);
    const nodeFabrics: (NodeFabric | undefined)[] = [];
    for (const [node, stream] of streams.entries()) {
      nodeFabrics.push(stream === undefined ? undefined : readNodeFabric(node, node === 0 ? mainLines : await readNode(stream)));
    }
    const fabric = readFabricCheck(mainLines);

    const failure = nodeFabrics.find((node) => node?.failure !== undefined);
    const jobRowWithCause =
      jobRow.status === 'fail' && failure ? { ...jobRow, detail: `${jobRow.detail}; node ${failure.node}: ${failure.failure}` } : jobRow;
    return [
      jobRowWithCause,
      nodesRow(fabric, cluster),
      efaRow(nodeFabrics),
      latencyRow(fabric, cluster),
      bandwidthRow(fabric, network, cluster),
    ];
  },
};

/** Reads the main node's log until the fabric check's verdict is in it, for at most LOG_SETTLE_MS. */
async function readUntilVerdict(context: StackCheckContext, read: () => Promise<string[]>): Promise<string[]> {
  let lines: string[] = [];
  try {
    await pollUntil(
      { clock: context.clock, signal: context.signal, timeoutMs: LOG_SETTLE_MS, intervalMs: LOG_POLL_INTERVAL_MS },
      async () => {
        lines = await read();
        return readFabricCheck(lines).verdict;
      },
    );
  } catch (error) {
    if (error instanceof Interrupted) throw error;
    // No verdict yet: judge what is there; the rows say what is missing.
  }
  return lines;
}

function notFinishedDetail(error: JobNotFinished, cluster: ClusterShape): string {
  const what = error.terminated
    ? 'terminated it'
    : `could not terminate it: run aws batch terminate-job --job-id ${error.jobId} --reason smoke`;
  const hint =
    error.lastStatus === 'RUNNABLE'
      ? `: a job that stays RUNNABLE has no instances to run on (the vCPU quota for ${cluster.nodes} x ${cluster.instanceType}, ` +
        'capacity in the placement group, or a node whose fabric check failed: docs/hpc.md#troubleshooting)'
      : '';
  return `still ${error.lastStatus} after ${formatDuration(error.elapsedMs)} (job ${error.jobId}); ${what}${hint}`;
}

function nodesRow(fabric: FabricCheckResult, cluster: ClusterShape): CheckRow {
  const { verdict } = fabric;
  if (verdict === undefined) return fail('nodes', "no fabric check verdict in node 0's log: the program did not run to its end");
  const failing = fabric.nodes.filter((node) => !node.ok).map((node) => node.node);
  const detail = `${verdict.nodes} of ${cluster.nodes} nodes, allreduce over ${verdict.ranks} ranks`;
  if (verdict.pass && verdict.nodes === cluster.nodes && failing.length === 0 && fabric.nodes.length === cluster.nodes) {
    return pass('nodes', `${detail}: OK on every node`, { value: verdict.nodes, unit: 'nodes' });
  }
  const why = [
    verdict.nodes !== cluster.nodes ? `the job ran on ${verdict.nodes} nodes, the stack has ${cluster.nodes}` : '',
    failing.length > 0 ? `FAIL on node(s) ${failing.join(', ')}` : '',
    fabric.nodes.length !== verdict.nodes ? `${fabric.nodes.length} result lines for ${verdict.nodes} nodes` : '',
    !verdict.pass ? 'the fabric check says FAIL' : '',
  ].filter((part) => part !== '');
  return fail('nodes', `${detail}: ${why.join('; ')}`, { value: verdict.nodes, unit: 'nodes' });
}

function efaRow(nodes: readonly (NodeFabric | undefined)[]): CheckRow {
  const without = nodes.flatMap((node, index) =>
    node === undefined ? [`${index} (no log stream)`] : node.providers.some((p) => p.provider === EFA_PROVIDER) ? [] : [String(index)],
  );
  if (without.length > 0) {
    return fail('EFA provider', `fi_info found no ${EFA_PROVIDER} provider on node(s) ${without.join(', ')} of ${nodes.length}`);
  }
  const domains = [
    ...new Set(nodes.flatMap((node) => node?.providers.filter((p) => p.provider === EFA_PROVIDER).map((p) => p.domain) ?? [])),
  ];
  return pass('EFA provider', `${EFA_PROVIDER} on all ${nodes.length} nodes (domains: ${domains.join(', ')})`);
}

function latencyRow(fabric: FabricCheckResult, cluster: ClusterShape): CheckRow {
  if (fabric.pingPong === undefined)
    return fail('latency', `no ping-pong figures: ${fabric.pingPongProblem ?? "no ping-pong line in node 0's log"}`);
  const { latencyUs, peerRank } = fabric.pingPong;
  return info(
    'latency',
    `${latencyUs.toFixed(2)} us one-way, 8 B, rank 0 to rank ${peerRank} on another node. AWS publishes no latency figure for ` +
      `${cluster.instanceType} (nor for any instance type), so this number is reported without a pass/fail range`,
    { value: latencyUs, unit: 'us' },
  );
}

function bandwidthRow(fabric: FabricCheckResult, network: PublishedNetwork, cluster: ClusterShape): CheckRow {
  if (fabric.pingPong === undefined)
    return fail('bandwidth', `no ping-pong figures: ${fabric.pingPongProblem ?? "no ping-pong line in node 0's log"}`);
  const { bandwidthMBps } = fabric.pingPong;
  const gbps = (bandwidthMBps * 8) / 1000;
  const measured = `${bandwidthMBps.toFixed(1)} MB/s (${gbps.toFixed(1)} Gbps), 1 MiB ping-pong between two nodes`;
  const value = { value: bandwidthMBps, unit: 'MB/s' };
  if (network.peakGbps === undefined) {
    return info(
      'bandwidth',
      `${measured}. EC2 publishes no peak bandwidth for ${cluster.instanceType} (DescribeInstanceTypes gave no ` +
        'NetworkCards[].PeakBandwidthInGbps), so this number is reported without a pass/fail range',
      value,
    );
  }
  const source = `the ${network.peakGbps} Gbps AWS publishes for ${cluster.instanceType} (DescribeInstanceTypes, NetworkCards[].PeakBandwidthInGbps)`;
  if (gbps > network.peakGbps) {
    return fail(
      'bandwidth',
      `${measured}: above ${source}, so the bytes cannot have crossed the network (were both ranks on one node?)`,
      value,
    );
  }
  return pass(
    'bandwidth',
    `${measured}: ${Math.round((100 * gbps) / network.peakGbps)} % of ${source}; AWS publishes no floor for one rank pair`,
    value,
  );
}
