/** An IAM action as written in a policy: `service:Operation`. */
export type IamAction = `${string}:${string}`;

/**
 * A minimal identity policy that allows `actions` on all resources: every action the tools use
 * is a read-only Describe/Get/List call that IAM does not scope to resource ARNs.
 */
export function iamPolicyDocument(actions: readonly IamAction[]): object {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: [...new Set(actions)].sort(), Resource: '*' }],
  };
}

/**
 * The IAM action behind an SDK command: the service's IAM prefix plus the command class name
 * without its `Command` suffix (`DescribeInstanceTypesCommand` -> `ec2:DescribeInstanceTypes`).
 */
export function iamActionOfCommand(servicePrefix: string, command: { constructor: { name: string } }): IamAction {
  return `${servicePrefix}:${command.constructor.name.replace(/Command$/, '')}`;
}
