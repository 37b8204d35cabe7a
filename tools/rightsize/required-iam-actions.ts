import type { IamAction } from '../shared/iam-policy';

/** Every AWS API action rightsize calls itself. */
export const REQUIRED_IAM_ACTIONS = [
  'compute-optimizer:GetEnrollmentStatus',
  'tag:GetResources',
  'compute-optimizer:GetAutoScalingGroupRecommendations',
  'compute-optimizer:GetEC2InstanceRecommendations',
  'compute-optimizer:GetLambdaFunctionRecommendations',
  'compute-optimizer:GetECSServiceRecommendations',
] as const satisfies readonly IamAction[];

/**
 * Actions Compute Optimizer checks on the caller's identity before it returns recommendations
 * (Compute Optimizer user guide, "Controlling access with IAM"): rightsize never calls them, but
 * its policy needs them.
 */
export const IAM_ACTIONS_CHECKED_BY_COMPUTE_OPTIMIZER = [
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:DescribeAutoScalingInstances',
  'ec2:DescribeInstances',
  'lambda:ListFunctions',
  'lambda:ListProvisionedConcurrencyConfigs',
  'ecs:ListServices',
  'ecs:ListClusters',
] as const satisfies readonly IamAction[];
