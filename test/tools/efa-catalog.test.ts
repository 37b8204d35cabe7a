import './support/quiet-sdk-warning';
import { DescribeInstanceTypesCommand, EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildEfaCatalog } from '../../tools/efa-catalog/build-catalog';
import { toCatalogEntry } from '../../tools/efa-catalog/catalog-entry';
import { CATALOG_PATH, describeCatalogDifferences, formatCatalog } from '../../tools/efa-catalog/catalog-file';
import { describeEfaInstanceTypes } from '../../tools/efa-catalog/describe-efa-instance-types';
import { efaCatalogMain, type EfaCatalogDeps } from '../../tools/efa-catalog/main';
import { REQUIRED_IAM_ACTIONS } from '../../tools/efa-catalog/required-iam-actions';
import { describeFailure } from '../../tools/shared/failure-line';
import { EU_WEST_1_PAGES, instanceTypeInfo, US_EAST_1_PAGES } from './fixtures/ec2-answers';
import { capturedLog, captureStdout, iamActionsSent } from './support/aws-mocks';

const EXPECTED_CATALOG = path.join(__dirname, 'fixtures', 'efa-catalog.expected.json');

const usEast1 = new EC2Client({ region: 'us-east-1' });
const euWest1 = new EC2Client({ region: 'eu-west-1' });
const usEast1Mock = mockClient(usEast1);
const euWest1Mock = mockClient(euWest1);

/** Answers DescribeInstanceTypes page by page, each page but the last pointing to the next. */
function answerInPages(mock: typeof usEast1Mock, pages: typeof US_EAST_1_PAGES): void {
  // One behaviour chain: a second `on()` for the same command would replace the first.
  pages.reduce(
    (behaviour, page, index) =>
      behaviour.resolvesOnce({ InstanceTypes: page, NextToken: index < pages.length - 1 ? `page-${index + 2}` : undefined }),
    mock.on(DescribeInstanceTypesCommand),
  );
}

/** Runs the CLI against the mocked regions, writing to a temporary file. */
async function runCatalogCli(args: string[], outputPath: string) {
  const { lines, log } = capturedLog();
  const deps: EfaCatalogDeps = {
    ec2ForRegion: (settings) => ({ 'us-east-1': usEast1, 'eu-west-1': euWest1 })[settings.region ?? 'us-east-1']!,
    log,
  };
  const { result: exitCode, stdout } = await captureStdout(() => efaCatalogMain([...args, '--output', outputPath], deps));
  return { exitCode, stdout, stderrLines: lines };
}

let workDir: string;
beforeEach(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'efa-catalog-'));
});
afterEach(() => {
  // The policy is the contract: every command the tool sent must be in it.
  const sent = [...iamActionsSent('ec2', usEast1Mock), ...iamActionsSent('ec2', euWest1Mock)];
  expect(REQUIRED_IAM_ACTIONS).toEqual(expect.arrayContaining(sent));
  usEast1Mock.reset();
  euWest1Mock.reset();
  fs.rmSync(workDir, { recursive: true, force: true });
});

describe('describing EFA types', () => {
  test('follows every page, with the EFA filter, and logs progress per page', async () => {
    answerInPages(usEast1Mock, US_EAST_1_PAGES);
    const { lines, log } = capturedLog();
    const types = await describeEfaInstanceTypes(usEast1, 'us-east-1', log);

    expect(types.map((type) => type.InstanceType)).toEqual([...US_EAST_1_PAGES[0], ...US_EAST_1_PAGES[1]].map((type) => type.InstanceType));
    const calls = usEast1Mock.commandCalls(DescribeInstanceTypesCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0].args[0].input).toMatchObject({ Filters: [{ Name: 'network-info.efa-supported', Values: ['true'] }], MaxResults: 100 });
    expect(calls[1].args[0].input).toMatchObject({ NextToken: 'page-2' });
    expect(lines).toEqual(['us-east-1: page 1, 3 EFA instance types so far', 'us-east-1: page 2, 6 EFA instance types so far']);
  });

  test('AccessDenied names the IAM action to allow', async () => {
    usEast1Mock.on(DescribeInstanceTypesCommand).rejects(
      new EC2ServiceException({
        name: 'UnauthorizedOperation',
        $fault: 'client',
        $metadata: {},
        message: 'You are not authorized to perform this operation.',
      }),
    );
    const failure = await describeEfaInstanceTypes(usEast1, 'us-east-1', () => undefined).catch((error: unknown) => error);
    expect(describeFailure(failure)).toMatch(/^Access denied: .*ec2:DescribeInstanceTypes/);
  });
});

