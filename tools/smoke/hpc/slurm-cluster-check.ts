import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { SendCommandCommand } from '@aws-sdk/client-ssm';
import { asIamAction, describeFailure } from '../../shared/failure-line';
import { type CheckRow, fail, pass } from '../check-result';
import { formatDuration, Interrupted } from '../clock';
import type { StackCheckContext } from '../stack-check';
import { requireOutputs } from '../stack-outputs';
import { pcsResourceRow, type PcsResource } from './pcs-resources';
import type { ClusterShape, SchedulerSmokeCheck } from './scheduler-check';
import { readSlurmJobOutput, slurmJobCommands } from './slurm-job';
import { type FinishedScript, INVOCATION_POLL_INTERVAL_MS, RUN_SHELL_SCRIPT, runShellScript, ScriptNotFinished } from './ssm-run-script';

/**
 * PCS tags each instance it launches with its node group's id (aws:pcs:compute-node-group-id),
 * which is how AWS's PCS recipe finds its login node (aws-samples/aws-hpc-recipes,
 * recipes/pcs/getting_started/assets/cluster.yaml) and the stack's LoginNodeCommand output too.
 */
const NODE_GROUP_TAG = 'aws:pcs:compute-node-group-id';

/**
 * After the job's own time limit (the script cancels the job then and says why), how much longer
 * the smoke test waits for the script's answer, and how much longer the agent lets it run.
 */
const SCRIPT_GRACE_SECONDS = 120;

/**
 * `hpc.scheduler=slurm`: the PCS cluster, both node groups and the queue are ACTIVE, and a small
 * job runs on the compute nodes: one task on each of NodeCount nodes of the partition, started
 * with srun on the login node through SSM Run Command (the login node is reached the same way a
 * person reaches it, with no SSH and nothing open to the outside), each task saying whether
 * libfabric finds EFA on its node. The compute group starts from zero, so the job waits for PCS
 * to launch the nodes: minutes, billed while they run and until PCS scales them down again.
 */
export const slurmClusterCheck: SchedulerSmokeCheck = {
  scheduler: 'slurm',
  iamStatements: [
    {
      sid: 'SmokeHpcSlurmReadResource',
      // Cloud Control's GetResource names the resource by type and identifier, not ARN; whether its
      // action takes a resource type was not confirmed from its Service Authorization Reference
      // row (https://docs.aws.amazon.com/service-authorization/latest/reference/list_cloudcontrol.html),
      // so "*": the PCS statement below is what limits what it reads.
      actions: ['cloudformation:GetResource'],
      resources: ['*'],
    },
    {
      sid: 'SmokeHpcSlurmReadPcs',
      // The read handlers' permissions of AWS::PCS::Cluster, ::ComputeNodeGroup and ::Queue, which
      // Cloud Control calls with the caller's credentials; node groups and queues have ARNs below
      // their cluster's.
      actions: ['pcs:GetCluster', 'pcs:GetComputeNodeGroup', 'pcs:GetQueue', 'pcs:ListTagsForResource'],
      resources: ['arn:aws:pcs:*:*:cluster/*'],
    },
    {
      sid: 'SmokeHpcSlurmRunJob',
      // SendCommand is authorized on the document and on the instance; the login instance's id is
      // PCS's to choose, so only the resource type is fixed (Service Authorization Reference, AWS
      // Systems Manager: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html).
      actions: ['ssm:SendCommand'],
      resources: [`arn:aws:ssm:*::document/${RUN_SHELL_SCRIPT}`, 'arn:aws:ec2:*:*:instance/*'],
    },
    {
      sid: 'SmokeHpcSlurmFollowJob',
      // The command id exists only once SendCommand answers, so there is nothing to name ahead; whether
      // these two SSM actions take a resource type was not confirmed from the Service Authorization
      // Reference row, so "*". DescribeInstances supports no resource-level permissions.
      actions: ['ssm:GetCommandInvocation', 'ssm:CancelCommand', 'ec2:DescribeInstances'],
      resources: ['*'],
    },
  ],

  async run(context, cluster) {
    const outputs = requireOutputs(context.stack, [
      'PcsClusterArn',
      'PcsComputeNodeGroupArn',
      'PcsLoginNodeGroupArn',
      'PcsQueueArn',
      'PcsLoginNodeGroupId',
      'SlurmPartition',
    ]);
    const resources: PcsResource[] = [
      { check: 'PCS cluster', typeName: 'AWS::PCS::Cluster', arn: outputs.PcsClusterArn },
      { check: 'compute node group', typeName: 'AWS::PCS::ComputeNodeGroup', arn: outputs.PcsComputeNodeGroupArn },
      { check: 'login node group', typeName: 'AWS::PCS::ComputeNodeGroup', arn: outputs.PcsLoginNodeGroupArn },
      { check: 'queue', typeName: 'AWS::PCS::Queue', arn: outputs.PcsQueueArn },
    ];
    const rows: CheckRow[] = [];
    for (const resource of resources) rows.push(await pcsResourceRow(context.clients.cloudControl, resource));
    const notActive = rows.filter((row) => row.status === 'fail').map((row) => row.check);
    if (notActive.length > 0) return [...rows, fail('job', `not submitted: the ${notActive.join(', ')} must be ACTIVE first`)];

    const loginNode = await loginInstance(context, outputs.PcsLoginNodeGroupId);
    if (loginNode === undefined) {
      return [
        ...rows,
        fail(
          'login node',
          `no running instance tagged ${NODE_GROUP_TAG}=${outputs.PcsLoginNodeGroupId}: PCS has not launched the login node ` +
            '(or replaced it just now); run again in a few minutes',
        ),
      ];
    }
    rows.push(pass('login node', `${loginNode} (running)`));
    return [...rows, ...(await runJob(context, cluster, loginNode, outputs.SlurmPartition))];
  },
};

