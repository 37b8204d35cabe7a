import type { IamAction } from '../shared/iam-policy';

/** Every AWS API action preflight calls: its whole minimal IAM policy. */
export const REQUIRED_IAM_ACTIONS = [
  'ec2:DescribeAvailabilityZones',
  'ec2:DescribeInstanceTypeOfferings',
  'ec2:DescribeInstanceTypes',
  'ec2:DescribePlacementGroups',
  'ssm:GetParametersByPath',
] as const satisfies readonly IamAction[];
