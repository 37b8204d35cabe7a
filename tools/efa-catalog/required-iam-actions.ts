import type { IamAction } from '../shared/iam-policy';

/** Every AWS API action efa-catalog calls: its whole minimal IAM policy. */
export const REQUIRED_IAM_ACTIONS = ['ec2:DescribeInstanceTypes'] as const satisfies readonly IamAction[];