/** The login node group's running instance (it has exactly one: min = max = 1). */
async function loginInstance(context: StackCheckContext, loginGroupId: string): Promise<string | undefined> {
  const { Reservations } = await asIamAction('ec2:DescribeInstances', () =>
    context.clients.ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: `tag:${NODE_GROUP_TAG}`, Values: [loginGroupId] },
          { Name: 'instance-state-name', Values: ['running'] },
        ],
      }),
    ),
  );
  return (Reservations ?? []).flatMap((reservation) => reservation.Instances ?? [])[0]?.InstanceId;
}

async function runJob(context: StackCheckContext, cluster: ClusterShape, instanceId: string, partition: string): Promise<CheckRow[]> {
  const jobName = `smoke-${context.runId}`;
  const limitSeconds = Math.max(60, Math.ceil(context.timeoutMs / 1000));
  const poll = {
    clock: context.clock,
    signal: context.signal,
    timeoutMs: (limitSeconds + SCRIPT_GRACE_SECONDS) * 1000,
    intervalMs: INVOCATION_POLL_INTERVAL_MS,
  };
  context.log(`running ${jobName} on ${cluster.nodes} compute nodes of partition ${partition}, from the login node ${instanceId}`);
  let finished: FinishedScript;
  try {
    finished = await runShellScript(
      context.clients.ssm,
      {
        instanceId,
        commands: slurmJobCommands(['run', partition, String(cluster.nodes), jobName, String(limitSeconds)]),
        comment: `npm run smoke: ${jobName}`,
        executionTimeoutSeconds: limitSeconds + SCRIPT_GRACE_SECONDS,
      },
      poll,
      context.log,
    );
  } catch (error) {
    if (!(error instanceof ScriptNotFinished)) throw error;
    // The script may be gone with its job still queued: cancel the job by its name.
    const cancelled = await cancelJob(context, instanceId, jobName);
    if (error.cause instanceof Interrupted) throw error.cause;
    const command = error.cancelled ? 'cancelled the command' : `could not cancel the command ${error.commandId}`;
    return [
      fail(
        'job',
        `still ${error.lastStatus} after ${formatDuration(error.elapsedMs)} (command ${error.commandId}); ${command}; ${cancelled}`,
      ),
    ];
  }
  return jobRows(finished, cluster, instanceId);
}

/** Sends the script's cancel mode without waiting for it: says what was done, for the row. */
async function cancelJob(context: StackCheckContext, instanceId: string, jobName: string): Promise<string> {
  try {
    const { Command } = await asIamAction('ssm:SendCommand', () =>
      context.clients.ssm.send(
        new SendCommandCommand({
          DocumentName: RUN_SHELL_SCRIPT,
          InstanceIds: [instanceId],
          Comment: `npm run smoke: cancel ${jobName}`,
          Parameters: { commands: slurmJobCommands(['cancel', jobName]) },
        }),
      ),
    );
    context.log(`sent scancel --name=${jobName} (command ${Command?.CommandId ?? 'without id'})`);
    return `sent scancel --name=${jobName} to the login node`;
  } catch (error) {
    context.log(`could not send scancel (${describeFailure(error)}): on the login node, run scancel --name=${jobName}`);
    return `could not send scancel: on the login node, run scancel --name=${jobName}`;
  }
}

function jobRows(finished: FinishedScript, cluster: ClusterShape, instanceId: string): CheckRow[] {
  const output = readSlurmJobOutput(finished.stdout, finished.stderr);
  const hosts = [...new Set(output.nodes.map((node) => node.host))];
  const took = formatDuration(finished.elapsedMs);
  const where = `command ${finished.commandId} on ${instanceId}`;
  if (finished.status !== 'Success') {
    const why = output.failure ?? (finished.stderr.trim().split('\n').at(-1) || `exit status ${finished.responseCode}`);
    const queue = output.queue === undefined ? '' : ` (queue: ${output.queue})`;
    return [fail('job', `${finished.status} after ${took} (${where}): ${why}${queue}`)];
  }
  const jobRow =
    hosts.length === cluster.nodes
      ? pass('job', `ran on ${hosts.length} of ${cluster.nodes} compute nodes in ${took} (${where})`, {
          value: hosts.length,
          unit: 'nodes',
        })
      : fail('job', `ran on ${hosts.length} distinct nodes, the stack has ${cluster.nodes} (${where})`, {
          value: hosts.length,
          unit: 'nodes',
        });
  const without = output.nodes.filter((node) => !node.efa).map((node) => node.host);
  const efaRow =
    output.nodes.length === 0
      ? fail('EFA provider', 'no task reported on its node')
      : without.length > 0
        ? fail('EFA provider', `fi_info found no efa provider on ${without.join(', ')}`)
        : pass('EFA provider', `efa on all ${hosts.length} compute nodes`);
  return [jobRow, efaRow];
}
