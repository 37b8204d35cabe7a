import { EC2Client } from '@aws-sdk/client-ec2';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { awsSettingsFromFlags, checkRegionName, resolvedRegion, type AwsSettings } from '../shared/aws-settings';
import { COMMON_HELP, parseToolArgs, splitList, UsageError } from '../shared/cli-args';
import { ActionableError } from '../shared/failure-line';
import { answerInfoFlags } from '../shared/info-flags';
import { logToStderr, printText, type Log } from '../shared/output';
import { runCli } from '../shared/run-cli';
import { buildEfaCatalog, type RegionAnswer } from './build-catalog';
import { CATALOG_PATH, describeCatalogDifferences, formatCatalog } from './catalog-file';
import { describeEfaInstanceTypes } from './describe-efa-instance-types';
import { profileTypesMissingFrom } from './profile-coverage';
import { REQUIRED_IAM_ACTIONS } from './required-iam-actions';

const HELP = `Usage: npm run efa-catalog -- [--regions us-east-1,eu-west-1] [--check] [--output FILE]

Regenerates the EFA instance catalog the HPC stack reads (lib/hpc/efa-catalog.json) from EC2
DescribeInstanceTypes (filter network-info.efa-supported=true), in one or more regions. The file
is deterministic: sorted keys, no timestamps, the same answers give the same bytes.

Options:
  --regions LIST       regions to ask, comma-separated (default: the configured region). A type
                       seen in several regions appears once; when regions disagree, the first
                       listed wins and the disagreement is printed on stderr.
  --check              write nothing: print the differences and exit 1 when the file is out of date
  --output FILE        the catalog file (default: lib/hpc/efa-catalog.json)

${COMMON_HELP}`;

/** What the CLI needs from outside, so tests can hand it mocked clients. */
export interface EfaCatalogDeps {
  readonly ec2ForRegion: (settings: AwsSettings) => EC2Client;
  readonly log: Log;
}

const defaultDeps: EfaCatalogDeps = { ec2ForRegion: (settings) => new EC2Client(settings), log: logToStderr };

/** The efa-catalog CLI: returns the exit code. */
export async function efaCatalogMain(argv: string[], deps: EfaCatalogDeps = defaultDeps): Promise<number> {
  const flags = parseToolArgs(argv, {
    regions: { type: 'string' },
    check: { type: 'boolean', default: false },
    output: { type: 'string' },
  });
  if (answerInfoFlags(flags, { help: HELP, iamActions: REQUIRED_IAM_ACTIONS })) return 0;
  if (flags.region !== undefined && flags.regions !== undefined) {
    throw new UsageError('pass --regions (a list) or --region (one), not both (see --help)');
  }

  const settings = awsSettingsFromFlags(flags);
  const regions = flags.regions !== undefined ? listedRegions(flags.regions) : [await resolvedRegion(deps.ec2ForRegion(settings))];
  const answers: RegionAnswer[] = await Promise.all(
    regions.map(async (region) => ({
      region,
      instanceTypes: await describeEfaInstanceTypes(deps.ec2ForRegion({ ...settings, region }), region, deps.log),
    })),
  );

  const catalog = buildEfaCatalog(answers, deps.log);
  const count = Object.keys(catalog.instanceTypes).length;
  if (count === 0) {
    // An empty catalog would make every HPC config invalid at synth: refuse rather than write it.
    throw new ActionableError(`EC2 listed no usable EFA instance types in ${regions.join(', ')}: nothing written.`);
  }
  for (const [profile, instanceType] of profileTypesMissingFrom(catalog)) {
    deps.log(`warning: hpc.profile=${profile} uses ${instanceType}, which ${regions.join(', ')} did not list: add a region that offers it`);
  }

  const outputPath = path.resolve(flags.output ?? CATALOG_PATH);
  const shownPath = path.relative(process.cwd(), outputPath) || outputPath;
  const text = formatCatalog(catalog);
  if (flags.check) {
    const current = fs.existsSync(outputPath) ? fs.readFileSync(outputPath, 'utf8') : undefined;
    const differences = describeCatalogDifferences(current, text);
    if (differences.length === 0) {
      printText(`${shownPath} is up to date (${count} EFA instance types).`);
      return 0;
    }
    printText(differences.join('\n'));
    deps.log(`${shownPath} is out of date (${differences.length} differences): run npm run efa-catalog -- --regions ${regions.join(',')}`);
    return 1;
  }
  fs.writeFileSync(outputPath, text);
  printText(`Wrote ${count} EFA instance types from ${regions.join(', ')} to ${shownPath}.`);
  return 0;
}

function listedRegions(value: string): string[] {
  const regions = [...new Set(splitList(value))];
  if (regions.length === 0) throw new UsageError('--regions needs at least one region name (see --help)');
  return regions.map((region) => checkRegionName(region, '--regions'));
}

if (require.main === module) void runCli(efaCatalogMain);