describe('catalog entries', () => {
  test('architecture: the first of x86_64 / arm64, so i386-first lists still map to x86_64', () => {
    const info = instanceTypeInfo('x1.test', {
      architectures: ['i386', 'x86_64'],
      vcpus: 2,
      memoryMiB: 1024,
      efaInterfaces: 1,
      networkCards: 1,
    });
    expect(toCatalogEntry(info)).toMatchObject({ entry: { architecture: 'x86_64' } });
  });

  test('GPUs are summed over every GPU model; no GpuInfo is 0', () => {
    const mixed = instanceTypeInfo('g9.test', {
      architectures: ['x86_64'],
      vcpus: 8,
      memoryMiB: 1024,
      efaInterfaces: 1,
      networkCards: 1,
      gpuCounts: [4, 2],
    });
    expect(toCatalogEntry(mixed)).toMatchObject({ entry: { gpus: 6 } });
    const none = instanceTypeInfo('c9.test', { architectures: ['x86_64'], vcpus: 8, memoryMiB: 1024, efaInterfaces: 1, networkCards: 1 });
    expect(toCatalogEntry(none)).toMatchObject({ entry: { gpus: 0 } });
  });

  test('Mac architectures and incomplete answers are skipped with the reason', () => {
    const mac = instanceTypeInfo('mac9.metal', {
      architectures: ['x86_64_mac'],
      vcpus: 12,
      memoryMiB: 1024,
      efaInterfaces: 1,
      networkCards: 1,
    });
    expect(toCatalogEntry(mac)).toEqual({ name: 'mac9.metal', skipped: 'architecture x86_64_mac is neither x86_64 nor arm64' });
    const noEfaInfo = instanceTypeInfo('c9.test', { architectures: ['x86_64'], vcpus: 8, memoryMiB: 1024, networkCards: 1 });
    expect(toCatalogEntry(noEfaInfo)).toEqual({ name: 'c9.test', skipped: 'the answer lacks maxEfaInterfaces' });
  });

  test('regions that disagree: the first region listed wins, with a warning', () => {
    const { lines, log } = capturedLog();
    const catalog = buildEfaCatalog(
      [
        { region: 'us-east-1', instanceTypes: US_EAST_1_PAGES[0] },
        { region: 'eu-west-1', instanceTypes: EU_WEST_1_PAGES[0] },
      ],
      log,
    );
    expect(catalog.instanceTypes['c5n.18xlarge'].maxEfaInterfaces).toBe(1);
    expect(lines).toEqual(["warning: c5n.18xlarge: eu-west-1 says maxEfaInterfaces 2 (not 1); keeping us-east-1's figures"]);
  });
});

