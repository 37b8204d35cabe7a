import { ComputeOptimizerClient } from '@aws-sdk/client-compute-optimizer';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { awsSettingsFromFlags, resolvedRegion, type AwsSettings } from '../shared/aws-settings';
import { COMMON_HELP, parseToolArgs, splitList, UsageError } from '../shared/cli-args';
import { answerInfoFlags } from '../shared/info-flags';
import { logToStderr, printJson, printText, type Log } from '../shared/output';
import { runCli } from '../shared/run-cli';
import { requireActiveEnrollment } from './enrollment';
import { fetchRecommendations } from './fetch-recommendations';
import { rightsizingRows } from './recommendation-rows';
import { renderRightsizingReport } from './render-report';
import { IAM_ACTIONS_CHECKED_BY_COMPUTE_OPTIMIZER, REQUIRED_IAM_ACTIONS } from './required-iam-actions';
import { DEFAULT_STACKS, findStackResources } from './stack-resources';

const HELP = `Usage: npm run rightsize -- [--stacks HpcClusterStack,WorkerFleetStack,EdgeStack] [--json]

Compute Optimizer rightsizing for the deployed stacks' Auto Scaling groups, EC2 instances,
Lambda functions and ECS services on Fargate, found by CloudFormation's
aws:cloudformation:stack-name tag (Resource Groups Tagging API). For each: the current size,
the finding, the recommended option and the estimated monthly savings, or why there is none
yet (Compute Optimizer needs some days of metrics; it looks back 14 days by default).
Checks the enrollment first: exits 1 with the opt-in command when Compute Optimizer is not Active.
One region per run: run it again with --region for stacks deployed elsewhere (EdgeStack is in us-east-1).

Options:
  --stacks LIST        stack names, comma-separated (default: ${DEFAULT_STACKS.join(',')})
  --json               print the rows as JSON on stdout

${COMMON_HELP}`;

/** What the CLI needs from outside, so tests can hand it mocked clients. */
export interface RightsizeDeps {
  readonly computeOptimizer: (settings: AwsSettings) => ComputeOptimizerClient;
  readonly tagging: (settings: AwsSettings) => ResourceGroupsTaggingAPIClient;
  readonly log: Log;
}

const defaultDeps: RightsizeDeps = {
  computeOptimizer: (settings) => new ComputeOptimizerClient(settings),
  tagging: (settings) => new ResourceGroupsTaggingAPIClient(settings),
  log: logToStderr,
};

/** The rightsize CLI: returns the exit code. */
export async function rightsizeMain(argv: string[], deps: RightsizeDeps = defaultDeps): Promise<number> {
  const flags = parseToolArgs(argv, { stacks: { type: 'string' }, json: { type: 'boolean', default: false } });
  if (answerInfoFlags(flags, { help: HELP, iamActions: [...REQUIRED_IAM_ACTIONS, ...IAM_ACTIONS_CHECKED_BY_COMPUTE_OPTIMIZER] })) return 0;
  const stacks = flags.stacks === undefined ? [...DEFAULT_STACKS] : splitList(flags.stacks);
  if (stacks.length === 0) throw new UsageError('--stacks needs at least one stack name (see --help)');

  const settings = awsSettingsFromFlags(flags);
  const computeOptimizer = deps.computeOptimizer(settings);
  const region = await resolvedRegion(computeOptimizer);
  await requireActiveEnrollment(computeOptimizer);
  const resources = await findStackResources(deps.tagging({ ...settings, region }), stacks, deps.log);
  const rows = rightsizingRows(resources, await fetchRecommendations(computeOptimizer, resources));

  if (flags.json) printJson({ region, stacks, rows });
  else printText(renderRightsizingReport(rows, stacks, region));
  return 0;
}

if (require.main === module) void runCli(rightsizeMain);
