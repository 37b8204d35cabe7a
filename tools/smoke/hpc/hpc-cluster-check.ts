import { ActionableError } from '../../shared/failure-line';
import { fail, info, runStep } from '../check-result';
import type { StackSmokeCheck } from '../stack-check';
import { requireOutputs } from '../stack-outputs';
import { batchFabricCheck } from './batch-fabric-check';
import type { ClusterShape, SchedulerSmokeCheck } from './scheduler-check';
import { slurmClusterCheck } from './slurm-cluster-check';
import { staticClusterCheck } from './static-cluster-check';

/** One module per scheduler, chosen by the stack's `Scheduler` output. */
export const SCHEDULER_CHECKS: readonly SchedulerSmokeCheck[] = [batchFabricCheck, slurmClusterCheck, staticClusterCheck];

/** HpcClusterStack: reads the cluster's shape from the outputs and runs its scheduler's check. */
export const hpcClusterCheck: StackSmokeCheck = {
  // A Batch or Slurm job of the default profile takes minutes, most of them node boot with the
  // EFA install; the Batch job definition itself stops a job after an hour.
  defaultTimeoutMs: 60 * 60_000,
  iamStatements: SCHEDULER_CHECKS.flatMap((check) => check.iamStatements),

  async run(context) {
    const outputs = requireOutputs(context.stack, ['Scheduler', 'InstanceType', 'NodeCount']);
    const nodes = Number(outputs.NodeCount);
    if (!Number.isInteger(nodes) || nodes < 1)
      throw new ActionableError(`${context.stack.name} output NodeCount=${outputs.NodeCount} is not a node count`);
    const cluster: ClusterShape = { scheduler: outputs.Scheduler, instanceType: outputs.InstanceType, nodes };
    const shape = info('cluster', `${cluster.nodes} x ${cluster.instanceType}, scheduler ${cluster.scheduler}`);
    const check = SCHEDULER_CHECKS.find((candidate) => candidate.scheduler === cluster.scheduler);
    if (check === undefined)
      return [shape, fail('scheduler', `scheduler ${cluster.scheduler}: this version of npm run smoke has no check for it`)];
    return [shape, ...(await runStep(`${cluster.scheduler} check`, () => check.run(context, cluster)))];
  },
};
