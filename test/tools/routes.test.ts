import './support/quiet-sdk-warning';
import {
  AccessDeniedException,
  CloudFrontKeyValueStoreClient,
  ConflictException,
  DescribeKeyValueStoreCommand,
  ListKeysCommand,
  ResourceNotFoundException,
  UpdateKeysCommand,
  ValidationException,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
import { HttpResponse } from '@smithy/core/protocols';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { routeEntries } from '../../lib/edge/kvs-routes';
import { readRouteTable } from '../../lib/edge/edge-sources';
import { createKvsClient } from '../../tools/routes/kvs-client';
import { routesMain, type RoutesDeps } from '../../tools/routes/main';
import { batchesOf } from '../../tools/routes/push-batches';
import { ANY_KEY_VALUE_STORE, DIFF_IAM_ACTIONS, PUSH_IAM_ACTIONS } from '../../tools/routes/required-iam-actions';
import { diffRoutes } from '../../tools/routes/route-diff';
import { describeFailure } from '../../tools/shared/failure-line';
import { iamPolicyDocument } from '../../tools/shared/iam-policy';
import { capturedLog, captureStdout, iamActionsSent } from './support/aws-mocks';

const KVS_ARN = 'arn:aws:cloudfront::123456789012:key-value-store/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const client = new CloudFrontKeyValueStoreClient({ region: 'us-east-1' });
const kvsMock = mockClient(client);

/** The shipped routes.json as store entries. */
const SHIPPED = routeEntries(readRouteTable());

let workDir: string;
beforeEach(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'routes-tool-'));
});
afterEach(() => {
  // The policy is the contract: every command the tool sent must be in it.
  expect(PUSH_IAM_ACTIONS).toEqual(expect.arrayContaining(iamActionsSent('cloudfront-keyvaluestore', kvsMock)));
  kvsMock.reset();
  fs.rmSync(workDir, { recursive: true, force: true });
});

/** A store holding `entries`, listed `pageSize` keys a page, at ETag E1; each UpdateKeys moves the ETag on. */
function answerStore(entries: readonly { key: string; value: string }[], pageSize = 20): void {
  kvsMock.on(DescribeKeyValueStoreCommand).resolves({ ETag: 'E1', ItemCount: entries.length, KvsARN: KVS_ARN });
  kvsMock.on(ListKeysCommand).callsFake(({ NextToken }) => {
    const start = NextToken === undefined ? 0 : Number(NextToken);
    const next = start + pageSize;
    return {
      Items: entries.slice(start, next).map(({ key, value }) => ({ Key: key, Value: value })),
      NextToken: next < entries.length ? String(next) : undefined,
    };
  });
  let version = 1;
  kvsMock.on(UpdateKeysCommand).callsFake(() => ({ ETag: `E${++version}`, ItemCount: SHIPPED.length, TotalSizeInBytes: 1000 }));
}

async function runRoutes(args: string[]) {
  const { lines, log } = capturedLog();
  const deps: RoutesDeps = { kvs: () => client, log };
  const { result: exitCode, stdout } = await captureStdout(() => routesMain(args, deps));
  return { exitCode, stdout, stderrLines: lines };
}

/** The failure line the CLI runner would print for `args`. */
async function failureOf(args: string[]): Promise<string> {
  try {
    await runRoutes(args);
  } catch (error) {
    return describeFailure(error);
  }
  throw new Error('expected the command to fail');
}

const drifted = () => [
  ...SHIPPED.filter(({ key }) => key !== 'DE' && key !== 'default'),
  { key: 'default', value: 'old-default' },
  { key: 'FR', value: 'france' },
];

