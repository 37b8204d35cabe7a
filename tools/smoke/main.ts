import { randomBytes } from 'node:crypto';
import { APP_STACKS, type AppStackName, EDGE_STACK_REGION } from '../shared/app-stacks';
import { type AwsSettings, awsSettingsFromFlags, resolvedRegion } from '../shared/aws-settings';
import { COMMON_HELP, parseToolCommandLine, UsageError } from '../shared/cli-args';
import { ActionableError } from '../shared/failure-line';
import { answerInfoFlags } from '../shared/info-flags';
import { type Log, logToStderr, printJson, printText } from '../shared/output';
import { runCli } from '../shared/run-cli';
import { createSmokeClients, type SmokeClients } from './aws-clients';
import { type CheckRow, fail, pass, runStep, type SmokeCheck } from './check-result';
import { type Clock, formatDuration, Interrupted, parseDuration, systemClock } from './clock';
import { edgeCheck, parseEdgeUrl } from './edge/edge-check';
import { hpcClusterCheck } from './hpc/hpc-cluster-check';
import { renderSmokeReport, type SmokeReport } from './render-report';
import { smokeIamStatements } from './smoke-iam-policy';
import type { SmokeOptions, StackSmokeCheck } from './stack-check';
import { type DeployedStack, describeDeployedStack, isReady } from './stack-outputs';
import { workerFleetCheck } from './workers/worker-fleet-check';

/** Each stack's checks. */
export const STACK_CHECKS: Readonly<Record<AppStackName, StackSmokeCheck>> = {
  HpcClusterStack: hpcClusterCheck,
  WorkerFleetStack: workerFleetCheck,
  EdgeStack: edgeCheck,
};

/** The exit code after Ctrl-C, as a shell reports a process ended by SIGINT (128 + 2). */
export const INTERRUPTED_EXIT_CODE = 130;

const HELP = `Usage: npm run smoke -- [HpcClusterStack] [WorkerFleetStack] [EdgeStack] [--poison] [--timeout DURATION] [--json]

Proves that the deployed stacks work, end to end: reads each stack's outputs (CloudFormation
DescribeStacks), checks it for real, and prints a table with a pass or fail for every check.
With no stack named, every stack of the app that is deployed: HpcClusterStack and
WorkerFleetStack in the region (see --region), EdgeStack in ${EDGE_STACK_REGION}, where it always lives.

  HpcClusterStack   scheduler batch: submits the fabric check over the stack's node count, waits
                    for it (progress on stderr), then reports the nodes that answered, the EFA
                    provider on each, and the ping-pong latency and bandwidth against what AWS
                    publishes for the instance type. The nodes are billed while the job runs.
                    scheduler slurm: the PCS cluster, node groups and queue ACTIVE, then one
                    task on each of the stack's compute nodes with srun, sent to the login
                    node through SSM Run Command (the nodes start from zero: minutes, billed).
                    scheduler static: every node InService and Healthy, in one AZ and in the
                    placement group.
  WorkerFleetStack  the alarms can reach their topic (topic policy and key policy); an uploaded
                    image comes back as a thumbnail (end-to-end latency); with --poison, an object
                    that is not an image arrives in the dead-letter queue. Every object it created
                    is removed at the end, also after a failure or Ctrl-C.
  EdgeStack         requests the SampleUrl, MissingObjectUrl and HostileUrl outputs: the status,
                    the variant served, the security headers, 404 with the not-found page, 400 for
                    the hostile URI, and a cache hit (X-Cache) on a second request.

Exit code 0 when every check passed, 1 when any failed, ${INTERRUPTED_EXIT_CODE} after Ctrl-C (once it has cleaned up).

Options:
  --poison             WorkerFleetStack: also send one object that is not an image; it trips the
                       dead-letter alarm once (one ALARM, then one OK notification)
  --timeout DURATION   how long any one wait may take: 600, 90s, 15m, 1h (default: HpcClusterStack
                       ${formatDuration(hpcClusterCheck.defaultTimeoutMs)}, WorkerFleetStack ${formatDuration(workerFleetCheck.defaultTimeoutMs)}, EdgeStack ${formatDuration(edgeCheck.defaultTimeoutMs)} per request)
  --edge-url ORIGIN    EdgeStack: request the same paths from this origin instead of the stack's
                       URLs, e.g. the distribution's own https://<id>.cloudfront.net before a
                       custom domain's DNS is in place
  --json               print the report as JSON on stdout

--iam-policy prints the policy of the stacks named, or of all three.

${COMMON_HELP}`;

/** What the CLI needs from outside, so tests can hand it mocked clients, a fake clock and their own Ctrl-C. */
export interface SmokeDeps {
  readonly clients: (settings: AwsSettings) => SmokeClients;
  readonly clock: Clock;
  readonly log: Log;
  /** Names this run's objects and job. */
  readonly runId: () => string;
  /** Aborts on Ctrl-C; disposed when the run ends. */
  readonly interrupt: () => { readonly signal: AbortSignal; dispose(): void };
}

const defaultDeps: SmokeDeps = {
  clients: createSmokeClients,
  clock: systemClock,
  log: logToStderr,
  runId: () => `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').toLowerCase()}-${randomBytes(3).toString('hex')}`,
  interrupt: ctrlC,
};

