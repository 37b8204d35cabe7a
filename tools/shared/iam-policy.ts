/** An IAM action as written in a policy: `service:Operation`. */
export type IamAction = `${string}:${string}`;

/**
 * A minimal identity policy that allows `actions` on `resource`: all resources by default, for
 * the read-only Describe/Get/List calls that IAM does not scope to resource ARNs; a tool whose
 * actions do take a resource ARN names it.
 */
export function iamPolicyDocument(actions: readonly IamAction[], resource: string = '*'): object {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: [...new Set(actions)].sort(), Resource: resource }],
  };
}

/**
 * The IAM action behind an SDK command: the service's IAM prefix plus the command class name
 * without its `Command` suffix (`DescribeInstanceTypesCommand` -> `ec2:DescribeInstanceTypes`).
 */
export function iamActionOfCommand(servicePrefix: string, command: { constructor: { name: string } }): IamAction {
  return `${servicePrefix}:${command.constructor.name.replace(/Command$/, '')}`;
}
