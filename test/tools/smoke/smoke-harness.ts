import '../support/quiet-sdk-warning';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { BatchClient } from '@aws-sdk/client-batch';
import { CloudControlClient } from '@aws-sdk/client-cloudcontrol';
import { CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { createSmokeClients } from '../../../tools/smoke/aws-clients';
import type { Clock } from '../../../tools/smoke/clock';
import { type SmokeDeps, smokeMain } from '../../../tools/smoke/main';
import { type IamAction, iamActionOfCommand } from '../../../tools/shared/iam-policy';
import { capturedLog, captureStdout } from '../support/aws-mocks';

/** Every client the smoke tool builds, mocked at the class: each instance, whatever its region, answers from here. */
export const mocks = {
  cloudFormation: mockClient(CloudFormationClient),
  batch: mockClient(BatchClient),
  logs: mockClient(CloudWatchLogsClient),
  ec2: mockClient(EC2Client),
  autoScaling: mockClient(AutoScalingClient),
  s3: mockClient(S3Client),
  sqs: mockClient(SQSClient),
  sns: mockClient(SNSClient),
  kms: mockClient(KMSClient),
  cloudWatch: mockClient(CloudWatchClient),
  cloudControl: mockClient(CloudControlClient),
  ssm: mockClient(SSMClient),
};

/** The IAM prefix of each mocked service. */
const IAM_PREFIXES: Record<keyof typeof mocks, string> = {
  cloudFormation: 'cloudformation',
  batch: 'batch',
  logs: 'logs',
  ec2: 'ec2',
  autoScaling: 'autoscaling',
  s3: 's3',
  sqs: 'sqs',
  sns: 'sns',
  kms: 'kms',
  cloudWatch: 'cloudwatch',
  cloudControl: 'cloudformation',
  ssm: 'ssm',
};

/**
 * The IAM actions one call needs, when they are not just its command's name:
 * - ListObjectsV2 is authorized by s3:ListBucket, and DeleteObject with a VersionId by
 *   s3:DeleteObjectVersion (Service Authorization Reference, Amazon S3:
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html);
 * - Cloud Control's GetResource also runs the resource type's read handler with the caller's
 *   credentials (API_GetResource, RoleArn), whose permissions the type's schema lists.
 */
function actionsOfCall(action: IamAction, input: Record<string, unknown>): string[] {
  if (action === 's3:ListObjectsV2') return ['s3:ListBucket'];
  if (action === 's3:DeleteObject' && input.VersionId !== undefined) return ['s3:DeleteObjectVersion'];
  if (action === 'cloudformation:GetResource') {
    const reader = READ_HANDLER_ACTIONS[String(input.TypeName)];
    if (reader === undefined) throw new Error(`no read handler permissions known for ${String(input.TypeName)}`);
    return [action, ...reader];
  }
  return [action];
}

/** handlers.read.permissions of the AWS::PCS::* schemas in the CloudFormation registry. */
const READ_HANDLER_ACTIONS: Record<string, string[]> = {
  'AWS::PCS::Cluster': ['pcs:GetCluster', 'pcs:ListTagsForResource'],
  'AWS::PCS::ComputeNodeGroup': ['pcs:GetComputeNodeGroup', 'pcs:ListTagsForResource'],
  'AWS::PCS::Queue': ['pcs:GetQueue', 'pcs:ListTagsForResource'],
};

/** The IAM actions of every call the mocks received. */
export function actionsSent(): string[] {
  const actions = (Object.keys(mocks) as (keyof typeof mocks)[]).flatMap((name) =>
    mocks[name].calls().flatMap((call) => {
      const command = call.args[0] as unknown as { input: Record<string, unknown> };
      return actionsOfCall(iamActionOfCommand(IAM_PREFIXES[name], command), command.input);
    }),
  );
  return [...new Set(actions)].sort();
}

export function resetMocks(): void {
  for (const mock of Object.values(mocks)) mock.reset();
}

/**
 * Time that passes only when the code under test sleeps: a wait of an hour takes no real time,
 * and a latency is exactly the sleeps between two readings. Request deadlines abort when the
 * test says so (`expireDeadlines`) or when sleeps pass them.
 */
export class FakeClock implements Clock {
  time = Date.UTC(2026, 0, 15, 12, 0, 0);
  slept = 0;
  private readonly deadlines: { at: number; controller: AbortController }[] = [];

  now(): number {
    return this.time;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.time += ms;
    this.slept += ms;
    for (const deadline of this.deadlines) if (deadline.at <= this.time) this.expire(deadline.controller);
    await Promise.resolve();
    if (signal?.aborted) throw signal.reason;
  }

  deadline(ms: number): AbortSignal {
    const controller = new AbortController();
    this.deadlines.push({ at: this.time + ms, controller });
    return controller.signal;
  }

  /** Every request deadline set so far passes now, as if the server had kept silent that long. */
  expireDeadlines(): void {
    for (const deadline of this.deadlines) this.expire(deadline.controller);
  }

  private expire(controller: AbortController): void {
    if (!controller.signal.aborted) controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  }
}

/** The Ctrl-C of a run: a test presses it from inside a mocked answer. */
export function ctrlC(): { press(): void; deps: Pick<SmokeDeps, 'interrupt'> } {
  const controller = new AbortController();
  return {
    press: () => controller.abort(new Error('Ctrl-C')),
    deps: { interrupt: () => ({ signal: controller.signal, dispose: () => undefined }) },
  };
}

/** Port 9 (discard) on loopback: closed here, and never an AWS endpoint. */
const UNREACHABLE = { endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } };

export const RUN_ID = '20260115t120000-abc123';

/** Runs the CLI against the mocks; the failure line for a throw is the runner's (describeFailure). */
export async function runSmoke(args: string[], deps: Partial<SmokeDeps> = {}) {
  const { lines, log } = capturedLog();
  const clock = (deps.clock as FakeClock | undefined) ?? new FakeClock();
  const fullDeps: SmokeDeps = {
    // Mocked at the class, and pointed at a loopback port nothing listens on with dummy
    // credentials: a call the test forgot to mock can never reach AWS.
    clients: (settings) => createSmokeClients(settings, UNREACHABLE),
    clock,
    log,
    runId: () => RUN_ID,
    interrupt: () => ({ signal: new AbortController().signal, dispose: () => undefined }),
    ...deps,
  };
  const { result: exitCode, stdout } = await captureStdout(() => smokeMain(args, fullDeps));
  return {
    exitCode,
    stdout,
    stderrLines: lines,
    clock,
    json: () => JSON.parse(stdout) as { checks: Row[]; ok: boolean; interrupted: boolean; stacks: unknown[] },
  };
}

/** A row of `--json`. */
export interface Row {
  readonly stack: string;
  readonly check: string;
  readonly status: 'pass' | 'fail' | 'info';
  readonly detail: string;
  readonly measured?: { value: number; unit: string };
}

/** The rows of one run, by check name. */
export function rowsByCheck(rows: readonly Row[]): Record<string, Row> {
  return Object.fromEntries(rows.map((row) => [`${row.stack} ${row.check}`, row]));
}

/** DescribeStacks knows these stacks (in any region) and answers every other name as CloudFormation does. */
export function deployStacks(stacks: Record<string, Record<string, string>>, status = 'CREATE_COMPLETE'): void {
  mocks.cloudFormation.on(DescribeStacksCommand).callsFake(({ StackName }: { StackName: string }) => {
    const outputs = stacks[StackName];
    if (outputs === undefined) {
      throw Object.assign(new Error(`Stack with id ${StackName} does not exist`), { name: 'ValidationError', $metadata: {} });
    }
    const Outputs: Output[] = Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue }));
    return { Stacks: [{ StackName, StackStatus: status, CreationTime: new Date(0), Outputs }] };
  });
}

const REPO = path.join(__dirname, '..', '..', '..');

/**
 * Holds a guide's example of `npm run smoke` output to what the tool really prints: the fenced
 * block after `<!-- smoke-example: NAME -->` in `file` must equal `stdout`. With
 * SMOKE_DOCS_WRITE=1 the block is rewritten from the run instead (then review the diff).
 */
export function expectDocsExample(file: string, name: string, stdout: string): void {
  const docPath = path.join(REPO, file);
  const lines = fs.readFileSync(docPath, 'utf8').split('\n');
  const marker = lines.indexOf(`<!-- smoke-example: ${name} -->`);
  if (marker < 0) throw new Error(`${file} has no <!-- smoke-example: ${name} --> marker`);
  const open = marker + 1;
  const close = lines.indexOf('```', open + 1);
  if (!lines[open]?.startsWith('```') || close < 0)
    throw new Error(`${file}: the smoke-example ${name} marker is not followed by a fenced block`);
  const expected = stdout.replace(/\n$/, '').split('\n');
  if (process.env.SMOKE_DOCS_WRITE === '1') {
    lines.splice(open + 1, close - open - 1, ...expected);
    fs.writeFileSync(docPath, lines.join('\n'));
    return;
  }
  expect(lines.slice(open + 1, close)).toEqual(expected);
}
