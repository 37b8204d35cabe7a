import type { AppStackName } from '../shared/app-stacks';
import type { IamStatement } from '../shared/iam-policy';
import type { StackSmokeCheck } from './stack-check';

/**
 * The policy of a run over `stacks`: DescribeStacks on those stacks by name (the one action here
 * whose resource names are known before the deploy: CloudFormation keeps the names the app gives,
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html),
 * then each stack's checks. The other resources are named by CloudFormation at deploy time, so
 * their statements fix the resource type and, for S3, the key prefix the checks write under.
 */
export function smokeIamStatements(
  stacks: readonly AppStackName[],
  checks: Readonly<Record<AppStackName, StackSmokeCheck>>,
): IamStatement[] {
  return [
    {
      sid: 'SmokeReadStacks',
      actions: ['cloudformation:DescribeStacks'],
      resources: stacks.map((stack) => `arn:aws:cloudformation:*:*:stack/${stack}/*`),
    },
    ...stacks.flatMap((stack) => checks[stack].iamStatements),
  ];
}
