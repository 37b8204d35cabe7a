import type { IamStatement } from '../shared/iam-policy';
import type { Log } from '../shared/output';
import type { SmokeClients } from './aws-clients';
import type { CheckRow } from './check-result';
import type { Clock } from './clock';
import type { DeployedStack } from './stack-outputs';

/** What every stack's checks get to work with. */
export interface StackCheckContext {
  readonly stack: DeployedStack;
  /** Clients for the stack's region. */
  readonly clients: SmokeClients;
  readonly clock: Clock;
  /** Progress, on stderr, already prefixed with the stack's name. */
  readonly log: Log;
  /** Aborted by Ctrl-C. */
  readonly signal: AbortSignal;
  /** How long any one wait may take (`--timeout`, or the stack's default). */
  readonly timeoutMs: number;
  /** Names what this run creates (object keys, the job name), so it is told apart and removed. */
  readonly runId: string;
  readonly options: SmokeOptions;
}

/** The flags that change what a stack's checks do. */
export interface SmokeOptions {
  /** WorkerFleetStack: also send one object that is not an image, and wait for it in the dead-letter queue. */
  readonly poison: boolean;
  /** EdgeStack: request the sample paths from this origin instead of the stack's own URLs. */
  readonly edgeUrl?: string;
}

/** The smoke checks of one stack. */
export interface StackSmokeCheck {
  /** How long one wait may take when `--timeout` is not given. */
  readonly defaultTimeoutMs: number;
  /** The least-privilege policy of these checks (DescribeStacks aside, which every stack needs). */
  readonly iamStatements: readonly IamStatement[];
  run(context: StackCheckContext): Promise<CheckRow[]>;
}