describe('routes diff', () => {
  test('a store holding exactly routes.json: exit 0, reading every page of keys, progress on stderr', async () => {
    answerStore(SHIPPED);
    const { exitCode, stdout, stderrLines } = await runRoutes(['diff', '--kvs-arn', KVS_ARN]);
    expect(exitCode).toBe(0);
    expect(stdout).toBe(`${KVS_ARN} holds exactly ${path.join(process.cwd(), 'lambda-edge', 'geo-router', 'routes.json')}.\n`);
    expect(kvsMock.commandCalls(ListKeysCommand)).toHaveLength(Math.ceil(SHIPPED.length / 20));
    expect(kvsMock.commandCalls(ListKeysCommand)[0].args[0].input).toMatchObject({ KvsARN: KVS_ARN, MaxResults: 50 });
    expect(stderrLines[0]).toBe(`${KVS_ARN}: ${SHIPPED.length} keys at ETag E1`);
    expect(kvsMock.commandCalls(UpdateKeysCommand)).toHaveLength(0);
  });

  test('a drifted store: exit 1 and a table of add, change and delete; nothing is written', async () => {
    answerStore(drifted());
    const { exitCode, stdout } = await runRoutes(['diff', '--kvs-arn', KVS_ARN]);
    expect(exitCode).toBe(1);
    expect(stdout).toMatch(/differs from .*routes\.json: 2 to put, 1 to delete\./);
    expect(stdout).toMatch(/^change\s+default\s+old-default\s+global$/m);
    expect(stdout).toMatch(/^add\s+DE\s+-\s+dach$/m);
    expect(stdout).toMatch(/^delete\s+FR\s+france\s+-$/m);
    expect(kvsMock.commandCalls(UpdateKeysCommand)).toHaveLength(0);
  });

  test('--json gives the diff as data', async () => {
    answerStore(drifted());
    const { stdout } = await runRoutes(['diff', '--kvs-arn', KVS_ARN, '--json']);
    expect(JSON.parse(stdout)).toEqual(
      expect.objectContaining({
        command: 'diff',
        etag: 'E1',
        inSync: false,
        applied: false,
        puts: [
          { key: 'default', value: 'global', was: 'old-default' },
          { key: 'DE', value: 'dach' },
        ],
        deletes: [{ key: 'FR', was: 'france' }],
      }),
    );
  });
});

describe('routes push', () => {
  test('without --yes it is a dry run: it shows the changes, says so on stderr, and writes nothing', async () => {
    answerStore(drifted());
    const { exitCode, stdout, stderrLines } = await runRoutes(['push', '--kvs-arn', KVS_ARN]);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/2 to put, 1 to delete/);
    expect(stderrLines).toContain('dry run: nothing was changed; run again with --yes to apply');
    expect(kvsMock.commandCalls(UpdateKeysCommand)).toHaveLength(0);
  });

  test('--yes applies the diff with UpdateKeys, If-Match the ETag it read', async () => {
    answerStore(drifted());
    const { exitCode, stdout } = await runRoutes(['push', '--kvs-arn', KVS_ARN, '--yes']);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/Applied: the store now holds exactly/);
    expect(kvsMock.commandCalls(UpdateKeysCommand).map((call) => call.args[0].input)).toEqual([
      {
        KvsARN: KVS_ARN,
        IfMatch: 'E1',
        Puts: [
          { Key: 'default', Value: 'global' },
          { Key: 'DE', Value: 'dach' },
        ],
        Deletes: [{ Key: 'FR' }],
      },
    ]);
  });

  test('an empty store gets every route in batches of 50, each naming the ETag the last one returned, puts before deletes', async () => {
    answerStore([{ key: 'XX', value: 'gone' }]);
    const { exitCode, stderrLines } = await runRoutes(['push', '--kvs-arn', KVS_ARN, '--yes', '--batch-size', '50']);
    expect(exitCode).toBe(0);
    const inputs = kvsMock.commandCalls(UpdateKeysCommand).map((call) => call.args[0].input);
    expect(inputs.map(({ IfMatch }) => IfMatch)).toEqual(['E1', 'E2']);
    expect(inputs[0].Puts).toHaveLength(50);
    expect(inputs[0].Puts![0]).toEqual({ Key: 'default', Value: 'global' });
    expect(inputs[0].Deletes).toBeUndefined();
    expect(inputs[1].Puts).toHaveLength(SHIPPED.length - 50);
    expect(inputs[1].Deletes).toEqual([{ Key: 'XX' }]);
    expect(stderrLines).toEqual(
      expect.arrayContaining([expect.stringMatching(/^batch 1 of 2: 50 put, 0 deleted/), expect.stringMatching(/^batch 2 of 2: /)]),
    );
  });

  test('a store already in sync: nothing to write, exit 0', async () => {
    answerStore(SHIPPED);
    expect((await runRoutes(['push', '--kvs-arn', KVS_ARN, '--yes'])).exitCode).toBe(0);
    expect(kvsMock.commandCalls(UpdateKeysCommand)).toHaveLength(0);
  });

  test('--json reports the new ETag', async () => {
    answerStore(drifted());
    const { stdout } = await runRoutes(['push', '--kvs-arn', KVS_ARN, '--yes', '--json']);
    expect(JSON.parse(stdout)).toEqual(expect.objectContaining({ command: 'push', applied: true, etag: 'E2', inSync: true }));
  });
});

