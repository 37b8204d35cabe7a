import './support/quiet-sdk-warning';
import {
  DescribeAvailabilityZonesCommand,
  DescribeInstanceTypeOfferingsCommand,
  DescribeInstanceTypesCommand,
  DescribePlacementGroupsCommand,
  EC2Client,
  EC2ServiceException,
} from '@aws-sdk/client-ec2';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfig } from '../../lib/config';
import { readCdkContext } from '../../tools/preflight/cdk-context';
import { preflightMain, type PreflightDeps } from '../../tools/preflight/main';
import { REQUIRED_IAM_ACTIONS } from '../../tools/preflight/required-iam-actions';
import type { AwsSettings } from '../../tools/shared/aws-settings';
import { describeFailure } from '../../tools/shared/failure-line';
import { instanceTypeInfo } from './fixtures/ec2-answers';
import { capturedLog, captureStdout, iamActionsSent } from './support/aws-mocks';

const ec2Mock = mockClient(EC2Client);
const ssmMock = mockClient(SSMClient);

/** The app directory preflight reads cdk.json from: a temporary one per test. */
let appDir: string;

function writeCdkJson(context: Record<string, unknown>): void {
  fs.writeFileSync(path.join(appDir, 'cdk.json'), JSON.stringify({ app: 'true', context }));
}

/** Runs the CLI against the mocked EC2; returns its exit code, stdout and the regions it asked. */
async function runPreflightCli(args: string[]) {
  const regions: (string | undefined)[] = [];
  const ssmRegions: (string | undefined)[] = [];
  const { lines, log } = capturedLog();
  const deps: PreflightDeps = {
    ec2: (settings: AwsSettings) => {
      regions.push(settings.region);
      return new EC2Client({ region: settings.region ?? 'us-east-1' });
    },
    ssm: (settings: AwsSettings) => {
      ssmRegions.push(settings.region);
      return new SSMClient({ region: settings.region ?? 'us-east-1' });
    },
    appDir,
    log,
  };
  const { result: exitCode, stdout } = await captureStdout(() => preflightMain(args, deps));
  return { exitCode, stdout, regions, ssmRegions, stderrLines: lines };
}

/** A region where everything is in order for the sandbox profile (c5n.18xlarge). */
function answerHealthyRegion(): void {
  ec2Mock.on(DescribeAvailabilityZonesCommand).resolves({
    AvailabilityZones: [{ ZoneName: 'us-east-1b' }, { ZoneName: 'us-east-1a' }, { ZoneName: 'us-east-1c' }],
  });
  // Two pages, to show the offering lookup follows NextToken.
  const offering = (Location: string) => ({ InstanceType: 'c5n.18xlarge' as const, LocationType: 'availability-zone' as const, Location });
  ec2Mock
    .on(DescribeInstanceTypeOfferingsCommand)
    .callsFake(({ NextToken }) =>
      NextToken === undefined
        ? { InstanceTypeOfferings: [offering('us-east-1b')], NextToken: 'more' }
        : { InstanceTypeOfferings: [offering('us-east-1a')] },
    );
  ec2Mock.on(DescribeInstanceTypesCommand).resolves({
    InstanceTypes: [
      instanceTypeInfo('c5n.18xlarge', { architectures: ['x86_64'], vcpus: 72, memoryMiB: 196608, efaInterfaces: 1, networkCards: 1 }),
    ],
  });
  ec2Mock.on(DescribePlacementGroupsCommand).resolves({ PlacementGroups: [] });
}

beforeEach(() => {
  appDir = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-'));
  writeCdkJson({});
});
afterEach(() => {
  expect(REQUIRED_IAM_ACTIONS).toEqual(expect.arrayContaining([...iamActionsSent('ec2', ec2Mock), ...iamActionsSent('ssm', ssmMock)]));
  ec2Mock.reset();
  ssmMock.reset();
  fs.rmSync(appDir, { recursive: true, force: true });
});

