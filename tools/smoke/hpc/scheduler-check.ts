import type { IamStatement } from '../../shared/iam-policy';
import type { CheckRow } from '../check-result';
import type { StackCheckContext } from '../stack-check';

/** The cluster as the stack's outputs describe it (Scheduler, InstanceType, NodeCount). */
export interface ClusterShape {
  readonly scheduler: string;
  readonly instanceType: string;
  readonly nodes: number;
}

/**
 * The smoke check of one HPC scheduler. HpcClusterStack's `Scheduler` output selects the module;
 * each scheduler has a module that implements this, reading the outputs its stack writes, listed
 * in SCHEDULER_CHECKS (hpc-cluster-check.ts).
 */
export interface SchedulerSmokeCheck {
  /** The `Scheduler` output value this module checks (`hpc.scheduler`). */
  readonly scheduler: string;
  /** What the module calls, for `--iam-policy`. */
  readonly iamStatements: readonly IamStatement[];
  /**
   * Checks a deployed cluster for real. Rows, never a throw, for what it finds; it may throw for
   * what stops it (a missing output, AccessDenied), which becomes one failed row. It must undo
   * what it started (a job, an object) on every way out, Ctrl-C included.
   */
  run(context: StackCheckContext, cluster: ClusterShape): Promise<CheckRow[]>;
}
