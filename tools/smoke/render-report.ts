import { renderTable } from '../shared/table';
import type { SmokeCheck } from './check-result';

/** The run as `--json` prints it. */
export interface SmokeReport {
  readonly stacks: readonly { readonly name: string; readonly region: string; readonly status: string }[];
  readonly checks: readonly SmokeCheck[];
  /** True when no check failed: the exit code is 0 exactly then. */
  readonly ok: boolean;
  readonly interrupted: boolean;
}

/** The summary table and the verdict. */
export function renderSmokeReport(report: SmokeReport): string {
  const table = renderTable(
    ['STACK', 'CHECK', 'RESULT', 'DETAIL'],
    report.checks.map((check) => [check.stack, check.check, check.status.toUpperCase(), check.detail]),
  );
  const failed = report.checks.filter((check) => check.status === 'fail').length;
  const verdict = report.interrupted
    ? `Smoke test interrupted: ${failed} of ${report.checks.length} checks failed or did not finish.`
    : report.ok
      ? `Smoke test passed: ${report.checks.length} checks on ${report.stacks.map((stack) => stack.name).join(', ')}.`
      : `Smoke test failed: ${failed} of ${report.checks.length} checks failed.`;
  return `${table}\n\n${verdict}`;
}