describe('config as synth resolves it', () => {
  test('-c flags win over cdk.json, which wins over cdk.context.json; -c values are strings split at the first =', () => {
    writeCdkJson({ 'hpc.profile': 'ml', 'hpc.nodes': 8 });
    fs.writeFileSync(path.join(appDir, 'cdk.context.json'), JSON.stringify({ 'hpc.profile': 'cfd', 'hpc.scheduler': 'static' }));
    const context = readCdkContext(appDir, ['hpc.nodes=4', 'hpc.availabilityZone=eu-west-1a', 'note=a=b']);
    expect(context['hpc.nodes']).toBe('4');
    expect(context.note).toBe('a=b');
    expect(context['hpc.profile']).toBe('ml');
    expect(context['hpc.scheduler']).toBe('static');
    expect(loadConfig(context).hpc).toMatchObject({ profile: 'ml', instanceType: 'p5.48xlarge', nodes: 4, availabilityZone: 'eu-west-1a' });
  });

  test('a -c flag without "=" is a usage error', () => {
    expect(() => readCdkContext(appDir, ['hpc.nodes'])).toThrow('-c "hpc.nodes" is not a key=value assignment (see --help)');
  });

  test.each([
    ['a -c flag', ['-c', 'hpc.instancetype=m5.large'], {}, {}],
    ['cdk.json', [], { 'workers.computer': 'ec2' }, {}],
    ['cdk.context.json', [], {}, { 'edge.Mode': 'x' }],
  ])('an unknown key set in %s is refused like synth refuses it, before any AWS call', async (_where, argv, cdkJson, cdkContextJson) => {
    writeCdkJson(cdkJson);
    fs.writeFileSync(path.join(appDir, 'cdk.context.json'), JSON.stringify(cdkContextJson));
    const failure = await runPreflightCli(argv).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigError);
    expect(describeFailure(failure)).toMatch(
      /^Invalid config: unknown key (hpc\.instancetype|workers\.computer|edge\.Mode); did you mean /,
    );
    expect(describeFailure(failure).split('\n')).toHaveLength(1);
    expect(ec2Mock.calls()).toHaveLength(0);
  });

  test('an invalid value stops with the ConfigError line before any AWS call', async () => {
    const failure = await runPreflightCli(['-c', 'hpc.instanceType=m5.large']).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigError);
    expect(describeFailure(failure)).toMatch(/^Invalid config hpc\.instanceType="m5\.large": m5\.large does not support EFA/);
    expect(ec2Mock.calls()).toHaveLength(0);
  });
});

