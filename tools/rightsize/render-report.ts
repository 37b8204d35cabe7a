import { renderTable } from '../shared/table';
import type { RightsizingRow } from './recommendation-rows';
import type { ResourceKind } from './stack-resources';

const KIND_LABELS: Record<ResourceKind, string> = {
  'auto-scaling-group': 'Auto Scaling group',
  'ec2-instance': 'EC2 instance',
  'lambda-function': 'Lambda function',
  'ecs-service': 'ECS service',
};

/** The rightsizing report as text: one row per resource, then the savings total and data caveats. */
export function renderRightsizingReport(rows: readonly RightsizingRow[], stacks: readonly string[], region: string): string {
  if (rows.length === 0) {
    return (
      `No Auto Scaling groups, EC2 instances, Lambda functions or ECS services tagged aws:cloudformation:stack-name=` +
      `${stacks.join('|')} in ${region}. Are the stacks deployed in this region (see --region)?`
    );
  }
  const table = renderTable(
    ['STACK', 'RESOURCE', 'NAME', 'CURRENT', 'FINDING', 'RECOMMENDED', 'SAVINGS/MONTH', 'NOTE'],
    rows.map((row) => [
      row.stack,
      KIND_LABELS[row.kind],
      row.name,
      row.current ?? '-',
      [row.finding, ...row.findingReasons].join(' '),
      row.recommended ?? '-',
      row.estimatedMonthlySavings ? formatMoney(row.estimatedMonthlySavings.value, row.estimatedMonthlySavings.currency) : '-',
      row.note ?? '',
    ]),
  );
  const lines = [table, '', totalSavingsLine(rows)];
  const waiting = rows.filter((row) => !row.enoughData).length;
  if (waiting > 0) {
    lines.push(
      `${waiting} of ${rows.length} resources have too little data for a recommendation yet: ` +
        'Compute Optimizer looks back 14 days by default; run again once they have run a while.',
    );
  }
  return lines.join('\n');
}

function totalSavingsLine(rows: readonly RightsizingRow[]): string {
  const totals = new Map<string, number>();
  for (const { estimatedMonthlySavings: savings } of rows) {
    if (savings) totals.set(savings.currency, (totals.get(savings.currency) ?? 0) + savings.value);
  }
  if (totals.size === 0) return 'Estimated monthly savings: none found.';
  return `Estimated monthly savings: ${[...totals].map(([currency, value]) => formatMoney(value, currency)).join(' + ')}.`;
}

function formatMoney(value: number, currency: string): string {
  return `${value.toFixed(2)} ${currency}`;
}
