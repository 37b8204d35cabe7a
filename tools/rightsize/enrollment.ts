import { type ComputeOptimizerClient, GetEnrollmentStatusCommand } from '@aws-sdk/client-compute-optimizer';
import { ActionableError, asIamAction, COMPUTE_OPTIMIZER_OPT_IN } from '../shared/failure-line';

/**
 * Stops with one line that says how to opt in unless Compute Optimizer is Active for the
 * account: without it every recommendation call fails, and with Pending none has data yet.
 */
export async function requireActiveEnrollment(computeOptimizer: ComputeOptimizerClient): Promise<void> {
  const { status, statusReason } = await asIamAction('compute-optimizer:GetEnrollmentStatus', () =>
    computeOptimizer.send(new GetEnrollmentStatusCommand({})),
  );
  if (status === 'Active') return;
  const reason = statusReason ? ` (${statusReason})` : '';
  if (status === 'Pending') {
    throw new ActionableError(
      `Compute Optimizer enrollment is Pending${reason}: recommendations appear within 24 hours of opting in; run again later.`,
    );
  }
  throw new ActionableError(
    `Compute Optimizer is not active for this account (status ${status ?? 'unknown'}${reason}): ${COMPUTE_OPTIMIZER_OPT_IN}.`,
  );
}
