import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ActionableError, asIamAction } from '../shared/failure-line';

/** A deployed stack as the smoke checks read it: its status and outputs. */
export interface DeployedStack {
  readonly name: string;
  readonly region: string;
  readonly status: string;
  readonly outputs: Readonly<Record<string, string>>;
}

/**
 * States in which a stack's resources are in place: created, updated, or rolled back to the last
 * working version after a failed update (CloudFormation's stack status values:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Stack.html).
 */
const READY_STATUSES = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE']);

/** Whether the stack's resources are in place, so its checks can run. */
export function isReady(stack: DeployedStack): boolean {
  return READY_STATUSES.has(stack.status);
}

/**
 * The stack named `name` in the client's region, or `undefined` when it is not deployed there.
 * DescribeStacks answers a name it does not know with a ValidationError "Stack with id <name>
 * does not exist" (as the AWS CLI prints it in SWO-GS/auto-tag#87 and envato/stack_master#128);
 * by name it describes only a live stack, never a deleted one.
 */
export async function describeDeployedStack(
  cloudFormation: CloudFormationClient,
  name: string,
  region: string,
): Promise<DeployedStack | undefined> {
  return asIamAction('cloudformation:DescribeStacks', async () => {
    try {
      const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: name }));
      const stack = Stacks?.[0];
      if (stack === undefined) return undefined;
      const outputs: Record<string, string> = {};
      for (const output of stack.Outputs ?? []) {
        if (output.OutputKey !== undefined && output.OutputValue !== undefined) outputs[output.OutputKey] = output.OutputValue;
      }
      return { name, region, status: stack.StackStatus ?? 'UNKNOWN', outputs };
    } catch (error) {
      const { name: errorName, message } = error as { name?: string; message?: string };
      if (errorName === 'ValidationError' && /does not exist/.test(message ?? '')) return undefined;
      throw error;
    }
  });
}

/**
 * The outputs a check needs, or one line that names the first missing one: a stack deployed
 * from an older version of this app lacks outputs the smoke checks read.
 */
export function requireOutputs<const Key extends string>(stack: DeployedStack, keys: readonly Key[]): Record<Key, string> {
  const values = {} as Record<Key, string>;
  for (const key of keys) {
    const value = stack.outputs[key];
    if (value === undefined || value === '') {
      throw new ActionableError(
        `${stack.name} has no output ${key}: deploy it again from this version of the app (npx cdk deploy ${stack.name}), which adds it`,
      );
    }
    values[key] = value;
  }
  return values;
}
