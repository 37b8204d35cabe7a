import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { efaCatalogMain } from '../../tools/efa-catalog/main';
import { REQUIRED_IAM_ACTIONS as EFA_CATALOG_ACTIONS } from '../../tools/efa-catalog/required-iam-actions';
import { preflightMain } from '../../tools/preflight/main';
import { REQUIRED_IAM_ACTIONS as PREFLIGHT_ACTIONS } from '../../tools/preflight/required-iam-actions';
import { rightsizeMain } from '../../tools/rightsize/main';
import {
  IAM_ACTIONS_CHECKED_BY_COMPUTE_OPTIMIZER,
  REQUIRED_IAM_ACTIONS as RIGHTSIZE_ACTIONS,
} from '../../tools/rightsize/required-iam-actions';
import { routesMain } from '../../tools/routes/main';
import { smokeMain } from '../../tools/smoke/main';
import { ANY_KEY_VALUE_STORE, PUSH_IAM_ACTIONS } from '../../tools/routes/required-iam-actions';
import { iamPolicyDocument } from '../../tools/shared/iam-policy';
import { runCli } from '../../tools/shared/run-cli';
import { captureStdout } from './support/aws-mocks';

const ROOT = path.join(__dirname, '..', '..');
const TOOLS = ['efa-catalog', 'preflight', 'rightsize', 'routes', 'smoke'] as const;
const KVS_ARN = 'arn:aws:cloudfront::123456789012:key-value-store/0a1b2c3d-4e5f-6789-abcd-ef0123456789';

interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a tool's entry the way its npm script does (ts-node, transpile only), with an
 * environment as empty as `env -i`: no AWS_* variables, a HOME without ~/.aws, and the
 * instance metadata service switched off (the SDK would otherwise wait on it for seconds).
 */
function runTool(tool: (typeof TOOLS)[number], args: string[], home: string): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', `tools/${tool}/main.ts`, ...args],
      // The timeout only stops a hung process: far above a start-up on a busy shared machine, so
      // no outcome depends on load (eight ts-node start-ups at once took over 20 s in CI).
      { cwd: ROOT, env: { PATH: process.env.PATH, HOME: home, AWS_EC2_METADATA_DISABLED: 'true' }, timeout: 180_000 },
      (error, stdout, stderr) => resolve({ status: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

describe('the CLIs as spawned processes', () => {
  let home: string;
  const runs = new Map<string, CliRun>();

  // All spawns at once: each costs about a second of start-up, almost all of it waiting.
  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'tools-home-'));
    const cases: [string, (typeof TOOLS)[number], string[]][] = [
      ...TOOLS.map((tool): [string, (typeof TOOLS)[number], string[]] => [`${tool} --help`, tool, ['--help']]),
      ['efa-catalog no credentials', 'efa-catalog', ['--regions', 'us-east-1', '--check', '--output', path.join(home, 'catalog.json')]],
      ['preflight no credentials', 'preflight', ['--region', 'us-east-1']],
      ['rightsize no credentials', 'rightsize', ['--region', 'us-east-1']],
      ['routes no credentials', 'routes', ['diff', '--kvs-arn', KVS_ARN]],
      ['smoke no credentials', 'smoke', ['--region', 'us-east-1']],
    ];
    const results = await Promise.all(cases.map(([, tool, args]) => runTool(tool, args, home)));
    cases.forEach(([name], index) => runs.set(name, results[index]));
  }, 300_000);
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  test.each(TOOLS)('%s --help prints its usage and exits 0', (tool) => {
    const run = runs.get(`${tool} --help`)!;
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Usage: npm run ${tool} -- `));
    expect(run.stdout).toContain('--profile NAME');
    expect(run.stderr).toBe('');
  });

  test.each(TOOLS)('%s without credentials fails with one clear line and exit code 1', (tool) => {
    const run = runs.get(`${tool} no credentials`)!;
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'No AWS credentials found: set AWS_PROFILE or pass --profile (after aws configure or aws sso login), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.\n',
    );
    expect(run.stdout).toBe('');
  });
});

test('smoke --help names the three stacks and every option of its own', async () => {
  const { result, stdout } = await captureStdout(() => smokeMain(['--help']));
  expect(result).toBe(0);
  for (const word of [
    'HpcClusterStack',
    'WorkerFleetStack',
    'EdgeStack',
    '--poison',
    '--timeout',
    '--edge-url',
    '--json',
    '--iam-policy',
  ]) {
    expect(stdout).toContain(word);
  }
});

test('runCli: a ConfigError is one line on stderr and exit code 1, no stack trace', async () => {
  const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  const exitCodeBefore = process.exitCode;
  try {
    await runCli(preflightMain, ['-c', 'hpc.nodes=1']);
    expect(process.exitCode).toBe(1);
    expect(printed.mock.calls).toEqual([
      [
        'Invalid config hpc.nodes="1": must be a whole number from 2 to 1024 (a tightly coupled job needs at least two nodes to use the fabric)',
      ],
    ]);
  } finally {
    process.exitCode = exitCodeBefore;
    printed.mockRestore();
  }
});

test('the npm scripts run these entries', () => {
  const { scripts } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  for (const tool of TOOLS) expect(scripts[tool]).toBe(`ts-node --transpile-only tools/${tool}/main.ts`);
});

test.each([
  ['efa-catalog', efaCatalogMain, EFA_CATALOG_ACTIONS],
  ['preflight', preflightMain, PREFLIGHT_ACTIONS],
  ['rightsize', rightsizeMain, [...RIGHTSIZE_ACTIONS, ...IAM_ACTIONS_CHECKED_BY_COMPUTE_OPTIMIZER]],
] as const)('%s --iam-policy prints its minimal policy', async (_tool, main, actions) => {
  const { result, stdout } = await captureStdout(() => main(['--iam-policy']));
  expect(result).toBe(0);
  expect(JSON.parse(stdout)).toEqual(iamPolicyDocument(actions));
});

test('routes --iam-policy prints the policy of push, its largest command, on key value stores', async () => {
  const { result, stdout } = await captureStdout(() => routesMain(['--iam-policy']));
  expect(result).toBe(0);
  expect(JSON.parse(stdout)).toEqual(iamPolicyDocument(PUSH_IAM_ACTIONS, ANY_KEY_VALUE_STORE));
});
