import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { loadConfig, regionOfAvailabilityZone } from '../../lib/config';
import { awsSettingsFromFlags, resolvedRegion, type AwsSettings } from '../shared/aws-settings';
import { COMMON_HELP, parseToolArgs } from '../shared/cli-args';
import { answerInfoFlags } from '../shared/info-flags';
import { logToStderr, printJson, printText, type Log } from '../shared/output';
import { runCli } from '../shared/run-cli';
import { APP_DIR, readCdkContext } from './cdk-context';
import { runPreflight } from './hpc-checks';
import { globalInfrastructureRegion } from './pcs-lookups';
import { renderPreflightReport } from './render-report';
import { REQUIRED_IAM_ACTIONS } from './required-iam-actions';

const HELP = `Usage: npm run preflight -- [-c key=value ...] [--placement-group NAME] [--json]

Checks, before cdk deploy, that the HPC cluster as synth would build it can launch: the config is
read from cdk.json's context and -c flags exactly as CDK reads it, and validated by lib/config.ts.
  - the Availability Zone: hpc.availabilityZone, or the region's first AZ (as the stack picks it)
  - the instance type is offered in that AZ (if not: which AZs of the region offer it)
  - the type supports EFA, with as many interfaces as lib/hpc/efa-catalog.json says
  - placement group names (see --placement-group)
  - with hpc.scheduler=slurm: AWS PCS is offered in the region (AWS's public Region list in SSM),
    and the login node's type is offered in the AZ
Exits 1 when any check fails. With hpc.availabilityZone set, its region is checked (the stack
deploys there), whatever --region says.

Options:
  -c, --context KEY=VALUE   a CDK context value, as with cdk synth -c (repeatable)
  --placement-group NAME    fail if a placement group with this name already exists. Without it,
                            the existing cluster placement groups of the region are listed: the
                            stack names its own group, so it cannot clash.
  --json                    print the report as JSON on stdout

${COMMON_HELP}`;

/** What the CLI needs from outside, so tests can hand it a mocked client. */
export interface PreflightDeps {
  readonly ec2: (settings: AwsSettings) => EC2Client;
  readonly ssm: (settings: AwsSettings) => SSMClient;
  readonly appDir: string;
  readonly log: Log;
}

const defaultDeps: PreflightDeps = {
  ec2: (settings) => new EC2Client(settings),
  ssm: (settings) => new SSMClient(settings),
  appDir: APP_DIR,
  log: logToStderr,
};

/** The preflight CLI: returns the exit code (1 when a check failed). */
export async function preflightMain(argv: string[], deps: PreflightDeps = defaultDeps): Promise<number> {
  const flags = parseToolArgs(argv, {
    context: { type: 'string', short: 'c', multiple: true },
    'placement-group': { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (answerInfoFlags(flags, { help: HELP, iamActions: REQUIRED_IAM_ACTIONS })) return 0;

  // Config first: a bad value is reported before anything talks to AWS.
  const { hpc } = loadConfig(readCdkContext(deps.appDir, flags.context ?? []));
  const settings = awsSettingsFromFlags(flags);
  const pinnedRegion = hpc.availabilityZone ? regionOfAvailabilityZone(hpc.availabilityZone) : undefined;
  if (pinnedRegion !== undefined && settings.region !== undefined && settings.region !== pinnedRegion) {
    deps.log(
      `note: hpc.availabilityZone=${hpc.availabilityZone} pins the stack to ${pinnedRegion}: checking ${pinnedRegion}, not ${settings.region}`,
    );
  }
  const ec2 = deps.ec2({ ...settings, region: pinnedRegion ?? settings.region });
  const region = await resolvedRegion(ec2);

  const ssm = hpc.scheduler === 'slurm' ? deps.ssm({ ...settings, region: globalInfrastructureRegion(region) }) : undefined;
  const report = await runPreflight(ec2, hpc, region, { placementGroup: flags['placement-group'], ssm });
  if (flags.json) printJson(report);
  else printText(renderPreflightReport(report));
  return report.ok ? 0 : 1;
}

if (require.main === module) void runCli(preflightMain);
