import { renderTable } from '../shared/table';
import type { PreflightReport } from './hpc-checks';

const TITLES: Record<PreflightReport['checks'][number]['id'], string> = {
  'availability-zone': 'Availability Zone',
  'offered-in-az': 'instance type offered in the AZ',
  'efa-supported': 'EFA support',
  'catalog-matches': 'EFA catalog up to date',
  'placement-group': 'placement group name',
  'pcs-in-region': 'AWS PCS in the region',
  'login-type-in-az': 'login node type offered in the AZ',
};

/** The preflight report as text: what was checked, one row per check, and the verdict. */
export function renderPreflightReport(report: PreflightReport): string {
  const { target } = report;
  const header =
    `HPC cluster (hpc.profile=${target.profile}): ${target.nodes} x ${target.instanceType}, ` +
    `scheduler ${target.scheduler}, ${target.purchaseOption}, in ${target.availabilityZone ?? '?'} (${target.region})`;
  const table = renderTable(
    ['CHECK', 'RESULT', 'DETAIL'],
    report.checks.map((check) => [TITLES[check.id], check.status.toUpperCase(), check.detail]),
  );
  const failed = report.checks.filter((check) => check.status === 'fail').length;
  const verdict = report.ok ? 'Preflight passed.' : `Preflight failed: ${failed} check${failed === 1 ? '' : 's'} failed.`;
  return `${header}\n\n${table}\n\n${verdict}`;
}