describe('failures are one line that says what to do', () => {
  test('someone changed the store since it was read (ConflictException): nothing applied, run diff then push', async () => {
    answerStore(drifted());
    kvsMock.on(UpdateKeysCommand).rejects(new ConflictException({ message: 'Pre-condition failed', $metadata: {} }));
    expect(await failureOf(['push', '--kvs-arn', KVS_ARN, '--yes'])).toBe(
      'The key value store changed since this push read it (batch 1 of 1 refused, nothing was changed): run npm run routes -- diff, then push again.',
    );
  });

  test('a later batch refused: says the earlier ones were applied, and how to go on', async () => {
    answerStore([]);
    kvsMock
      .on(UpdateKeysCommand)
      .resolvesOnce({ ETag: 'E2', ItemCount: 50, TotalSizeInBytes: 500 })
      .rejectsOnce(new ValidationException({ message: 'Too many keys', $metadata: {} }));
    expect(await failureOf(['push', '--kvs-arn', KVS_ARN, '--yes'])).toBe(
      'CloudFront refused batch 2 of 2 (ValidationException: Too many keys); the 1 batch(es) before it were applied. Try a smaller --batch-size, then push again.',
    );
  });

  test('AccessDenied names the IAM action to allow', async () => {
    kvsMock.on(DescribeKeyValueStoreCommand).rejects(new AccessDeniedException({ message: 'not authorized', $metadata: {} }));
    expect(await failureOf(['diff', '--kvs-arn', KVS_ARN])).toMatch(
      /^Access denied: the IAM identity may not call cloudfront-keyvaluestore:DescribeKeyValueStore\. /,
    );
  });

  test('a store that does not exist', async () => {
    kvsMock.on(DescribeKeyValueStoreCommand).rejects(new ResourceNotFoundException({ message: 'Resource not found', $metadata: {} }));
    expect(await failureOf(['diff', '--kvs-arn', KVS_ARN])).toBe(
      'cloudfront-keyvaluestore:DescribeKeyValueStore failed: ResourceNotFoundException: Resource not found',
    );
  });

  test.each([
    [['diff'], '--kvs-arn is required: the RoutesStoreArn output of EdgeStack (see --help)'],
    [['diff', '--kvs-arn', 'arn:aws:s3:::bucket'], /--kvs-arn="arn:aws:s3:::bucket" is not a key value store ARN/],
    [['push', '--kvs-arn', KVS_ARN, '--batch-size', '51'], '--batch-size="51" must be a whole number from 1 to 50'],
    [['diff', '--kvs-arn', KVS_ARN, '--yes'], '--yes and --batch-size belong to push'],
    [['pull', '--kvs-arn', KVS_ARN], 'unknown command "pull": use diff or push (see --help)'],
    [['--kvs-arn', KVS_ARN], 'name a command: diff or push (see --help)'],
    [['diff', '--kvs-arm', KVS_ARN], /Unknown option '--kvs-arm'/],
  ])('usage mistake %j', async (args, message) => {
    expect(await failureOf(args)).toMatch(message);
    expect(kvsMock.calls()).toHaveLength(0);
  });

  test('a bad routes.json is reported before anything talks to AWS', async () => {
    const file = path.join(workDir, 'routes.json');
    fs.writeFileSync(file, JSON.stringify({ defaultVariant: 'global', countries: { de: 'dach' } }));
    expect(await failureOf(['push', '--kvs-arn', KVS_ARN, '--routes', file])).toBe(
      `${file}: countries key "de" is not an ISO 3166-1 alpha-2 code in upper case`,
    );
    expect(kvsMock.calls()).toHaveLength(0);
  });
});