/** The smoke CLI: returns the exit code. */
export async function smokeMain(argv: string[], deps: SmokeDeps = defaultDeps): Promise<number> {
  const { flags, positionals } = parseToolCommandLine(argv, {
    poison: { type: 'boolean', default: false },
    timeout: { type: 'string' },
    'edge-url': { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const named = positionals.map(stackName);
  const stacks = named.length > 0 ? [...new Set(named)] : [...APP_STACKS];
  if (answerInfoFlags(flags, { help: HELP, iamStatements: smokeIamStatements(stacks, STACK_CHECKS) })) return 0;
  const timeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout, '--timeout');
  const options: SmokeOptions = {
    poison: flags.poison,
    edgeUrl: flags['edge-url'] === undefined ? undefined : parseEdgeUrl(flags['edge-url']),
  };
  if (options.poison && !stacks.includes('WorkerFleetStack'))
    throw new UsageError('--poison belongs to WorkerFleetStack, which is not among the stacks named');
  if (options.edgeUrl !== undefined && !stacks.includes('EdgeStack'))
    throw new UsageError('--edge-url belongs to EdgeStack, which is not among the stacks named');

  const settings = awsSettingsFromFlags(flags);
  const deployed = await findDeployedStacks(stacks, named.length > 0, settings, deps);

  const interrupt = deps.interrupt();
  const runId = deps.runId();
  const checks: SmokeCheck[] = [];
  try {
    for (const { stack, clients } of deployed) {
      if (interrupt.signal.aborted) break;
      const log: Log = (line) => deps.log(`${stack.name}: ${line}`);
      const check = STACK_CHECKS[stack.name as AppStackName];
      const rows: CheckRow[] = [stackRow(stack)];
      if (isReady(stack)) {
        try {
          rows.push(
            ...(await runStep('checks', () =>
              check.run({
                stack,
                clients,
                clock: deps.clock,
                log,
                signal: interrupt.signal,
                timeoutMs: timeoutMs ?? check.defaultTimeoutMs,
                runId,
                options,
              }),
            )),
          );
        } catch (error) {
          if (!(error instanceof Interrupted)) throw error;
          rows.push(fail('interrupted', 'stopped by Ctrl-C before the checks finished'));
        }
      }
      checks.push(...rows.map((row) => ({ stack: stack.name, ...row })));
    }
  } finally {
    interrupt.dispose();
  }

  const interrupted = interrupt.signal.aborted;
  const report: SmokeReport = {
    stacks: deployed.map(({ stack }) => ({ name: stack.name, region: stack.region, status: stack.status })),
    checks,
    ok: !interrupted && checks.every((check) => check.status !== 'fail'),
    interrupted,
  };
  if (flags.json) printJson(report);
  else printText(renderSmokeReport(report));
  return interrupted ? INTERRUPTED_EXIT_CODE : report.ok ? 0 : 1;
}

function stackName(word: string): AppStackName {
  const name = APP_STACKS.find((candidate) => candidate.toLowerCase() === word.toLowerCase());
  if (name === undefined) throw new UsageError(`unknown stack ${JSON.stringify(word)}: name ${APP_STACKS.join(', ')} (see --help)`);
  return name;
}

/**
 * The stacks to check, each with the clients of its region. A stack named on the command line
 * must be deployed; without names, the ones that are not are skipped with a line on stderr.
 */
async function findDeployedStacks(
  stacks: readonly AppStackName[],
  namedExplicitly: boolean,
  settings: AwsSettings,
  deps: SmokeDeps,
): Promise<{ stack: DeployedStack; clients: SmokeClients }[]> {
  const needsRegion = stacks.some((stack) => stack !== 'EdgeStack');
  const regional = needsRegion ? deps.clients(settings) : undefined;
  const region = regional ? await resolvedRegion(regional.cloudFormation) : undefined;
  const edge = stacks.includes('EdgeStack') ? deps.clients({ ...settings, region: EDGE_STACK_REGION }) : undefined;

  const found: { stack: DeployedStack; clients: SmokeClients }[] = [];
  const missing: string[] = [];
  for (const name of stacks) {
    const clients = name === 'EdgeStack' ? edge! : regional!;
    const stackRegion = name === 'EdgeStack' ? EDGE_STACK_REGION : region!;
    const stack = await describeDeployedStack(clients.cloudFormation, name, stackRegion);
    if (stack) found.push({ stack, clients });
    else missing.push(`${name} in ${stackRegion}`);
  }
  if (namedExplicitly && missing.length > 0) {
    throw new ActionableError(
      `not deployed: ${missing.join(', ')}. Deploy it (npx cdk deploy ${missing[0].split(' ')[0]}), or pass the --region it is in`,
    );
  }
  if (found.length === 0) {
    throw new ActionableError(
      `none of the app's stacks is deployed (looked for ${missing.join(', ')}): deploy one, or pass the --region the stacks are in`,
    );
  }
  for (const line of missing) deps.log(`${line.replace(' in ', ': not deployed in ')}; skipped`);
  return found;
}

function stackRow(stack: DeployedStack): CheckRow {
  if (isReady(stack)) return pass('stack', `${stack.status} in ${stack.region}`);
  return fail(
    'stack',
    `${stack.status} in ${stack.region}: not in a deployed state, so nothing else was checked (wait for the deploy to end, or fix it)`,
  );
}

/**
 * Ctrl-C stops the waits, and the checks remove what they created before the report is printed;
 * a second Ctrl-C quits at once.
 */
function ctrlC(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(INTERRUPTED_EXIT_CODE);
    logToStderr('Ctrl-C: stopping the waits and removing what this run created (Ctrl-C again to quit at once)');
    controller.abort(new Interrupted());
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}

if (require.main === module) void runCli(smokeMain);