describe('checks', () => {
  test('all pass: the region first AZ (as the stack picks it) offers an EFA type the catalog agrees with', async () => {
    answerHealthyRegion();
    const { exitCode, stdout } = await runPreflightCli(['--region', 'us-east-1']);

    expect(exitCode).toBe(0);
    expect(stdout).toContain('HPC cluster (hpc.profile=sandbox): 2 x c5n.18xlarge, scheduler batch, on-demand, in us-east-1a (us-east-1)');
    expect(stdout).toMatch(/Availability Zone\s+PASS\s+us-east-1a \(first AZ of the region\)/);
    expect(stdout).toMatch(/instance type offered in the AZ\s+PASS\s+c5n\.18xlarge is offered in us-east-1a/);
    expect(stdout).toMatch(/EFA support\s+PASS\s+EFA supported, up to 1 EFA interfaces per instance/);
    expect(stdout).toMatch(/EFA catalog up to date\s+PASS/);
    expect(stdout).toMatch(/placement group name\s+INFO\s+.*the region has no cluster placement groups yet/);
    expect(stdout).toContain('Preflight passed.');
    expect(ec2Mock.commandCalls(DescribeInstanceTypeOfferingsCommand)).toHaveLength(2);
    expect(ec2Mock.commandCalls(DescribeAvailabilityZonesCommand)[0].args[0].input.Filters).toEqual([
      { Name: 'zone-type', Values: ['availability-zone'] },
      { Name: 'state', Values: ['available'] },
    ]);
  });

  test('a type not offered in the configured AZ fails, naming the AZs that offer it; the AZ pins the region', async () => {
    answerHealthyRegion();
    const { exitCode, stdout, regions, stderrLines } = await runPreflightCli([
      '-c',
      'hpc.availabilityZone=us-east-1e',
      '--region',
      'eu-west-1',
    ]);

    expect(exitCode).toBe(1);
    expect(regions).toEqual(['us-east-1']);
    expect(stderrLines).toEqual(['note: hpc.availabilityZone=us-east-1e pins the stack to us-east-1: checking us-east-1, not eu-west-1']);
    expect(stdout).toMatch(/Availability Zone\s+PASS\s+us-east-1e \(hpc\.availabilityZone\)/);
    expect(stdout).toContain(
      'c5n.18xlarge is not offered in us-east-1e; us-east-1 offers it in us-east-1a, us-east-1b: set -c hpc.availabilityZone=us-east-1a',
    );
    expect(stdout).toContain('Preflight failed: 1 check failed.');
    expect(ec2Mock.commandCalls(DescribeAvailabilityZonesCommand)).toHaveLength(0);
  });

  test('--json: the same report for scripts, on stdout only', async () => {
    answerHealthyRegion();
    ec2Mock.on(DescribeInstanceTypesCommand).resolves({
      InstanceTypes: [
        instanceTypeInfo('c5n.18xlarge', { architectures: ['x86_64'], vcpus: 72, memoryMiB: 196608, efaInterfaces: 2, networkCards: 1 }),
      ],
    });
    const { exitCode, stdout } = await runPreflightCli(['--region', 'us-east-1', '--json']);

    expect(exitCode).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.ok).toBe(false);
    expect(report.target).toMatchObject({ instanceType: 'c5n.18xlarge', nodes: 2, region: 'us-east-1', availabilityZone: 'us-east-1a' });
    expect(report.checks.find((check: { id: string }) => check.id === 'catalog-matches')).toEqual({
      id: 'catalog-matches',
      status: 'fail',
      detail: 'maxEfaInterfaces 1 in the catalog, 2 from EC2: regenerate with npm run efa-catalog',
    });
  });

  test('a type the region does not know fails the EFA check (InvalidInstanceType is a finding, not a crash)', async () => {
    answerHealthyRegion();
    ec2Mock.on(DescribeInstanceTypesCommand).rejects(
      new EC2ServiceException({
        name: 'InvalidInstanceType',
        $fault: 'client',
        $metadata: {},
        message: 'The following supplied instance types do not exist: [c5n.18xlarge]',
      }),
    );
    const { exitCode, stdout } = await runPreflightCli(['--region', 'us-east-1']);
    expect(exitCode).toBe(1);
    expect(stdout).toMatch(/EFA support\s+FAIL\s+us-east-1 does not know c5n\.18xlarge/);
    expect(stdout).not.toContain('EFA catalog up to date');
  });

  test('--placement-group: an existing group of that name fails; a free name passes', async () => {
    answerHealthyRegion();
    ec2Mock
      .on(DescribePlacementGroupsCommand, { Filters: [{ Name: 'group-name', Values: ['hpc-pg'] }] })
      .resolves({ PlacementGroups: [{ GroupName: 'hpc-pg', Strategy: 'cluster', State: 'available' }] });

    const taken = await runPreflightCli(['--region', 'us-east-1', '--placement-group', 'hpc-pg']);
    expect(taken.exitCode).toBe(1);
    expect(taken.stdout).toMatch(
      /placement group name\s+FAIL\s+a cluster placement group named hpc-pg already exists \(available\): pick another name/,
    );

    const free = await runPreflightCli(['--region', 'us-east-1', '--placement-group', 'other']);
    expect(free.exitCode).toBe(0);
    expect(free.stdout).toMatch(/placement group name\s+PASS\s+no placement group named other exists yet/);
  });

  test('without --placement-group, existing cluster groups are listed, for information', async () => {
    answerHealthyRegion();
    ec2Mock.on(DescribePlacementGroupsCommand).resolves({ PlacementGroups: [{ GroupName: 'zeta' }, { GroupName: 'alpha' }] });
    const { exitCode, stdout } = await runPreflightCli(['--region', 'us-east-1']);
    expect(exitCode).toBe(0);
    expect(stdout).toContain('existing cluster placement groups in the region: alpha, zeta');
    expect(ec2Mock.commandCalls(DescribePlacementGroupsCommand)[0].args[0].input.Filters).toEqual([
      { Name: 'strategy', Values: ['cluster'] },
      { Name: 'state', Values: ['available'] },
    ]);
  });

  test('an empty answer: a region without an available AZ fails that check', async () => {
    answerHealthyRegion();
    ec2Mock.on(DescribeAvailabilityZonesCommand).resolves({ AvailabilityZones: [] });
    const { exitCode, stdout } = await runPreflightCli(['--region', 'us-east-1']);
    expect(exitCode).toBe(1);
    expect(stdout).toMatch(/Availability Zone\s+FAIL\s+us-east-1 lists no available Availability Zone/);
    expect(ec2Mock.commandCalls(DescribeInstanceTypeOfferingsCommand)).toHaveLength(0);
  });

  test('AccessDenied stops the run with one line naming the denied IAM action', async () => {
    answerHealthyRegion();
    ec2Mock.on(DescribeInstanceTypeOfferingsCommand).rejects(
      new EC2ServiceException({
        name: 'UnauthorizedOperation',
        $fault: 'client',
        $metadata: {},
        message: 'You are not authorized to perform this operation.',
      }),
    );
    const failure = await runPreflightCli(['--region', 'us-east-1']).catch((error: unknown) => error);
    expect(describeFailure(failure)).toBe(
      'Access denied: the IAM identity may not call ec2:DescribeInstanceTypeOfferings. Allow ec2:DescribeInstanceTypeOfferings ' +
        "(see the tool's --iam-policy). AWS said: You are not authorized to perform this operation.",
    );
  });
});

