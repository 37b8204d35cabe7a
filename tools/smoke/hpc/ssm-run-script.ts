import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  SendCommandCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { asIamAction, describeFailure } from '../../shared/failure-line';
import type { Log } from '../../shared/output';
import { formatDuration, Interrupted, pollUntil, type PollOptions, WaitTimedOut } from '../clock';

/** The AWS-owned document that runs shell commands on a Linux managed node. */
export const RUN_SHELL_SCRIPT = 'AWS-RunShellScript';

/**
 * The ends of an invocation's life (GetCommandInvocation Status:
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetCommandInvocation.html).
 * Pending, InProgress, Delayed (the node was unreachable; SSM tries again) and Cancelling are on
 * the way to one of them.
 */
const FINAL_STATUSES = new Set(['Success', 'Failed', 'Cancelled', 'TimedOut']);

/** How often the invocation is read: the job behind it starts compute nodes, which takes minutes. */
export const INVOCATION_POLL_INTERVAL_MS = 15_000;

/** How often an unchanged status is said again on stderr. */
const STILL_WAITING_EVERY_MS = 5 * 60_000;

/** A script to run on one managed node. */
export interface ShellScript {
  readonly instanceId: string;
  /** The lines of the script, as the document's `commands` parameter takes them. */
  readonly commands: readonly string[];
  /** Names the run in the console and in ListCommands (SendCommand Comment: at most 100 characters). */
  readonly comment: string;
  /**
   * The document's own limit: the agent stops the script after this many seconds. It is a
   * parameter of AWS-RunShellScript itself, 3600 when not given (the document's parameters, as
   * `aws ssm describe-document --name AWS-RunShellScript` prints them).
   */
  readonly executionTimeoutSeconds: number;
}

/** An invocation that reached a final status. */
export interface FinishedScript {
  readonly commandId: string;
  readonly status: 'Success' | 'Failed' | 'Cancelled' | 'TimedOut';
  /** The script's exit status; -1 when it never ran. */
  readonly responseCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
}

/** The script did not finish in time (or the run was interrupted): it was cancelled, or could not be. */
export class ScriptNotFinished extends Error {
  override readonly name = 'ScriptNotFinished';
  constructor(
    readonly commandId: string,
    readonly lastStatus: string,
    readonly elapsedMs: number,
    readonly cancelled: boolean,
    override readonly cause: WaitTimedOut | Interrupted,
  ) {
    super(`command ${commandId} still ${lastStatus} after ${formatDuration(elapsedMs)}`);
  }
}

/**
 * Runs `script` with SSM Run Command (SendCommand with AWS-RunShellScript) and waits for its
 * invocation with progress on stderr. Right after SendCommand, GetCommandInvocation can answer
 * InvocationDoesNotExist for a while (aws/aws-sdk#86): that is read as "not yet". On a timeout,
 * Ctrl-C or an error while waiting the command is cancelled (CancelCommand), so nothing is left
 * running on the node by this run.
 */
export async function runShellScript(ssm: SSMClient, script: ShellScript, poll: PollOptions, log: Log): Promise<FinishedScript> {
  const { Command } = await asIamAction('ssm:SendCommand', () =>
    ssm.send(
      new SendCommandCommand({
        DocumentName: RUN_SHELL_SCRIPT,
        InstanceIds: [script.instanceId],
        Comment: script.comment.slice(0, 100),
        Parameters: { commands: [...script.commands], executionTimeout: [String(script.executionTimeoutSeconds)] },
      }),
    ),
  );
  const commandId = Command?.CommandId;
  if (commandId === undefined) throw new Error('SendCommand returned no command id');
  log(`sent command ${commandId} to ${script.instanceId}`);

  const started = poll.clock.now();
  let lastStatus = 'Pending';
  let lastSaid = started;
  try {
    const { value: invocation, elapsedMs } = await pollUntil(poll, async (elapsed) => {
      const answer = await getInvocation(ssm, commandId, script.instanceId);
      const status = answer?.Status ?? 'Pending';
      if (status !== lastStatus || poll.clock.now() - lastSaid >= STILL_WAITING_EVERY_MS) {
        log(`command ${commandId}: ${status === lastStatus ? 'still ' : ''}${status} after ${formatDuration(elapsed)}`);
        lastSaid = poll.clock.now();
      }
      lastStatus = status;
      return FINAL_STATUSES.has(status) ? answer : undefined;
    });
    return {
      commandId,
      status: invocation.Status as FinishedScript['status'],
      responseCode: invocation.ResponseCode ?? -1,
      stdout: invocation.StandardOutputContent ?? '',
      stderr: invocation.StandardErrorContent ?? '',
      elapsedMs,
    };
  } catch (error) {
    const cancelled = await cancel(ssm, commandId, script.instanceId, log);
    if (error instanceof WaitTimedOut || error instanceof Interrupted) {
      throw new ScriptNotFinished(commandId, lastStatus, poll.clock.now() - started, cancelled, error);
    }
    throw error;
  }
}

async function getInvocation(
  ssm: SSMClient,
  commandId: string,
  instanceId: string,
): Promise<GetCommandInvocationCommandOutput | undefined> {
  try {
    return await asIamAction('ssm:GetCommandInvocation', () =>
      ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId })),
    );
  } catch (error) {
    if ((error as { cause?: { name?: string } }).cause?.name === 'InvocationDoesNotExist') return undefined;
    throw error;
  }
}

async function cancel(ssm: SSMClient, commandId: string, instanceId: string, log: Log): Promise<boolean> {
  try {
    await asIamAction('ssm:CancelCommand', () => ssm.send(new CancelCommandCommand({ CommandId: commandId, InstanceIds: [instanceId] })));
    log(`cancelled command ${commandId}`);
    return true;
  } catch (error) {
    log(`could not cancel command ${commandId} (${describeFailure(error)}): run aws ssm cancel-command --command-id ${commandId}`);
    return false;
  }
}