describe('the CLI', () => {
  test('writes the catalog from two regions, byte for byte the committed fixture', async () => {
    answerInPages(usEast1Mock, US_EAST_1_PAGES);
    answerInPages(euWest1Mock, EU_WEST_1_PAGES);
    const output = path.join(workDir, 'efa-catalog.json');

    const { exitCode, stdout, stderrLines } = await runCatalogCli(['--regions', 'us-east-1,eu-west-1'], output);

    expect(exitCode).toBe(0);
    expect(fs.readFileSync(output, 'utf8')).toBe(fs.readFileSync(EXPECTED_CATALOG, 'utf8'));
    expect(stdout).toMatch(/^Wrote 6 EFA instance types from us-east-1, eu-west-1 to /);
    expect(stderrLines).toEqual(
      expect.arrayContaining([
        'warning: mac2-m2pro.metal left out: architecture arm64_mac is neither x86_64 nor arm64',
        "warning: c5n.18xlarge: eu-west-1 says maxEfaInterfaces 2 (not 1); keeping us-east-1's figures",
      ]),
    );
  });

  test('the committed HPC catalog is in the exact form the tool writes', () => {
    const committed = fs.readFileSync(CATALOG_PATH, 'utf8');
    expect(formatCatalog(JSON.parse(committed))).toBe(committed);
  });

  test('--check passes when the file is current, and writes nothing', async () => {
    answerInPages(usEast1Mock, US_EAST_1_PAGES);
    answerInPages(euWest1Mock, EU_WEST_1_PAGES);
    const output = path.join(workDir, 'efa-catalog.json');
    fs.copyFileSync(EXPECTED_CATALOG, output);
    const before = fs.statSync(output).mtimeMs;

    const { exitCode, stdout } = await runCatalogCli(['--regions', 'us-east-1,eu-west-1', '--check'], output);

    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/is up to date \(6 EFA instance types\)/);
    expect(fs.statSync(output).mtimeMs).toBe(before);
  });

  test('--check exits 1 and prints each difference, leaving the file alone', async () => {
    answerInPages(usEast1Mock, US_EAST_1_PAGES);
    const output = path.join(workDir, 'efa-catalog.json');
    fs.copyFileSync(EXPECTED_CATALOG, output);

    const { exitCode, stdout, stderrLines } = await runCatalogCli(['--regions', 'us-east-1', '--check'], output);

    expect(exitCode).toBe(1);
    expect(stdout.split('\n')).toEqual(
      expect.arrayContaining([
        '- c6gn.16xlarge architecture=arm64 defaultCores=32 gpus=0 maxEfaInterfaces=1 maximumNetworkCards=1 maximumNetworkInterfaces=2 maximumNetworkInterfacesPerCard=2 memoryMiB=131072 vcpus=64',
        expect.stringMatching(/^~ source ".* in us-east-1, eu-west-1; .*" -> ".* in us-east-1; .*"$/),
      ]),
    );
    expect(stderrLines.at(-1)).toMatch(/is out of date \(2 differences\): run npm run efa-catalog -- --regions us-east-1$/);
    expect(fs.readFileSync(output, 'utf8')).toBe(fs.readFileSync(EXPECTED_CATALOG, 'utf8'));
  });

  test('an empty answer writes nothing and says so', async () => {
    usEast1Mock.on(DescribeInstanceTypesCommand).resolves({ InstanceTypes: [] });
    const output = path.join(workDir, 'efa-catalog.json');
    const failure = await runCatalogCli(['--regions', 'us-east-1'], output).catch((error: unknown) => error);
    expect(describeFailure(failure)).toBe('EC2 listed no usable EFA instance types in us-east-1: nothing written.');
    expect(fs.existsSync(output)).toBe(false);
  });

  test('warns when the regions lack a type an HPC profile uses', async () => {
    usEast1Mock.on(DescribeInstanceTypesCommand).resolves({ InstanceTypes: EU_WEST_1_PAGES[0] });
    const { stderrLines } = await runCatalogCli(['--regions', 'us-east-1'], path.join(workDir, 'efa-catalog.json'));
    expect(stderrLines).toContain('warning: hpc.profile=ml uses p5.48xlarge, which us-east-1 did not list: add a region that offers it');
  });

  test('a malformed region is refused before any call', async () => {
    const failure = await runCatalogCli(['--regions', 'us-east-1,Europe'], path.join(workDir, 'x.json')).catch((error: unknown) => error);
    expect(describeFailure(failure)).toBe('--regions="Europe" is not an AWS region name such as us-east-1 or eu-west-1');
    expect(usEast1Mock.calls()).toHaveLength(0);
  });
});

describe('differences', () => {
  test('equal texts have none; a formatting-only change says so', () => {
    const text = fs.readFileSync(EXPECTED_CATALOG, 'utf8');
    expect(describeCatalogDifferences(text, text)).toEqual([]);
    expect(describeCatalogDifferences(JSON.stringify(JSON.parse(text)), text)).toEqual([
      'only the formatting differs from the canonical form (sorted keys, 2-space indent, trailing newline)',
    ]);
  });

  test('a changed figure is shown old -> new', () => {
    const wanted = fs.readFileSync(EXPECTED_CATALOG, 'utf8');
    const current = wanted.replace('"vcpus": 72', '"vcpus": 36');
    expect(describeCatalogDifferences(current, wanted)).toEqual(['~ c5n.18xlarge vcpus 36 -> 72']);
  });
});
