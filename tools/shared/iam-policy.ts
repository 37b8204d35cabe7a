/** An IAM action as written in a policy: `service:Operation`. */
export type IamAction = `${string}:${string}`;

/** One Allow statement of a tool's policy. */
export interface IamStatement {
  /** Says in the printed policy what the statement is for (letters and digits only, as IAM requires). */
  readonly sid?: string;
  readonly actions: readonly IamAction[];
  /** ARNs, with wildcards; `*` where the actions support no resource-level permissions. */
  readonly resources: readonly string[];
  /** An IAM condition block, as written in a policy. */
  readonly condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/**
 * A minimal identity policy that allows `actions` on `resource`: all resources by default, for
 * the read-only Describe/Get/List calls that IAM does not scope to resource ARNs; a tool whose
 * actions do take a resource ARN names it.
 */
export function iamPolicyDocument(actions: readonly IamAction[], resource: string = '*'): object {
  return iamPolicyOf([{ actions, resources: [resource] }]);
}

/** A policy of several statements, for a tool whose actions take different resources. */
export function iamPolicyOf(statements: readonly IamStatement[]): object {
  return {
    Version: '2012-10-17',
    Statement: statements.map((statement) => ({
      ...(statement.sid === undefined ? {} : { Sid: statement.sid }),
      Effect: 'Allow',
      Action: [...new Set(statement.actions)].sort(),
      Resource: statement.resources.length === 1 ? statement.resources[0] : [...statement.resources],
      ...(statement.condition === undefined ? {} : { Condition: statement.condition }),
    })),
  };
}

/**
 * The IAM action behind an SDK command: the service's IAM prefix plus the command class name
 * without its `Command` suffix (`DescribeInstanceTypesCommand` -> `ec2:DescribeInstanceTypes`).
 */
export function iamActionOfCommand(servicePrefix: string, command: { constructor: { name: string } }): IamAction {
  return `${servicePrefix}:${command.constructor.name.replace(/Command$/, '')}`;
}
