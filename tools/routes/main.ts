import type { CloudFrontKeyValueStoreClient } from '@aws-sdk/client-cloudfront-keyvaluestore';
import { readRouteTable, ROUTES_JSON_PATH } from '../../lib/edge/edge-sources';
import { routeEntries } from '../../lib/edge/kvs-routes';
import { awsSettingsFromFlags, type AwsSettings } from '../shared/aws-settings';
import { COMMON_HELP, parseToolArgs, UsageError } from '../shared/cli-args';
import { ActionableError } from '../shared/failure-line';
import { answerInfoFlags } from '../shared/info-flags';
import { logToStderr, printJson, printText, type Log } from '../shared/output';
import { runCli } from '../shared/run-cli';
import { createKvsClient } from './kvs-client';
import { MAX_KEYS_PER_BATCH, pushBatches } from './push-batches';
import { renderRouteDiff } from './render-report';
import { ANY_KEY_VALUE_STORE, DIFF_IAM_ACTIONS, PUSH_IAM_ACTIONS } from './required-iam-actions';
import { diffRoutes, isInSync } from './route-diff';
import { readStore } from './store-contents';

const HELP = `Usage: npm run routes -- diff --kvs-arn ARN [--routes FILE] [--json]
       npm run routes -- push --kvs-arn ARN [--routes FILE] [--yes] [--batch-size N] [--json]

Keeps the CloudFront KeyValueStore of EdgeStack (edge.mode=keyvaluestore) in line with
routes.json. CloudFront fills a store from its import file only when it creates it, so a
routes.json change after the first deployment reaches the store through push, not cdk deploy.

Commands:
  diff   what push would change: keys to add, change and delete. Exits 1 when the store
         differs from routes.json, 0 when it holds exactly routes.json.
  push   applies the diff with UpdateKeys, naming the store's ETag so that a change made by
         anyone else since it was read is refused. A dry run unless --yes.

Options:
  --kvs-arn ARN        the store: the RoutesStoreArn output of EdgeStack
                       (aws cloudformation describe-stacks --region us-east-1 --stack-name EdgeStack)
  --routes FILE        the routing table (default: lambda-edge/geo-router/routes.json)
  --yes                push: apply the changes (without it, push only shows them)
  --batch-size N       push: keys per UpdateKeys request, 1 to ${MAX_KEYS_PER_BATCH} (default ${MAX_KEYS_PER_BATCH})
  --json               print the result as JSON on stdout

The API is global and signed with SigV4A: use credentials from a Regional STS endpoint
(AWS_STS_REGIONAL_ENDPOINTS=regional), since session tokens from the global endpoint do not
work with SigV4A. --region only says where credentials come from (default us-east-1).
--iam-policy prints the policy of the command given (diff: read only), for --kvs-arn if given.

${COMMON_HELP}`;

/** arn:aws:cloudfront::<account>:key-value-store/<id> (Service Authorization Reference, resource type key-value-store). */
const KVS_ARN = /^arn:aws[a-z-]*:cloudfront::\d{12}:key-value-store\/[A-Za-z0-9-]+$/;

const COMMANDS = ['diff', 'push'] as const;

/** What the CLI needs from outside, so tests can hand it a mocked client. */
export interface RoutesDeps {
  readonly kvs: (settings: AwsSettings) => CloudFrontKeyValueStoreClient;
  readonly log: Log;
}

const defaultDeps: RoutesDeps = { kvs: createKvsClient, log: logToStderr };

/** The routes CLI: returns the exit code. */
export async function routesMain(argv: string[], deps: RoutesDeps = defaultDeps): Promise<number> {
  const [first, ...rest] = argv;
  const command = COMMANDS.find((name) => name === first);
  if (first !== undefined && !first.startsWith('-') && command === undefined) {
    throw new UsageError(`unknown command ${JSON.stringify(first)}: use diff or push (see --help)`);
  }
  const flags = parseToolArgs(command === undefined ? argv : rest, {
    'kvs-arn': { type: 'string' },
    routes: { type: 'string' },
    yes: { type: 'boolean', default: false },
    'batch-size': { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const kvsArn = flags['kvs-arn'] === undefined ? undefined : checkKvsArn(flags['kvs-arn']);
  const iamActions = command === 'diff' ? DIFF_IAM_ACTIONS : PUSH_IAM_ACTIONS;
  if (answerInfoFlags(flags, { help: HELP, iamActions, iamResources: kvsArn ?? ANY_KEY_VALUE_STORE })) return 0;
  if (command === undefined) throw new UsageError('name a command: diff or push (see --help)');
  if (kvsArn === undefined) throw new UsageError('--kvs-arn is required: the RoutesStoreArn output of EdgeStack (see --help)');
  if (command === 'diff' && (flags.yes || flags['batch-size'] !== undefined)) throw new UsageError('--yes and --batch-size belong to push');
  const batchSize = parseBatchSize(flags['batch-size']);

  // The file first: a bad routes.json is reported before anything talks to AWS.
  const routesFile = flags.routes ?? ROUTES_JSON_PATH;
  const desired = routeEntries(readRoutes(routesFile));
  const client = deps.kvs(awsSettingsFromFlags(flags));
  const store = await readStore(client, kvsArn, deps.log);
  const diff = diffRoutes(desired, store.entries);
  const inSync = isInSync(diff);

  if (command === 'diff' || inSync || !flags.yes) {
    if (command === 'push' && !inSync) deps.log('dry run: nothing was changed; run again with --yes to apply');
    if (flags.json) printJson({ command, kvsArn, routesFile, etag: store.etag, inSync, applied: false, ...diff });
    else printText(renderRouteDiff(diff, routesFile, kvsArn));
    return command === 'diff' && !inSync ? 1 : 0;
  }
  const etag = await pushBatches(client, kvsArn, store.etag, diff, batchSize, deps.log);
  if (flags.json) printJson({ command, kvsArn, routesFile, etag, inSync: true, applied: true, ...diff });
  else printText(`${renderRouteDiff(diff, routesFile, kvsArn)}\n\nApplied: the store now holds exactly ${routesFile}.`);
  return 0;
}

function checkKvsArn(value: string): string {
  if (!KVS_ARN.test(value)) {
    throw new UsageError(
      `--kvs-arn=${JSON.stringify(value)} is not a key value store ARN (arn:aws:cloudfront::<account>:key-value-store/<id>)`,
    );
  }
  return value;
}

function parseBatchSize(value: string | undefined): number {
  if (value === undefined) return MAX_KEYS_PER_BATCH;
  const size = Number(value);
  if (!Number.isInteger(size) || size < 1 || size > MAX_KEYS_PER_BATCH) {
    throw new UsageError(`--batch-size=${JSON.stringify(value)} must be a whole number from 1 to ${MAX_KEYS_PER_BATCH}`);
  }
  return size;
}

/** routes.json, checked as the stack checks it when it seeds the store; a problem is one line. */
function readRoutes(file: string) {
  try {
    return readRouteTable(file);
  } catch (error) {
    throw new ActionableError((error as Error).message);
  }
}

if (require.main === module) void runCli(routesMain);