describe('--iam-policy', () => {
  test.each([
    ['diff', DIFF_IAM_ACTIONS],
    ['push', PUSH_IAM_ACTIONS],
  ] as const)('%s: its own actions, on the store given, else on any store', async (command, actions) => {
    expect(JSON.parse((await runRoutes([command, '--iam-policy'])).stdout)).toEqual(iamPolicyDocument(actions, ANY_KEY_VALUE_STORE));
    expect(JSON.parse((await runRoutes([command, '--iam-policy', '--kvs-arn', KVS_ARN])).stdout)).toEqual(
      iamPolicyDocument(actions, KVS_ARN),
    );
  });
});

describe('the diff and its batches', () => {
  test('puts first, the default first among them, then deletes; unchanged keys are left alone', () => {
    const current = new Map([
      ['AT', 'dach'],
      ['ZZ', 'x'],
      ['default', 'old'],
    ]);
    const diff = diffRoutes(
      [
        { key: 'AT', value: 'dach' },
        { key: 'DE', value: 'dach' },
        { key: 'default', value: 'global' },
      ],
      current,
    );
    expect(diff).toEqual({
      puts: [
        { key: 'default', value: 'global', was: 'old' },
        { key: 'DE', value: 'dach' },
      ],
      deletes: [{ key: 'ZZ', was: 'x' }],
    });
    expect(batchesOf(diff, 2)).toEqual([
      {
        puts: [
          { Key: 'default', Value: 'global' },
          { Key: 'DE', Value: 'dach' },
        ],
        deletes: [],
      },
      { puts: [], deletes: [{ Key: 'ZZ' }] },
    ]);
  });
});

test('requests are signed with SigV4A, Region set *, the only scheme the KeyValueStore API takes (the signer is bundled)', async () => {
  const sent: { hostname: string; headers: Record<string, string> }[] = [];
  // The tool's own factory: only its module loads the SigV4A signer.
  const signing = createKvsClient(
    {},
    {
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
      requestHandler: {
        async handle(request: { hostname: string; headers: Record<string, string> }) {
          sent.push(request);
          const body = JSON.stringify({ ItemCount: 0, TotalSizeInBytes: 0, KvsARN: KVS_ARN, Created: 0 });
          return {
            response: new HttpResponse({
              statusCode: 200,
              headers: { etag: 'E1', 'content-type': 'application/json' },
              body: Readable.from([Buffer.from(body)]),
            }),
          };
        },
      },
    },
  );
  expect((await signing.send(new DescribeKeyValueStoreCommand({ KvsARN: KVS_ARN }))).ETag).toBe('E1');
  expect(sent[0].hostname).toBe('123456789012.cloudfront-kvs.global.api.aws');
  expect(sent[0].headers.authorization).toMatch(
    /^AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/cloudfront-keyvaluestore\/aws4_request/,
  );
  expect(sent[0].headers['x-amz-region-set']).toBe('*');
});
