import { describeFailure } from '../shared/failure-line';
import { Interrupted } from './clock';

/** `info` rows report a number without judging it: they never fail the run. */
export type CheckStatus = 'pass' | 'fail' | 'info';

/** One row of the summary. */
export interface SmokeCheck {
  readonly stack: string;
  /** Short and stable, for scripts reading `--json`: `job`, `thumbnail`, `cache hit`, ... */
  readonly check: string;
  readonly status: CheckStatus;
  readonly detail: string;
  /** The number a row measured (a latency, a bandwidth), for `--json`. */
  readonly measured?: { readonly value: number; readonly unit: string };
}

/** Rows of one stack, before the stack's name is put on them. */
export type CheckRow = Omit<SmokeCheck, 'stack'>;

export const pass = (check: string, detail: string, measured?: SmokeCheck['measured']): CheckRow => ({
  check,
  status: 'pass',
  detail,
  ...(measured && { measured }),
});
export const fail = (check: string, detail: string, measured?: SmokeCheck['measured']): CheckRow => ({
  check,
  status: 'fail',
  detail,
  ...(measured && { measured }),
});
export const info = (check: string, detail: string, measured?: SmokeCheck['measured']): CheckRow => ({
  check,
  status: 'info',
  detail,
  ...(measured && { measured }),
});

/**
 * Runs one step of a stack's checks: whatever it throws (AccessDenied, throttling after the
 * SDK's retries, a timeout) becomes one failed row with the one-line message the other tools
 * print, so the next steps and the other stacks still run. Ctrl-C is not a failure of the step:
 * it goes on up, so that the caller cleans up and stops.
 */
export async function runStep(check: string, step: () => Promise<CheckRow | CheckRow[]>): Promise<CheckRow[]> {
  try {
    const rows = await step();
    return Array.isArray(rows) ? rows : [rows];
  } catch (error) {
    if (error instanceof Interrupted) throw error;
    return [fail(check, describeFailure(error))];
  }
}