describe('hpc.scheduler=slurm: AWS PCS in the region, and the login node type in the AZ', () => {
  /** AWS's Region list for PCS, in two pages (the lookup follows NextToken). */
  function answerPcsRegions(regions: string[]): void {
    const parameter = (region: string) => ({ Name: `/aws/service/global-infrastructure/services/pcs/regions/${region}`, Value: region });
    ssmMock
      .on(GetParametersByPathCommand)
      .callsFake(({ NextToken }) =>
        NextToken === undefined
          ? { Parameters: regions.slice(0, 1).map(parameter), NextToken: regions.length > 1 ? 'more' : undefined }
          : { Parameters: regions.slice(1).map(parameter) },
      );
  }

  test('all pass: PCS listed for the region, the compute and login types offered in the AZ', async () => {
    answerHealthyRegion();
    answerPcsRegions(['eu-west-1', 'us-east-1']);
    ec2Mock.on(DescribeInstanceTypeOfferingsCommand, { Filters: [{ Name: 'instance-type', Values: ['c6i.large'] }] }).resolves({
      InstanceTypeOfferings: [{ InstanceType: 'c6i.large', LocationType: 'availability-zone', Location: 'us-east-1a' }],
    });
    const { exitCode, stdout, ssmRegions } = await runPreflightCli(['--region', 'us-east-1', '-c', 'hpc.scheduler=slurm']);
    expect(stdout).toMatch(/AWS PCS in the region\s+PASS\s+AWS PCS is offered in us-east-1/);
    expect(stdout).toMatch(/login node type offered in the AZ\s+PASS\s+login node: c6i\.large is offered in us-east-1a/);
    expect(exitCode).toBe(0);
    expect(ssmRegions).toEqual(['us-east-1']);
    expect(ssmMock.commandCalls(GetParametersByPathCommand)).toHaveLength(2); // both pages
    expect(ssmMock.commandCalls(GetParametersByPathCommand)[0].args[0].input).toMatchObject({
      Path: '/aws/service/global-infrastructure/services/pcs/regions',
    });
  });

  test('a region AWS does not list for PCS fails, naming the regions that have it; asked from us-east-1 when the region cannot answer', async () => {
    answerHealthyRegion();
    answerPcsRegions(['eu-west-1', 'us-east-1']);
    const { exitCode, stdout, ssmRegions } = await runPreflightCli(['--region', 'ca-west-1', '-c', 'hpc.scheduler=slurm']);
    expect(exitCode).toBe(1);
    expect(stdout).toMatch(/AWS PCS in the region\s+FAIL\s+AWS PCS is not offered in ca-west-1; it is in eu-west-1, us-east-1/);
    expect(ssmRegions).toEqual(['us-east-1']);
  });

  test('a login node type not offered in the AZ fails, naming where it is', async () => {
    answerHealthyRegion();
    answerPcsRegions(['us-east-1']);
    ec2Mock.on(DescribeInstanceTypeOfferingsCommand, { Filters: [{ Name: 'instance-type', Values: ['c6i.large'] }] }).resolves({
      InstanceTypeOfferings: [{ InstanceType: 'c6i.large', LocationType: 'availability-zone', Location: 'us-east-1b' }],
    });
    const { exitCode, stdout } = await runPreflightCli(['--region', 'us-east-1', '-c', 'hpc.scheduler=slurm']);
    expect(exitCode).toBe(1);
    expect(stdout).toContain('login node: c6i.large is not offered in us-east-1a; us-east-1 offers it in us-east-1b');
  });

  test('no entry for PCS at all: reported for information, not failed', async () => {
    answerHealthyRegion();
    ssmMock.on(GetParametersByPathCommand).resolves({ Parameters: [] });
    ec2Mock.on(DescribeInstanceTypeOfferingsCommand, { Filters: [{ Name: 'instance-type', Values: ['c6i.large'] }] }).resolves({
      InstanceTypeOfferings: [{ InstanceType: 'c6i.large', LocationType: 'availability-zone', Location: 'us-east-1a' }],
    });
    const { exitCode, stdout } = await runPreflightCli(['--region', 'us-east-1', '-c', 'hpc.scheduler=slurm']);
    expect(stdout).toMatch(/AWS PCS in the region\s+INFO\s+AWS's Region list has no entry for PCS: could not check/);
    expect(exitCode).toBe(0);
  });

  test('Batch and static configs make no SSM call', async () => {
    answerHealthyRegion();
    await runPreflightCli(['--region', 'us-east-1']);
    expect(ssmMock.calls()).toHaveLength(0);
  });
});
